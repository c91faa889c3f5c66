/**
 * V8 heap tuning for a process that runs the engine (the station CLI, the browser host, the Electron shell whose
 * worker thread holds the engine, the benchmark). Call it first, before any worker starts: V8 flags are per process.
 *
 * Why: the engine's heap holds ~55 MB of long-lived objects (protocol stacks, the model, the store), and every
 * part churns ~10 MB of short-lived typed arrays (frame, registration, features, maps, encoded images). V8 grows
 * the old generation's limit by a factor it derives from recent GC speed, which settled near 1.4 here: 24 MB of
 * slack, less than the young generation, so incremental marking restarted right after each full mark-compact. On
 * the GenICam bench (1024 x 1024 Mono8, every frame a part) that was a mark-compact every 1–2 parts (100 per 100
 * parts) and 112–121 ms CPU per part; with the limit at twice the live heap, 22 per 100 parts and 86–88 ms,
 * for ~55 MB more peak heap.
 */
import v8 from 'node:v8';

/** Old-generation limit after a full GC, as percent growth over the live heap (V8's `--heap-growing-percent`). */
export const HEAP_GROWING_PERCENT = 100;
/** Environment override: a percent, or 0 to leave V8's own heuristic in force. */
export const HEAP_GROWING_ENV = 'STATION_HEAP_GROWING_PERCENT';

let applied: { readonly flag: string | null } | null = null;

/** The V8 flag this process should run with, or null for V8's default; throws on a malformed override. */
export function heapGrowingFlag(env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env[HEAP_GROWING_ENV];
  const percent = raw === undefined || raw === '' ? HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(percent) || percent < 0 || percent > 400) {
    throw new Error(`${HEAP_GROWING_ENV} must be an integer percent from 0 to 400 (0 = V8's default), got "${raw}"`);
  }
  return percent === 0 ? null : `--heap-growing-percent=${percent}`;
}

/** Applies {@link heapGrowingFlag} once per process; returns the flag in force (null: V8's default). */
export function tuneGc(env: NodeJS.ProcessEnv = process.env): string | null {
  if (applied) return applied.flag;
  const flag = heapGrowingFlag(env);
  if (flag) v8.setFlagsFromString(flag);
  applied = { flag };
  return flag;
}
