/**
 * Annotate: defect boxes on the images of a folder, for the supervised model and for detector training elsewhere
 * (COCO / YOLO export). Image list with each image's state; the image on a canvas (annotate/BoxEditor) where boxes
 * are drawn, moved and resized; every change is saved at once. Keys: → / N next image, ← / P previous, Delete
 * removes the selected box, Esc deselects, G marks the image good (no boxes).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AnnotatedImageInfo, AnnotationFolder, AnnotationState, ImageAnnotationDto } from '../../../main/common/api.js';
import { FolderField } from '../components/FolderField.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';
import { usePersistent } from '../lib/persist.js';
import { BoxEditor, colourOf } from './annotate/BoxEditor.js';
import { TransferPanel } from './annotate/TransferPanel.js';


function countsOf(images: readonly AnnotatedImageInfo[]): AnnotationFolder['counts'] {
  const c = { none: 0, defect: 0, good: 0 };
  for (const i of images) c[i.state]++;
  return c;
}

export function Annotate() {
  const { api } = useStation();
  const { run } = useCall();
  const [folder, setFolder] = usePersistent('annotate.folder', '');
  const [current, setCurrent] = usePersistent('annotate.current', '');
  const [label, setLabel] = usePersistent('annotate.label', 'defect');
  const [recent, setRecent] = usePersistent<string[]>('annotate.recent', []);
  const [listing, setListing] = useState<AnnotationFolder | null>(null);
  const [version, setVersion] = useState(0);
  const { t } = useTranslation();
  const stateText = (s: AnnotationState) => t(`annotate.state.${s}`);

  const load = useCallback(
    async (f: string) => {
      if (!f.trim()) return setListing(null);
      const l = await run('List images', () => api.annotations.list({ folder: f.trim() }));
      setListing(l);
      if (l && !l.images.some((i) => i.path === current)) setCurrent(l.images[0]?.path ?? '');
    },
    [api, run, current, setCurrent],
  );
  // Re-list when the folder changes, not when the current image does (load's identity follows `current`).
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    // typed paths change per keystroke: list after a pause
    const t = setTimeout(() => void loadRef.current(folder), 400);
    return () => clearTimeout(t);
  }, [folder, api]);

  const images = useMemo(() => listing?.images ?? [], [listing]);
  const index = images.findIndex((i) => i.path === current);
  const go = useCallback(
    (delta: number) => {
      if (!images.length) return;
      const next = Math.max(0, Math.min(images.length - 1, (index < 0 ? 0 : index) + delta));
      setCurrent(images[next]!.path);
    },
    [images, index, setCurrent],
  );
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLElement && e.target.closest('input, textarea, select, dialog')) return;
      const delta = e.key === 'ArrowRight' || e.key === 'n' ? 1 : e.key === 'ArrowLeft' || e.key === 'p' ? -1 : 0;
      if (!delta) return;
      e.preventDefault();
      go(delta);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  const onSaved = useCallback((a: ImageAnnotationDto) => {
    setListing((l) => {
      if (!l) return l;
      const imgs = l.images.map((i) => (i.path === a.path ? { ...i, state: a.state, boxes: a.boxes.length } : i));
      const labels = [...new Set([...l.labels, ...a.boxes.map((b) => b.label)])].sort();
      return { ...l, images: imgs, counts: countsOf(imgs), labels };
    });
  }, []);

  const pickLabel = (l: string) => {
    const v = l.trim();
    if (!v) return;
    setLabel(v);
    setRecent([v, ...recent.filter((r) => r !== v)].slice(0, 8));
  };

  /** After an import the folder's boxes changed: re-list, and re-open the current image. */
  const afterTransfer = async () => {
    await load(folder);
    setVersion((v) => v + 1);
  };
  const f = folder.trim();
  const choices = [...new Set([...recent, ...(listing?.labels ?? [])])];

  return (
    <div className="annotate" data-testid="annotate-view">
      <div className="stack">
        <div className="panel stack">
          <FolderField label={t('annotate.folder')} value={folder} onChange={setFolder} testId="annotate-folder" />
          {listing ? (
            <div className="small" data-testid="annotate-counts" data-none={listing.counts.none} data-defect={listing.counts.defect} data-good={listing.counts.good}>
              <b>{images.length}</b> {t('annotate.images', { count: images.length })}{' '}
              <span className="tag ng">
                {listing.counts.defect} {stateText('defect')}
              </span>{' '}
              <span className="tag ok">
                {listing.counts.good} {stateText('good')}
              </span>{' '}
              <span className="tag">
                {listing.counts.none} {stateText('none')}
              </span>
              {listing.truncated ? <span className="warn-text"> {t('folder.truncated')}</span> : null}
            </div>
          ) : null}
          <div className="annotate-list" data-testid="annotate-list">
            {images.map((i) => (
              <button
                key={i.path}
                type="button"
                className="annotate-item"
                aria-current={i.path === current}
                data-testid="annotate-item"
                data-name={i.name}
                data-state={i.state}
                onClick={() => setCurrent(i.path)}
              >
                <span className="mono small grow">{i.name}</span>
                <span className={`tag ${i.state === 'defect' ? 'ng' : i.state === 'good' ? 'ok' : ''}`}>
                  {stateText(i.state)}
                  {i.state === 'defect' ? ` ${i.boxes}` : ''}
                </span>
              </button>
            ))}
            {listing && images.length === 0 ? <div className="muted small">{t('annotate.noImages')}</div> : null}
          </div>
        </div>

        <TransferPanel folder={f} hasMasks={!!listing?.hasMasks} onImported={afterTransfer} />
      </div>

      <div className="panel stack">
        <div className="row">
          <button className="btn" disabled={index <= 0} onClick={() => go(-1)} title={t('annotate.prevTitle')}>
            ◀ {t('annotate.prev')}
          </button>
          <button className="btn" disabled={index < 0 || index >= images.length - 1} onClick={() => go(1)} data-testid="annotate-next" title={t('annotate.nextTitle')}>
            {t('annotate.next')} ▶
          </button>
          <span className="mono small grow">{index >= 0 ? `${index + 1} / ${images.length} · ${images[index]!.name}` : ''}</span>
        </div>
        <div className="row">
          <label className="field" style={{ width: 220 }}>
            <span>{t('annotate.classLabel')}</span>
            <input
              className="input"
              list="annotate-labels"
              value={label}
              data-testid="annotate-label"
              onChange={(e) => setLabel(e.target.value)}
              onBlur={(e) => pickLabel(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && pickLabel((e.target as HTMLInputElement).value)}
            />
            <datalist id="annotate-labels">
              {choices.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </label>
          <div className="row" style={{ alignSelf: 'end' }}>
            {choices.slice(0, 6).map((c) => (
              <button key={c} type="button" className="btn small" aria-pressed={c === label} onClick={() => pickLabel(c)} style={{ borderColor: colourOf(c) }}>
                {c}
              </button>
            ))}
          </div>
        </div>
        {current && index >= 0 ? <BoxEditor key={`${current}#${version}`} path={current} label={label.trim() || 'defect'} onSaved={onSaved} onLabelUsed={pickLabel} /> : <div className="empty muted">{t('annotate.chooseFolder')}</div>}
      </div>
    </div>
  );
}
