/**
 * 0010: learning on the line (issue 12).
 * - model_versions: every model row is an immutable version of its product's model, with the version it was made
 *   from, what changed (train, learn-good, threshold, import), who and why. Models that existed before become root
 *   versions made by 'system'. Inspections already name the model row that decided them, so the log records the
 *   deciding version with no change to its (large) table.
 * - feedback: an engineer's (or operator's) judgement of an inspected part: good (a false reject), defect
 *   (confirmed or missed, optionally a box) or unsure, with the image, who, when, and the version, score and
 *   threshold at the time. Append-only: a later judgement of the same part is a new row.
 * - shadow_results: a candidate version's score and verdict on live parts the active version decided.
 */
import type { Migration } from './migration.js';

export const migration0010: Migration = {
  version: 10,
  name: 'learning',
  up(db) {
    db.exec(`
      CREATE TABLE model_versions (
        model_id   TEXT PRIMARY KEY NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        product_id TEXT NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
        parent_id  TEXT REFERENCES models(id) ON DELETE SET NULL,
        change     TEXT NOT NULL CHECK (change IN ('train', 'learn-good', 'threshold', 'import')),
        detail     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
        who        TEXT NOT NULL,
        why        TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX model_versions_product ON model_versions(product_id, created_at);
      CREATE INDEX model_versions_parent ON model_versions(parent_id);
      INSERT INTO model_versions (model_id, product_id, parent_id, change, detail, who, why, created_at)
        SELECT id, product_id, NULL, CASE kind WHEN 'detector' THEN 'import' ELSE 'train' END, '{}', 'system',
               'model from before versions were recorded', created_at
        FROM models;

      CREATE TABLE feedback (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        at            TEXT NOT NULL,
        who           TEXT NOT NULL,
        product_id    TEXT NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
        inspection_id INTEGER REFERENCES inspections(id) ON DELETE SET NULL,
        image_path    TEXT NOT NULL,
        model_id      TEXT,
        score         REAL,
        threshold     REAL,
        label         TEXT NOT NULL CHECK (label IN ('good', 'defect', 'unsure')),
        defect_kind   TEXT CHECK (defect_kind IS NULL OR defect_kind IN ('confirmed', 'missed')),
        box           TEXT CHECK (box IS NULL OR json_valid(box)),
        note          TEXT NOT NULL DEFAULT '',
        CHECK ((label = 'defect') = (defect_kind IS NOT NULL))
      ) STRICT;
      CREATE INDEX feedback_inspection ON feedback(inspection_id, id);
      CREATE INDEX feedback_product_image ON feedback(product_id, image_path, label);
      CREATE TRIGGER feedback_no_update BEFORE UPDATE OF at, who, product_id, image_path, model_id, score, threshold, label, defect_kind, box, note ON feedback
        BEGIN SELECT RAISE(ABORT, 'feedback is append-only: record a new judgement instead'); END;

      CREATE TABLE shadow_results (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        candidate_id  TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        inspection_id INTEGER NOT NULL REFERENCES inspections(id) ON DELETE CASCADE,
        score         REAL NOT NULL,
        threshold     REAL NOT NULL,
        verdict       TEXT NOT NULL CHECK (verdict IN ('OK', 'NG')),
        heatmap_path  TEXT,
        at            TEXT NOT NULL,
        UNIQUE (candidate_id, inspection_id)
      ) STRICT;
    `);
  },
};
