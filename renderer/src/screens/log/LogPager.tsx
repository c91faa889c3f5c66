/** Newest / newer / older / oldest: keyset moves, each one page query however deep the log is. */
import { useTranslation } from 'react-i18next';
import type { LogView, PageMove } from './log-view.js';

export function LogPager({ view, total, onMove }: { view: LogView; total: number; onMove: (m: PageMove) => void }) {
  const n = view.items.length;
  const { t } = useTranslation();
  return (
    <div className="pager">
      <span className="small muted" data-testid="page-info">
        {n ? t('log.range', { from: view.start + 1, to: view.start + n, total }) : t('log.rangeEmpty', { total })}
      </span>
      <button className="btn small" data-testid="page-newest" disabled={!view.hasNewer && view.start === 0} onClick={() => onMove('newest')}>
        « {t('log.newest')}
      </button>
      <button className="btn small" data-testid="page-prev" disabled={!view.hasNewer} onClick={() => onMove('newer')}>
        ‹ {t('log.newer')}
      </button>
      <button className="btn small" data-testid="page-next" disabled={!view.hasOlder} onClick={() => onMove('older')}>
        {t('log.older')} ›
      </button>
      <button className="btn small" data-testid="page-oldest" disabled={!view.hasOlder} onClick={() => onMove('oldest')}>
        {t('log.oldest')} »
      </button>
    </div>
  );
}
