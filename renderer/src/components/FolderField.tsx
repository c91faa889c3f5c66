/**
 * A server-side folder path: typed, or chosen with the native dialog (Electron) or with a simple
 * folder browser over `system.listFolder` (browser, where no native dialog reaches the engine's disk).
 */
import { useEffect, useRef, useState } from 'react';
import type { FolderListing } from '../../../main/common/api.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';

interface Props {
  readonly label: string;
  readonly value: string;
  readonly onChange: (path: string) => void;
  readonly placeholder?: string;
  readonly testId?: string;
}

export function FolderField({ label, value, onChange, placeholder, testId }: Props) {
  const { api, info } = useStation();
  const { run } = useCall();
  const [browsing, setBrowsing] = useState(false);

  const browse = async () => {
    if (info?.canPickFolder) {
      const r = await run('Choose folder', () => api.system.pickFolder({ title: label, defaultPath: value || undefined }));
      if (r?.path) onChange(r.path);
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
          placeholder={placeholder ?? '/path/to/folder'}
          spellCheck={false}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
        />
        <button type="button" className="btn" onClick={() => void browse()}>
          Browse…
        </button>
      </div>
      {browsing ? (
        <FolderBrowser
          start={value}
          title={label}
          onClose={() => setBrowsing(false)}
          onPick={(p) => {
            onChange(p);
            setBrowsing(false);
          }}
        />
      ) : null}
    </label>
  );
}

function FolderBrowser({ start, title, onPick, onClose }: { start: string; title: string; onPick: (p: string) => void; onClose: () => void }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const [listing, setListing] = useState<FolderListing | null>(null);
  const ref = useRef<HTMLDialogElement>(null);

  const open = async (path?: string) => {
    const l = await run('List folder', () => api.system.listFolder(path ? { path } : {}));
    if (l) setListing(l);
  };
  useEffect(() => {
    ref.current?.showModal();
    void open(start || undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on mount: later `start` changes must not re-list
  }, []);

  return (
    <dialog ref={ref} className="modal folder-browser" onClose={onClose} onCancel={onClose}>
      <h3>{title}</h3>
      <div className="mono small folder-path">{listing?.path ?? '…'}</div>
      <div className="folder-list">
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
        <span className="muted small">
          {listing ? `${listing.imageCount} image${listing.imageCount === 1 ? '' : 's'} here${listing.truncated ? ' (list truncated)' : ''}` : ''}
        </span>
        <span style={{ flex: 1 }} />
        <button type="button" className="btn" onClick={() => ref.current?.close()}>
          Cancel
        </button>
        <button type="button" className="btn primary" disabled={!listing || busy} onClick={() => listing && onPick(listing.path)}>
          Use this folder
        </button>
      </div>
    </dialog>
  );
}
