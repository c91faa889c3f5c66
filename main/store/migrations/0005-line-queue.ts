/**
 * 0005: line mode (issue 8).
 * - The log records parts that could not be inspected: verdict 'ERROR' with a code and a reason, plus the line's
 *   part id, lot name and product index on every row.
 * - `line_queue`: the durable every-part queue. A part is recorded as pending BEFORE it is inspected; its log row
 *   and its move to 'done' commit in one transaction, so after a kill every part has exactly one row. Done rows are
 *   kept for a while as the memory of which files were already taken (a restarted hot folder skips them).
 * - `line_products`: product index (as a PLC selects it) -> model.
 * - `station_settings`: small JSON settings (the last line source, to resume it after a restart).
 */
import type { Database } from 'better-sqlite3';
import { StationFault } from '../../common/result.js';
import type { Migration } from './migration.js';

const OLD_CHECK = "CHECK (verdict IN ('OK', 'NG'))";
const NEW_CHECK = "CHECK (verdict IN ('OK', 'NG', 'ERROR'))";

/**
 * Widens the verdict CHECK of `inspections` in place. SQLite documents this edit of sqlite_schema for changes
 * that no stored row can violate (https://sqlite.org/lang_altertable.html#otheralter): it is O(1), where a table
 * rebuild would copy the whole log (millions of rows) and have to recreate every index added since.
 */
function widenVerdictCheck(db: Database): void {
  const sql = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'inspections'`).pluck().get() as string | undefined;
  if (!sql || !sql.includes(OLD_CHECK)) throw new StationFault('internal', `migration 0005: the inspections table has no ${OLD_CHECK} to widen`);
  const version = db.pragma('schema_version', { simple: true }) as number;
  db.unsafeMode(true); // better-sqlite3's defensive mode forbids writing sqlite_schema otherwise
  try {
    db.pragma('writable_schema = ON');
    db.prepare(`UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'inspections'`).run(sql.replace(OLD_CHECK, NEW_CHECK));
    db.pragma(`schema_version = ${version + 1}`); // makes every connection re-read the schema
    db.pragma('writable_schema = OFF');
  } finally {
    db.unsafeMode(false);
  }
}

export const migration0005: Migration = {
  version: 5,
  name: 'line-queue',
  up(db) {
    widenVerdictCheck(db);
    db.exec(`
      ALTER TABLE inspections ADD COLUMN part_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE inspections ADD COLUMN lot_name TEXT NOT NULL DEFAULT '';
      ALTER TABLE inspections ADD COLUMN product_index INTEGER NOT NULL DEFAULT 0;
      -- 0 = none; the wire codes of main/common/line-io.ts (1 unreadable image, 6 media not saved, ...)
      ALTER TABLE inspections ADD COLUMN error_code INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE inspections ADD COLUMN error_message TEXT;

      CREATE TABLE line_queue (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        -- 'hotfolder:/abs/dir', 'trigger:demo', ...; with part_key it identifies a part across restarts
        source_key    TEXT NOT NULL,
        part_key      TEXT NOT NULL,
        part_id       TEXT NOT NULL,
        source_name   TEXT NOT NULL DEFAULT '',
        -- the file to inspect: the source's own file, or a spooled copy of an in-memory frame
        path          TEXT NOT NULL,
        spooled       INTEGER NOT NULL DEFAULT 0 CHECK (spooled IN (0, 1)),
        origin        TEXT NOT NULL DEFAULT '',
        product_index INTEGER NOT NULL DEFAULT 0,
        lot_name      TEXT NOT NULL DEFAULT '',
        enqueued_at   TEXT NOT NULL,
        state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
        -- no foreign key: archiving old log rows must not have to look here
        inspection_id INTEGER,
        done_at       TEXT,
        UNIQUE (source_key, part_key)
      ) STRICT;
      CREATE INDEX line_queue_pending ON line_queue(id) WHERE state = 'pending';
      CREATE INDEX line_queue_done ON line_queue(done_at) WHERE state = 'done';

      CREATE TABLE line_products (
        product_index INTEGER PRIMARY KEY CHECK (product_index >= 0),
        model_id      TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        name          TEXT NOT NULL DEFAULT '',
        updated_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX line_products_model ON line_products(model_id);

      CREATE TABLE station_settings (
        key        TEXT PRIMARY KEY NOT NULL,
        value      TEXT NOT NULL CHECK (json_valid(value)),
        updated_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
