/**
 * Products (recipes) through the engine: create, rename, line index, archive rules, switching from the API and
 * from the line (a PLC's product index), the lot following the product, every change audited with its actor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createEngine } from '../../main/services/engine.js';
import { runAs } from '../../main/services/audit.js';
import { tempDir } from '../store/helpers.js';

test('products: create, switch by API and by line index, lot per product, archive rules, all audited', async (t) => {
  const engine = await createEngine({ dataDir: join(tempDir(t), 'data'), shell: 'browser', bootstrap: false, resumeLine: false });
  t.after(() => engine.dispose());
  const { api } = engine;
  const list = () => api.products.list({ includeArchived: true }) as ReturnType<typeof engine.api.products.list>;
  const first = await list();
  assert.deepEqual(
    first.map((p) => [p.id, p.current]),
    [['default', true]],
  );

  const bolt = await runAs({ name: 'eve', role: 'engineer' }, () => api.products.create({ name: 'Bolt M8', lineIndex: 3, reason: 'new part' }));
  assert.equal(bolt.id, 'bolt-m8');
  await assert.rejects(async () => api.products.create({ name: 'bolt m8' }), /already exists/);
  await assert.rejects(async () => api.products.create({ name: 'Nut', lineIndex: 3 }), /line index 3 already selects product "bolt-m8"/);

  await runAs({ name: 'eve', role: 'engineer' }, () => api.products.setLot({ name: 'L-DEFAULT' }));
  // The PLC selects product 3: the station switches recipe, the line shows index 3 and the product's (empty) lot.
  const sel = await engine.live.line.selectProduct('modbus', 3);
  assert.equal(sel.ok, true);
  const r = engine.live.line.signals();
  assert.equal(r.productIndex, 3);
  assert.equal(r.lotName, '');
  assert.equal((await list()).find((p) => p.current)!.id, 'bolt-m8');
  await api.line.setLotName({ name: 'L-BOLT' });
  assert.equal((await list()).find((p) => p.id === 'bolt-m8')!.lotName, 'L-BOLT');
  assert.equal((await list()).find((p) => p.id === 'default')!.lotName, 'L-DEFAULT', 'each product keeps its own lot');

  const back = await runAs({ name: 'eve', role: 'engineer' }, () => api.products.use({ id: 'default', reason: 'changeover' }));
  assert.equal(back.id, 'default');
  assert.equal(engine.live.line.signals().lotName, 'L-DEFAULT', 'switching brings the product lot back to the line');
  await assert.rejects(async () => api.products.update({ id: 'default', archived: true }), /current product/);
  const archived = await api.products.update({ id: 'bolt-m8', archived: true, name: 'Bolt M8 (old)' });
  assert.equal(archived.archived, true);
  assert.deepEqual(
    (await api.products.list({ includeArchived: false })).map((p) => p.id),
    ['default'],
    'archived products are not offered',
  );
  await assert.rejects(async () => api.products.use({ id: 'bolt-m8' }), /archived/);
  await assert.rejects(async () => api.line.selectProduct({ index: 3 }), /no product 3/, 'an archived product is not selected by the line');

  const audit = engine.audit.list({ limit: 50, order: 'oldest' }).items.map((e) => `${e.actor} ${e.action} ${JSON.stringify(e.old)}->${JSON.stringify(e.new)}`);
  assert.deepEqual(audit, [
    'eve product.create null->{"name":"Bolt M8","lineIndex":3}',
    'eve lot.set ""->"L-DEFAULT"',
    'line:modbus product.switch "default"->"bolt-m8"',
    'system lot.set ""->"L-BOLT"',
    'eve product.switch "bolt-m8"->"default"',
    'system product.rename "Bolt M8"->"Bolt M8 (old)"',
    'system product.archive false->true',
  ]);
});

test('per connection: roles enforced by the engine; an operator may not pick another source; the first admin is logged in', async (t) => {
  const engine = await createEngine({ dataDir: join(tempDir(t), 'data'), shell: 'browser', bootstrap: false, resumeLine: false });
  t.after(() => engine.dispose());
  const a = engine.connect();
  const b = engine.connect();
  t.after(() => (a.dispose(), b.dispose()));
  assert.equal((await a.api.auth.state(undefined)).actor, 'local', 'open mode');
  await a.api.users.create({ name: 'boss', role: 'administrator', secretKind: 'password', secret: 'boss-pass-1' });
  assert.equal((await a.api.auth.state(undefined)).actor, 'boss', 'the creator is logged in as the first administrator');
  await a.api.users.create({ name: 'olga', role: 'operator', secretKind: 'pin', secret: '1357' });
  await a.api.users.create({ name: 'eng', role: 'engineer', secretKind: 'pin', secret: '2468' });

  assert.equal((await b.api.auth.state(undefined)).actor, 'anonymous', 'another connection is not logged in');
  assert.throws(() => b.api.products.list({ includeArchived: false }), /log in to view/);
  await b.api.auth.login({ name: 'olga', secret: '1357' });
  assert.equal((await b.api.products.list({ includeArchived: false })).length, 1);
  assert.throws(() => b.api.products.create({ name: 'X' }), /olga \(operator\) may not change products/);
  const demo = { source: { kind: 'demo' as const, fps: 4, defectRate: 0.25 }, store: false };
  await assert.rejects(async () => b.api.live.start(demo), /choosing another source needs the engineer role/);
  await b.api.auth.login({ name: 'eng', secret: '2468' });
  await assert.rejects(async () => b.api.live.start(demo), (e: Error & { kind?: string }) => e.kind !== 'forbidden', 'an engineer passes the role check');
  const created = await b.api.products.create({ name: 'X' });
  assert.equal(engine.audit.list({ limit: 1, action: 'product.create' }).items[0]!.actor, 'eng');
  assert.equal(created.id, 'x');
  await b.api.auth.logout(undefined);
  assert.throws(() => b.api.thresholds.history({ limit: 1 }), /log in/);
});
