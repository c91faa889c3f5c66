/**
 * The locally aware patch-feature extractor of PatchCore (Roth et al. 2022, sec. 3.1) as one ONNX graph on
 * top of the backbone, so pooling, upsampling and projection run on the backbone's execution provider.
 *
 *   image [1,3,H,W] -> backbone levels φ_j [1,C_j,H/s_j,W/s_j]
 *   -> 3x3 average pooling (p = 3, stride 1, zero padding excluded from the mean)   (paper eq. 2)
 *   -> deeper levels bilinearly upsampled to the finest level's grid [h, w] = [H/s_0, W/s_0]
 *      (or, with gridFactor r > 1, every level resized to [h/r, w/r]: halving is then the 2 x 2 mean)
 *   -> concatenated over channels, D = Σ C_j, laid out as patches [1, h, w, D]
 *   -> optional random projection D -> d (Johnson-Lindenstrauss), output `patches` [1, h, w, d]
 */
import { GraphBuilder, attr, floatTensor, int64Tensor } from '../onnx/graph-builder.js';
import type { ModelProto } from '../onnx/proto.js';

export const PATCHES_OUTPUT = 'patches';

export function buildFeatureGraph(
  backbone: ModelProto,
  layers: readonly string[],
  projection?: { matrix: Float32Array; inDim: number; outDim: number },
  /** The patch grid is this many times coarser than the first layer's (1 = the first layer's grid). */
  gridFactor = 1,
): Uint8Array {
  const g = new GraphBuilder('patch_features', 13);
  const pooled = layers.map((name) =>
    g.op('AveragePool', [name], {
      kernel_shape: attr.ints([3, 3]),
      strides: attr.ints([1, 1]),
      pads: attr.ints([1, 1, 1, 1]),
      count_include_pad: attr.int(0),
    }),
  );
  const first = pooled[0]!;
  let levels = pooled;
  if (pooled.length > 1 || gridFactor > 1) {
    const starts2 = g.initializer(int64Tensor('pc_s2', [1], [2]));
    const ends4 = g.initializer(int64Tensor('pc_e4', [1], [4]));
    const starts0 = g.initializer(int64Tensor('pc_s0', [1], [0]));
    let hw = g.op('Slice', [g.op('Shape', [first]), starts2, ends4]);
    if (gridFactor > 1) hw = g.op('Div', [hw, g.initializer(int64Tensor('pc_grid', [1], [gridFactor]))]);
    levels = gridFactor > 1 ? [] : [first];
    for (const p of gridFactor > 1 ? pooled : pooled.slice(1)) {
      const nc = g.op('Slice', [g.op('Shape', [p]), starts0, starts2]);
      const sizes = g.op('Concat', [nc, hw], { axis: attr.int(0) });
      levels.push(
        g.op('Resize', [p, '', '', sizes], {
          mode: attr.str('linear'),
          coordinate_transformation_mode: attr.str('half_pixel'),
        }),
      );
    }
  }
  const cat = levels.length > 1 ? g.op('Concat', levels, { axis: attr.int(1) }) : levels[0]!;
  const nhwc = g.op('Transpose', [cat], { perm: attr.ints([0, 2, 3, 1]) });
  if (projection) {
    const w = g.initializer(floatTensor('pc_projection', [projection.inDim, projection.outDim], projection.matrix));
    g.op('MatMul', [nhwc, w], {}, PATCHES_OUTPUT);
  } else {
    g.op('Identity', [nhwc], {}, PATCHES_OUTPUT);
  }
  g.output(PATCHES_OUTPUT);
  return g.buildOn(backbone);
}
