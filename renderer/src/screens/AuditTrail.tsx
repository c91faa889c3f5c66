/** The audit trail: who changed what, when, old -> new, why. Read-only (the store refuses changes); CSV export. */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntryDto } from '../../../main/common/accounts.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';

const show = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(Number(v.toPrecision(6))) : JSON.stringify(v);

export function AuditTrail() {
  const { api, generation, mediaUrl } = useStation();
  const { t } = useTranslation();
  const { run, busy } = useCall();
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [items, setItems] = useState<AuditEntryDto[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [exported, setExported] = useState<{ media: string; rows: number } | null>(null);
  // Loads applied, and the action filter of the last: a reply to an older filter (typing is faster) is dropped.
  const [loaded, setLoaded] = useState({ n: 0, action: '' });
  const seq = useRef(0);
  const filter = { ...(actor.trim() ? { actor: actor.trim() } : {}), ...(action.trim() ? { action: action.trim() } : {}) };
  const load = async (beforeId?: number) => {
    const mine = ++seq.current;
    const asked = filter.action ?? '';
    const page = await run('Audit trail', () => api.audit.list({ limit: 100, ...filter, ...(beforeId ? { beforeId } : {}) }));
    if (!page || mine !== seq.current) return;
    setItems((prev) => (beforeId ? [...prev, ...page.items] : [...page.items]));
    setNext(page.next);
    setLoaded((l) => ({ n: l.n + 1, action: asked }));
  };
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reload on a new connection or filter only
  }, [api, generation, actor, action]);
  return (
    <div className="panel stack" data-testid="audit-view">
      <header className="row">
        <h2>{t('access.audit')}</h2>
        <span className="spacer" style={{ flex: 1 }} />
        <input className="input" placeholder={t('access.filterActor')} data-testid="audit-actor" value={actor} onChange={(e) => setActor(e.target.value)} />
        <input className="input" placeholder={t('access.filterAction')} data-testid="audit-action" value={action} onChange={(e) => setAction(e.target.value)} />
        <button className="btn" data-testid="audit-refresh" disabled={busy} onClick={() => void load()}>
          {t('access.refresh')}
        </button>
        <button className="btn" data-testid="audit-export" disabled={busy} onClick={() => void run('Audit export', () => api.audit.export(filter)).then((r) => r && setExported(r))}>
          {t('access.exportCsv')}
        </button>
        {exported ? (
          <a href={mediaUrl(exported.media)} download data-testid="audit-download">
            {t('access.download', { rows: exported.rows })}
          </a>
        ) : null}
      </header>
      <table className="list" data-testid="audit-table" data-loads={loaded.n} data-action-filter={loaded.action}>
        <thead>
          <tr>
            <th>{t('access.when')}</th>
            <th>{t('access.who')}</th>
            <th>{t('access.what')}</th>
            <th>{t('access.target')}</th>
            <th>{t('access.oldNew')}</th>
            <th>{t('access.why')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-testid="audit-row" data-action={e.action} data-actor={e.actor}>
              <td className="mono small">{e.at.replace('T', ' ').slice(0, 19)}</td>
              <td>{e.actor}</td>
              <td className="mono">{e.action}</td>
              <td className="small audit-values">{e.target}</td>
              <td className="small audit-values">
                {show(e.old)} → {show(e.new)}
              </td>
              <td>{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 ? <div className="empty">{t('access.auditEmpty')}</div> : null}
      {next !== null ? (
        <button className="btn" disabled={busy} onClick={() => void load(next)}>
          {t('access.older')}
        </button>
      ) : null}
    </div>
  );
}
