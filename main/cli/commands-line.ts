/**
 * `station run`: the headless line runtime for an industrial PC without a screen (and for scripts). It opens the
 * station's store in STATION_DATA_DIR, activates a model, starts a line source in every-part delivery (pending
 * parts from before a restart first), prints one line per part (`--jsonl`: one JSON LineResult per line) and runs
 * until SIGINT/SIGTERM or `--idle-exit`. Without `--source` it resumes the last line source.
 */
import { Command, Option } from 'commander';
import { cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GENICAM_PIXEL_FORMATS, SourceSpecSchema, type SourceSpec } from '../common/api.js';
import { StationFault } from '../common/result.js';
import type { LineResult, LineStation } from '../common/line-io.js';
import { loadModel } from '../inference/load-model.js';
import { userDataDir } from '../node/paths.js';
import { MediaStore } from '../pipeline/media-store.js';
import { DEFAULT_QUEUE_CAPACITY } from '../pipeline/durable-queue.js';
import { LiveService } from '../services/live.js';
import { ModelRegistry } from '../services/model-registry.js';
import { openStore } from '../store/store.js';
import { intOption } from './options.js';

export interface RunFlags {
  source?: 'hot-folder' | 'folder' | 'trigger' | 'genicam';
  folder?: string;
  /** --source genicam: the camera, its acquisition mode and settings. */
  camera?: string;
  cameraMode?: 'triggered' | 'continuous';
  triggerSource?: string;
  pixelFormat?: string;
  width?: number;
  height?: number;
  exposureUs?: number;
  gain?: number;
  model?: string;
  idleExit?: number;
  jsonl?: boolean;
  settleMs: number;
  includeExisting?: boolean;
  fps: number;
  queue: number;
  busy: 'queue' | 'reject';
  /** Protocol adapters (added by the line-adapters work): --opcua PORT, --modbus PORT, --mqtt URL. */
  [adapterFlag: string]: unknown;
}

/**
 * Hook for the protocol adapters: called once the station runs, with its LineStation; returns stop functions
 * called on shutdown. The line-adapters work registers --opcua / --modbus / --mqtt here (see `adapterOptions`).
 */
export type AdapterStarter = (line: LineStation, flags: RunFlags, log: (msg: string) => void) => Promise<(() => Promise<void>)[]>;
const adapterStarters: AdapterStarter[] = [];
const adapterOptionAdders: ((cmd: Command) => void)[] = [];
/** Registers the adapter flags and their starter for `station run`. */
export function registerRunAdapters(addOptions: (cmd: Command) => void, start: AdapterStarter): void {
  adapterOptionAdders.push(addOptions);
  adapterStarters.push(start);
}

/** `--model DIR`: a model folder (as `station train` writes); registered in the store once, then activated. */
async function useModelDir(reg: ModelRegistry, dir: string): Promise<void> {
  const abs = resolve(dir);
  if (!existsSync(join(abs, 'model.json')) && !existsSync(join(abs, 'manifest.json'))) throw new StationFault('not-found', `no model in ${abs} (expected model.json)`);
  const model = await loadModel(abs);
  const id = model.info.id;
  if (id && reg.store.getModel(id)) {
    await model.dispose();
    if (reg.activeId() !== id || !reg.current()) await reg.activate(id);
    return;
  }
  await reg.register(model, (tmp) => cp(abs, tmp, { recursive: true }), { name: `${id || 'model'} (from ${abs})`, trainImages: model.info.trainImages, activate: true });
}

function specOf(f: RunFlags): SourceSpec | null {
  if (!f.source) return null;
  if (f.source === 'genicam') return genicamSpecOf(f);
  if (f.source !== 'trigger' && !f.folder) throw new StationFault('invalid-input', `--source ${f.source} needs --folder DIR`);
  switch (f.source) {
    case 'hot-folder':
      return { kind: 'hotfolder', path: resolve(f.folder!), settleMs: f.settleMs, includeExisting: !!f.includeExisting };
    case 'folder':
      return { kind: 'folder', path: resolve(f.folder!), fps: f.fps, loop: false };
    case 'trigger':
      return f.folder ? { kind: 'trigger', from: 'folder', path: resolve(f.folder) } : { kind: 'trigger', from: 'demo' };
  }
}

/** `--source genicam --camera ID`: triggered by default (every frame a part); the camera's settings from flags. */
function genicamSpecOf(f: RunFlags): SourceSpec {
  if (!f.camera) throw new StationFault('invalid-input', '--source genicam needs --camera ID (`station genicam list` shows the ids)');
  const spec = SourceSpecSchema.parse({
    kind: 'genicam',
    camera: f.camera,
    mode: f.cameraMode ?? 'triggered',
    ...(f.triggerSource ? { triggerSource: f.triggerSource } : {}),
    ...(f.pixelFormat ? { pixelFormat: f.pixelFormat } : {}),
    ...(f.width ? { width: f.width } : {}),
    ...(f.height ? { height: f.height } : {}),
    ...(f.exposureUs ? { exposureUs: f.exposureUs } : {}),
    ...(f.gain !== undefined ? { gain: f.gain } : {}),
  });
  return spec;
}

function humanLine(r: LineResult): string {
  const score = r.score === null ? '-' : r.score.toFixed(4);
  return `#${r.sequence} ${r.partId} ${r.verdict} score ${score} threshold ${r.threshold ?? '-'}${r.errorMessage ? ` (${r.errorMessage})` : ''}`;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description('headless line runtime: inspect every part of a line source, record each verdict, run until stopped')
    .addOption(new Option('--source <kind>', 'line source; omitted: resume the last line source').choices(['hot-folder', 'folder', 'trigger', 'genicam']))
    .option('--camera <id>', 'genicam: the camera id (as `station genicam list` prints it) or its IP address')
    .addOption(new Option('--camera-mode <mode>', 'genicam: one part per trigger, or free-running (newest frame wins)').choices(['triggered', 'continuous']))
    .option('--trigger-source <src>', "genicam: 'Software' (the PLC/adapters trigger) or the camera's hardware line, e.g. Line0")
    .addOption(new Option('--pixel-format <fmt>', 'genicam: pixel format').choices([...GENICAM_PIXEL_FORMATS]))
    .option('--width <px>', 'genicam: image width', intOption('width', 1))
    .option('--height <px>', 'genicam: image height', intOption('height', 1))
    .option('--exposure-us <us>', 'genicam: exposure time in microseconds', (v) => Number(v))
    .option('--gain <g>', 'genicam: gain', (v) => Number(v))
    .option('--folder <dir>', 'the folder (hot folder a camera writes into, folder to replay, or images taken one per trigger)')
    .option('--model <dir>', 'model folder to inspect with (registered in the store); default: the active model')
    .option('--idle-exit <seconds>', 'exit once no part is pending and none arrived for this long', intOption('idle-exit', 1))
    .option('--jsonl', 'one JSON line per part on stdout (stationId, sequence, partId, verdict, score, ...)')
    .option('--settle-ms <ms>', 'hot folder: a file counts as written once its size is unchanged this long', intOption('settle-ms', 0), 300)
    .option('--include-existing', 'hot folder: also inspect the files already there on the first start')
    .option('--fps <n>', 'folder replay: parts per second', (v) => Number(v), 4)
    .option('--queue <n>', 'capacity of the durable part queue', intOption('queue', 1), DEFAULT_QUEUE_CAPACITY)
    .addOption(new Option('--busy <policy>', 'a trigger while busy is queued or answered busy').choices(['queue', 'reject']).default('queue'));
  for (const add of adapterOptionAdders) add(cmd);
  return cmd.action(async (f: RunFlags) => {
    const dataDir = resolve(userDataDir());
    const log = (m: string) => process.stderr.write(`${m}\n`);
    const store = openStore(join(dataDir, 'station.db'));
    const media = new MediaStore(join(dataDir, 'media'));
    const reg = new ModelRegistry(store, join(dataDir, 'models'));
    const live = new LiveService(reg, store, media, (level, message) => log(`${level}: ${message}`), { queueCapacity: f.queue, busyPolicy: f.busy });
    const stops: (() => Promise<void>)[] = [];
    let shuttingDown: Promise<void> | null = null;
    const shutdown = (code: number) =>
      (shuttingDown ??= (async () => {
        for (const s of stops) await s().catch((e: Error) => log(`warning: ${e.message}`));
        await live.dispose().catch(() => {});
        await reg.dispose().catch(() => {});
        store.close();
        process.exit(code);
      })());
    try {
      if (f.model) await useModelDir(reg, f.model);
      else await reg.ensureLoaded();
      if (!reg.current()) throw new StationFault('not-found', 'no model: give --model DIR (a folder written by `station train`) or activate one in the station');
      let lastActivity = Date.now();
      live.line.onResult((r) => {
        lastActivity = Date.now();
        process.stdout.write(f.jsonl ? `${JSON.stringify(r)}\n` : `${humanLine(r)}\n`);
      });
      const spec = specOf(f);
      if (spec) await live.start({ source: spec, store: true });
      else if (!(await live.resumeLineSource())) throw new StationFault('invalid-input', 'no line source to resume: give --source and --folder');
      for (const start of adapterStarters) stops.push(...(await start(live.line, f, log)));
      const st = live.state();
      log(`running ${st.source.name} with model ${st.modelId}; ${st.line?.queueDepth ?? 0} parts pending; data in ${dataDir}`);
      process.on('SIGINT', () => void shutdown(0));
      process.on('SIGTERM', () => void shutdown(0));
      if (f.idleExit) {
        const idleMs = f.idleExit * 1000;
        setInterval(() => {
          if (live.line.signals().queueDepth > 0) lastActivity = Date.now();
          else if (Date.now() - lastActivity >= idleMs) {
            log(`idle for ${f.idleExit} s: exiting`);
            void shutdown(0);
          }
        }, 200);
      }
      await new Promise<never>(() => {}); // runs until a signal or idle exit
    } catch (e) {
      await live.dispose().catch(() => {});
      await reg.dispose().catch(() => {});
      store.close();
      throw e;
    }
  });
}
