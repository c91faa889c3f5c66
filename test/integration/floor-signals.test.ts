/**
 * The floor's output signals (NG-rate alarm, latched NG) through each protocol with a real client: OPC UA
 * variables NgRateAlarm / NgLatched (node-opcua client), Modbus discrete inputs 8 / 9 and the status word
 * (modbus-serial client), and the MQTT retained state topic (mqtt.js subscriber on a real mosquitto broker).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import ModbusSerial from 'modbus-serial';
import mqtt from 'mqtt';
import { OpcuaServerAdapter } from '../../main/integration/opcua-server.js';
import { ModbusServerAdapter } from '../../main/integration/modbus-server.js';
import { MqttClientAdapter } from '../../main/integration/mqtt-client.js';
import { ModbusConfigSchema, MqttConfigSchema, OpcuaConfigSchema } from '../../main/common/integration.js';
import { DISCRETE_INPUTS, REGISTERS } from '../../main/integration/modbus-map.js';
import { mqttTopics, type StateMessage } from '../../main/integration/mqtt-messages.js';
import { FakeLineStation } from './fake-station.js';
import { connectOpcua } from './opcua-client.js';
import { Broker, brokerUnavailable, freePort } from './mosquitto.js';

const ModbusRTU = ModbusSerial as unknown as typeof ModbusSerial.default;

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('OPC UA: NgRateAlarm and NgLatched follow the floor', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'station-floor-opcua-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const station = new FakeLineStation('st-floor-opcua');
  const adapter = new OpcuaServerAdapter({ config: OpcuaConfigSchema.parse({ enabled: true, host: '127.0.0.1', port: await freePort() }), pkiDir: join(dir, 'pki') });
  await adapter.start(station);
  t.after(() => adapter.stop());
  const c = await connectOpcua(adapter.endpointUrl, join(dir, 'client-pki'), { mode: MessageSecurityMode.None, policy: SecurityPolicy.None });
  t.after(() => c.close());
  const read = async () =>
    (await c.session.read(['NgRateAlarm', 'NgLatched'].map((n) => ({ nodeId: `ns=${c.ns};s=Station.${n}`, attributeId: AttributeIds.Value })))).map((v) => v.value.value as boolean);
  assert.deepEqual(await read(), [false, false]);
  station.setFloorSignals({ ngRateAlarm: true, ngLatched: true });
  await until('alarm and latch high', async () => (await read()).every((v) => v === true));
  station.setFloorSignals({ ngRateAlarm: true, ngLatched: false });
  await until('latch low', async () => {
    const [a, l] = await read();
    return a === true && l === false;
  });
});

test('Modbus: discrete inputs 8 (NG-rate alarm) and 9 (NG latched), and the status word', { timeout: 60_000 }, async (t) => {
  const station = new FakeLineStation('st-floor-modbus');
  const config = ModbusConfigSchema.parse({ enabled: true, host: '127.0.0.1', port: await freePort(), unitId: 3 });
  const adapter = new ModbusServerAdapter(config);
  await adapter.start(station);
  t.after(() => adapter.stop());
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port: config.port });
  client.setID(3);
  client.setTimeout(5000);
  t.after(() => new Promise<void>((r) => client.close(() => r())));
  const di = async () => (await client.readDiscreteInputs(0, 10)).data;
  assert.equal((await di())[DISCRETE_INPUTS.ngRateAlarm], false);
  station.setFloorSignals({ ngRateAlarm: true, ngLatched: false });
  const bits = await di();
  assert.equal(bits[DISCRETE_INPUTS.ngRateAlarm], true);
  assert.equal(bits[DISCRETE_INPUTS.ngLatched], false);
  const word = (await client.readInputRegisters(REGISTERS.statusBits, 1)).data[0]!;
  assert.equal(word & (1 << DISCRETE_INPUTS.ngRateAlarm), 1 << DISCRETE_INPUTS.ngRateAlarm);
  station.setFloorSignals({ ngRateAlarm: false, ngLatched: true });
  assert.deepEqual((await client.readDiscreteInputs(DISCRETE_INPUTS.ngRateAlarm, 2)).data.slice(0, 2), [false, true]);
});

const noBroker = brokerUnavailable() ?? false;

test('MQTT: the retained state carries ngRateAlarm and ngLatched', { skip: noBroker, timeout: 60_000 }, async (t) => {
  const broker = await Broker.start();
  t.after(() => broker.stop());
  const station = new FakeLineStation('st-floor-mqtt');
  const config = MqttConfigSchema.parse({ enabled: true, url: broker.url, topicPrefix: 'plant/floor' });
  const topics = mqttTopics(config.topicPrefix, station.stationId);
  let cursor: number | null = null;
  const adapter = new MqttClientAdapter({ config, cursor: { load: () => cursor, save: (n) => void (cursor = n) }, initialSequence: () => 0, reconnectPeriodMs: 200 });
  await adapter.start(station);
  t.after(() => adapter.stop());
  await until('adapter connected', () => adapter.status().state === 'running');
  const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 100 });
  t.after(() => sub.endAsync(true));
  const states: StateMessage[] = [];
  sub.on('message', (_topic, p) => states.push(JSON.parse(p.toString()) as StateMessage));
  await sub.subscribeAsync(topics.state, { qos: 1 });
  await until('retained online state', () => states.some((s) => s.state === 'online'));
  assert.equal(states.at(-1)!.signals!.ngRateAlarm, false);
  station.setFloorSignals({ ngRateAlarm: true, ngLatched: true });
  await until('alarm in the state', () => states.at(-1)?.signals?.ngRateAlarm === true && states.at(-1)?.signals?.ngLatched === true);
});
