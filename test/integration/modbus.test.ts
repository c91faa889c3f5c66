/**
 * The Modbus TCP server adapter with a real Modbus TCP client (modbus-serial's client): the register map, the
 * handshake 200 times at the client's full rate, exceptions for refused triggers, unknown addresses and
 * read-only registers, product selection through the holding register.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ModbusSerial from 'modbus-serial';
import { ModbusServerAdapter } from '../../main/integration/modbus-server.js';
import { ModbusConfigSchema } from '../../main/common/integration.js';
import { COILS, DISCRETE_INPUTS, REGISTERS } from '../../main/integration/modbus-map.js';
import type { TriggerReply } from '../../main/common/line-io.js';
import { FakeLineStation } from './fake-station.js';

// The package's CommonJS export is the client class itself; its typings describe it as `.default`.
const ModbusRTU = ModbusSerial as unknown as typeof ModbusSerial.default;
import { freePort } from './mosquitto.js';

async function setup(t: { after(fn: () => Promise<void> | void): void }, station = new FakeLineStation('st-modbus')) {
  const config = ModbusConfigSchema.parse({ enabled: true, host: '127.0.0.1', port: await freePort(), unitId: 7 });
  const adapter = new ModbusServerAdapter(config);
  await adapter.start(station);
  t.after(() => adapter.stop());
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port: config.port });
  client.setID(7);
  client.setTimeout(5000);
  t.after(() => new Promise<void>((r) => client.close(() => r())));
  return { station, adapter, client };
}

test('Modbus: 200 handshake cycles at full client rate, sequences and verdicts from the registers', { timeout: 120_000 }, async (t) => {
  const { station, adapter, client } = await setup(t);
  const di = await client.readDiscreteInputs(0, 8);
  assert.equal(di.data[DISCRETE_INPUTS.triggerReady], true);
  assert.equal(di.data[DISCRETE_INPUTS.resultsReady], false);

  const seen: { sequence: number; ok: boolean; ng: boolean; score: number }[] = [];
  for (let i = 0; i < 200; i++) {
    await client.writeCoil(COILS.trigger, true);
    for (let polls = 0; ; polls++) {
      assert.ok(polls < 5000, 'ResultsReady within 5000 reads');
      const d = await client.readDiscreteInputs(0, 8);
      if (!d.data[DISCRETE_INPUTS.resultsReady]) continue;
      const r = await client.readInputRegisters(0, 9);
      seen.push({
        sequence: r.data[REGISTERS.sequenceHigh]! * 65536 + r.data[REGISTERS.sequenceLow]!,
        ok: d.data[DISCRETE_INPUTS.resultOk]!,
        ng: d.data[DISCRETE_INPUTS.resultNg]!,
        score: r.data[REGISTERS.scoreX1000]! / 1000,
      });
      assert.equal(r.data[REGISTERS.statusBits]! & (1 << DISCRETE_INPUTS.resultsReady), 1 << DISCRETE_INPUTS.resultsReady);
      break;
    }
    await client.writeCoil(COILS.resultsAck, true);
  }
  assert.equal(station.results.length, 200);
  assert.deepEqual(seen.map((s) => s.sequence), station.results.map((r) => r.sequence));
  assert.deepEqual(seen.map((s) => (s.ng ? 'NG' : 'OK')), station.results.map((r) => r.verdict));
  assert.deepEqual(seen.map((s) => s.score), station.results.map((r) => Math.round(r.score! * 1000) / 1000));
  assert.equal(adapter.status().delivered, 200);
  // Coils are commands: they read back 0.
  assert.deepEqual((await client.readCoils(0, 2)).data.slice(0, 2), [false, false]);
  // Holding registers mirror the input registers.
  assert.deepEqual((await client.readHoldingRegisters(0, 9)).data, (await client.readInputRegisters(0, 9)).data);
});

test('Modbus: product index register, command register, exceptions for refused triggers and bad addresses', { timeout: 60_000 }, async (t) => {
  const station = new FakeLineStation('st-modbus-2');
  const { client } = await setup(t, station);
  await client.writeRegister(REGISTERS.productIndex, 5);
  assert.equal(station.signals().productIndex, 5);
  assert.equal((await client.readHoldingRegisters(REGISTERS.productIndex, 1)).data[0], 5);
  assert.deepEqual(station.commands.at(-1), { origin: 'modbus', command: 'selectProduct', arg: 5 });

  await client.writeRegister(REGISTERS.command, 1); // trigger
  const deadline = Date.now() + 5000;
  while (!(await client.readDiscreteInputs(DISCRETE_INPUTS.resultsReady, 1)).data[0]) assert.ok(Date.now() < deadline);
  await client.writeRegister(REGISTERS.command, 2); // acknowledge
  assert.equal((await client.readDiscreteInputs(DISCRETE_INPUTS.resultsReady, 1)).data[0], false);

  await assert.rejects(client.readInputRegisters(40, 2), /exception 2/i);
  await assert.rejects(client.writeRegister(REGISTERS.scoreX1000, 1), /exception 2/i);
  await assert.rejects(client.writeRegister(REGISTERS.command, 9), /exception 3/i);

  // A station that answers "busy": exception 06 and the TriggerRefused input, never a silent loss.
  station.trigger = async (): Promise<TriggerReply> => ({ accepted: false, reason: 'busy', message: 'a result waits for its acknowledgement' });
  await assert.rejects(client.writeCoil(COILS.trigger, true), /exception 6/i);
  assert.equal((await client.readDiscreteInputs(DISCRETE_INPUTS.triggerRefused, 1)).data[0], true);
});
