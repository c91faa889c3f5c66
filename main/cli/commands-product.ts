/**
 * `station product ...`: products (recipes) of the store in STATION_DATA_DIR, from the command line.
 *   list [--all] | create NAME [--line-index N] [--clone-of ID] | use ID|NAME | rename ID NAME | archive ID [--restore]
 *   | lot NAME
 * Every change is in the audit trail as `cli:<os user>`. A running station reads the current product when it starts;
 * switch a running one from its Products screen or the PLC.
 */
import { Command } from 'commander';
import { StationFault } from '../common/result.js';
import type { StationStore } from '../store/interface.js';
import { runAs } from '../services/audit.js';
import { ProductService, type ProductDto } from '../services/products.js';
import type { LineSignals } from '../common/line-io.js';
import { withOfflineStation } from './offline-station.js';

function withProducts<T>(fn: (p: ProductService, store: StationStore) => Promise<T> | T): Promise<T> {
  return withOfflineStation(async ({ store, reg, audit, actor }) => {
    // The line as the store keeps it (no running station here): product index and lot are settings.
    let products: ProductService | null = null;
    const line = {
      signals: () => ({ lotName: String(store.getSetting('line.lotName') ?? '') }) as LineSignals,
      selectProduct: async (origin: string, index: number) => {
        await products!.selectByIndex(origin, index);
        store.setSetting('line.productIndex', index);
        return { ok: true };
      },
      setLotName: (origin: string, name: string) => {
        store.setSetting('line.lotName', name);
        products!.lotChanged(origin, name);
      },
    };
    products = new ProductService(store, reg, audit, line);
    try {
      return await runAs(actor, () => fn(products, store));
    } finally {
      products.dispose();
    }
  });
}

/** By id, else by name (case-insensitive). */
function find(p: ProductService, key: string): ProductDto {
  const all = p.list({ includeArchived: true });
  const hit = all.find((x) => x.id === key) ?? all.find((x) => x.name.toLowerCase() === key.toLowerCase());
  if (!hit) throw new StationFault('not-found', `no product "${key}" (station product list --all)`);
  return hit;
}

function line(p: ProductDto): string {
  const flags = [p.current ? 'current' : '', p.archived ? 'archived' : ''].filter(Boolean).join(', ');
  const idx = p.lineIndex === null ? '-' : String(p.lineIndex);
  return `${p.current ? '*' : ' '} ${p.id.padEnd(24)} ${p.name.padEnd(24)} index ${idx.padEnd(5)} model ${p.activeModelName ?? '(none)'}  lot ${p.lotName || '-'}${flags ? `  [${flags}]` : ''}`;
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new StationFault('invalid-input', `--line-index must be 0..65535, got ${v}`);
  return n;
};

export function productCommand(): Command {
  const cmd = new Command('product').description('products (recipes): list, create, clone, use, rename, archive, lot');
  cmd
    .command('list')
    .description('the products, the current one marked *')
    .option('--all', 'archived ones too')
    .option('--json', 'one JSON array')
    .action((o: { all?: boolean; json?: boolean }) =>
      withProducts((p) => {
        const all = p.list({ includeArchived: !!o.all });
        console.log(o.json ? JSON.stringify(all) : all.map(line).join('\n'));
      }),
    );
  cmd
    .command('create <name>')
    .description('a new product (recipe); --clone-of copies the settings and the active model with its threshold')
    .option('--line-index <n>', 'the index a PLC selects it by', int)
    .option('--clone-of <product>', 'id or name of the product to copy')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .action((name: string, o: { lineIndex?: number; cloneOf?: string; reason?: string }) =>
      withProducts(async (p) => {
        let made = o.cloneOf ? await p.clone({ id: find(p, o.cloneOf).id, name, reason: o.reason }) : p.create({ name, lineIndex: o.lineIndex ?? null, reason: o.reason });
        if (o.cloneOf && o.lineIndex !== undefined) made = p.update({ id: made.id, lineIndex: o.lineIndex, reason: o.reason });
        console.log(`created ${line(made).trim()}`);
      }),
    );
  cmd
    .command('use <product>')
    .description('make it the current product (a running station takes it on its next start)')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .action((key: string, o: { reason?: string }) =>
      withProducts(async (p) => {
        const now = await p.use({ id: find(p, key).id, reason: o.reason }, 'cli');
        console.log(`current product: ${line(now).trim()}`);
      }),
    );
  cmd
    .command('rename <product> <name>')
    .action((key: string, name: string) => withProducts((p) => console.log(line(p.update({ id: find(p, key).id, name })).trim())));
  cmd
    .command('archive <product>')
    .option('--restore', 'bring an archived product back')
    .action((key: string, o: { restore?: boolean }) => withProducts((p) => console.log(line(p.update({ id: find(p, key).id, archived: !o.restore })).trim())));
  cmd
    .command('lot <name>')
    .description("the current product's lot, recorded with every following log row")
    .action((name: string) => withProducts((p) => console.log(line(p.setLot({ name })).trim())));
  return cmd;
}
