/**
 * The OPC UA server adapter with a real node-opcua client: the station object's variables and methods, the
 * handshake 200 times, a subscription, and the security modes (None for commissioning; Basic256Sha256
 * Sign&Encrypt with user name + password; the server certificate created on first start and kept).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttributeIds,
  ClientSubscription,
  DataType,
  MessageSecurityMode,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
} from 'node-opcua';
import { OpcuaServerAdapter, hashPassword } from '../../main/integration/opcua-server.js';
import { OpcuaConfigSchema, type OpcuaConfig } from '../../main/common/integration.js';
import { OPCUA_VARIABLES } from '../../main/integration/opcua-nodes.js';
import { FakeLineStation } from './fake-station.js';
import { connectOpcua } from './opcua-client.js';
import { freePort } from './mosquitto.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'station-opcua-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const NONE = { mode: MessageSecurityMode.None, policy: SecurityPolicy.None };
const SECURE = { mode: MessageSecurityMode.SignAndEncrypt, policy: SecurityPolicy.Basic256Sha256 };

async function startServer(t: { after(fn: () => Promise<void> | void): void }, over: Partial<OpcuaConfig> = {}) {
  const dir = tempDir(t);
  const station = new FakeLineStation('st-opcua');
  const config = OpcuaConfigSchema.parse({ enabled: true, host: '127.0.0.1', port: await freePort(), ...over });
  const adapter = new OpcuaServerAdapter({ config, pkiDir: join(dir, 'pki') });
  await adapter.start(station);
  t.after(() => adapter.stop());
  return { dir, station, adapter, config };
}

test('OPC UA: every variable and method of the station object; 200 trigger / result / acknowledge cycles', { timeout: 180_000 }, async (t) => {
  const { dir, station, adapter } = await startServer(t);
  assert.equal(adapter.status().state, 'running');
  const c = await connectOpcua(adapter.endpointUrl, join(dir, 'client-pki'), NONE);
  t.after(() => c.close());
  assert.ok(c.ns > 0, 'the station namespace is registered');
  const id = (name: string) => `ns=${c.ns};s=Station.${name}`;

  // Every documented variable is there with its value.
  const values = await c.session.read(OPCUA_VARIABLES.map((v) => ({ nodeId: id(v.name), attributeId: AttributeIds.Value })));
  assert.deepEqual(values.map((v) => v.statusCode.name), OPCUA_VARIABLES.map(() => 'Good'));
  assert.equal(values[0]!.value.value, true, 'TriggerReady is high at rest');

  const call = (name: string, args: { dataType: DataType; value: unknown }[] = []) =>
    c.session.call({ objectId: `ns=${c.ns};s=Station`, methodId: id(name), inputArguments: args });
  const sequences: number[] = [];
  for (let i = 0; i < 200; i++) {
    const r = await call('Trigger', [{ dataType: DataType.String, value: `P${i}` }]);
    assert.equal(r.statusCode.name, 'Good');
    assert.deepEqual(r.outputArguments!.map((a) => a.value), [true, `P${i}`, '']);
    for (let polls = 0; ; polls++) {
      assert.ok(polls < 2000, 'ResultsReady within 2000 reads');
      const [ready, seq, part, ok, ng] = await c.session.read(['ResultsReady', 'Sequence', 'PartId', 'ResultOK', 'ResultNG'].map((n) => ({ nodeId: id(n), attributeId: AttributeIds.Value })));
      if (!ready!.value.value) continue;
      sequences.push(seq!.value.value);
      assert.equal(part!.value.value, `P${i}`);
      assert.notEqual(ok!.value.value, ng!.value.value, 'exactly one of ResultOK / ResultNG');
      break;
    }
    assert.equal((await call('AcknowledgeResults')).statusCode.name, 'Good');
  }
  assert.deepEqual(sequences, station.results.map((r) => r.sequence));
  assert.equal(station.results.length, 200);
  assert.equal(adapter.status().delivered, 200);

  // SelectProduct and the writable LotName reach the station; ProductIndex follows.
  assert.equal((await call('SelectProduct', [{ dataType: DataType.UInt16, value: 4 }])).statusCode.name, 'Good');
  const w = await c.session.write({ nodeId: id('LotName'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.String, value: 'LOT-9' } } });
  assert.equal(w.name, 'Good');
  assert.equal(station.signals().lotName, 'LOT-9');
  assert.equal(station.signals().productIndex, 4);
  const [pi] = await c.session.read([{ nodeId: id('ProductIndex'), attributeId: AttributeIds.Value }]);
  assert.equal(pi!.value.value, 4);
  const ro = await c.session.write({ nodeId: id('Sequence'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.UInt32, value: 1 } } });
  assert.notEqual(ro.name, 'Good', 'Sequence is read-only');
  assert.deepEqual(station.commands.filter((x) => x.command !== 'trigger' && x.command !== 'acknowledge').map((x) => x.origin), ['opcua', 'opcua']);

  // A subscription sees a result without polling.
  const sub = ClientSubscription.create(c.session, { requestedPublishingInterval: 20, publishingEnabled: true, requestedMaxKeepAliveCount: 20, requestedLifetimeCount: 600 });
  t.after(() => sub.terminate().catch(() => {}));
  const item = await sub.monitor({ nodeId: id('Sequence'), attributeId: AttributeIds.Value }, { samplingInterval: 0, queueSize: 10, discardOldest: true }, TimestampsToReturn.Both);
  const seen: number[] = [];
  item.on('changed', (dv) => seen.push(dv.value.value));
  await call('Trigger', [{ dataType: DataType.String, value: 'sub' }]);
  const deadline = Date.now() + 10_000;
  while (!seen.includes(station.results.at(-1)?.sequence ?? -1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(seen.includes(station.results.at(-1)!.sequence), `subscription saw ${seen}`);
});

test('OPC UA security: Basic256Sha256 Sign&Encrypt with user + password; None refused on a running line; certificate kept', { timeout: 120_000 }, async (t) => {
  const { dir, station, adapter, config } = await startServer(t, { allowInsecure: false, userName: 'plc', passwordHash: hashPassword('s3cret') });
  const certFile = join(dir, 'pki', 'own', 'certs', 'certificate.pem');
  assert.ok(existsSync(certFile), 'the server certificate is created on first start');
  const cert = readFileSync(certFile, 'utf8');

  const good = await connectOpcua(adapter.endpointUrl, join(dir, 'client-pki'), SECURE, { type: UserTokenType.UserName, userName: 'plc', password: 's3cret' });
  const r = await good.session.call({ objectId: `ns=${good.ns};s=Station`, methodId: `ns=${good.ns};s=Station.Trigger`, inputArguments: [{ dataType: DataType.String, value: '' }] });
  assert.equal(r.outputArguments![0]!.value, true);
  await good.close();
  assert.equal(station.results.length > 0 || station.commands.length > 0, true);

  await assert.rejects(
    connectOpcua(adapter.endpointUrl, join(dir, 'client-pki'), SECURE, { type: UserTokenType.UserName, userName: 'plc', password: 'wrong' }),
    /BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid/,
  );
  await assert.rejects(connectOpcua(adapter.endpointUrl, join(dir, 'client-pki'), SECURE), /ANONYMOUS|Anonymous|BadIdentityTokenInvalid|BadIdentityTokenRejected|UserAccessDenied/);
  await assert.rejects(connectOpcua(adapter.endpointUrl, join(dir, 'client-pki'), NONE));

  // A restart keeps the same certificate (a PLC that trusted it keeps trusting it).
  await adapter.stop();
  const again = new OpcuaServerAdapter({ config, pkiDir: join(dir, 'pki') });
  await again.start(station);
  await again.stop();
  assert.equal(readFileSync(certFile, 'utf8'), cert);
});
