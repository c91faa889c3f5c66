/**
 * The patch classifier's matrix work as onnxruntime graphs (its parameters are graph inputs, so one session serves
 * a whole training run): scoring many rows (hard-negative mining), and one mini-batch's forward and backward pass.
 * Adam and the schedule stay in classifier.ts; these graphs only replace its per-row loops.
 *
 * Shapes (N rows, B batch rows, d features, H hidden units; H = 0 is logistic regression, stored as one unit):
 *   scores:    x [N, d], mean [1, d], std [1, d], w1t [d, Hr], b1 [Hr], w2 [Hr, 1], b2 [1]  ->  p [N, 1]
 *   gradients: xs [B, d] standardised, y [B, 1], g [B, 1] = weight / Σ batch weight, w1t, b1, w2, b2
 *              -> gw1t [d, Hr], gb1 [Hr], gw2 [Hr, 1], gb2 [1]          (Hr = max(1, H))
 * MLP:      z1 = xs·w1t + b1, a = relu(z1), z = a·w2 + b2, p = σ(z)
 * Logistic: z = xs·w1t + b1                                   (w2, b2 unused)
 * Weighted binary cross-entropy gives dL/dz = (p − y)·g; relu passes the gradient where z1 > 0.
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr, floatTensor, int64Tensor } from '../onnx/graph-builder.js';
import { DataType } from '../onnx/proto.js';
import { createSession, type ProviderName } from '../execution-provider.js';

function logits(g: GraphBuilder, xs: string, hidden: number): { z: string; z1: string; a: string } {
  const z1 = g.op('Add', [g.op('MatMul', [xs, 'w1t']), 'b1']);
  if (hidden === 0) return { z: z1, z1, a: '' };
  const a = g.op('Relu', [z1]);
  return { z: g.op('Add', [g.op('MatMul', [a, 'w2']), 'b2']), z1, a };
}

function parameterInputs(g: GraphBuilder, d: number, hidden: number): void {
  const hr = Math.max(1, hidden);
  g.input('w1t', [d, hr]);
  g.input('b1', [hr]);
  if (hidden > 0) {
    g.input('w2', [hr, 1]);
    g.input('b2', [1]);
  }
}

export function buildScoreGraph(d: number, hidden: number): Uint8Array {
  const g = new GraphBuilder('patch_classifier_scores', 13);
  g.input('x', ['N', d]);
  g.input('mean', [1, d]);
  g.input('std', [1, d]);
  parameterInputs(g, d, hidden);
  const xs = g.op('Div', [g.op('Sub', ['x', 'mean']), 'std']);
  g.op('Sigmoid', [logits(g, xs, hidden).z], {}, 'p');
  g.output('p', ['N', 1]);
  return g.build();
}

export function buildGradientGraph(d: number, hidden: number): Uint8Array {
  const g = new GraphBuilder('patch_classifier_gradients', 13);
  g.input('xs', ['B', d]);
  g.input('y', ['B', 1]);
  g.input('g', ['B', 1]);
  parameterInputs(g, d, hidden);
  const { z, z1, a } = logits(g, 'xs', hidden);
  const dz = g.op('Mul', [g.op('Sub', [g.op('Sigmoid', [z]), 'y']), 'g']);
  // Opset 13's ReduceSum takes its axes as an input.
  const axis0 = g.initializer(int64Tensor('axis0', [1], [0]));
  const sum0 = (t: string, name: string): string => g.op('ReduceSum', [t, axis0], { keepdims: attr.int(0) }, name);
  const xsT = g.op('Transpose', ['xs'], { perm: attr.ints([1, 0]) });
  if (hidden === 0) {
    g.op('MatMul', [xsT, dz], {}, 'gw1t');
    sum0(dz, 'gb1');
  } else {
    g.op('MatMul', [g.op('Transpose', [a], { perm: attr.ints([1, 0]) }), dz], {}, 'gw2');
    sum0(dz, 'gb2');
    const active = g.op('Cast', [g.op('Greater', [z1, g.initializer(floatTensor('zero', [], [0]))])], { to: attr.int(DataType.FLOAT) });
    const da = g.op('Mul', [g.op('MatMul', [dz, g.op('Transpose', ['w2'], { perm: attr.ints([1, 0]) })]), active]);
    g.op('MatMul', [xsT, da], {}, 'gw1t');
    sum0(da, 'gb1');
  }
  g.output('gw1t', [d, Math.max(1, hidden)]);
  g.output('gb1', [Math.max(1, hidden)]);
  if (hidden > 0) {
    g.output('gw2', [hidden, 1]);
    g.output('gb2', [1]);
  }
  return g.build();
}

/** Parameters in the graphs' layout: w1t [d, Hr] (the transpose of ClassifierParams.w1). */
export interface GraphParams {
  readonly w1t: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

function parameterFeeds(p: GraphParams, d: number, hidden: number): Record<string, ort.Tensor> {
  const hr = Math.max(1, hidden);
  const feeds: Record<string, ort.Tensor> = {
    w1t: new ort.Tensor('float32', p.w1t, [d, hr]),
    b1: new ort.Tensor('float32', p.b1, [hr]),
  };
  if (hidden > 0) {
    feeds['w2'] = new ort.Tensor('float32', p.w2, [hr, 1]);
    feeds['b2'] = new ort.Tensor('float32', p.b2, [1]);
  }
  return feeds;
}

/** One session per graph for a training run; `dispose()` when done. */
export class MlpSessions {
  private constructor(
    private readonly score: ort.InferenceSession,
    private readonly grad: ort.InferenceSession,
    readonly d: number,
    readonly hidden: number,
  ) {}

  static async create(d: number, hidden: number, provider?: ProviderName): Promise<MlpSessions> {
    // Mini-batches are small: one thread avoids waking a pool for each of thousands of short runs.
    const [s, g] = await Promise.all([
      createSession(buildScoreGraph(d, hidden), provider),
      createSession(buildGradientGraph(d, hidden), provider, { intraOpNumThreads: 1 }),
    ]);
    return new MlpSessions(s.session, g.session, d, hidden);
  }

  /** Positive-class probability of each raw row of x [n, d]. */
  async scores(x: Float32Array, n: number, p: GraphParams, norm: { mean: Float32Array; std: Float32Array }): Promise<Float32Array> {
    const out = await this.score.run({
      x: new ort.Tensor('float32', x, [n, this.d]),
      mean: new ort.Tensor('float32', norm.mean, [1, this.d]),
      std: new ort.Tensor('float32', norm.std, [1, this.d]),
      ...parameterFeeds(p, this.d, this.hidden),
    });
    return out['p']!.data as Float32Array;
  }

  /** Gradients of one mini-batch of standardised rows xs [b, d]; g = each row's weight over the batch's weight. */
  async gradients(xs: Float32Array, y: Float32Array, g: Float32Array, b: number, p: GraphParams): Promise<{ gw1t: Float32Array; gb1: Float32Array; gw2: Float32Array; gb2: Float32Array }> {
    const out = await this.grad.run({
      xs: new ort.Tensor('float32', xs, [b, this.d]),
      y: new ort.Tensor('float32', y, [b, 1]),
      g: new ort.Tensor('float32', g, [b, 1]),
      ...parameterFeeds(p, this.d, this.hidden),
    });
    const empty = new Float32Array(0);
    return {
      gw1t: out['gw1t']!.data as Float32Array,
      gb1: out['gb1']!.data as Float32Array,
      gw2: this.hidden > 0 ? (out['gw2']!.data as Float32Array) : empty,
      gb2: this.hidden > 0 ? (out['gb2']!.data as Float32Array) : empty,
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.score.release(), this.grad.release()]);
  }
}
