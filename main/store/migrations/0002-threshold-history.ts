/**
 * 0002: every threshold change gets a history row (who, when, why, old -> new). The current value stays in
 * products.threshold / models.threshold and is only written together with its history row.
 * Thresholds set before this migration are backfilled as a first history entry so the audit trail starts complete.
 */
import type { Migration } from './migration.js';

export const migration0002: Migration = {
  version: 2,
  name: 'threshold-history',
  up(db) {
    db.exec(`
      CREATE TABLE threshold_history (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        product_id TEXT REFERENCES products(id) ON DELETE CASCADE,
        model_id   TEXT REFERENCES models(id) ON DELETE CASCADE,
        old_value  REAL,
        new_value  REAL NOT NULL,
        changed_at TEXT NOT NULL,
        who        TEXT NOT NULL,
        why        TEXT NOT NULL,
        CHECK ((product_id IS NULL) <> (model_id IS NULL))
      ) STRICT;
      CREATE INDEX threshold_history_product ON threshold_history(product_id, id);
      CREATE INDEX threshold_history_model ON threshold_history(model_id, id);

      INSERT INTO threshold_history (product_id, model_id, old_value, new_value, changed_at, who, why)
        SELECT id, NULL, NULL, threshold, updated_at, 'migration', 'set before threshold history was kept'
        FROM products WHERE threshold IS NOT NULL ORDER BY id;
      INSERT INTO threshold_history (product_id, model_id, old_value, new_value, changed_at, who, why)
        SELECT NULL, id, NULL, threshold, created_at, 'migration', 'set before threshold history was kept'
        FROM models WHERE threshold IS NOT NULL ORDER BY id;
    `);
  },
};
