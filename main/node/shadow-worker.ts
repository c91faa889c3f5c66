/**
 * Entry of the shadow worker thread (issue 12): the candidate version scores live parts here, in its own thread
 * with its own onnxruntime session (one intra-op thread: STATION_THREADS=1 in this thread's environment), so its
 * feature extraction and nearest-neighbour search never run on the engine thread that decides the next part.
 * One part at a time: the engine sends a part only when the previous one is done (otherwise it skips it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toStationError } from '../common/result.js';

export interface ShadowWorkerData {
  readonly artifactDir: string;
  /** Tests only: [0] gate open (1) or closed (0), [1] parts started. A closed gate holds the thread mid-part. */
  readonly gate?: SharedArrayBuffer;
}

export type ShadowRequest = { readonly type: 'score'; readonly id: number; readonly imagePath: string; readonly threshold: number };

export type ShadowReply =
  | { readonly type: 'ready' }
  | { readonly type: 'scored'; readonly id: number; readonly score: number; readonly heatmapPng: Uint8Array | null }
  | { readonly type: 'failed'; readonly id: number | null; readonly error: { readonly kind: string; readonly message: string } };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('shadow-worker must run in a worker thread');
  const data = workerData as ShadowWorkerData;
  const { loadModel } = await import('../inference/load-model.js');
  const { decodeImage } = await import('./image-io.js');
  const { heatmapPngOf } = await import('../pipeline/heatmap.js');
  let model: Awaited<ReturnType<typeof loadModel>>;
  try {
    model = await loadModel(data.artifactDir);
  } catch (e) {
    port.postMessage({ type: 'failed', id: null, error: toStationError(e) } satisfies ShadowReply);
    return;
  }
  const gate = data.gate ? new Int32Array(data.gate) : null;
  port.on('message', (m: ShadowRequest) => {
    void (async () => {
      try {
        if (gate) {
          Atomics.add(gate, 1, 1);
          // Blocks this thread as a long inference would, until the test opens the gate.
          while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 1000);
        }
        const out = await model.infer(await decodeImage(m.imagePath, { channels: model.inputChannels ?? 3 }), { threshold: m.threshold });
        const png = out.map ? new Uint8Array(await heatmapPngOf(out.map, m.threshold)) : null;
        port.postMessage({ type: 'scored', id: m.id, score: out.score, heatmapPng: png } satisfies ShadowReply, png ? [png.buffer as ArrayBuffer] : []);
      } catch (e) {
        port.postMessage({ type: 'failed', id: m.id, error: toStationError(e) } satisfies ShadowReply);
      }
    })();
  });
  port.postMessage({ type: 'ready' } satisfies ShadowReply);
}

void main();
