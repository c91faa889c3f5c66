/**
 * `station log ...`: the inspection log of the store in STATION_DATA_DIR, from the command line.
 *   export --format csv|json --out FILE [--from ISO] [--to ISO] [--verdict OK|NG|ERROR]
 *   archive --before DATE --out FILE: rows before DATE to an SQLite file, then deleted from the log and vacuumed
 */
import { Command, Option } from 'commander';
import { join, resolve } from 'node:path';
import { exportInspections } from '../store/export.js';
import { openStore } from '../store/store.js';
import type { InspectionFilter } from '../store/interface.js';
import { userDataDir } from '../node/paths.js';
import { progressPrinter } from './output.js';

function exportCommand(): Command {
  return new Command('export')
    .description('write the inspection log (oldest first) to a CSV or JSON file, streamed')
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'json']).makeOptionMandatory())
    .requiredOption('--out <file>', 'file to write (replaced atomically)')
    .option('--from <iso>', 'only inspections at or after this time')
    .option('--to <iso>', 'only inspections before this time')
    .addOption(new Option('--verdict <verdict>', 'only this verdict').choices(['OK', 'NG', 'ERROR']))
    .action(async (f: { format: 'csv' | 'json'; out: string; from?: string; to?: string; verdict?: 'OK' | 'NG' | 'ERROR' }) => {
      const store = openStore(join(resolve(userDataDir()), 'station.db'));
      try {
        const filter: InspectionFilter = { from: f.from, to: f.to, verdict: f.verdict };
        const rows = await exportInspections(store, filter, f.format, f.out, progressPrinter(true));
        console.log(`${rows} inspections written to ${resolve(f.out)}`);
      } finally {
        store.close();
      }
    });
}

/** A day ('2026-01-01', meaning 00:00 UTC) or any ISO date-time with an offset. */
function isoBound(v: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : v;
}

function archiveCommand(): Command {
  return new Command('archive')
    .description(
      'move every inspection recorded before DATE into an SQLite file (same columns, plus the models and products they refer to, and an archive_info table), then delete those rows from the log and vacuum; nothing else is touched',
    )
    .requiredOption('--before <date>', "a day (YYYY-MM-DD, 00:00 UTC) or an ISO date-time with offset; rows with an earlier time are archived")
    .requiredOption('--out <file>', 'the archive to create (never written over an existing file)')
    .action((f: { before: string; out: string }) => {
      const store = openStore(join(resolve(userDataDir()), 'station.db'));
      try {
        const r = store.archiveInspections(isoBound(f.before), f.out);
        const span = r.rows ? ` (${r.firstTime} … ${r.lastTime})` : '';
        console.log(`${r.rows} inspections before ${r.before}${span} archived to ${r.path} and deleted from the log`);
        console.log(`${(r.freedBytes / 1048576).toFixed(1)} MiB returned to the disk (${r.vacuum} vacuum)`);
      } finally {
        store.close();
      }
    });
}

export function logCommand(): Command {
  return new Command('log').description('the inspection log: export, archive').addCommand(exportCommand()).addCommand(archiveCommand());
}
