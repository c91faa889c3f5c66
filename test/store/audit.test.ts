/**
 * The audit trail through the store and the service: append, keyset paging both ways, filters, the actor of the
 * call in progress, append-only even for raw SQL on the same file, CSV export.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../main/store/store.js';
import { AuditTrail, currentActor, runAs } from '../../main/services/audit.js';
import { parseCsv, tempDir } from './helpers.js';

test('appendAudit / listAudit: JSON old and new values, keyset pages newest and oldest first, filters', (t) => {
  const dir = tempDir(t);
  const store = openStore(join(dir, 's.db'));
  t.after(() => store.close());
  const e1 = store.appendAudit({ actor: 'anna', action: 'product.create', target: 'product:a', new: { name: 'A' }, productId: 'default' });
  assert.equal(e1.id, 1);
  assert.equal(e1.old, null);
  assert.deepEqual(e1.new, { name: 'A' });
  for (let i = 0; i < 24; i++) store.appendAudit({ actor: i % 2 ? 'bob' : 'anna', action: i % 3 ? 'threshold.set' : 'product.switch', old: i, new: i + 1, reason: `r${i}` });
  assert.equal(store.listAudit({ limit: 100 }).items.length, 25);

  const seen: number[] = [];
  let before: number | undefined;
  for (let guard = 0; guard < 10; guard++) {
    const p = store.listAudit({ limit: 7, ...(before ? { beforeId: before } : {}) });
    seen.push(...p.items.map((e) => e.id));
    if (p.next === null) break;
    before = p.next;
  }
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => 25 - i));
  const oldest = store.listAudit({ limit: 10, order: 'oldest', afterId: 20 });
  assert.deepEqual(
    oldest.items.map((e) => e.id),
    [21, 22, 23, 24, 25],
  );
  assert.equal(oldest.next, null);

  assert.equal(store.listAudit({ limit: 100, actor: 'bob' }).items.length, 12);
  assert.ok(store.listAudit({ limit: 100, action: 'product.' }).items.every((e) => e.action.startsWith('product.')));
  assert.equal(store.listAudit({ limit: 100, action: 'product.' }).items.length, 1 + 8);
  assert.equal(store.listAudit({ limit: 100, action: 'product' }).items.length, 0, 'without the dot: an exact action');
  assert.throws(() => store.appendAudit({ actor: '', action: 'x' }), /actor/);
  assert.throws(() => store.appendAudit({ actor: 'a', action: 'x', new: { big: 1n } }), /invalid/i);
});

test('append-only: UPDATE and DELETE on audit_trail fail from another connection too; entries survive', (t) => {
  const dir = tempDir(t);
  const store = openStore(join(dir, 's.db'));
  t.after(() => store.close());
  store.appendAudit({ actor: 'anna', action: 'threshold.set', old: 0.5, new: 0.6, reason: 'drift' });
  const raw = new Database(join(dir, 's.db'));
  t.after(() => raw.close());
  assert.throws(() => raw.prepare(`UPDATE audit_trail SET new_value = '0.1'`).run(), /append-only/);
  assert.throws(() => raw.prepare(`DELETE FROM audit_trail`).run(), /append-only/);
  assert.deepEqual(store.listAudit({ limit: 5 }).items[0]!.new, 0.6);
});

test('AuditTrail: actor from runAs (also across awaits), system outside, current product by default; CSV export', async (t) => {
  const dir = tempDir(t);
  const store = openStore(join(dir, 's.db'));
  t.after(() => store.close());
  const audit = new AuditTrail(store, () => 'default');
  assert.equal(currentActor().name, 'system');
  await runAs({ name: 'eve', role: 'engineer' }, async () => {
    await new Promise((r) => setTimeout(r, 1));
    audit.record({ action: 'threshold.set', target: 'model:m', old: 0.5, new: 0.8, reason: 'fewer "false" rejects, =SUM()' });
  });
  audit.record({ action: 'user.create', target: 'user:x', productId: null });
  const [b, a] = audit.list({ limit: 10 }).items;
  assert.equal(a!.actor, 'eve');
  assert.equal(a!.productId, 'default');
  assert.equal(b!.actor, 'system');
  assert.equal(b!.productId, null);

  const out = join(dir, 'exports', 'audit.csv');
  assert.equal(await audit.exportCsv(out), 2);
  const rows = parseCsv(readFileSync(out, 'utf8'));
  assert.deepEqual(rows[0], ['id', 'at', 'actor', 'action', 'target', 'old', 'new', 'reason', 'productId']);
  assert.deepEqual(rows[1]!.slice(2), ['eve', 'threshold.set', 'model:m', '0.5', '0.8', 'fewer "false" rejects, =SUM()', 'default']);
  assert.equal(rows.length, 3);
  await assert.rejects(audit.exportCsv(out), /EEXIST/, 'an export never overwrites an earlier one');
});
