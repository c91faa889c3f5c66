/**
 * Execution-provider selection: the platform's GPU providers first, CPU last; the one that actually
 * created the session is reported, since onnxruntime falls back silently when given a list.
 */
import * as ort from 'onnxruntime-node';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';

// onnxruntime (1.29 on) starts Microsoft's usage telemetry with its first session unless ORT_DISABLE_TELEMETRY is set:
// it writes /tmp/mat-debug-<pid>.log and sends events to mobile.events.data.microsoft.com wherever it finds a CA
// bundle. A station on a plant network sends nothing anywhere. Every session is created in this module (a lint rule
// keeps it so), and this line runs before any of them; an operator's own setting of the variable is kept.
if (process.env.ORT_DISABLE_TELEMETRY === undefined) process.env.ORT_DISABLE_TELEMETRY = '1';

/** True when onnxruntime-node's binary folder holds the provider's shared library (CUDA is downloaded at install). */
function hasProviderLibrary(name: string): boolean {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const dir = join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
    return readdirSync(dir).some((f) => f.includes(`providers_${name}`));
  } catch {
    return false;
  }
}

export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

/** Providers worth trying here, best first. `STATION_EP=cpu|cuda|...` forces one. */
export function candidateProviders(): ProviderName[] {
  const forced = process.env.STATION_EP as ProviderName | undefined;
  if (forced) return [forced];
  const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
  const list: ProviderName[] = [];
  if (process.platform === 'linux' && supported.has('cuda') && hasProviderLibrary('cuda')) list.push('cuda');
  if (process.platform === 'win32' && supported.has('dml')) list.push('dml');
  if (process.platform === 'darwin' && supported.has('coreml')) list.push('coreml');
  // WebGPU needs a real adapter; on Linux without /dev/dri it only finds a slow software one or none.
  if (supported.has('webgpu') && (process.platform !== 'linux' || existsSync('/dev/dri')) && process.env.STATION_WEBGPU !== '0') {
    list.push('webgpu');
  }
  list.push('cpu');
  return list;
}

export interface SessionTuning {
  /**
   * Fold quantized weights (uint8 behind DequantizeLinear, as the converted backbones keep them) into float
   * weights when the session is created. onnxruntime otherwise keeps those DequantizeLinear nodes for QDQ fusion, so
   * the convolutions have no constant weights and miss its blocked-layout (NCHWc) kernels: the default backbone's
   * features took 17.0 ms against 10.1 folded (2 threads, same process, interleaved; outputs within 1.1e-5 of 3.8).
   * For float-activation graphs only: a QDQ-quantized model (int8 activations) would then run in float.
   */
  readonly foldQuantizedWeights?: boolean;
}

export function sessionOptions(provider: ProviderName, tuning: SessionTuning = {}): ort.InferenceSession.SessionOptions {
  // Idle intra-op threads sleep instead of spinning: a spinning pool holds both cores of a 2-core station between
  // operators, starving the decode-ahead thread (sharp) and everything else. Measured on the shared 2-core machine
  // (load 23): features + score 84–87 ms wall / 44–48 ms CPU per image without spinning, 350–420 / 160 with it;
  // idle, `npm run bench` inspect median 41–44 ms without, 52–65 with (each session has its own pool).
  // STATION_ORT_SPIN=1 restores spinning.
  const spin = process.env.STATION_ORT_SPIN === '1' ? {} : { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } };
  const session = { ...spin, ...(tuning.foldQuantizedWeights ? { disable_quant_qdq: '1' } : {}) };
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Number(process.env.STATION_THREADS) || Math.max(1, cpus().length),
    interOpNumThreads: 1,
    ...(Object.keys(session).length > 0 ? { extra: { session } } : {}),
  };
}

/**
 * Creates a session on the first provider that accepts the model.
 * @param preferred when given, only this provider and CPU are tried (keeps a pipeline on one device).
 */
export async function createSession(
  model: Uint8Array,
  preferred?: ProviderName,
  /** Options over `sessionOptions(provider)`, e.g. one thread for a graph of many small sequential steps. */
  overrides: ort.InferenceSession.SessionOptions & SessionTuning = {},
): Promise<{ session: ort.InferenceSession; provider: ProviderName; failures: string[] }> {
  const { foldQuantizedWeights, ...options } = overrides;
  const order = preferred ? [...new Set<ProviderName>([preferred, 'cpu'])] : candidateProviders();
  const failures: string[] = [];
  for (const provider of order) {
    try {
      const session = await ort.InferenceSession.create(model, { ...sessionOptions(provider, { foldQuantizedWeights }), ...options });
      return { session, provider, failures };
    } catch (e) {
      failures.push(`${provider}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no execution provider could load the model (${failures.join('; ')})`);
}
