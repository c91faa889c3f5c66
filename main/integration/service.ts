/**
 * IntegrationService: runs the three line adapters (OPC UA server, Modbus TCP server, MQTT client) on one
 * LineStation, any of them at once, from the configuration kept in the store (`integration.config` setting);
 * reports each adapter's status and the live signal monitor.
 */
import { join } from 'node:path';
import { Emitter } from '../common/event.js';
import {
  DEFAULT_INTEGRATION_CONFIG,
  IntegrationConfigSchema,
  applyConfigPatch,
  redactConfig,
  type AdapterStatusDto,
  type IntegrationConfig,
  type IntegrationConfigPatch,
  type IntegrationProtocol,
  type IntegrationState,
} from '../common/integration.js';
import type { Disposable } from '../common/event.js';
import type { StationStore } from '../store/interface.js';
import type { LineAdapter, LineStation } from '../common/line-io.js';
import { ModbusServerAdapter } from './modbus-server.js';
import { MqttClientAdapter, redactUrl } from './mqtt-client.js';
import { OpcuaServerAdapter, hashPassword } from './opcua-server.js';
import { SignalMonitor } from './signal-monitor.js';

const SETTING_KEY = 'integration.config';
const PROTOCOLS: readonly IntegrationProtocol[] = ['opcua', 'modbus', 'mqtt'];
/** The screen gets at most this many state events per second; the monitor keeps exact change times anyway. */
const STATE_EVENT_MS = 100;

export interface IntegrationDeps {
  readonly station: LineStation;
  readonly store: Pick<StationStore, 'getSetting' | 'setSetting' | 'getDeliveryCursor' | 'setDeliveryCursor' | 'lastInspectionId'>;
  /** The station's data folder: the OPC UA PKI (server certificate) lives in `<dataDir>/opcua-pki`. */
  readonly dataDir: string;
  readonly notice?: (level: 'info' | 'warning' | 'error', message: string) => void;
  /** MQTT reconnect period (ms); tests shorten it. */
  readonly mqttReconnectMs?: number;
}

function endpointOf(p: IntegrationProtocol, c: IntegrationConfig): string {
  if (p === 'opcua') return `opc.tcp://${c.opcua.host}:${c.opcua.port}/UA/InspectionStation`;
  if (p === 'modbus') return `modbus-tcp://${c.modbus.host}:${c.modbus.port} unit ${c.modbus.unitId}`;
  return redactUrl(c.mqtt.url);
}

export class IntegrationService {
  private config: IntegrationConfig;
  private readonly adapters = new Map<IntegrationProtocol, { adapter: LineAdapter; sub: Disposable }>();
  private readonly statuses = new Map<IntegrationProtocol, AdapterStatusDto>();
  private readonly monitor: SignalMonitor;
  private readonly stateEmitter = new Emitter<IntegrationState>();
  readonly onState = this.stateEmitter.event;
  private readonly signalSub: Disposable;
  private stateTimer: NodeJS.Timeout | null = null;
  /** Serialises start / stop / configure so two changes never race on a port. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: IntegrationDeps) {
    const saved = deps.store.getSetting(SETTING_KEY);
    const parsed = saved === null ? { success: true as const, data: DEFAULT_INTEGRATION_CONFIG } : IntegrationConfigSchema.safeParse(saved);
    if (!parsed.success) deps.notice?.('warning', `the stored integration settings are invalid and were not used: ${parsed.error.issues[0]?.message}`);
    this.config = parsed.success ? parsed.data : DEFAULT_INTEGRATION_CONFIG;
    for (const p of PROTOCOLS) this.statuses.set(p, { protocol: p, state: 'stopped', endpoint: endpointOf(p, this.config), delivered: 0, pending: 0, at: new Date().toISOString() });
    this.monitor = new SignalMonitor(deps.station.signals());
    this.signalSub = deps.station.onSignals((s) => {
      if (this.monitor.update(s)) this.emitSoon();
    });
  }

  state(): IntegrationState {
    return {
      stationId: this.deps.station.stationId,
      config: redactConfig(this.config),
      adapters: PROTOCOLS.map((p) => this.statuses.get(p)!),
      signals: this.monitor.snapshot(),
      at: new Date().toISOString(),
    };
  }

  /** Starts every enabled adapter; a failed one is reported in its status (and returned), the others run. */
  start(): Promise<IntegrationState> {
    return this.serial(async () => {
      await Promise.all(PROTOCOLS.filter((p) => this.config[p].enabled && !this.adapters.has(p)).map((p) => this.startOne(p)));
      return this.state();
    });
  }

  /**
   * Changes the configuration and restarts the adapters whose part changed. `persist: false` applies it for this
   * run only (the `station run --opcua/--modbus/--mqtt` flags).
   */
  configure(patch: IntegrationConfigPatch, opts: { persist?: boolean } = {}): Promise<IntegrationState> {
    return this.serial(async () => {
      const next = applyConfigPatch(this.config, patch, hashPassword);
      const changed = PROTOCOLS.filter((p) => JSON.stringify(next[p]) !== JSON.stringify(this.config[p]));
      this.config = next;
      if (opts.persist !== false) this.deps.store.setSetting(SETTING_KEY, next);
      for (const p of changed) {
        await this.stopOne(p);
        if (next[p].enabled) await this.startOne(p);
        else this.setStatus(p, { ...this.statuses.get(p)!, state: 'stopped', endpoint: endpointOf(p, next), at: new Date().toISOString() });
      }
      return this.state();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private create(p: IntegrationProtocol): LineAdapter {
    const c = this.config;
    if (p === 'opcua') return new OpcuaServerAdapter({ config: c.opcua, pkiDir: join(this.deps.dataDir, 'opcua-pki') });
    if (p === 'modbus') return new ModbusServerAdapter(c.modbus);
    const store = this.deps.store;
    return new MqttClientAdapter({
      config: c.mqtt,
      cursor: { load: () => store.getDeliveryCursor('mqtt'), save: (n) => store.setDeliveryCursor('mqtt', n) },
      // The first time MQTT is enabled, delivery starts with the next result, not with the whole log.
      initialSequence: () => store.lastInspectionId(),
      reconnectPeriodMs: this.deps.mqttReconnectMs,
    });
  }

  private async startOne(p: IntegrationProtocol): Promise<void> {
    const adapter = this.create(p);
    const sub = adapter.onStatus((s) => this.setStatus(p, s));
    this.adapters.set(p, { adapter, sub });
    try {
      await adapter.start(this.deps.station);
    } catch (e) {
      sub.dispose();
      this.adapters.delete(p);
      await adapter.stop().catch(() => {});
      const message = `${p}: ${(e as Error).message}`;
      this.setStatus(p, { protocol: p, state: 'failed', endpoint: endpointOf(p, this.config), message, delivered: 0, pending: 0, at: new Date().toISOString() });
      this.deps.notice?.('error', message);
    }
  }

  private async stopOne(p: IntegrationProtocol): Promise<void> {
    const entry = this.adapters.get(p);
    if (!entry) return;
    this.adapters.delete(p);
    await entry.adapter.stop().catch((e: Error) => this.deps.notice?.('warning', `${p} did not stop cleanly: ${e.message}`));
    this.setStatus(p, entry.adapter.status());
    entry.sub.dispose();
  }

  private setStatus(p: IntegrationProtocol, s: AdapterStatusDto): void {
    const before = this.statuses.get(p);
    this.statuses.set(p, s);
    // State changes go out at once; counters are coalesced with the signals.
    if (before?.state !== s.state) this.emitNow();
    else this.emitSoon();
  }

  private emitSoon(): void {
    if (this.stateTimer) return;
    this.stateTimer = setTimeout(() => this.emitNow(), STATE_EVENT_MS);
    this.stateTimer.unref?.();
  }

  private emitNow(): void {
    if (this.stateTimer) clearTimeout(this.stateTimer);
    this.stateTimer = null;
    this.stateEmitter.fire(this.state());
  }

  async dispose(): Promise<void> {
    this.signalSub.dispose();
    await this.serial(async () => {
      for (const p of PROTOCOLS) await this.stopOne(p);
    });
    if (this.stateTimer) clearTimeout(this.stateTimer);
    this.stateEmitter.dispose();
  }
}

/** The `station run --opcua PORT --modbus PORT --mqtt URL` flags as a configuration patch (this run only). */
export function integrationFlagsPatch(flags: { opcua?: number; modbus?: number; mqtt?: string }): IntegrationConfigPatch {
  const patch: { opcua?: { enabled: true; port: number }; modbus?: { enabled: true; port: number }; mqtt?: { enabled: true; url: string } } = {};
  if (flags.opcua !== undefined) patch.opcua = { enabled: true, port: flags.opcua };
  if (flags.modbus !== undefined) patch.modbus = { enabled: true, port: flags.modbus };
  if (flags.mqtt !== undefined) patch.mqtt = { enabled: true, url: flags.mqtt };
  return patch;
}

/**
 * Starts the integration for a headless run: the stored configuration plus the command-line flags (not saved).
 * Throws when an adapter asked for on the command line did not start (port taken, bad URL): a line PC's
 * service manager should see the failure, not a station that runs deaf.
 */
export async function startIntegrationForRun(service: IntegrationService, flags: { opcua?: number; modbus?: number; mqtt?: string }): Promise<IntegrationState> {
  await service.configure(integrationFlagsPatch(flags), { persist: false });
  const state = await service.start();
  const asked = (['opcua', 'modbus', 'mqtt'] as const).filter((p) => flags[p] !== undefined);
  const failed = state.adapters.filter((a) => asked.includes(a.protocol) && a.state === 'failed');
  if (failed.length > 0) throw new Error(failed.map((a) => a.message ?? `${a.protocol} failed`).join('; '));
  return state;
}
