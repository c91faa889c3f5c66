/**
 * 0008-products-users-audit: products get settings / archive / line index / lot; the line's lot becomes the
 * 'default' product's lot; users table; the audit trail starts with the threshold history and refuses UPDATE and DELETE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../main/store/migrations/index.js';
import { openStore } from '../../main/store/store.js';
import { tempDir } from './helpers.js';

test('0008: products keep their rows, default product exists, lot carried over, threshold history copied into the audit trail', (t) => {
  const path = join(tempDir(t), 'old.db');
  const db = new Database(path);
  migrate(db, 7);
  db.exec(`
    INSERT INTO products (id, name, created_at, updated_at) VALUES ('default', 'Default product', 't', 't');
    INSERT INTO products (id, name, created_at, updated_at) VALUES ('screw', 'Screw', 't', 't');
    INSERT INTO models (id, kind, product_id, artifact_path, backbone, created_at) VALUES ('m', 'patchcore', 'screw', '/a', 'b', 't');
    INSERT INTO station_settings (key, value, updated_at) VALUES ('line.lotName', '"LOT-7"', 't');
  `);
  db.prepare(`UPDATE models SET threshold = 0.5 WHERE id = 'm'`).run();
  db.prepare(`INSERT INTO threshold_history (model_id, old_value, new_value, changed_at, who, why) VALUES ('m', NULL, 0.5, '2026-01-01T00:00:00.000Z', 'system', 'trained')`).run();
  db.prepare(`INSERT INTO threshold_history (model_id, old_value, new_value, changed_at, who, why) VALUES ('m', 0.5, 0.7, '2026-01-02T00:00:00.000Z', 'anna', 'too many NG')`).run();
  assert.equal(migrate(db, 8), 8);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const products = db.prepare('SELECT id, settings, archived_at, line_index, lot_name FROM products ORDER BY id').all();
  assert.deepEqual(products, [
    { id: 'default', settings: '{}', archived_at: null, line_index: null, lot_name: 'LOT-7' },
    { id: 'screw', settings: '{}', archived_at: null, line_index: null, lot_name: '' },
  ]);
  const audit = db.prepare('SELECT actor, action, target, old_value, new_value, reason, product_id FROM audit_trail ORDER BY id').all();
  assert.deepEqual(audit, [
    { actor: 'system', action: 'threshold.set', target: 'model:m', old_value: null, new_value: '0.5', reason: 'trained', product_id: 'screw' },
    { actor: 'anna', action: 'threshold.set', target: 'model:m', old_value: '0.5', new_value: '0.7', reason: 'too many NG', product_id: 'screw' },
  ]);
  // Append-only, for any connection (not only the store's code).
  assert.throws(() => db.prepare(`UPDATE audit_trail SET actor = 'mallory'`).run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM audit_trail').run(), /append-only/);
  assert.equal(db.prepare('SELECT count(*) FROM audit_trail').pluck().get(), 2);
  assert.throws(() => db.prepare(`INSERT INTO users (name, role, secret_kind, secret_hash, created_at, updated_at) VALUES ('x', 'boss', 'pin', 'h', 't', 't')`).run(), /CHECK/);
  db.close();

  const store = openStore(path);
  t.after(() => store.close());
  assert.ok(store.schemaVersion >= 8);
  assert.equal(store.getProduct('default')!.lotName, 'LOT-7');
  assert.deepEqual(store.getProduct('screw')!.settings, {});
  assert.equal(store.listAudit({ limit: 10 }).items[0]!.actor, 'anna');
});

