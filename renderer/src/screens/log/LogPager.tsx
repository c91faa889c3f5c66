/** Newest / newer / older / oldest: keyset moves, each one page query however deep the log is. */
import type { LogView, PageMove } from './log-view.js';

export function LogPager({ view, total, onMove }: { view: LogView; total: number; onMove: (m: PageMove) => void }) {
  const n = view.items.length;
  return (
    <div className="pager">
      <span className="small muted" data-testid="page-info">
        {n ? `${view.start + 1}–${view.start + n} of ${total}` : `0 of ${total}`}
      </span>
      <button className="btn small" data-testid="page-newest" disabled={!view.hasNewer && view.start === 0} onClick={() => onMove('newest')}>
        « Newest
      </button>
      <button className="btn small" data-testid="page-prev" disabled={!view.hasNewer} onClick={() => onMove('newer')}>
        ‹ Newer
      </button>
      <button className="btn small" data-testid="page-next" disabled={!view.hasOlder} onClick={() => onMove('older')}>
        Older ›
      </button>
      <button className="btn small" data-testid="page-oldest" disabled={!view.hasOlder} onClick={() => onMove('oldest')}>
        Oldest »
      </button>
    </div>
  );
}
