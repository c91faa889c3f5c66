/**
 * 0004: the inspection log at a year of production (millions of rows).
 *
 * - Indexes designed from the Log screen's queries, which page newest-first by (time, id) within a filter:
 *   every index ends in `time` (and, implicitly, the rowid), so a filtered page walks its index in order and
 *   stops after one page, and a time range is an index range instead of a sort.
 *     time                       no filter, time range, model/product only (a residual filter on a page)
 *     verdict, time              verdict [+ time range] [+ source]
 *     source_id, time            source [+ time range]
 *     model_id, verdict, time    model + verdict [+ time range]
 *     model_id, time             model [+ time range]
 *   The single-column verdict/model/product indexes of 0001 go: none of those queries can use them in order,
 *   and `inspections_product` was never used (deleting a product is rare and may scan).
 * - `inspection_counts`: how many inspections per hour and per day (span = length of the `time` prefix:
 *   13 = 'YYYY-MM-DDTHH', 10 = 'YYYY-MM-DD') and per verdict, model, source and product. Kept by triggers in the
 *   same transaction as every insert, delete or update of `inspections`, so counts never drift and cost a few
 *   thousand summary rows instead of a scan. Verdicts are data here, not columns: a new verdict (e.g. 'ERROR')
 *   is counted without a schema change. A migration that rebuilds `inspections` must recreate these triggers
 *   (test/store/log-scale.test.ts checks the counts against the log at the latest version).
 */
import type { Database } from 'better-sqlite3';
import type { Migration } from './migration.js';

const KEY = 'span, bucket, verdict, model_id, source_id, product_id';

/** Summary upserts for one row (`r` = NEW or OLD) and a sign; also used by the backfill's definition. */
function bump(r: 'NEW' | 'OLD', sign: 1 | -1): string {
  return [10, 13]
    .map((span) =>
      sign > 0
        ? `INSERT INTO inspection_counts (${KEY}, n)
             VALUES (${span}, substr(${r}.time, 1, ${span}), ${r}.verdict, ${r}.model_id, ${r}.source_id, ${r}.product_id, 1)
             ON CONFLICT (${KEY}) DO UPDATE SET n = n + 1;`
        : `UPDATE inspection_counts SET n = n - 1
             WHERE span = ${span} AND bucket = substr(${r}.time, 1, ${span}) AND verdict = ${r}.verdict
               AND model_id = ${r}.model_id AND source_id = ${r}.source_id AND product_id = ${r}.product_id;
           DELETE FROM inspection_counts
             WHERE span = ${span} AND bucket = substr(${r}.time, 1, ${span}) AND verdict = ${r}.verdict
               AND model_id = ${r}.model_id AND source_id = ${r}.source_id AND product_id = ${r}.product_id AND n <= 0;`,
    )
    .join('\n');
}

/** The summary triggers; exported so a later migration that rebuilds `inspections` can recreate them. */
export function createInspectionCountTriggers(db: Database): void {
  db.exec(`
    CREATE TRIGGER inspections_count_insert AFTER INSERT ON inspections BEGIN
      ${bump('NEW', 1)}
    END;
    CREATE TRIGGER inspections_count_delete AFTER DELETE ON inspections BEGIN
      ${bump('OLD', -1)}
    END;
    CREATE TRIGGER inspections_count_update AFTER UPDATE OF time, verdict, model_id, source_id, product_id ON inspections BEGIN
      ${bump('OLD', -1)}
      ${bump('NEW', 1)}
    END;
  `);
}

export const migration0004: Migration = {
  version: 4,
  name: 'log-at-scale',
  up(db) {
    db.exec(`
      DROP INDEX IF EXISTS inspections_verdict;
      DROP INDEX IF EXISTS inspections_model;
      DROP INDEX IF EXISTS inspections_product;
      CREATE INDEX inspections_verdict_time ON inspections(verdict, time);
      CREATE INDEX inspections_source_time ON inspections(source_id, time);
      CREATE INDEX inspections_model_verdict_time ON inspections(model_id, verdict, time);
      CREATE INDEX inspections_model_time ON inspections(model_id, time);

      CREATE TABLE inspection_counts (
        span       INTEGER NOT NULL CHECK (span IN (10, 13)),
        bucket     TEXT NOT NULL,
        verdict    TEXT NOT NULL,
        model_id   TEXT NOT NULL,
        source_id  TEXT NOT NULL,
        product_id TEXT NOT NULL,
        n          INTEGER NOT NULL,
        PRIMARY KEY (span, bucket, verdict, model_id, source_id, product_id)
      ) STRICT, WITHOUT ROWID;

      INSERT INTO inspection_counts (${KEY}, n)
        SELECT 10, substr(time, 1, 10), verdict, model_id, source_id, product_id, count(*) FROM inspections
        GROUP BY 2, 3, 4, 5, 6;
      INSERT INTO inspection_counts (${KEY}, n)
        SELECT 13, substr(time, 1, 13), verdict, model_id, source_id, product_id, count(*) FROM inspections
        GROUP BY 2, 3, 4, 5, 6;
    `);
    createInspectionCountTriggers(db);
  },
};
