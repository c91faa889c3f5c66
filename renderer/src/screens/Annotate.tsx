/**
 * Annotate: defect boxes on the images of a folder, for the supervised model and for detector training elsewhere
 * (COCO / YOLO export). Image list with each image's state; the image on a canvas where a drag draws a box, a drag
 * on a box moves it and a drag on a handle of the selected box resizes it (mouse, pen and touch alike, through
 * pointer events); every change is saved at once. Keys: → / N next image, ← / P previous, Delete removes the
 * selected box, Esc deselects, G marks the image good (no boxes).
 */
import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { AnnotatedImageInfo, AnnotationBoxDto, AnnotationFolder, AnnotationFormat, AnnotationState, AnnotationTransferResult, ImageAnnotationDto } from '../../../main/common/api.js';
import { isSafeMediaRef } from '../../../main/common/media.js';
import { FolderField } from '../components/FolderField.js';
import { useStation } from '../connection.js';
import { applyDrag, cursorOf, handles, hitBox, hitHandle, type Drag } from '../lib/box-edit.js';
import { useCall } from '../lib/hooks.js';
import { usePersistent } from '../lib/persist.js';

const STATE_TEXT: Record<AnnotationState, string> = { none: 'to do', defect: 'defect', good: 'good' };

/** A stable colour per class name. */
function colourOf(label: string): string {
  let h = 0;
  for (const c of label) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${(h + 20) % 360} 95% 60%)`;
}

function countsOf(images: readonly AnnotatedImageInfo[]): AnnotationFolder['counts'] {
  const c = { none: 0, defect: 0, good: 0 };
  for (const i of images) c[i.state]++;
  return c;
}

export function Annotate() {
  const { api, mediaUrl } = useStation();
  const { run, busy } = useCall();
  const [folder, setFolder] = usePersistent('annotate.folder', '');
  const [current, setCurrent] = usePersistent('annotate.current', '');
  const [label, setLabel] = usePersistent('annotate.label', 'defect');
  const [recent, setRecent] = usePersistent<string[]>('annotate.recent', []);
  const [exportPath, setExportPath] = usePersistent('annotate.exportPath', '');
  const [importPath, setImportPath] = usePersistent('annotate.importPath', '');
  const [importFormat, setImportFormat] = usePersistent<AnnotationFormat>('annotate.importFormat', 'coco');
  const [listing, setListing] = useState<AnnotationFolder | null>(null);
  const [transfer, setTransfer] = useState<{ what: string; r: AnnotationTransferResult } | null>(null);
  const [version, setVersion] = useState(0);

  const load = useCallback(
    async (f: string) => {
      if (!f.trim()) return setListing(null);
      const l = await run('List images', () => api.annotations.list({ folder: f.trim() }));
      setListing(l);
      if (l && !l.images.some((i) => i.path === current)) setCurrent(l.images[0]?.path ?? '');
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, run, current],
  );
  useEffect(() => {
    // typed paths change per keystroke: list after a pause
    const t = setTimeout(() => void load(folder), 400);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [folder, api]);

  const images = listing?.images ?? [];
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
      if (e.key === 'ArrowRight' || e.key === 'n') (e.preventDefault(), go(1));
      if (e.key === 'ArrowLeft' || e.key === 'p') (e.preventDefault(), go(-1));
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

  const afterTransfer = async (what: string, r: AnnotationTransferResult | null) => {
    if (!r) return;
    setTransfer({ what, r });
    await load(folder);
    setVersion((v) => v + 1);
  };
  const f = folder.trim();
  const choices = [...new Set([...recent, ...(listing?.labels ?? [])])];

  return (
    <div className="annotate" data-testid="annotate-view">
      <div className="stack">
        <div className="panel stack">
          <FolderField label="Folder of images to annotate" value={folder} onChange={setFolder} testId="annotate-folder" />
          {listing ? (
            <div className="small" data-testid="annotate-counts" data-none={listing.counts.none} data-defect={listing.counts.defect} data-good={listing.counts.good}>
              <b>{images.length}</b> images: <span className="tag ng">{listing.counts.defect} defect</span> <span className="tag ok">{listing.counts.good} good</span>{' '}
              <span className="tag">{listing.counts.none} to do</span>
              {listing.truncated ? <span className="warn-text"> (list truncated)</span> : null}
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
                  {STATE_TEXT[i.state]}
                  {i.state === 'defect' ? ` ${i.boxes}` : ''}
                </span>
              </button>
            ))}
            {listing && images.length === 0 ? <div className="muted small">No images in this folder.</div> : null}
          </div>
        </div>

        <div className="panel stack">
          <h2>Import / export</h2>
          <div className="row">
            <button
              className="btn"
              data-testid="import-masks"
              disabled={busy || !f || !listing?.hasMasks}
              title={listing?.hasMasks ? 'MVTec ground_truth masks as boxes' : 'no ground_truth/ masks for this folder'}
              onClick={() => void run('Import masks', () => api.annotations.importMasks({ folder: f })).then((r) => afterTransfer('Imported masks', r))}
            >
              Import masks
            </button>
            <button className="btn" data-testid="export-coco" disabled={busy || !f} onClick={() => void run('Export COCO', () => api.annotations.export({ folder: f, format: 'coco', path: exportPath.trim() || undefined })).then((r) => r && setTransfer({ what: 'Exported COCO', r }))}>
              Export COCO
            </button>
            <button className="btn" data-testid="export-yolo" disabled={busy || !f} onClick={() => void run('Export YOLO', () => api.annotations.export({ folder: f, format: 'yolo', path: exportPath.trim() || undefined })).then((r) => r && setTransfer({ what: 'Exported YOLO', r }))}>
              Export YOLO
            </button>
          </div>
          <label className="field">
            <span>Export to (optional: a .json file for COCO, a folder for YOLO)</span>
            <input className="input mono" value={exportPath} placeholder="default: under the data folder" spellCheck={false} onChange={(e) => setExportPath(e.target.value)} />
          </label>
          <div className="row" style={{ flexWrap: 'nowrap' }}>
            <select className="input" value={importFormat} aria-label="import format" onChange={(e) => setImportFormat(e.target.value as AnnotationFormat)}>
              <option value="coco">COCO file</option>
              <option value="yolo">YOLO folder</option>
            </select>
            <input className="input mono" style={{ flex: 1 }} value={importPath} placeholder="/path/to/annotations.json" spellCheck={false} data-testid="import-path" onChange={(e) => setImportPath(e.target.value)} />
            <button
              className="btn"
              data-testid="import-annotations"
              disabled={busy || !f || !importPath.trim()}
              onClick={() => void run('Import annotations', () => api.annotations.import({ folder: f, format: importFormat, path: importPath.trim() })).then((r) => afterTransfer('Imported', r))}
            >
              Import
            </button>
          </div>
          {transfer ? (
            <div className="small" data-testid="transfer-done">
              {transfer.what}: <b>{transfer.r.images}</b> images, <b>{transfer.r.boxes}</b> boxes
              {transfer.r.skipped ? `, ${transfer.r.skipped} already annotated (kept)` : ''}
              {transfer.r.labels.length ? ` (${transfer.r.labels.join(', ')})` : ''} — <span className="mono">{transfer.r.path}</span>
              {transfer.r.missing?.length ? <div className="warn-text">not found: {transfer.r.missing.join(', ')}</div> : null}
              {transfer.r.media && isSafeMediaRef(transfer.r.media) ? (
                <>
                  {' '}
                  <a className="btn small" href={mediaUrl(transfer.r.media)} download data-testid="transfer-download">
                    Download
                  </a>
                </>
              ) : null}
            </div>
          ) : null}
        </div>
      </div>

      <div className="panel stack">
        <div className="row">
          <button className="btn" disabled={index <= 0} onClick={() => go(-1)} title="Previous image (←)">
            ◀ Prev
          </button>
          <button className="btn" disabled={index < 0 || index >= images.length - 1} onClick={() => go(1)} data-testid="annotate-next" title="Next image (→)">
            Next ▶
          </button>
          <span className="mono small grow">{index >= 0 ? `${index + 1} / ${images.length} · ${images[index]!.name}` : ''}</span>
        </div>
        <div className="row">
          <label className="field" style={{ width: 220 }}>
            <span>Class label</span>
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
        {current && index >= 0 ? <BoxEditor key={`${current}#${version}`} path={current} label={label.trim() || 'defect'} onSaved={onSaved} onLabelUsed={pickLabel} /> : <div className="empty muted">Choose a folder with images.</div>}
      </div>
    </div>
  );
}

type SaveState = 'loading' | 'saved' | 'saving' | 'error';

function BoxEditor({ path, label, onSaved, onLabelUsed }: { path: string; label: string; onSaved: (a: ImageAnnotationDto) => void; onLabelUsed: (l: string) => void }) {
  const { api } = useStation();
  const { run } = useCall();
  const [ann, setAnn] = useState<ImageAnnotationDto | null>(null);
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  const [boxes, setBoxes] = useState<AnnotationBoxDto[]>([]);
  const [selected, setSelected] = useState(-1);
  const [draft, setDraft] = useState<{ index: number; box: AnnotationBoxDto } | null>(null);
  const [saveState, setSaveState] = useState<SaveState>('loading');
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [cursor, setCursor] = useState('crosshair');
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const drag = useRef<Drag | null>(null);
  const chain = useRef<Promise<unknown>>(Promise.resolve());

  useEffect(() => {
    let live = true;
    void (async () => {
      const a = await run('Open annotation', () => api.annotations.get({ path }));
      if (!live || !a) return setSaveState('error');
      setAnn(a);
      setBoxes([...a.boxes]);
      const p = await run('Load image', () => api.datasets.preview({ path, size: 1024 }));
      if (!live || !p) return;
      const el = new Image();
      el.onload = () => live && (setImg(el), setSaveState('saved'));
      el.src = `data:${p.mime};base64,${p.data}`;
    })();
    return () => {
      live = false;
    };
  }, [api, run, path]);

  // Fit the canvas to the panel (and the window height), keeping the image's aspect ratio.
  useEffect(() => {
    const el = wrap.current;
    if (!el || !ann) return;
    const fit = () => {
      const maxW = el.clientWidth;
      const maxH = Math.max(240, window.innerHeight - el.getBoundingClientRect().top - 24);
      const s = Math.min(maxW / ann.width, maxH / ann.height);
      setSize({ w: Math.floor(ann.width * s), h: Math.floor(ann.height * s) });
    };
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ann]);
  const scale = ann && size.w ? size.w / ann.width : 1;

  const commit = useCallback(
    (next: AnnotationBoxDto[]) => {
      setBoxes(next);
      setSaveState('saving');
      // Saves run one after another, so the last edit is the one stored.
      chain.current = chain.current.then(async () => {
        const r = await run('Save annotation', () => api.annotations.save({ path, boxes: next }));
        if (r) onSaved(r);
        setSaveState(r ? 'saved' : 'error');
      });
    },
    [api, run, path, onSaved],
  );

  const remove = useCallback(() => {
    if (selected < 0) return;
    commit(boxes.filter((_, i) => i !== selected));
    setSelected(-1);
  }, [boxes, selected, commit]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLElement && e.target.closest('input, textarea, select, dialog')) return;
      if (e.key === 'Delete' || e.key === 'Backspace') (e.preventDefault(), remove());
      if (e.key === 'Escape') setSelected(-1);
      if (e.key === 'g') commit([]);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [remove, commit]);

  // Relabel the selected box when the class label changes.
  const lastLabel = useRef(label);
  useEffect(() => {
    if (lastLabel.current === label) return;
    lastLabel.current = label;
    if (selected >= 0 && boxes[selected] && boxes[selected]!.label !== label) commit(boxes.map((b, i) => (i === selected ? { ...b, label } : b)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [label]);

  // Draw: image, boxes with their class, the selected box's handles, the box being dragged.
  useEffect(() => {
    const c = canvas.current;
    if (!c || !img || !size.w) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(size.w * dpr);
    c.height = Math.round(size.h * dpr);
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.drawImage(img, 0, 0, size.w, size.h);
    const shown = boxes.map((b, i) => (draft && draft.index === i ? draft.box : b));
    if (draft && draft.index < 0) shown.push(draft.box);
    g.font = '600 13px sans-serif';
    shown.forEach((b, i) => {
      const col = colourOf(b.label);
      const sel = i === selected || (draft !== null && (draft.index === i || (draft.index < 0 && i === shown.length - 1)));
      g.lineWidth = sel ? 3 : 2;
      g.strokeStyle = col;
      g.strokeRect(b.x * scale, b.y * scale, b.w * scale, b.h * scale);
      const tw = g.measureText(b.label).width + 8;
      const ty = b.y * scale >= 18 ? b.y * scale - 18 : b.y * scale;
      g.fillStyle = col;
      g.fillRect(b.x * scale, ty, tw, 18);
      g.fillStyle = '#000';
      g.fillText(b.label, b.x * scale + 4, ty + 13);
      if (i === selected && !draft) {
        g.fillStyle = '#fff';
        for (const [, hx, hy] of handles(b)) g.fillRect(hx * scale - 5, hy * scale - 5, 10, 10);
      }
    });
  }, [img, size, boxes, selected, draft, scale]);

  const toImage = (e: ReactPointerEvent): [number, number] => {
    const r = canvas.current!.getBoundingClientRect();
    return [(e.clientX - r.left) / scale, (e.clientY - r.top) / scale];
  };
  const tol = (e: ReactPointerEvent) => (e.pointerType === 'touch' ? 20 : 8) / scale;

  const onDown = (e: ReactPointerEvent) => {
    if (!ann || e.button > 0) return;
    e.preventDefault();
    canvas.current!.setPointerCapture(e.pointerId);
    const [px, py] = toImage(e);
    const h = selected >= 0 && boxes[selected] ? hitHandle(boxes[selected]!, px, py, tol(e)) : null;
    if (h) drag.current = { kind: 'resize', index: selected, start: boxes[selected]!, handle: h };
    else {
      const i = hitBox(boxes, px, py);
      if (i >= 0) {
        setSelected(i);
        drag.current = { kind: 'move', index: i, start: boxes[i]!, px, py };
      } else {
        setSelected(-1);
        drag.current = { kind: 'draw', x0: px, y0: py };
      }
    }
  };
  const onMove = (e: ReactPointerEvent) => {
    if (!ann) return;
    const [px, py] = toImage(e);
    const d = drag.current;
    if (!d) {
      const h = selected >= 0 && boxes[selected] ? hitHandle(boxes[selected]!, px, py, tol(e)) : null;
      setCursor(cursorOf(h, hitBox(boxes, px, py) >= 0));
      return;
    }
    setDraft({ index: d.kind === 'draw' ? -1 : d.index, box: applyDrag(d, px, py, ann.width, ann.height, label) });
  };
  const onUp = (e: ReactPointerEvent) => {
    const d = drag.current;
    drag.current = null;
    if (!d || !ann) return setDraft(null);
    const [px, py] = toImage(e);
    const b = applyDrag(d, px, py, ann.width, ann.height, label);
    setDraft(null);
    // smaller than a few screen pixels: a click (select / deselect), not a box
    const min = 4 / scale;
    if (d.kind === 'draw') {
      if (b.w < min || b.h < min) return;
      commit([...boxes, b]);
      setSelected(boxes.length);
      onLabelUsed(label);
    } else if (b.x !== d.start.x || b.y !== d.start.y || b.w !== d.start.w || b.h !== d.start.h) {
      if (b.w < 1 || b.h < 1) return;
      commit(boxes.map((x, i) => (i === d.index ? b : x)));
    }
  };

  return (
    <div className="stack">
      <div className="row small">
        <span className={`tag ${ann?.state === 'defect' || boxes.length ? 'ng' : ''}`}>{boxes.length} box{boxes.length === 1 ? '' : 'es'}</span>
        <span className="muted" data-testid="save-state" data-state={saveState}>
          {saveState === 'saving' ? 'saving…' : saveState === 'saved' ? 'saved' : saveState === 'error' ? 'not saved' : 'loading…'}
        </span>
        <span className="grow" />
        <button className="btn small danger" disabled={selected < 0} onClick={remove} data-testid="box-delete" title="Delete the selected box (Delete)">
          Delete box
        </button>
        <button className="btn small" onClick={() => commit([])} data-testid="mark-good" title="No defect on this image (G)">
          Good (no boxes)
        </button>
      </div>
      <div ref={wrap} className="annotate-stage">
        <canvas
          ref={canvas}
          data-testid="annotate-canvas"
          data-boxes={boxes.length}
          data-image-width={ann?.width ?? 0}
          style={{ width: size.w, height: size.h, cursor, touchAction: 'none' }}
          onPointerDown={onDown}
          onPointerMove={onMove}
          onPointerUp={onUp}
          onPointerCancel={() => ((drag.current = null), setDraft(null))}
        />
      </div>
      <div className="muted small">Drag to draw a box · drag a box to move it · drag a handle to resize · ← → images · Delete · Esc · G good</div>
    </div>
  );
}
