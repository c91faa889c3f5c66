/**
 * End to end through the real station: the live side (LiveService, its LineStation and durable queue), the
 * SQLite store, a small PatchCore model on the real screw images, a trigger source, and the IntegrationService
 * running the OPC UA server, the Modbus TCP server and the MQTT client at once. Real clients drive the handshake
 * (node-opcua, modbus-serial, mqtt.js) and a real mosquitto broker carries the results. No mocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { IntegrationService } from '../../main/integration/service.js';
import { modbusDriver, mqttDriver, opcuaDriver, type PlcDriver } from '../../main/integration/plc-clients.js';
import type { LineResult } from '../../main/common/line-io.js';
import mqtt from 'mqtt';
import { mqttTopics } from '../../main/integration/mqtt-messages.js';
import { openStation, sleep, until } from '../line/helpers.js';
import { Broker, brokerUnavailable, freePort } from './mosquitto.js';

const skip = brokerUnavailable() ?? false;
const N = 200;

async function drive(driver: PlcDriver, prefix: string): Promise<number[]> {
  const sequences: number[] = [];
  for (let i = 0; i < N; i++) sequences.push((await driver.cycle(`${prefix}-${i}`)).sequence);
  return sequences;
}

test(`real station, all three adapters at once: ${N} triggers per protocol -> ${N} log rows and ${N} delivered results each`, { skip, timeout: 1_200_000 }, async (t) => {
  const broker = await Broker.start();
  t.after(() => broker.stop());
  const st = await openStation();
  t.after(() => st.close());
  await st.live.start({ source: { kind: 'trigger', from: 'demo' }, store: false });
  const [opcuaPort, modbusPort] = [await freePort(), await freePort()];
  const service = new IntegrationService({ station: st.live.line, store: st.store, dataDir: st.root, mqttReconnectMs: 300 });
  t.after(() => service.dispose());
  await service.configure({
    opcua: { enabled: true, host: '127.0.0.1', port: opcuaPort },
    modbus: { enabled: true, host: '127.0.0.1', port: modbusPort },
    mqtt: { enabled: true, url: broker.url, topicPrefix: 'e2e' },
  });
  await until(() => service.state().adapters.every((a) => a.state === 'running'), 20_000);
  assert.deepEqual(service.state().adapters.map((a) => `${a.protocol}:${a.state}`), ['opcua:running', 'modbus:running', 'mqtt:running']);

  const delivered: LineResult[] = [];
  const mqttPlc = await mqttDriver(broker.url, 'e2e', st.live.line.stationId);
  t.after(() => mqttPlc.close());
  const opcuaPlc = await opcuaDriver(`opc.tcp://127.0.0.1:${opcuaPort}/UA/InspectionStation`, join(st.root, 'client-pki'));
  t.after(() => opcuaPlc.close());
  const modbusPlc = await modbusDriver('127.0.0.1', modbusPort, 1);
  t.after(() => modbusPlc.close());

  const bySequence = new Map<string, number[]>();
  for (const [name, driver] of [['opcua', opcuaPlc], ['modbus', modbusPlc], ['mqtt', mqttPlc]] as const) {
    const rowsBefore = st.store.countInspections();
    const seqs = await drive(driver, name);
    bySequence.set(name, seqs);
    assert.equal(st.store.countInspections() - rowsBefore, N, `${name}: exactly ${N} log rows`);
    assert.equal(new Set(seqs).size, N, `${name}: ${N} distinct sequences`);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${name}: sequences increase`);
  }
  // MQTT carried every result of every protocol (store and forward from the log), each once, in order.
  await until(() => mqttPlc.results.length >= 3 * N, 60_000);
  delivered.push(...mqttPlc.results);
  const all = [...bySequence.get('opcua')!, ...bySequence.get('modbus')!, ...bySequence.get('mqtt')!];
  assert.deepEqual(delivered.map((r) => r.sequence), all);
  assert.ok(delivered.every((r) => r.stationId === st.live.line.stationId));
  const rows = st.store.queryInspections({ limit: 3 * N }).items.map((r) => r.id).sort((a, b) => a - b);
  assert.deepEqual(rows, all, 'the log rows are exactly the delivered sequences');
  const mqttStatus = service.state().adapters.find((a) => a.protocol === 'mqtt')!;
  assert.equal(mqttStatus.delivered, 3 * N);
  assert.equal(mqttStatus.pending, 0);
  assert.equal(st.store.getDeliveryCursor('mqtt'), all.at(-1));
  // The monitor saw the handshake. The last acknowledgement is a fire-and-forget MQTT command, so the final
  // ResultsReady drop may still be on its way when the driver returns: wait for it (bounded) before counting.
  await until(() => (service.state().signals.find((s) => s.name === 'ResultsReady')?.changes ?? 0) >= 2 * 3 * N, 10_000);
  const sig = Object.fromEntries(service.state().signals.map((s) => [s.name, s]));
  assert.ok(sig.ResultsReady!.changes >= 2 * 3 * N, `ResultsReady changed ${sig.ResultsReady!.changes} times`);
  assert.equal(sig.Sequence!.value, all.at(-1));
});

test('real station, MQTT store and forward: broker killed mid-run and restarted, every result delivered in order, cursor kept', { skip, timeout: 600_000 }, async (t) => {
  const broker = await Broker.start({ persistent: true });
  t.after(() => broker.stop());
  const st = await openStation();
  t.after(() => st.close());
  await st.live.start({ source: { kind: 'trigger', from: 'demo' }, store: false });
  // The PLC acknowledges each result at once, so the station keeps inspecting while the broker is down.
  st.live.line.onSignals((s) => {
    if (s.resultsReady) setImmediate(() => st.live.line.acknowledge('plc'));
  });
  const service = new IntegrationService({ station: st.live.line, store: st.store, dataDir: st.root, mqttReconnectMs: 300 });
  t.after(() => service.dispose());
  await service.configure({ mqtt: { enabled: true, url: broker.url } });
  await until(() => service.state().adapters[2]!.state === 'running', 20_000);

  // A consumer with a persistent session (as a MES would have): the broker keeps its subscription across the crash.
  const seen: number[] = [];
  const mes = await mqtt.connectAsync(broker.url, { clientId: 'mes-e2e', clean: false, reconnectPeriod: 100 });
  t.after(() => mes.endAsync(true));
  await mes.subscribeAsync(mqttTopics('inspection', st.live.line.stationId).result, { qos: 1 });
  mes.on('message', (_t, p) => seen.push((JSON.parse(p.toString()) as LineResult).sequence));
  await sleep(2500); // the broker saves the session (autosave every second)

  const made: LineResult[] = [];
  st.live.line.onResult((r) => made.push(r));
  const trigger = async (n: number, prefix: string) => {
    for (let i = 0; i < n; i++) assert.equal((await st.live.line.trigger('plc', `${prefix}-${i}`)).accepted, true);
  };
  await trigger(20, 'a');
  await until(() => seen.length >= 20, 120_000);
  await broker.kill();
  await trigger(30, 'b');
  assert.ok(await until(() => made.length >= 50, 240_000), `${made.length} of 50 inspected`);
  await until(() => service.state().adapters[2]!.state === 'degraded', 10_000);
  assert.ok(service.state().adapters[2]!.pending >= 30, `backlog ${service.state().adapters[2]!.pending}`);

  await broker.restart();
  await trigger(10, 'c');
  const arrived = await until(() => new Set(seen).size >= 60, 240_000);
  const missing = made.filter((r) => !seen.includes(r.sequence)).map((r) => `${r.partId}#${r.sequence}`);
  const mqttState = service.state().adapters[2]!;
  assert.ok(arrived, `${new Set(seen).size} of 60 delivered; missing ${missing.join(' ')}; adapter delivered ${mqttState.delivered}, pending ${mqttState.pending}, cursor ${st.store.getDeliveryCursor('mqtt')}`);
  const firstSeen = seen.filter((s, i) => seen.indexOf(s) === i);
  assert.deepEqual(firstSeen, made.map((r) => r.sequence), 'every result, in order, none lost');
  assert.equal(st.store.countInspections(), 60);
  assert.equal(st.store.getDeliveryCursor('mqtt'), made.at(-1)!.sequence);
});
