/**
 * PNG fast-path decoding on its own thread (started by image-io.ts): read, inflate and unfilter a file there, so a
 * part decoded ahead costs the inspecting thread nothing but a message (onnxruntime-node runs sessions on the
 * calling thread, so a decode on that thread waits for, and delays, inference).
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { decodePngFastSync, type PngRaster } from './png-decode.js';

export interface DecodeRequest {
  readonly id: number;
  readonly path: string;
  readonly channels: 1 | 3;
  readonly maxPixels: number;
  readonly keepGray: boolean;
}

/** image null: the file is not one the fast path takes (or could not be read): the caller decodes it with sharp. */
export interface DecodeReply {
  readonly id: number;
  readonly image: PngRaster | null;
}

const port = parentPort;
if (!port) throw new Error('decode-worker must run in a worker thread');
port.on('message', (m: DecodeRequest) => {
  let image: PngRaster | null = null;
  try {
    image = decodePngFastSync(readFileSync(m.path), m.channels, m.maxPixels, m.keepGray);
  } catch {
    image = null;
  }
  const transfer = image && image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength ? [image.data.buffer as ArrayBuffer] : [];
  port.postMessage({ id: m.id, image } satisfies DecodeReply, transfer);
});
