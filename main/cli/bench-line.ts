/**
 * `npm run bench -- --line [--json FILE]`: line mode measured with the real engine (engine, durable queue, store,
 * job workers) on the shared screw images (1024 x 1024 PNG):
 *   - hot folder fed above capacity: files written at `--feed` per second for `--seconds`; parts/s decided, the
 *     largest queue depth, and drops (files without exactly one log row: must be 0);
 *   - live latency during a training job: trigger -> recorded verdict, one part at a time as a PLC handshakes
 *     (trigger, result, acknowledge), first with nothing else running, then while a PatchCore model trains in its
 *     job worker;
 *   - per protocol (OPC UA, Modbus, MQTT): trigger -> result latency, from the benchmarks registered with
 *     `registerProtocolBench` (the line-adapters work), in the same JSON under `protocols`.
 */
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { LineResult, LineStation } from '../common/line-io.js';
import { sharedDir } from '../node/paths.js';
import { listImages } from '../camera/folder-source.js';
import { createEngine, type Engine } from '../services/engine.js';
import { benchmarkBackbone } from './options.js';
import { table } from './output.js';

export interface LineBenchOptions {
  readonly data?: string;
  /** Files written per second into the hot folder. */
  readonly feed: number;
  readonly seconds: number;
  readonly json?: string;
}

export interface LatencyMs {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** Per protocol, as the issue names the keys. */
export interface ProtocolBenchResult {
  readonly triggered: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly latencyMs: LatencyMs;
  readonly [extra: string]: unknown;
}

export type ProtocolBench = (ctx: { engine: Engine; line: LineStation; images: string }) => Promise<Record<string, ProtocolBenchResult>>;
const protocolBenches: ProtocolBench[] = [];
/** The line-adapters work adds its per-protocol latency benchmark here. */
export function registerProtocolBench(b: ProtocolBench): void {
  protocolBenches.push(b);
}

const percentile = (v: readonly number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : 0;
};
export const latencyOf = (v: readonly number[]): LatencyMs => ({
  p50: Math.round(percentile(v, 0.5)),
  p90: Math.round(percentile(v, 0.9)),
  p99: Math.round(percentile(v, 0.99)),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(100);
  return cond();
}

/** Hot folder fed at `feed` files/s for `seconds`: every file must get exactly one row. */
async function hotFolder(engine: Engine, root: string, images: string[], o: LineBenchOptions) {
  const hot = join(root, 'hot');
  await mkdir(hot);
  const results: LineResult[] = [];
  const sub = engine.live.line.onResult((r) => results.push(r));
  let maxDepth = 0;
  const depthSub = engine.live.line.onSignals((s) => (maxDepth = Math.max(maxDepth, s.queueDepth)));
  await engine.live.start({ source: { kind: 'hotfolder', path: hot, settleMs: 200 }, store: true });
  await sleep(500);
  const n = Math.round(o.feed * o.seconds);
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / o.feed;
    if (due > Date.now()) await sleep(due - Date.now());
    await copyFile(images[i % images.length]!, join(hot, `part-${String(i).padStart(5, '0')}.png`));
  }
  const fedS = (Date.now() - t0) / 1000;
  await until(() => results.length >= n, Math.max(120_000, n * 2000));
  const decidedS = (Date.now() - t0) / 1000;
  await sleep(500);
  const names = new Set(results.map((r) => r.partId));
  const stats = engine.live.state().stats;
  sub.dispose();
  depthSub.dispose();
  await engine.api.live.stop();
  return {
    fed: n,
    feedPerS: Math.round((n / fedS) * 10) / 10,
    rows: results.length,
    distinctParts: names.size,
    dropped: n - names.size + (results.length - names.size) + stats.dropped,
    partsPerS: Math.round((results.length / decidedS) * 10) / 10,
    maxQueueDepth: maxDepth,
    errors: results.filter((r) => r.verdict === 'ERROR').length,
    seconds: Math.round(decidedS * 10) / 10,
  };
}

/**
 * Trigger -> recorded verdict latency as a PLC drives the handshake: trigger, wait for the result, acknowledge,
 * pause `pauseMs`, next trigger; `count` times, or while `busy()` holds. One part at a time, so this is the
 * inspection's own latency, not time spent waiting in a queue.
 */
async function triggerLatency(line: LineStation, opts: { pauseMs: number; count?: number; busy?: () => boolean }): Promise<number[]> {
  const lat: number[] = [];
  let waiting: { id: string; t: number; done: () => void } | null = null;
  const sub = line.onResult((r) => {
    if (waiting && r.partId === waiting.id) {
      lat.push(Date.now() - waiting.t);
      line.acknowledge('bench');
      waiting.done();
    }
  });
  for (let i = 0; opts.count !== undefined ? i < opts.count : opts.busy!(); i++) {
    const id = `lat-${Date.now()}-${i}`;
    const decided = new Promise<void>((done) => (waiting = { id, t: Date.now(), done }));
    const reply = await line.trigger('bench', id);
    if (!reply.accepted) throw new Error(`trigger refused: ${reply.message}`);
    await Promise.race([decided, sleep(120_000)]);
    await sleep(opts.pauseMs);
  }
  sub.dispose();
  return lat;
}

export async function runLineBench(o: LineBenchOptions): Promise<void> {
  const data = o.data ?? sharedDir('datasets', 'mvtec-screw');
  const root = await mkdtemp(join(tmpdir(), 'station-line-bench-'));
  const engine = await createEngine({ dataDir: join(root, 'data'), shell: 'browser', bootstrap: false, resumeLine: false });
  try {
    const good = join(root, 'good');
    await mkdir(good);
    for (const f of (await listImages(join(data, 'train', 'good'), false)).slice(0, 20)) await symlink(f, join(good, basename(f)));
    const backbone = await benchmarkBackbone();
    console.log(`line benchmark: ${data}, backbone ${backbone}; training the model (10 images)...`);
    const job = await engine.api.models.train({ goodFolder: good, maxImages: 10, kind: 'patchcore', activate: true, config: { backbone } });
    const trained = await engine.jobs.wait(job.jobId);
    if (trained.state !== 'done') throw new Error(`training failed: ${trained.error?.message}`);
    const images = [...(await listImages(join(data, 'test'), true))];

    const hf = await hotFolder(engine, root, images, o);
    console.log(`\nhot folder fed at ${hf.feedPerS} files/s for ${o.seconds} s (above capacity):`);
    console.log(
      table(
        ['fed', 'rows', 'dropped', 'decided parts/s', 'max queue depth', 'ERROR rows', 'all decided after s'],
        [[hf.fed, hf.rows, hf.dropped, hf.partsPerS, hf.maxQueueDepth, hf.errors, hf.seconds]],
      ),
    );

    // Live latency: trigger source over the test images, alone and then during a training job.
    const trig = join(root, 'trigger');
    await mkdir(trig);
    for (const f of images.slice(0, 30)) await symlink(f, join(trig, `${basename(join(f, '..'))}-${basename(f)}`));
    await engine.live.start({ source: { kind: 'trigger', from: 'folder', path: trig }, store: true });
    const line = engine.live.line;
    const alone = await triggerLatency(line, { pauseMs: 200, count: 15 });
    const t0 = Date.now();
    const job2 = await engine.api.models.train({ goodFolder: good, maxImages: 20, kind: 'patchcore', activate: false, config: { backbone } });
    let training = true;
    const finished = engine.jobs.wait(job2.jobId).then((j) => ((training = false), j));
    const during = await triggerLatency(line, { pauseMs: 200, busy: () => training });
    const j2 = await finished;
    const trainS = (Date.now() - t0) / 1000;
    await engine.api.live.stop();
    const a = latencyOf(alone);
    const d = latencyOf(during);
    console.log(`\nlive latency (trigger -> recorded verdict, one part at a time as a PLC handshakes); training 20 images took ${trainS.toFixed(0)} s (${j2.state}):`);
    console.log(
      table(
        ['phase', 'parts', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [
          ['nothing else running', alone.length, a.p50, a.p90, a.p99, Math.max(...alone)],
          ['during a training job', during.length, d.p50, d.p90, d.p99, Math.max(...during)],
        ],
      ),
    );

    const protocols: Record<string, ProtocolBenchResult> = {};
    for (const b of protocolBenches) Object.assign(protocols, await b({ engine, line, images: trig }));
    if (Object.keys(protocols).length) {
      console.log('\ntrigger -> result per protocol:');
      console.log(
        table(
          ['protocol', 'triggered', 'delivered', 'dropped', 'p50 ms', 'p90 ms', 'p99 ms'],
          Object.entries(protocols).map(([k, v]) => [k, v.triggered, v.delivered, v.dropped, v.latencyMs.p50, v.latencyMs.p90, v.latencyMs.p99]),
        ),
      );
    }
    const out = {
      hotFolder: hf,
      liveLatency: { alone: { parts: alone.length, latencyMs: a, maxMs: Math.max(...alone) }, duringTraining: { parts: during.length, latencyMs: d, maxMs: Math.max(...during), trainS } },
      protocols,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    if (o.json) await writeFile(o.json, JSON.stringify(out, null, 2));
  } finally {
    await engine.dispose().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}
