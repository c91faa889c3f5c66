/**
 * 0008: products as recipes, local user accounts, and the append-only audit trail (issue 10 items 1 and 2).
 * - products get their settings (preprocessing/registration, source, outputs, retention: one JSON object), an
 *   archive mark, the index a PLC selects them by, and the current lot. Today's data already lives in product
 *   'default' (the station creates it on first start); the line's lot becomes that product's current lot.
 * - users: login name, role, scrypt hash of a password or PIN, failed attempts and lock time.
 * - audit_trail: who, when, what, old -> new, why. Triggers refuse UPDATE and DELETE, so the trail is append-only
 *   for every connection, not only for the store's own code. Threshold changes made before are copied in so the
 *   trail starts complete.
 */
import type { Migration } from './migration.js';

export const migration0008: Migration = {
  version: 8,
  name: 'products-users-audit',
  up(db) {
    db.exec(`
      ALTER TABLE products ADD COLUMN settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings));
      ALTER TABLE products ADD COLUMN archived_at TEXT;
      ALTER TABLE products ADD COLUMN line_index INTEGER CHECK (line_index IS NULL OR line_index BETWEEN 0 AND 65535);
      ALTER TABLE products ADD COLUMN lot_name TEXT NOT NULL DEFAULT '';
      CREATE UNIQUE INDEX products_line_index ON products(line_index) WHERE line_index IS NOT NULL;

      -- The lot the line had becomes the default product's current lot.
      UPDATE products SET lot_name = coalesce((SELECT json_extract(value, '$') FROM station_settings WHERE key = 'line.lotName'), '')
        WHERE id = 'default' AND typeof((SELECT json_extract(value, '$') FROM station_settings WHERE key = 'line.lotName')) = 'text';

      CREATE TABLE users (
        name            TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
        display_name    TEXT NOT NULL DEFAULT '',
        role            TEXT NOT NULL CHECK (role IN ('operator', 'engineer', 'administrator')),
        secret_kind     TEXT NOT NULL CHECK (secret_kind IN ('password', 'pin')),
        -- scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>
        secret_hash     TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until    TEXT,
        disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        last_login_at   TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_trail (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,
        target     TEXT NOT NULL DEFAULT '',
        old_value  TEXT CHECK (old_value IS NULL OR json_valid(old_value)),
        new_value  TEXT CHECK (new_value IS NULL OR json_valid(new_value)),
        reason     TEXT NOT NULL DEFAULT '',
        -- No foreign key: an entry outlives the product it names.
        product_id TEXT
      ) STRICT;
      CREATE INDEX audit_trail_at ON audit_trail(at, id);
      CREATE INDEX audit_trail_action ON audit_trail(action, id);
      CREATE INDEX audit_trail_actor ON audit_trail(actor, id);
      CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be changed'); END;
      CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be deleted'); END;

      INSERT INTO audit_trail (at, actor, action, target, old_value, new_value, reason, product_id)
        SELECT h.changed_at, h.who, 'threshold.set',
               CASE WHEN h.model_id IS NOT NULL THEN 'model:' || h.model_id ELSE 'product:' || h.product_id END,
               CASE WHEN h.old_value IS NULL THEN NULL ELSE json_quote(h.old_value) END, json_quote(h.new_value), h.why,
               coalesce(h.product_id, (SELECT m.product_id FROM models m WHERE m.id = h.model_id))
        FROM threshold_history h ORDER BY h.id;
    `);
  },
};
