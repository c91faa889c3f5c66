#!/usr/bin/env node
/**
 * `npm run bench`: speed and memory of the engine on the shared screw images, CPU by default.
 *   - inspect: median (and p90) milliseconds per 1024x1024 image, decode to verdict, after warm-up
 *   - train: seconds to train on 20 normal images
 *   - peak resident memory of the process
 * `--backbones a,b|all` also runs the reference experiment (full protocol) per backbone and prints AUROC beside speed.
 */
import { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toStationError } from '../common/result.js';
import { sharedDir } from '../node/paths.js';
import { decodeImage } from '../node/image-io.js';
import { trainPatchCore } from '../inference/patchcore/index.js';
import { printLearningBench } from './bench-learning.js';
import { listBackboneIds } from '../inference/backbone/loader.js';
import { median } from '../experiment/patchcore-experiment.js';
import { prepareVariants } from '../experiment/prepare.js';
import { protocolTake, runPatchCoreVariant } from '../experiment/patchcore-experiment.js';
import { benchmarkBackbone, configFromFlags, intOption, listOption, patchCoreFlags, type ModelFlags } from './options.js';
import { table } from './output.js';
import { runLogBench } from './bench-log.js';
import { runLineBench } from './bench-line.js';
import './bench-line-protocols.js'; // registers the OPC UA / Modbus / MQTT latency part of --line
import { runGenicamBench } from './bench-genicam.js';
import { cpus, loadavg, tmpdir } from 'node:os';
import { benchFirstStart } from './bench-first-start.js';
import { benchSupervisedTraining } from './bench-supervised.js';
import { writeJson } from './output.js';
import { tuneGc } from '../node/gc-tuning.js';

interface BenchFlags extends ModelFlags { data: string; images: number; train: number; backbones?: string[]; defect: string; supervised: boolean; supervisedDefect: string }

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

interface BenchRow {
  backbone: string;
  provider: string;
  medianMs: number;
  p90Ms: number;
  trainSeconds: number;
  stages: Record<string, number>;
  partsPerSecond: number;
}

async function benchOne(f: BenchFlags, backbone?: string): Promise<BenchRow> {
  const dir = f.data;
  const good = readdirSync(join(dir, 'train', 'good')).sort().map((n) => join(dir, 'train', 'good', n));
  const testDirs = readdirSync(join(dir, 'test')).sort();
  const test = testDirs.flatMap((t) => readdirSync(join(dir, 'test', t)).sort().map((n) => join(dir, 'test', t, n)));
  const config = { ...configFromFlags(f), backbone: backbone ?? f.backbone ?? (await benchmarkBackbone()) };
  const t0 = performance.now();
  const { model } = await trainPatchCore({ images: good.slice(0, f.train), config });
  const trainS = (performance.now() - t0) / 1000;
  const times: number[] = [];
  const stages: Record<string, number[]> = {};
  let partsPerSecond = 0;
  try {
    // Spread over defect types; the first 3 are warm-up (JIT, allocator, ORT arenas).
    const picks = Array.from({ length: f.images + 3 }, (_, i) => test[Math.floor((i * test.length) / (f.images + 3))]!);
    for (const [i, file] of picks.entries()) {
      const s = performance.now();
      const img = await decodeImage(file, { channels: model.inputChannels });
      const d = performance.now();
      const out = await model.infer(img);
      const verdict = out.score >= model.info.defaultThreshold ? 'NG' : 'OK';
      const e = performance.now();
      if (i < 3 || !verdict) continue;
      times.push(e - s);
      (stages.decode ??= []).push(d - s);
      for (const [k, v] of Object.entries(out.timings)) (stages[k] ??= []).push(v);
    }
    // Steady state, as for the median: the decode thread starts on its first file and its code warms up like the
    // inspecting thread's did on the 3 warm-up images, so those go through the decode-ahead loop first, untimed.
    await decodeAheadThroughput(model, picks.slice(0, 3));
    partsPerSecond = await decodeAheadThroughput(model, picks.slice(3));
    // Protected as on the station: the validation defects (here every other test defect, as the experiment's split).
    const defects = testDirs.filter((t) => t !== 'good').flatMap((t) => protocolTake(readdirSync(join(dir, 'test', t)).sort(), 'even').map((n) => join(dir, 'test', t, n)));
    await printLearningBench(model, good.slice(f.train, f.train + 5), defects);
  } finally {
    await model.dispose();
  }
  return {
    backbone: model.info.backbone,
    provider: model.executionProvider,
    medianMs: median(times),
    p90Ms: percentile(times, 0.9),
    trainSeconds: trainS,
    stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)])),
    partsPerSecond,
  };
}

/**
 * Parts per second when the next part is decoded while the current one is inspected, as the live pipeline does:
 * the decode thread (node/decode-worker.ts; sharp on a libuv thread for other formats) decodes and registers while
 * onnxruntime and the JavaScript stages run on the main thread.
 */
async function decodeAheadThroughput(model: Awaited<ReturnType<typeof trainPatchCore>>['model'], files: readonly string[]): Promise<number> {
  const decode = (file: string) => decodeImage(file, { channels: model.inputChannels, ahead: true, register: model.registration });
  const t0 = performance.now();
  let next = decode(files[0]!);
  for (let i = 0; i < files.length; i++) {
    const img = await next;
    if (i + 1 < files.length) next = decode(files[i + 1]!);
    const out = await model.infer(img);
    if (!(out.score >= 0)) throw new Error(`no score for ${files[i]}`);
  }
  return files.length / ((performance.now() - t0) / 1000);
}

const program = new Command('bench')
  .description('speed and memory of inspection and training on the shared screw images')
  .option('--data <dir>', 'MVTec-layout folder', sharedDir('datasets', 'mvtec-screw'))
  .option('--images <n>', 'timed images', intOption('images', 1), 30)
  .option('--train <n>', 'training images', intOption('train', 1), 20)
  .option('--backbones <list>', "compare backbones ('all' = every installed one): AUROC (full protocol) beside speed", listOption)
  .option('--defect <type>', 'defect type for the backbone comparison', 'all')
  .option('--no-supervised', 'skip timing the supervised model training')
  .option('--no-first-start', 'skip timing a fresh install\'s first start to its first verdict')
  .option('--supervised-defect <type>', 'defect type the supervised model is trained on (10 annotated images + 20 good)', 'scratch_neck')
  .option('--log', 'benchmark the inspection log instead (main/cli/bench-log.ts): WAL, Log screen queries, export')
  .option('--rows <n>', '--log: rows in the benchmark log', intOption('rows', 1000), 5_000_000)
  .option('--live <n>', '--log: live inserts for the WAL measurement (0: skip)', intOption('live', 0), 100_000)
  .option('--json <file>', 'also write the results as JSON (inspect, throughput, train, supervised, stages, peak RSS)')
  .option('--line', 'benchmark line mode instead (main/cli/bench-line.ts): hot folder above capacity, live latency during training, per-protocol latency')
  .option('--feed <n>', '--line: files per second written into the hot folder', (v) => Number(v), 15)
  .option('--seconds <n>', '--line: how long the hot folder is fed', intOption('seconds', 1), 20)
  .option('--genicam', 'benchmark the GenICam source on the Aravis camera simulator (main/cli/bench-genicam.ts)')
  .option('--parts <n>', '--genicam: software-triggered parts', intOption('parts', 1), 100)
  .option('--rate <n>', '--genicam: triggers per second of the paced run (latency at the goal rate)', (v) => Number(v), 15)
  // Offered above the 15 parts/s goal: parts/s is then the station's capacity, not the trigger rate echoed back.
  .option('--capacity-rate <n>', '--genicam: triggers per second of the capacity run', (v) => Number(v), 30);
patchCoreFlags(program);
program.action(async (f: BenchFlags & { firstStart: boolean; log?: boolean; rows: number; live: number; json?: string; line?: boolean; feed: number; seconds: number; genicam?: boolean; parts: number; rate: number; capacityRate: number }) => {
  tuneGc();
  if (f.log) return runLogBench({ rows: f.rows, live: f.live, json: f.json });
  if (f.genicam) return runGenicamBench({ data: f.data, parts: f.parts, rate: f.rate, capacityRate: f.capacityRate, seconds: f.line ? f.seconds : 10, json: f.json });
  if (f.line) return runLineBench({ data: f.data, feed: f.feed, seconds: f.seconds, json: f.json });
  const results: BenchRow[] = [];
  const ids = f.backbones?.includes('all') ? await listBackboneIds() : (f.backbones ?? [undefined]);
  for (const id of ids) {
    results.push(await benchOne(f, id));
  }
  const rows = results.map((r) => [
    r.backbone, r.provider, r.medianMs, r.p90Ms, r.partsPerSecond, r.trainSeconds,
    Object.entries(r.stages).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '),
  ]);
  console.log(table(['backbone', 'provider', 'inspect median ms', 'p90 ms', 'decode-ahead parts/s', 'train s', 'stage medians (ms)'], rows));
  const supervised = f.supervised ? await benchSupervisedTraining(f.data, { defect: f.supervisedDefect, defects: 10, good: 20 }) : null;
  if (supervised) {
    console.log(`supervised training: ${supervised.trainSeconds.toFixed(1)} s (${supervised.defectImages} annotated ${f.supervisedDefect} + ${supervised.goodImages} good images, default options)`);
  }
  const firstStart = f.firstStart ? await benchFirstStart() : null;
  if (firstStart) {
    const stages = Object.entries(firstStart.stages).map(([k, v]) => `${k} at ${v} s`).join(', ');
    console.log(`first start to first verdict: ${firstStart.seconds.toFixed(1)} s (empty data folder: ${stages}; first verdict ${firstStart.verdict})`);
  }
  if (f.backbones) {
    const work = join(tmpdir(), 'station-experiment-seed0');
    const dirs = await prepareVariants({ source: f.data, work, variants: ['original'], seed: 0, trainLimit: f.train });
    const acc: (string | number | null)[][] = [];
    for (const id of ids) {
      const r = await runPatchCoreVariant({ dir: dirs.original!, variant: 'original', defect: f.defect, train: f.train, protocol: 'full', config: { ...configFromFlags(f), backbone: id! } });
      acc.push([id!, r.auroc, r.precisionAtFullRecall, r.f1, r.pixelAuroc, r.medianInferMs]);
    }
    console.log(`\nbackbone comparison, original variant, defect ${f.defect}, ${f.train} training images, full protocol`);
    console.log(table(['backbone', 'AUROC', 'P@R=1', 'best F1', 'pixel AUROC', 'ms/img'], acc));
  }
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`\npeak resident memory: ${peakMiB.toFixed(0)} MiB; ${f.images} timed images of ${f.data}; 1024x1024 PNG, decode to verdict`);
  const load = loadavg().map((v) => Math.round(v * 100) / 100);
  console.log(`load average ${load.join(' / ')} on ${cpus().length} CPUs (1 / 5 / 15 min, at the end)`);
  if (f.json) {
    const r = results[0]!;
    await writeJson(f.json, {
      backbone: r.backbone,
      provider: r.provider,
      inspect: { medianMs: r.medianMs, p90Ms: r.p90Ms, images: f.images },
      stages: r.stages,
      throughput: { partsPerSecond: r.partsPerSecond, parts: f.images, decodeAhead: true },
      train: { seconds: r.trainSeconds, images: f.train },
      firstStart: firstStart ? { seconds: firstStart.seconds, stages: firstStart.stages } : null,
      supervised: supervised ? { trainSeconds: supervised.trainSeconds, defect: f.supervisedDefect, defectImages: supervised.defectImages, goodImages: supervised.goodImages } : null,
      peakRssMiB: Math.round(peakMiB),
      loadAverage: load,
      cpus: cpus().length,
      ...(results.length > 1 ? { backbones: results } : {}),
    });
    console.log(`wrote ${f.json}`);
  }
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = toStationError(e);
  process.stderr.write(`bench: ${err.kind}: ${err.message}\n`);
  process.exit(1);
}
