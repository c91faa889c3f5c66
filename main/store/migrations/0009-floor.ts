/**
 * 0009: the floor (issue 10, items 3 and 4): NG acknowledgements, per-product floor settings, and what retention
 * needs to keep a disk budget without a second truth beside the log.
 *
 * - `inspections.media_bytes`: bytes of the row's frame + thumbnail + heatmap on disk; NULL = not measured yet
 *   (rows written before this version, and fresh rows until the retention pass measures them off the inspection
 *   path), 0 = no images (never saved, or pruned). `media_pruned_at`: when retention deleted the row's images;
 *   the row and its verdict stay.
 * - `media_usage`: bytes and rows with images per product and verdict, kept by triggers in the same transaction
 *   as every change of `media_bytes` (and delete of a row), so the budget check is one lookup at any log size.
 * - Partial indexes: the rows still to be measured, and the rows still holding images in (product, verdict, time)
 *   order (retention deletes the oldest first). Both stay small: a row leaves them once measured / pruned.
 * - `ng_acknowledgements`: append-only; an acknowledgement covers every NG up to `up_to_inspection_id`, so the
 *   latched NG is derived from the log (the newest NG after the last acknowledgement) and survives restarts.
 * - Per-product floor settings (NG latch, NG-rate alarm, retention budget) live in the product's settings (0008),
 *   sections `floor` and `retention`; station-wide ones (shift schedule, disk floor) in station_settings.
 * - `inspections_lot`: per-lot counts by index (lots are not in the hourly summary).
 */
import type { Migration } from './migration.js';

function usage(r: 'NEW' | 'OLD', sign: 1 | -1): string {
  return `INSERT INTO media_usage (product_id, verdict, bytes, files)
            VALUES (${r}.product_id, ${r}.verdict, ${sign} * coalesce(${r}.media_bytes, 0), ${sign} * (coalesce(${r}.media_bytes, 0) > 0))
            ON CONFLICT (product_id, verdict) DO UPDATE SET bytes = bytes + excluded.bytes, files = files + excluded.files;`;
}

export const migration0009: Migration = {
  version: 9,
  name: 'floor',
  up(db) {
    db.exec(`
      ALTER TABLE inspections ADD COLUMN media_bytes INTEGER;
      ALTER TABLE inspections ADD COLUMN media_pruned_at TEXT;
      CREATE INDEX inspections_media_unmeasured ON inspections(id)
        WHERE media_bytes IS NULL AND (frame_path IS NOT NULL OR heatmap_path IS NOT NULL);
      CREATE INDEX inspections_media_kept ON inspections(product_id, verdict, time) WHERE media_bytes > 0;
      CREATE INDEX inspections_lot ON inspections(lot_name, verdict) WHERE lot_name <> '';

      CREATE TABLE media_usage (
        product_id TEXT NOT NULL,
        verdict    TEXT NOT NULL,
        bytes      INTEGER NOT NULL,
        files      INTEGER NOT NULL,
        PRIMARY KEY (product_id, verdict)
      ) STRICT, WITHOUT ROWID;

      CREATE TRIGGER inspections_media_update AFTER UPDATE OF media_bytes, product_id, verdict ON inspections BEGIN
        ${usage('OLD', -1)}
        ${usage('NEW', 1)}
      END;
      CREATE TRIGGER inspections_media_delete AFTER DELETE ON inspections WHEN coalesce(OLD.media_bytes, 0) > 0 BEGIN
        ${usage('OLD', -1)}
      END;
      CREATE TRIGGER inspections_media_insert AFTER INSERT ON inspections WHEN coalesce(NEW.media_bytes, 0) > 0 BEGIN
        ${usage('NEW', 1)}
      END;

      CREATE TABLE ng_acknowledgements (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        up_to_inspection_id INTEGER NOT NULL,
        acknowledged_at     TEXT NOT NULL,
        actor               TEXT NOT NULL,
        note                TEXT NOT NULL DEFAULT ''
      ) STRICT;

    `);
  },
};
