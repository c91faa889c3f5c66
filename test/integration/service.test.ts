/**
 * IntegrationService on a real store: configuration persisted and redacted, adapters started / restarted /
 * stopped by configuration, a taken port reported (not thrown), the live signal monitor, the run flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ModbusSerial from 'modbus-serial';
import { openStore } from '../../main/store/store.js';
import { IntegrationService, startIntegrationForRun } from '../../main/integration/service.js';
import { verifyPassword } from '../../main/integration/opcua-server.js';
import { FakeLineStation } from './fake-station.js';
import { freePort } from './mosquitto.js';

const ModbusRTU = ModbusSerial as unknown as typeof ModbusSerial.default;

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'station-integration-'));
  const store = openStore(join(dir, 'station.db'));
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, store };
}

test('configuration: defaults, persisted, secrets hashed and never returned, invalid combinations refused', async (t) => {
  const { dir, store } = setup(t);
  const station = new FakeLineStation('st-svc');
  const svc = new IntegrationService({ station, store, dataDir: dir });
  const s0 = svc.state();
  assert.deepEqual(s0.adapters.map((a) => [a.protocol, a.state]), [['opcua', 'stopped'], ['modbus', 'stopped'], ['mqtt', 'stopped']]);
  assert.equal(s0.config.opcua.port, 4840);
  assert.equal(s0.stationId, 'st-svc');

  const s1 = await svc.configure({ opcua: { userName: 'plc', password: 'pw-1', allowInsecure: false }, mqtt: { url: 'mqtt://user:secret@broker:1883', password: 'mq' } });
  assert.equal(s1.config.opcua.hasPassword, true);
  assert.equal(s1.config.mqtt.hasPassword, true);
  const json = JSON.stringify(s1);
  assert.ok(!json.includes('pw-1') && !json.includes('"mq"') && !json.includes('scrypt$'), 'no secret in the state');
  const stored = store.getSetting('integration.config') as { opcua: { passwordHash: string }; mqtt: { password: string } };
  assert.ok(verifyPassword('pw-1', stored.opcua.passwordHash));
  assert.ok(!verifyPassword('pw-2', stored.opcua.passwordHash));
  assert.equal(stored.mqtt.password, 'mq');
  // A patch without the MQTT password keeps it.
  await svc.configure({ mqtt: { topicPrefix: 'plant' } });
  assert.equal((store.getSetting('integration.config') as { mqtt: { password: string } }).mqtt.password, 'mq');

  await assert.rejects(svc.configure({ opcua: { enabled: true, password: '' } }), /needs a user name and a password/);
  await assert.rejects(svc.configure({ modbus: { port: 70000 } }));
  await assert.rejects(svc.configure({ mqtt: { url: 'http://x' } }), /mqtt:\/\/host/);
  await svc.dispose();

  const again = new IntegrationService({ station, store, dataDir: dir });
  assert.equal(again.state().config.mqtt.topicPrefix, 'plant');
  assert.equal(again.state().config.opcua.userName, 'plc');
  await again.dispose();
});

test('adapters follow the configuration; a taken port is a failed status, not a crash; the monitor records changes', async (t) => {
  const { dir, store } = setup(t);
  const station = new FakeLineStation('st-svc2');
  const svc = new IntegrationService({ station, store, dataDir: dir });
  t.after(() => svc.dispose());
  const port = await freePort();
  const events: string[] = [];
  svc.onState((s) => events.push(s.adapters[1]!.state));
  let s = await svc.configure({ modbus: { enabled: true, host: '127.0.0.1', port } });
  assert.equal(s.adapters[1]!.state, 'running');
  assert.ok(events.includes('running'));

  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(1);
  await client.writeCoil(0, true);
  const deadline = Date.now() + 5000;
  while (!station.signals().resultsReady && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise<void>((r) => client.close(() => r()));
  const monitor = Object.fromEntries(svc.state().signals.map((x) => [x.name, x]));
  assert.equal(monitor.ResultsReady!.value, true);
  assert.ok(monitor.ResultsReady!.changes >= 1 && monitor.ResultsReady!.changedAt !== null);
  assert.equal(monitor.Sequence!.value, station.results[0]!.sequence);
  assert.equal(monitor.LotName!.changes, 0);
  assert.equal(monitor.LotName!.changedAt, null);

  // Disabling stops it; a port held by another program is reported as failed with the reason.
  s = await svc.configure({ modbus: { enabled: false } });
  assert.equal(s.adapters[1]!.state, 'stopped');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
  t.after(() => blocker.close());
  s = await svc.configure({ modbus: { enabled: true } });
  assert.equal(s.adapters[1]!.state, 'failed');
  assert.match(s.adapters[1]!.message ?? '', /EADDRINUSE/);
  // The same on the command line is an error: a headless line PC must not run deaf.
  await assert.rejects(startIntegrationForRun(svc, { modbus: port }), /EADDRINUSE/);
});
