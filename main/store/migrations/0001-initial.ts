/**
 * 0001: products (part types), models, datasets and the inspection log.
 * Thresholds are plain columns here; 0002 adds their history.
 */
import type { Migration } from './migration.js';

export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE products (
        id              TEXT PRIMARY KEY NOT NULL,
        name            TEXT NOT NULL,
        description     TEXT NOT NULL DEFAULT '',
        -- Forward reference is fine in SQLite; deleting the model clears it.
        active_model_id TEXT REFERENCES models(id) ON DELETE SET NULL,
        threshold       REAL,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL
      ) STRICT;

      CREATE TABLE models (
        id            TEXT PRIMARY KEY NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('patchcore', 'supervised', 'detector')),
        product_id    TEXT NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
        name          TEXT NOT NULL DEFAULT '',
        artifact_path TEXT NOT NULL,
        backbone      TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        train_info    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(train_info)),
        metrics       TEXT CHECK (metrics IS NULL OR json_valid(metrics)),
        threshold     REAL
      ) STRICT;
      CREATE INDEX models_product ON models(product_id, created_at);
      CREATE INDEX products_active_model ON products(active_model_id);

      CREATE TABLE datasets (
        id         TEXT PRIMARY KEY NOT NULL,
        name       TEXT NOT NULL DEFAULT '',
        product_id TEXT REFERENCES products(id) ON DELETE RESTRICT,
        path       TEXT NOT NULL,
        manifest   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(manifest)),
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX datasets_product ON datasets(product_id);

      -- Append-only audit log. AUTOINCREMENT: an id is never reused, even after a purge.
      CREATE TABLE inspections (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        time               TEXT NOT NULL,
        source_id          TEXT NOT NULL,
        source_name        TEXT NOT NULL DEFAULT '',
        product_id         TEXT NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
        model_id           TEXT NOT NULL REFERENCES models(id) ON DELETE RESTRICT,
        score              REAL NOT NULL,
        threshold          REAL NOT NULL,
        verdict            TEXT NOT NULL CHECK (verdict IN ('OK', 'NG')),
        boxes              TEXT NOT NULL DEFAULT '[]',
        frame_path         TEXT,
        heatmap_path       TEXT,
        latency_ms         REAL NOT NULL,
        execution_provider TEXT NOT NULL
      ) STRICT;
      -- The log view pages newest-first by id within a filter; (col, id) lets each filter walk its index in order.
      CREATE INDEX inspections_time ON inspections(time);
      CREATE INDEX inspections_verdict ON inspections(verdict, id);
      CREATE INDEX inspections_model ON inspections(model_id, id);
      CREATE INDEX inspections_product ON inspections(product_id, id);
    `);
  },
};
