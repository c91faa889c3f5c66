/** Shared bits of the native-models tests: screw images as NCHW tensors and output comparison. */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { sharedDir } from '../../main/node/paths.js';

/** A shared MVTec screw image resized (stretched) to width x height, as float32 [1, 3, H, W] of pixels/255. */
export async function screwTensor(relPath: string, width: number, height: number): Promise<ort.Tensor> {
  const { data, info } = await sharp(sharedDir('datasets', 'mvtec-screw', relPath))
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = width * height;
  const x = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) x[c * plane + i] = data[i * info.channels + Math.min(c, info.channels - 1)]! / 255;
  return new ort.Tensor('float32', x, [1, 3, height, width]);
}

/** Max |a - b| over two same-shaped tensors; throws on a shape mismatch. */
export function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  if (a.dims.join('x') !== b.dims.join('x')) throw new Error(`shape [${a.dims}] vs [${b.dims}]`);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function maxAbs(a: ort.Tensor): number {
  let m = 0;
  for (const v of a.data as Float32Array) m = Math.max(m, Math.abs(v));
  return m;
}
