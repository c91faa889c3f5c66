/** Image decoding and encoding with sharp; every decode failure becomes a 'corrupt-image' fault naming the file. */
import sharp from 'sharp';
import { StationFault } from '../common/result.js';
import type { RawImage } from '../common/types.js';

// Keep sharp's own thread pool small: the 2-core target machine also runs ONNX inference.
sharp.concurrency(1);

export interface DecodeOptions {
  /** 1 = grayscale, 3 = RGB. Default 3. */
  readonly channels?: 1 | 3;
}

/** Decodes a file path or encoded bytes into interleaved 8-bit pixels (alpha dropped, EXIF orientation applied). */
export async function decodeImage(input: string | Uint8Array, opts: DecodeOptions = {}): Promise<RawImage> {
  const channels = opts.channels ?? 3;
  const label = typeof input === 'string' ? input : `<${input.byteLength} bytes>`;
  try {
    let pipe = sharp(input, { failOn: 'error' }).rotate().removeAlpha();
    pipe = channels === 1 ? pipe.grayscale() : pipe.toColourspace('srgb');
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) {
      throw new Error(`decoded ${info.channels} channels, expected ${channels}`);
    }
    return { width: info.width, height: info.height, channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || /no such file|Input file is missing/i.test(String((e as Error).message))) {
      throw new StationFault('not-found', `image not found: ${label}`);
    }
    throw new StationFault('corrupt-image', `cannot decode image ${label}: ${(e as Error).message}`, { cause: e });
  }
}

/** Encodes raw pixels as PNG. */
export async function encodePng(img: RawImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels },
  })
    // sharp writes sRGB by default; keep single-channel images single-channel.
    .toColourspace(img.channels === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp'] as const;

export function isImagePath(p: string): boolean {
  const lower = p.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}
