/**
 * `station log ...`: the inspection log of the store in STATION_DATA_DIR, from the command line.
 *   export --format csv|json --out FILE [--from ISO] [--to ISO] [--verdict OK|NG|ERROR]
 * (`archive` sits beside it.)
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

export function logCommand(): Command {
  return new Command('log').description('the inspection log: export').addCommand(exportCommand());
}
