/**
 * The protocol part of `npm run bench -- --line`: trigger -> result latency over OPC UA, Modbus TCP and MQTT, each
 * measured by a real client (node-opcua, modbus-serial, mqtt.js) doing the full handshake against the station's
 * adapters, one part at a time (the way a PLC runs a line). MQTT needs a broker: `--mqtt-url`, else Debian's
 * mosquitto started on a free loopback port; without either, MQTT is reported as skipped with the reason.
 *
 * `benchProtocols` runs on any LineStation (the line benchmark's own station); `openBenchStation` builds a small
 * one (the real live side, a small PatchCore model on the shared screw images, a trigger source of demo parts)
 * for running this part alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LineStation } from '../common/line-io.js';
import { IntegrationService } from '../integration/service.js';
import { modbusDriver, mqttDriver, opcuaDriver, percentiles, POLL_MS, type PlcDriver } from '../integration/plc-clients.js';
import { trainPatchCore, savePatchCore } from '../inference/patchcore/index.js';
import { sharedDir } from '../node/paths.js';
import { MediaStore } from '../pipeline/media-store.js';
import { LiveService } from '../services/live.js';
import { ModelRegistry } from '../services/model-registry.js';
import type { StationStore } from '../store/interface.js';
import { openStore } from '../store/store.js';
import { registerProtocolBench } from './bench-line.js';

export type ProtocolFigures = {
  readonly triggered: number;
  readonly delivered: number;
  /** Triggers without a result (refused, timed out, lost). */
  readonly dropped: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number };
  /** What the protocol adds: client latency minus the station's own trigger -> recorded-result time. */
  readonly protocolMs: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly skipped?: string;
};

export type ProtocolBench = Record<'opcua' | 'modbus' | 'mqtt', ProtocolFigures>;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's mosquitto on a free loopback port, for the benchmark only. */
async function startMosquitto(): Promise<{ url: string; stop(): void } | string> {
  const bin = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
  if (!existsSync(bin)) return `no broker: give --mqtt-url or install mosquitto (${bin} not found)`;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const proc: ChildProcess = spawn(bin, ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  const stop = () => {
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (up) return { url: `mqtt://127.0.0.1:${port}`, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
  return 'mosquitto did not start';
}

/** Times, on the station's side, from a trigger's arrival to its recorded result (same clock as the clients). */
class StationClock {
  private readonly triggeredAt = new Map<string, number>();
  private readonly resultAt = new Map<number, { partId: string; at: number }>();

  /** The station as the adapters see it: every call goes through, trigger and result times are noted. */
  readonly station: LineStation;
  private readonly sub: { dispose(): void };

  constructor(inner: LineStation) {
    this.station = {
      stationId: inner.stationId,
      signals: () => inner.signals(),
      onSignals: inner.onSignals,
      onResult: inner.onResult,
      trigger: async (origin, partId) => {
        const t = performance.now();
        const reply = await inner.trigger(origin, partId);
        if (reply.accepted) this.triggeredAt.set(reply.partId, t);
        return reply;
      },
      acknowledge: (origin) => inner.acknowledge(origin),
      selectProduct: (origin, index) => inner.selectProduct(origin, index),
      setLotName: (origin, name) => inner.setLotName(origin, name),
      resultsSince: (after, limit) => inner.resultsSince(after, limit),
    };
    this.sub = inner.onResult((r) => this.resultAt.set(r.sequence, { partId: r.partId, at: performance.now() }));
  }

  /** Station-side milliseconds of the result with this sequence (NaN when unknown). */
  stationMs(sequence: number): number {
    const r = this.resultAt.get(sequence);
    const t = r && this.triggeredAt.get(r.partId);
    return r && t !== undefined ? r.at - t : NaN;
  }

  dispose(): void {
    this.sub.dispose();
  }
}

/**
 * Waits until no part is pending and no result waits (acknowledging leftovers), so each protocol's figures are
 * its own parts' (Modbus cannot tell its part from an older one). Returns false after `ms`.
 */
async function drain(station: LineStation, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    const s = station.signals();
    if (s.resultsReady) station.acknowledge('bench');
    else if (s.queueDepth === 0) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function measure(driver: PlcDriver, n: number, warmup: number, clock: StationClock): Promise<ProtocolFigures> {
  if (!(await drain(clock.station, 600_000))) throw new Error(`${driver.protocol}: the station still has parts pending after 10 minutes`);
  const latencies: number[] = [];
  const overheads: number[] = [];
  let delivered = 0;
  for (let i = 0; i < warmup + n; i++) {
    try {
      const r = await driver.cycle(`${driver.protocol}-${i}`, 30_000);
      if (i >= warmup) {
        latencies.push(r.latencyMs);
        const stationMs = clock.stationMs(r.sequence);
        if (Number.isFinite(stationMs)) overheads.push(r.latencyMs - stationMs);
        delivered++;
      }
    } catch (e) {
      if (i >= warmup) process.stderr.write(`${driver.protocol}: ${(e as Error).message}\n`);
    }
  }
  return { triggered: n, delivered, dropped: n - delivered, latencyMs: percentiles(latencies), protocolMs: percentiles(overheads) };
}

export async function benchProtocols(opts: {
  station: LineStation;
  store: Pick<StationStore, 'getSetting' | 'setSetting' | 'getDeliveryCursor' | 'setDeliveryCursor' | 'lastInspectionId'>;
  dataDir: string;
  /** Timed triggers per protocol (after 3 warm-up triggers each). */
  triggers: number;
  mqttUrl?: string;
  log?: (m: string) => void;
}): Promise<ProtocolBench> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let broker: { url: string; stop(): void } | string = opts.mqttUrl ? { url: opts.mqttUrl, stop: () => {} } : await startMosquitto();
  const [opcuaPort, modbusPort] = [await freePort(), await freePort()];
  const clock = new StationClock(opts.station);
  const service = new IntegrationService({ station: clock.station, store: opts.store, dataDir: opts.dataDir });
  const none = { p50: NaN, p90: NaN, p99: NaN };
  const empty = (why: string): ProtocolFigures => ({ triggered: 0, delivered: 0, dropped: 0, latencyMs: none, protocolMs: none, skipped: why });
  try {
    await service.configure(
      {
        opcua: { enabled: true, host: '127.0.0.1', port: opcuaPort, allowInsecure: true },
        modbus: { enabled: true, host: '127.0.0.1', port: modbusPort },
        ...(typeof broker === 'string' ? {} : { mqtt: { enabled: true, url: broker.url, topicPrefix: 'bench' } }),
      },
      { persist: false },
    );
    const out: Partial<ProtocolBench> = {};
    const opcua = await opcuaDriver(`opc.tcp://127.0.0.1:${opcuaPort}/UA/InspectionStation`, join(opts.dataDir, 'bench-opcua-client-pki'));
    log(`OPC UA: ${opts.triggers} triggers`);
    out.opcua = await measure(opcua, opts.triggers, 3, clock);
    await opcua.close();
    const modbus = await modbusDriver('127.0.0.1', modbusPort, 1);
    log(`Modbus: ${opts.triggers} triggers`);
    out.modbus = await measure(modbus, opts.triggers, 3, clock);
    await modbus.close();
    if (typeof broker === 'string') out.mqtt = empty(broker);
    else {
      const mqtt = await mqttDriver(broker.url, 'bench', opts.station.stationId);
      log(`MQTT: ${opts.triggers} triggers`);
      out.mqtt = await measure(mqtt, opts.triggers, 3, clock);
      await mqtt.close();
    }
    return out as ProtocolBench;
  } finally {
    await service.dispose();
    clock.dispose();
    if (typeof broker !== 'string') broker.stop();
    broker = '';
  }
}

/** A small station for this benchmark alone: fresh data folder, small model on 5 shared screw images, demo trigger source. */
export async function openBenchStation(): Promise<{ station: LineStation; store: StationStore; dataDir: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-line-'));
  const store = openStore(join(dataDir, 'station.db'));
  const reg = new ModelRegistry(store, join(dataDir, 'models'));
  const live = new LiveService(reg, store, new MediaStore(join(dataDir, 'media')), () => {});
  const good = sharedDir('datasets', 'mvtec-screw', 'train', 'good');
  const images = readdirSync(good).sort().slice(0, 5).map((n) => join(good, n));
  const { model } = await trainPatchCore({ images, config: { registration: { width: 256, height: 128 }, coreset: { ratio: 0.1 } } });
  await reg.register(model, (d) => savePatchCore(model, d), { trainImages: images.length, activate: true });
  await live.start({ source: { kind: 'trigger', from: 'demo' }, store: false });
  return {
    station: live.line,
    store,
    dataDir,
    async close() {
      await live.dispose();
      await reg.dispose();
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function protocolTable(b: ProtocolBench): string {
  const rows = (['opcua', 'modbus', 'mqtt'] as const).map((p) => {
    const f = b[p];
    if (f.skipped) return `${p.padEnd(7)} skipped: ${f.skipped}`;
    return `${p.padEnd(7)} triggered ${f.triggered}  delivered ${f.delivered}  dropped ${f.dropped}  latency ms p50 ${f.latencyMs.p50}  p90 ${f.latencyMs.p90}  p99 ${f.latencyMs.p99}  (protocol adds p50 ${f.protocolMs.p50}  p90 ${f.protocolMs.p90}  p99 ${f.protocolMs.p99})`;
  });
  return [`trigger -> result latency (client polls every ${POLL_MS} ms where the protocol needs polling):`, ...rows].join('\n');
}

/** Timed triggers per protocol in `npm run bench -- --line`. */
export const LINE_BENCH_TRIGGERS = 100;

// `npm run bench -- --line`: the line benchmark's engine and LineStation, the store opened a second time (WAL).
registerProtocolBench(async ({ engine, line, images }) => {
  const { dataDir } = await engine.api.system.info();
  const store = openStore(join(dataDir, 'station.db'));
  // One part per trigger, taken from the benchmark's image folder.
  await engine.api.live.start({ source: { kind: 'trigger', from: 'folder', path: images, recursive: false, defectRate: 0.25 }, store: true });
  try {
    const b = await benchProtocols({ station: line, store, dataDir, triggers: LINE_BENCH_TRIGGERS });
    console.log(protocolTable(b));
    return b;
  } finally {
    await engine.api.live.stop();
    store.close();
  }
});

/** `npx tsx main/cli/bench-line-protocols.ts [N]`: this part alone on its own small station. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 100);
  const s = await openBenchStation();
  try {
    const b = await benchProtocols({ station: s.station, store: s.store, dataDir: s.dataDir, triggers: n });
    console.log(protocolTable(b));
    console.log(JSON.stringify(b));
  } finally {
    await s.close();
  }
}
