/**
 * A server-side folder path: typed, or chosen with the native dialog (Electron) or with a folder browser over
 * `system.listFolder` (browser, where no native dialog reaches the engine's disk). The browser opens at the field's
 * folder, else at the last folder used in any field; it has a path entry (type or paste a path, Enter) and the
 * recently used folders (remembered on this machine).
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FolderListing } from '../../../main/common/api.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';
import { usePersistent } from '../lib/persist.js';

interface Props {
  readonly label: string;
  readonly value: string;
  readonly onChange: (path: string) => void;
  readonly placeholder?: string;
  readonly testId?: string;
}

const RECENT_MAX = 8;

/** The recently used folders (newest first), shared by every folder field. */
export function useRecentFolders(): [string[], (path: string) => void] {
  const [recent, setRecent] = usePersistent<string[]>('folders.recent', []);
  const remember = (path: string) => {
    const p = path.trim();
    if (!p) return;
    // Read the stored list again: another field may have added one since this one rendered.
    let now = recent;
    try {
      now = JSON.parse(localStorage.getItem('station.ui.folders.recent') ?? '[]') as string[];
    } catch {
      // keep the rendered list
    }
    setRecent([p, ...now.filter((r) => r !== p)].slice(0, RECENT_MAX));
  };
  return [recent, remember];
}

export function FolderField({ label, value, onChange, placeholder, testId }: Props) {
  const { api, info } = useStation();
  const { run } = useCall();
  const { t } = useTranslation();
  const [browsing, setBrowsing] = useState(false);
  const [recent, remember] = useRecentFolders();

  const browse = async () => {
    if (info?.canPickFolder) {
      const r = await run('Choose folder', () => api.system.pickFolder({ title: label, defaultPath: value || recent[0] || undefined }));
      if (r?.path) {
        onChange(r.path);
        remember(r.path);
      }
      if (r && r.supported) return;
    }
    setBrowsing(true);
  };

  return (
    <label className="field">
      <span>{label}</span>
      <div className="row" style={{ flexWrap: 'nowrap' }}>
        <input
          className="input mono"
          style={{ flex: 1 }}
          value={value}
          placeholder={placeholder ?? t('folder.placeholder')}
          spellCheck={false}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
          onBlur={(e) => remember(e.target.value)}
        />
        <button type="button" className="btn" data-testid={testId ? `${testId}-browse` : undefined} onClick={() => void browse()}>
          {t('folder.browse')}
        </button>
      </div>
      {browsing ? (
        <FolderBrowser
          start={value.trim() || recent[0] || ''}
          recent={recent}
          title={label}
          onClose={() => setBrowsing(false)}
          onPick={(p) => {
            onChange(p);
            remember(p);
            setBrowsing(false);
          }}
        />
      ) : null}
    </label>
  );
}

function FolderBrowser({ start, recent, title, onPick, onClose }: { start: string; recent: readonly string[]; title: string; onPick: (p: string) => void; onClose: () => void }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const { t } = useTranslation();
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [typed, setTyped] = useState(start);
  const ref = useRef<HTMLDialogElement>(null);

  const open = async (path?: string) => {
    const l = await run('List folder', () => api.system.listFolder(path ? { path } : {}));
    if (l) {
      setListing(l);
      setTyped(l.path);
    }
    return l;
  };
  useEffect(() => {
    ref.current?.showModal();
    // The last folder may be gone: then the home folder.
    void open(start || undefined).then((l) => (l || !start ? null : open()));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on mount: later `start` changes must not re-list
  }, []);

  return (
    <dialog ref={ref} className="modal folder-browser" data-testid="folder-browser" onClose={onClose} onCancel={onClose}>
      <h3>{title}</h3>
      <form
        className="row"
        style={{ flexWrap: 'nowrap' }}
        onSubmit={(e) => {
          e.preventDefault();
          if (typed.trim()) void open(typed.trim());
        }}
      >
        <input
          className="input mono"
          style={{ flex: 1 }}
          value={typed}
          spellCheck={false}
          aria-label={t('folder.pathEntry')}
          data-testid="folder-browser-path"
          onChange={(e) => setTyped(e.target.value)}
        />
        <button type="submit" className="btn" data-testid="folder-browser-go" disabled={busy || !typed.trim()}>
          {t('folder.go')}
        </button>
      </form>
      {recent.length ? (
        <details className="folder-recent" open>
          <summary className="small muted">{t('folder.recent')}</summary>
          <div className="folder-list" data-testid="folder-recent">
            {recent.map((r) => (
              <button type="button" key={r} className="folder-entry mono small" title={r} onClick={() => void open(r)}>
                ↺ {r}
              </button>
            ))}
          </div>
        </details>
      ) : null}
      <div className="folder-list" data-testid="folder-entries">
        {listing?.parent ? (
          <button type="button" className="folder-entry" onClick={() => void open(listing.parent!)}>
            ⬑ ..
          </button>
        ) : null}
        {listing?.entries
          .filter((e) => e.kind === 'dir')
          .map((e) => (
            <button type="button" key={e.path} className="folder-entry" onClick={() => void open(e.path)}>
              ▸ {e.name}
            </button>
          ))}
      </div>
      <div className="row" style={{ marginTop: 12 }}>
        <span className="muted small" data-testid="folder-browser-count">
          {listing ? t('folder.imagesHere', { count: listing.imageCount }) + (listing.truncated ? ` ${t('folder.truncated')}` : '') : ''}
        </span>
        <span style={{ flex: 1 }} />
        <button type="button" className="btn" onClick={() => ref.current?.close()}>
          {t('common.cancel')}
        </button>
        <button type="button" className="btn primary" data-testid="folder-browser-use" disabled={!listing || busy} onClick={() => listing && onPick(listing.path)}>
          {t('folder.use')}
        </button>
      </div>
    </dialog>
  );
}
