/**
 * Schema migrations, like Signal Desktop's ts/sql/migrations: numbered files, PRAGMA user_version is the
 * schema version, each migration commits atomically together with its version bump.
 */
import type { Database } from 'better-sqlite3';
import { StationFault } from '../../common/result.js';
import type { Migration } from './migration.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-threshold-history.js';
import { migration0003 } from './0003-evaluations-annotations.js';
import { migration0004 } from './0004-log-at-scale.js';
import { migration0005 } from './0005-line-queue.js';
import { migration0006 } from './0006-line-delivery.js';
import { migration0007 } from './0007-camera-frames.js';
import { migration0008 } from './0008-products-users-audit.js';
import { migration0009 } from './0009-floor.js';
import { migration0010 } from './0010-learning.js';

export type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008, migration0009, migration0010];

export const LATEST_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration above the current user_version up to `target` (default: all).
 * Foreign keys are switched off meanwhile (a migration may rebuild a table) and checked before each commit.
 * Returns the resulting version.
 */
export function migrate(db: Database, target: number = LATEST_VERSION): number {
  const current = schemaVersion(db);
  if (current > LATEST_VERSION) {
    throw new StationFault(
      'invalid-input',
      `database "${db.name}" has schema version ${current}, newer than this station supports (${LATEST_VERSION}); update the station`,
    );
  }
  const pending = MIGRATIONS.filter((m) => m.version > current && m.version <= target);
  if (pending.length === 0) return current;
  const fkWasOn = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF'); // no effect inside a transaction, so set it before
  try {
    for (const m of pending) {
      db.transaction(() => {
        m.up(db);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) {
          throw new StationFault('internal', `migration ${m.version}-${m.name} left ${broken.length} broken foreign keys`);
        }
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    }
  } finally {
    if (fkWasOn) db.pragma('foreign_keys = ON');
  }
  return schemaVersion(db);
}
