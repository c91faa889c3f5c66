/**
 * 0003: evaluation runs (model x dataset -> metrics and per-image scores) and operator annotations
 * (labelled boxes per image, for training the supervised model).
 */
import type { Migration } from './migration.js';

export const migration0003: Migration = {
  version: 3,
  name: 'evaluations-annotations',
  up(db) {
    db.exec(`
      CREATE TABLE evaluations (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        model_id    TEXT NOT NULL REFERENCES models(id) ON DELETE RESTRICT,
        dataset_id  TEXT REFERENCES datasets(id) ON DELETE SET NULL,
        metrics     TEXT NOT NULL CHECK (json_valid(metrics)),
        per_image   TEXT NOT NULL CHECK (json_valid(per_image)),
        image_count INTEGER NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX evaluations_model ON evaluations(model_id, id);
      CREATE INDEX evaluations_dataset ON evaluations(dataset_id, id);

      CREATE TABLE annotations (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        image_path TEXT NOT NULL UNIQUE,
        dataset_id TEXT REFERENCES datasets(id) ON DELETE CASCADE,
        boxes      TEXT NOT NULL CHECK (json_valid(boxes)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX annotations_dataset ON annotations(dataset_id);
    `);
  },
};
