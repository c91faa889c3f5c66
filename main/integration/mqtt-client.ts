/**
 * MQTT client adapter (mqtt.js v5): publishes every result (QoS 1), keeps a retained state topic with a last will
 * "offline", and takes commands. Store and forward: results are read from the station's log
 * (`LineStation.resultsSince`) after the last sequence the broker acknowledged, which is kept in the store per
 * adapter; so results made while the broker is down (or the station was off) go out in order after reconnect,
 * none lost, duplicates only as QoS 1 allows (consumers de-duplicate on stationId + sequence).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { DisposableStore } from '../common/event.js';
import type { MqttConfig } from '../common/integration.js';
import { AdapterBase } from './adapter-base.js';
import type { LineAdapter, LineResult, LineStation } from '../common/line-io.js';
import { mqttTopics, parseCommand, type CommandMessage, type CommandReply, type MqttTopics, type StateMessage } from './mqtt-messages.js';

/** Where the adapter keeps the last sequence the broker acknowledged (a table in the station's store). */
export interface DeliveryCursor {
  load(): number | null;
  save(sequence: number): void;
}

export interface MqttClientOptions {
  readonly config: MqttConfig;
  readonly cursor: DeliveryCursor;
  /** Where delivery starts the first time (no cursor yet): by default after the newest result in the log. */
  readonly initialSequence?: () => number;
  /** Reconnect delay in ms (default 1000). */
  readonly reconnectPeriodMs?: number;
  readonly clientId?: string;
}

const BATCH = 100;
/** A backlog count above this is shown as "at least". */
const PENDING_COUNT_LIMIT = 10_000;

export class MqttClientAdapter extends AdapterBase implements LineAdapter {
  private client: MqttClient | null = null;
  private station: LineStation | null = null;
  private topics: MqttTopics | null = null;
  private subscriptions = new DisposableStore();
  private cursor = 0;
  private delivered = 0;
  private pending = 0;
  private pumping = false;
  private pumpAgain = false;
  private stateQueued = false;
  /** Rejects when the current connection closes, so a publish in flight never holds the pump across an outage. */
  private connectionLost: Promise<never> = new Promise(() => {});
  private loseConnection: (e: Error) => void = () => {};

  constructor(private readonly opts: MqttClientOptions) {
    super('mqtt', redactUrl(opts.config.url));
  }

  async start(station: LineStation): Promise<void> {
    if (this.client) throw new Error('the MQTT client is already running');
    const c = this.opts.config;
    this.station = station;
    this.topics = mqttTopics(c.topicPrefix, station.stationId);
    this.subscriptions = new DisposableStore();
    const saved = this.opts.cursor.load();
    if (saved === null) {
      this.cursor = this.opts.initialSequence?.() ?? 0;
      this.opts.cursor.save(this.cursor);
    } else this.cursor = saved;
    this.pending = this.countPending();
    this.setStatus({ state: 'starting', pending: this.pending });

    const offline: StateMessage = { stationId: station.stationId, state: 'offline', at: new Date().toISOString() };
    const client = mqtt.connect(c.url, {
      clientId: this.opts.clientId ?? `inspection-${station.stationId}-${process.pid}`,
      username: c.userName || undefined,
      password: c.password || undefined,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: this.opts.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      will: { topic: this.topics.state, payload: Buffer.from(JSON.stringify(offline)), qos: 1, retain: true },
    });
    this.client = client;
    const topics = this.topics;
    client.on('connect', () => {
      this.connectionLost = new Promise<never>((_, reject) => {
        this.loseConnection = reject;
      });
      this.connectionLost.catch(() => {});
      this.setStatus({ state: 'running', pending: this.pending, message: `connected; results on ${topics.result}` });
      client.subscribe(topics.cmd, { qos: 1 }, (err) => {
        if (err) this.setStatus({ state: 'degraded', message: `could not subscribe to ${topics.cmd}: ${err.message}` });
      });
      this.publishState();
      this.pump();
    });
    client.on('close', () => {
      this.loseConnection(new Error('connection to the broker closed'));
      if (this.client !== client) return;
      this.setStatus({ state: 'degraded', pending: this.pending, message: `broker unreachable; ${this.pending} result(s) kept for delivery` });
    });
    client.on('error', (e) => {
      if (this.client !== client) return;
      this.setStatus({ state: 'degraded', message: `MQTT: ${e.message}` });
    });
    client.on('message', (topic, payload) => {
      if (topic === topics.cmd) void this.command(payload);
    });
    this.subscriptions.add(
      station.onResult(() => {
        this.pending++;
        if (!this.client?.connected) this.setStatus({ pending: this.pending });
        this.pump();
      }),
    );
    this.subscriptions.add(station.onSignals(() => this.publishState()));
  }

  private countPending(): number {
    return this.station?.resultsSince(this.cursor, PENDING_COUNT_LIMIT).length ?? 0;
  }

  /** Sends the backlog in sequence order, one at a time; stops when the broker goes away and resumes on connect. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    const client = this.client;
    const station = this.station;
    if (!client || !station || !client.connected) return;
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          for (;;) {
            const batch: readonly LineResult[] = station.resultsSince(this.cursor, BATCH);
            if (batch.length === 0) break;
            for (const r of batch) {
              if (this.client !== client || !client.connected) return;
              const sent = client.publishAsync(this.topics!.result, JSON.stringify(r), { qos: 1 });
              sent.catch(() => {});
              await Promise.race([sent, this.connectionLost]);
              this.cursor = r.sequence;
              this.opts.cursor.save(r.sequence);
              this.delivered++;
              this.pending = Math.max(0, this.pending - 1);
            }
            this.setStatus({ delivered: this.delivered, pending: this.pending });
          }
          this.pending = 0;
          this.setStatus({ delivered: this.delivered, pending: 0 });
        } while (this.pumpAgain);
      } catch (e) {
        // Connection lost mid-publish: the next 'connect' resumes from the saved cursor (at-least-once).
        if (this.client === client) this.setStatus({ state: 'degraded', message: `publish failed, will retry: ${(e as Error).message}` });
      } finally {
        this.pumping = false;
        if (this.pumpAgain && this.client === client && client.connected) this.pump();
      }
    })();
  }

  /** The retained state topic; signal bursts are coalesced into one message per tick. */
  private publishState(): void {
    if (this.stateQueued) return;
    this.stateQueued = true;
    setImmediate(() => {
      this.stateQueued = false;
      const client = this.client;
      if (!client?.connected || !this.station) return;
      const msg: StateMessage = { stationId: this.station.stationId, state: 'online', signals: this.station.signals(), at: new Date().toISOString() };
      client.publish(this.topics!.state, JSON.stringify(msg), { qos: 1, retain: true }, () => {});
    });
  }

  private async command(payload: Buffer): Promise<void> {
    const parsed = parseCommand(payload);
    const reply = parsed.ok ? await this.run(parsed.value) : parsed.reply;
    this.client?.publish(this.topics!.reply, JSON.stringify(reply), { qos: 1 }, () => {});
  }

  private async run(cmd: CommandMessage): Promise<CommandReply> {
    const station = this.station!;
    const id = cmd.id !== undefined ? { id: cmd.id } : {};
    try {
      switch (cmd.command) {
        case 'trigger': {
          const r = await station.trigger('mqtt', cmd.partId);
          return r.accepted ? { ...id, command: cmd.command, ok: true, partId: r.partId } : { ...id, command: cmd.command, ok: false, reason: r.reason, message: r.message };
        }
        case 'acknowledge':
          station.acknowledge('mqtt');
          return { ...id, command: cmd.command, ok: true };
        case 'selectProduct': {
          const r = await station.selectProduct('mqtt', cmd.index);
          return r.ok ? { ...id, command: cmd.command, ok: true } : { ...id, command: cmd.command, ok: false, reason: r.error.kind, message: r.error.message };
        }
        case 'setLotName':
          station.setLotName('mqtt', cmd.lotName);
          return { ...id, command: cmd.command, ok: true };
      }
    } catch (e) {
      return { ...id, command: cmd.command, ok: false, reason: 'internal', message: (e as Error).message };
    }
  }

  async stop(): Promise<void> {
    this.subscriptions.dispose();
    const client = this.client;
    this.client = null;
    if (client) {
      if (client.connected && this.station && this.topics) {
        // A clean stop says so itself: the broker only publishes the will on an unexpected drop.
        const offline: StateMessage = { stationId: this.station.stationId, state: 'offline', at: new Date().toISOString() };
        await Promise.race([client.publishAsync(this.topics.state, JSON.stringify(offline), { qos: 1, retain: true }).catch(() => {}), delay(2000)]);
      }
      await client.endAsync(true).catch(() => {});
    }
    this.station = null;
    this.setStatus({ state: 'stopped', pending: this.pending });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** The broker URL without a password, for status and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
