/** The shape of one numbered schema migration. */
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** Becomes PRAGMA user_version once applied; migrations run in ascending order, each exactly once. */
  readonly version: number;
  readonly name: string;
  /** Runs inside a transaction with foreign keys off (so tables can be rebuilt); must not commit itself. */
  up(db: Database): void;
}
