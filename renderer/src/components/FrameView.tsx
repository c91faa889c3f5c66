/**
 * One inspected frame: the camera image, the anomaly heatmap over it (fixed colour scale, adjustable opacity)
 * and the boxes with label + confidence. Frame and heatmap are decoded off-screen first and then drawn together,
 * so the overlay never belongs to a different frame than the image under it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FrameEvent } from '../../../main/common/api.js';
import { decodeQuantised, paintQuantised } from '../lib/colormap.js';
import { fmtScore } from '../lib/hooks.js';

interface Props {
  readonly frame: FrameEvent | null;
  readonly mediaUrl: (ref: string) => string;
  readonly opacity: number;
  readonly showHeat: boolean;
  readonly showBoxes: boolean;
  readonly placeholder?: string;
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load ${src}`));
    img.src = src;
  });
}

export function FrameView({ frame, mediaUrl, opacity, showHeat, showBoxes, placeholder }: Props) {
  const frameCanvas = useRef<HTMLCanvasElement>(null);
  const heatCanvas = useRef<HTMLCanvasElement>(null);
  const { t } = useTranslation();
  // The frame being displayed, with its real pixel size (log records may not carry one).
  const [shown, setShown] = useState<FrameEvent | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [hover, setHover] = useState<{ x: number; y: number; v: number } | null>(null);
  const latest = useRef(0);

  useEffect(() => {
    if (!frame) return;
    const seq = ++latest.current;
    const frameP = loadImage(mediaUrl(frame.frame));
    const heatP = frame.heatmap ? loadImage(mediaUrl(frame.heatmap)).catch(() => null) : Promise.resolve(null);
    void Promise.all([frameP, heatP])
      .then(([img, heat]) => {
        if (seq !== latest.current) return; // a newer frame arrived meanwhile
        const fc = frameCanvas.current;
        const hc = heatCanvas.current;
        if (!fc || !hc) return;
        const width = frame.width || img.naturalWidth;
        const height = frame.height || img.naturalHeight;
        fc.width = width;
        fc.height = height;
        fc.getContext('2d')!.drawImage(img, 0, 0, width, height);
        hc.width = width;
        hc.height = height;
        const hx = hc.getContext('2d')!;
        hx.clearRect(0, 0, hc.width, hc.height);
        if (heat) {
          hx.drawImage(heat, 0, 0, width, height);
        } else if (frame.anomaly) {
          // No overlay PNG: colour the coarse quantised map ourselves and let the canvas upsample it smoothly.
          const q = decodeQuantised(frame.anomaly.data);
          const small = new OffscreenCanvas(frame.anomaly.width, frame.anomaly.height);
          const id = new ImageData(frame.anomaly.width, frame.anomaly.height);
          paintQuantised(q, id.data);
          small.getContext('2d')!.putImageData(id, 0, 0);
          hx.imageSmoothingEnabled = true;
          hx.imageSmoothingQuality = 'high';
          hx.drawImage(small, 0, 0, width, height);
        }
        setShown({ ...frame, width, height });
        setLoadError(null);
      })
      .catch((e: unknown) => {
        if (seq === latest.current) setLoadError(e instanceof Error ? e.message : String(e));
      });
  }, [frame, mediaUrl]);

  const quant = useMemo(() => (shown?.anomaly ? decodeQuantised(shown.anomaly.data) : null), [shown]);

  const onMove = (e: React.PointerEvent<HTMLDivElement>) => {
    if (!shown || !shown.anomaly || !quant) return;
    // The layers are letterboxed ('contain'): find the image's rectangle inside the element.
    const r = e.currentTarget.getBoundingClientRect();
    const k = Math.min(r.width / shown.width, r.height / shown.height);
    const iw = shown.width * k;
    const ih = shown.height * k;
    const fx = (e.clientX - r.left - (r.width - iw) / 2) / iw;
    const fy = (e.clientY - r.top - (r.height - ih) / 2) / ih;
    if (fx < 0 || fy < 0 || fx >= 1 || fy >= 1) return setHover(null);
    const a = shown.anomaly;
    const q = quant[Math.floor(fy * a.height) * a.width + Math.floor(fx * a.width)];
    setHover({ x: e.clientX - r.left, y: e.clientY - r.top, v: (q / 128) * shown.threshold });
  };

  const w = shown?.width ?? 1;
  const h = shown?.height ?? 1;
  const fontSize = Math.max(w, h) / 36;
  return (
    <div className="viewport" data-testid="viewport">
      {!shown ? <div className="placeholder">{placeholder ?? t('live.noFrame')}</div> : null}
      <div
        className="frame-wrap"
        style={{ visibility: shown ? 'visible' : 'hidden' }}
        onPointerMove={onMove}
        onPointerLeave={() => setHover(null)}
      >
        <canvas ref={frameCanvas} className="frame" data-testid="frame-canvas" />
        <canvas
          ref={heatCanvas}
          className="heat"
          data-testid="heat-canvas"
          style={{ opacity: showHeat ? opacity : 0 }}
        />
        {shown && showBoxes ? (
          <svg className="boxes" data-testid="boxes" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="xMidYMid meet">
            {shown.boxes.map((b, i) => {
              const text = `${b.label ?? 'defect'} ${fmtScore(b.score)}`;
              const ty = b.y > fontSize * 1.4 ? b.y - fontSize * 0.35 : b.y + b.h + fontSize;
              return (
                <g key={i} data-testid="box">
                  <rect x={b.x} y={b.y} width={b.w} height={b.h} />
                  <text x={b.x + 2} y={ty} style={{ fontSize: `${fontSize}px`, strokeWidth: fontSize / 5 }}>
                    {text}
                  </text>
                </g>
              );
            })}
          </svg>
        ) : null}
        {hover ? (
          <div className="hover-readout mono" style={{ left: `${hover.x}px`, top: `${hover.y}px` }}>
            {fmtScore(hover.v)}
          </div>
        ) : null}
      </div>
      {loadError ? <div className="viewport-error banner error">{loadError}</div> : null}
    </div>
  );
}
