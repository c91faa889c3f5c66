/**
 * 0007: camera frames (issue 9). A GenICam camera's own frame id and timestamp on every inspection it produced, so
 * a log row can be matched with the camera's record (and with a PLC's, which sees the same frame ids). The
 * timestamp is the camera's clock in ns, kept as decimal text: it exceeds 2^53, where JavaScript numbers lose digits.
 * Nullable and without a default value copy: the ALTERs are O(1) on a log of any size.
 */
import type { Migration } from './migration.js';

export const migration0007: Migration = {
  version: 7,
  name: 'camera-frames',
  up(db) {
    db.exec(`
      ALTER TABLE inspections ADD COLUMN camera_frame_id INTEGER;
      ALTER TABLE inspections ADD COLUMN camera_timestamp_ns TEXT;
    `);
  },
};
