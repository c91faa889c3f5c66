/**
 * Captures webcam frames in the renderer (getUserMedia) and pushes them to the engine with `live.pushFrame`.
 * One frame in flight at a time: the next is captured only after the engine answered, so a slow model
 * never builds a queue (the engine drops frames while busy anyway).
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStation } from '../connection.js';
import { useErrors } from './Feedback.js';

interface Props {
  /** Capture is active (the live session with a webcam source is running and not paused). */
  readonly active: boolean;
  /**
   * Closed synchronously by the caller right before it stops or pauses the session, so no frame is sent after
   * the stop request (the engine would refuse it) and a refusal of a frame already in flight is not reported.
   */
  readonly gate: { current: boolean };
  /** Upper bound on frames per second sent. */
  readonly maxFps?: number;
}

function blobToBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const s = String(r.result);
      resolve(s.slice(s.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error('cannot read frame'));
    r.readAsDataURL(blob);
  });
}

export function WebcamPump({ active, gate, maxFps = 5 }: Props) {
  const { api } = useStation();
  const { report } = useErrors();
  const videoRef = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const { t } = useTranslation();
  // A catalogue key and its values, so the line follows a language change.
  const [status, setStatus] = useState<{ key: string; values?: Record<string, string> }>({ key: 'camera.off' });

  useEffect(() => {
    let cancelled = false;
    let s: MediaStream | null = null;
    if (!navigator.mediaDevices?.getUserMedia) {
      setStatus({ key: 'camera.noApi' });
      return;
    }
    setStatus({ key: 'camera.asking' });
    navigator.mediaDevices
      .getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .then((m) => {
        if (cancelled) {
          m.getTracks().forEach((t) => t.stop());
          return;
        }
        s = m;
        setStream(m);
        const label = m.getVideoTracks()[0]?.label;
        setStatus(label ? { key: 'camera.on', values: { label } } : { key: 'camera.onUnnamed' });
      })
      .catch((e: unknown) => {
        const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        setStatus({ key: 'camera.unavailable', values: { why: msg } });
        report('Webcam', { kind: 'source-lost', message: msg });
      });
    return () => {
      cancelled = true;
      s?.getTracks().forEach((t) => t.stop());
    };
  }, [report]);

  useEffect(() => {
    if (videoRef.current && stream) {
      videoRef.current.srcObject = stream;
      void videoRef.current.play().catch(() => {});
    }
  }, [stream]);

  useEffect(() => {
    if (!active || !stream) return;
    let stop = false;
    const canvas = document.createElement('canvas');
    const loop = async () => {
      while (!stop) {
        const t0 = performance.now();
        const v = videoRef.current;
        if (v && v.videoWidth > 0) {
          canvas.width = v.videoWidth;
          canvas.height = v.videoHeight;
          canvas.getContext('2d')!.drawImage(v, 0, 0);
          const blob = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/jpeg', 0.9));
          const data = blob && !stop ? await blobToBase64(blob) : null;
          if (data && !stop && gate.current) {
            const r = await api.live.pushFrame({ data, mime: 'image/jpeg', capturedAt: new Date().toISOString() });
            // A frame in flight when the operator pressed Stop is refused by the engine: not an error worth a banner.
            if (!r.ok && !stop && gate.current) {
              report('Webcam frame', r.error);
              await new Promise((res) => setTimeout(res, 1000));
            }
          }
        }
        const wait = 1000 / maxFps - (performance.now() - t0);
        await new Promise((res) => setTimeout(res, Math.max(10, wait)));
      }
    };
    void loop();
    return () => {
      stop = true;
    };
  }, [active, stream, api, maxFps, report, gate]);

  return (
    <div className="webcam">
      <video ref={videoRef} muted playsInline className="webcam-preview" />
      <div className="muted small">{t(status.key, status.values)}</div>
    </div>
  );
}
