/**
 * 0006: store and forward for the line adapters (issue 8). One row per adapter (e.g. 'mqtt') with the sequence
 * (log row id) of the last result the far side acknowledged; after a broker outage or a restart the adapter sends
 * every result after it, in order, read from the log itself (no copy of the results is kept here).
 */
import type { Migration } from './migration.js';

export const migration0006: Migration = {
  version: 6,
  name: 'line-delivery',
  up(db) {
    db.exec(`
      CREATE TABLE line_delivery (
        adapter       TEXT PRIMARY KEY,
        last_sequence INTEGER NOT NULL CHECK (last_sequence >= 0),
        updated_at    TEXT NOT NULL
      ) STRICT;
    `);
  },
};
