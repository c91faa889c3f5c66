/**
 * The image of one annotation on a canvas: a drag draws a box, a drag on a box moves it, a drag on a handle of the
 * selected box resizes it (mouse, pen and touch alike, through pointer events); every change is saved at once,
 * one save after another. Keys: Delete removes the selected box, Esc deselects, G marks the image good.
 */
import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AnnotationBoxDto, ImageAnnotationDto } from '../../../../main/common/api.js';
import { useStation } from '../../connection.js';
import { applyDrag, cursorOf, handles, hitBox, hitHandle, type Drag } from '../../lib/box-edit.js';
import { useCall } from '../../lib/hooks.js';

/** A stable colour per class name. */
export function colourOf(label: string): string {
  let h = 0;
  for (const c of label) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${(h + 20) % 360} 95% 60%)`;
}

type SaveState = 'loading' | 'saved' | 'saving' | 'error';

export function BoxEditor({ path, label, onSaved, onLabelUsed }: { path: string; label: string; onSaved: (a: ImageAnnotationDto) => void; onLabelUsed: (l: string) => void }) {
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
  const { t } = useTranslation();

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
      el.onload = () => {
        if (!live) return;
        setImg(el);
        setSaveState('saved');
      };
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
      if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        remove();
      }
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
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a label change relabels; a new box or selection must not
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
    // preventDefault keeps the focus where it was: a text field (the folder path) would then take the keys meant
    // as shortcuts (→, G) and be edited. Drawing on the image leaves the fields.
    if (document.activeElement instanceof HTMLElement && document.activeElement.closest('input, textarea, select')) document.activeElement.blur();
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
        <span className={`tag ${ann?.state === 'defect' || boxes.length ? 'ng' : ''}`}>{t('annotate.boxes', { count: boxes.length })}</span>
        <span className="muted" data-testid="save-state" data-state={saveState}>
          {t(`annotate.save.${saveState}`)}
        </span>
        <span className="grow" />
        <button className="btn small danger" disabled={selected < 0} onClick={remove} data-testid="box-delete" title={t('annotate.deleteTitle')}>
          {t('annotate.deleteBox')}
        </button>
        <button className="btn small" onClick={() => commit([])} data-testid="mark-good" title={t('annotate.goodTitle')}>
          {t('annotate.good')}
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
      <div className="muted small">{t('annotate.help')}</div>
    </div>
  );
}
