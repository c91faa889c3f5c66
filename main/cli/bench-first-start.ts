/**
 * The first-start part of `npm run bench` (issue 14: a fresh install's first start to its first verdict <= 20 s): a
 * station engine on an empty data folder, as a fresh install starts it, timed from creating the engine to the first
 * live verdict. The engine writes the built-in demo parts, trains the default model on them in a job worker,
 * activates it and starts the demo source. Measured in this process (the engine's own modules already loaded).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../services/engine.js';
import type { FrameEvent } from '../common/api.js';
import { StationFault } from '../common/result.js';

/** Gives up after this long: a fresh start that takes minutes is a failure to report, not to wait for. */
const LIMIT_MS = 300_000;

/** @returns seconds to the first verdict, and when (seconds from the start) each stage of the first-start job began */
export async function benchFirstStart(): Promise<{ seconds: number; verdict: string; modelId: string; stages: Record<string, number> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'station-first-start-'));
  const t0 = performance.now();
  const engine = await createEngine({ dataDir, shell: 'browser' });
  const stages: Record<string, number> = {};
  const jobs = engine.api.jobs.onProgress((j) => {
    const stage = j.state === 'running' ? (j.progress?.stage ?? 'started') : j.state;
    stages[stage] ??= Math.round((performance.now() - t0) / 100) / 10;
  });
  try {
    const first = await new Promise<FrameEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StationFault('internal', `no verdict ${LIMIT_MS / 1000} s after a fresh start`)), LIMIT_MS);
      const sub = engine.api.live.onFrame((f) => {
        clearTimeout(timer);
        sub.dispose();
        resolve(f);
      });
    });
    return { seconds: (performance.now() - t0) / 1000, verdict: first.verdict, modelId: first.modelId, stages };
  } finally {
    jobs.dispose();
    await engine.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}
