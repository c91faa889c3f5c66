/**
 * The MQTT adapter against a real mosquitto broker (started here on a free loopback port) and a real mqtt.js
 * subscriber: results (QoS 1) with stationId + sequence, the retained state topic and its last will, commands
 * with replies, and store and forward across a broker crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { MqttClientAdapter, type DeliveryCursor } from '../../main/integration/mqtt-client.js';
import { MqttConfigSchema } from '../../main/common/integration.js';
import { mqttTopics, type CommandReply, type StateMessage } from '../../main/integration/mqtt-messages.js';
import type { LineResult } from '../../main/common/line-io.js';
import { FakeLineStation } from './fake-station.js';
import { Broker, brokerUnavailable } from './mosquitto.js';

const skip = brokerUnavailable() ?? false;

class MemoryCursor implements DeliveryCursor {
  value: number | null = null;
  saves = 0;
  load() {
    return this.value;
  }
  save(n: number) {
    this.value = n;
    this.saves++;
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function subscriber(url: string, topics: string[], opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 100, ...opts });
  await c.subscribeAsync(topics, { qos: 1 });
  return c;
}

test('MQTT: 200 triggers by command, each result published once with stationId + sequence; retained state; commands answered', { skip, timeout: 120_000 }, async (t) => {
  const broker = await Broker.start();
  t.after(() => broker.stop());
  const station = new FakeLineStation('st-mqtt');
  const config = MqttConfigSchema.parse({ enabled: true, url: broker.url, topicPrefix: 'plant/line1' });
  const topics = mqttTopics(config.topicPrefix, station.stationId);
  const cursor = new MemoryCursor();
  const adapter = new MqttClientAdapter({ config, cursor, initialSequence: () => 0, reconnectPeriodMs: 200 });
  await adapter.start(station);
  t.after(() => adapter.stop());
  await until('adapter connected', () => adapter.status().state === 'running');

  const results: LineResult[] = [];
  const replies: CommandReply[] = [];
  const sub = await subscriber(broker.url, [topics.result, topics.reply]);
  t.after(() => sub.endAsync(true));
  sub.on('message', (topic, payload) => {
    const msg = JSON.parse(payload.toString());
    if (topic === topics.result) {
      results.push(msg);
      sub.publish(topics.cmd, JSON.stringify({ command: 'acknowledge' }), { qos: 1 });
    } else replies.push(msg);
  });

  // All 200 triggers at once, as fast as the client publishes them: the station queues them, none is lost.
  for (let i = 0; i < 200; i++) sub.publish(topics.cmd, JSON.stringify({ command: 'trigger', partId: `P${i}`, id: `t${i}` }), { qos: 1 });
  await until('200 results', () => results.length >= 200 && station.results.length >= 200, 60_000);
  await new Promise((r) => setTimeout(r, 200)); // nothing beyond 200 arrives
  assert.equal(station.results.length, 200);
  assert.equal(results.length, 200);
  assert.deepEqual(results.map((r) => r.sequence), station.results.map((r) => r.sequence));
  assert.deepEqual(results.map((r) => r.partId), Array.from({ length: 200 }, (_, i) => `P${i}`));
  assert.ok(results.every((r) => r.stationId === 'st-mqtt' && (r.verdict === 'OK' || r.verdict === 'NG') && typeof r.score === 'number'));
  await until('trigger replies', () => replies.filter((r) => r.command === 'trigger').length === 200);
  assert.ok(replies.filter((r) => r.command === 'trigger').every((r) => r.ok));
  assert.equal(cursor.value, station.results.at(-1)!.sequence, 'the cursor holds the last acknowledged sequence');
  assert.equal(adapter.status().delivered, 200);
  assert.equal(adapter.status().pending, 0);

  // Product selection, lot name and a bad command.
  sub.publish(topics.cmd, JSON.stringify({ command: 'selectProduct', index: 3, id: 'p' }), { qos: 1 });
  sub.publish(topics.cmd, JSON.stringify({ command: 'setLotName', lotName: 'LOT-42', id: 'l' }), { qos: 1 });
  sub.publish(topics.cmd, JSON.stringify({ command: 'explode', id: 'x' }), { qos: 1 });
  sub.publish(topics.cmd, 'not json', { qos: 1 });
  await until('replies', () => ['p', 'l', 'x'].every((id) => replies.some((r) => r.id === id)) && replies.some((r) => r.command === 'unknown'));
  assert.equal(station.signals().productIndex, 3);
  assert.equal(station.signals().lotName, 'LOT-42');
  const bad = replies.find((r) => r.id === 'x')!;
  assert.equal(bad.ok, false);
  assert.equal(replies.find((r) => r.command === 'unknown')!.ok, false);
  assert.deepEqual(station.commands.filter((c) => c.command === 'selectProduct').map((c) => c.origin), ['mqtt']);

  // The retained state reaches a client that subscribes later.
  const late = await mqtt.connectAsync(broker.url);
  t.after(() => late.endAsync(true));
  const state = new Promise<StateMessage>((resolve) => late.on('message', (_t, p) => resolve(JSON.parse(p.toString()))));
  await late.subscribeAsync(topics.state, { qos: 1 });
  const s = await state;
  assert.equal(s.state, 'online');
  assert.equal(s.signals?.lotName, 'LOT-42');
});

test('MQTT: last will "offline" when the station drops; a clean stop publishes offline too', { skip, timeout: 60_000 }, async (t) => {
  const broker = await Broker.start();
  t.after(() => broker.stop());
  const station = new FakeLineStation('st-will');
  const config = MqttConfigSchema.parse({ enabled: true, url: broker.url });
  const topics = mqttTopics(config.topicPrefix, station.stationId);
  const adapter = new MqttClientAdapter({ config, cursor: new MemoryCursor(), reconnectPeriodMs: 200 });
  await adapter.start(station);
  await until('adapter connected', () => adapter.status().state === 'running');
  const states: StateMessage[] = [];
  const sub = await subscriber(broker.url, [topics.state]);
  t.after(() => sub.endAsync(true));
  sub.on('message', (_t, p) => states.push(JSON.parse(p.toString())));
  await until('online state', () => states.some((s) => s.state === 'online'));
  await adapter.stop();
  await until('offline state', () => states.at(-1)?.state === 'offline');
  assert.equal(adapter.status().state, 'stopped');

  // An unexpected drop: the broker sends the will. Simulated by destroying the adapter's socket under it.
  const a2 = new MqttClientAdapter({ config, cursor: new MemoryCursor(), reconnectPeriodMs: 60_000 });
  await a2.start(station);
  t.after(() => a2.stop());
  await until('online again', () => states.at(-1)?.state === 'online');
  const client = (a2 as unknown as { client: MqttClient }).client;
  client.stream.destroy();
  await until('will', () => states.at(-1)?.state === 'offline');
  assert.equal(states.at(-1)!.stationId, 'st-will');
});

test('MQTT store and forward: broker killed mid-run and restarted, every result delivered in order', { skip, timeout: 120_000 }, async (t) => {
  const broker = await Broker.start({ persistent: true });
  t.after(() => broker.stop());
  const station = new FakeLineStation('st-saf');
  // The PLC side acknowledges every result at once, so the station keeps producing while the broker is down.
  station.onResult(() => setImmediate(() => station.acknowledge('plc')));
  const config = MqttConfigSchema.parse({ enabled: true, url: broker.url });
  const topics = mqttTopics(config.topicPrefix, station.stationId);
  const cursor = new MemoryCursor();
  const adapter = new MqttClientAdapter({ config, cursor, initialSequence: () => 0, reconnectPeriodMs: 300 });
  await adapter.start(station);
  t.after(() => adapter.stop());
  await until('adapter connected', () => adapter.status().state === 'running');

  // A consumer with a persistent session (as a MES would have): the broker keeps its subscription across the crash.
  const seen: number[] = [];
  const sub = await subscriber(broker.url, [topics.result], { clientId: 'mes-st-saf', clean: false });
  t.after(() => sub.endAsync(true));
  sub.on('message', (_t: string, p: Buffer) => seen.push(JSON.parse(p.toString()).sequence));
  await new Promise((r) => setTimeout(r, 2500)); // the broker saves the session (autosave every second)

  for (let i = 0; i < 30; i++) await station.trigger('plc');
  await until('30 delivered', () => seen.length >= 30);
  await broker.kill();
  for (let i = 0; i < 50; i++) await station.trigger('plc');
  await until('80 results made', () => station.results.length === 80);
  await until('adapter sees the outage', () => adapter.status().state === 'degraded');
  assert.ok(adapter.status().pending >= 50, `pending ${adapter.status().pending}`);
  assert.equal(new Set(seen).size, 30);

  await broker.restart();
  for (let i = 0; i < 20; i++) await station.trigger('plc');
  await until('all 100 delivered', () => new Set(seen).size >= 100, 60_000);
  const expected = station.results.map((r) => r.sequence);
  const firstSeen = seen.filter((s, i) => seen.indexOf(s) === i);
  assert.deepEqual(firstSeen, expected, 'every result, in order');
  assert.equal(cursor.value, expected.at(-1));
  await until('backlog empty', () => adapter.status().pending === 0 && adapter.status().state === 'running');
});
