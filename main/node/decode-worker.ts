/**
 * PNG fast-path decoding on its own thread (started by image-io.ts): read, inflate and unfilter a file there, and
 * register the part when asked, so a part decoded ahead costs the inspecting thread nothing but a message
 * (onnxruntime-node runs sessions on the calling thread, so work on that thread waits for, and delays, inference).
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { decodePngFastSync, type PngRaster } from './png-decode.js';
import { register, type RegisteredImage, type RegistrationConfig } from '../inference/registration.js';

export interface DecodeRequest {
  readonly id: number;
  readonly path: string;
  readonly channels: 1 | 3;
  readonly maxPixels: number;
  readonly keepGray: boolean;
  readonly register?: RegistrationConfig;
}

/** image null: the file is not one the fast path takes (or could not be read): the caller decodes it with sharp. */
export interface DecodeReply {
  readonly id: number;
  readonly image: PngRaster | null;
  /** The part registered with the request's settings (absent when not asked, or when registration threw: the model then registers it and reports that). */
  readonly registered?: { readonly config: RegistrationConfig; readonly value: RegisteredImage };
}

function whole(a: Uint8Array): ArrayBuffer[] {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? [a.buffer as ArrayBuffer] : [];
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
  let registered: DecodeReply['registered'];
  if (image && m.register) {
    try {
      registered = { config: m.register, value: register(image, m.register) };
    } catch {
      registered = undefined;
    }
  }
  const transfer = image ? whole(image.data) : [];
  if (registered) transfer.push(...whole(registered.value.image.data), ...whole(registered.value.mask));
  port.postMessage({ id: m.id, image, registered } satisfies DecodeReply, transfer);
});
