/**
 * `station threshold ...`: the threshold of the current product's model, from the command line (store in
 * STATION_DATA_DIR). `set` makes a new version of the model, as the Threshold screen and the API do (parent,
 * "threshold a -> b", who, why), active when its parent was; audited as `cli:<os user>`. A running station
 * picks the change up when it next loads the product (switch or restart); use the Threshold screen on a running one.
 */
import { Command } from 'commander';
import { StationFault } from '../common/result.js';
import { MAX_THRESHOLD } from '../inference/artifact-json.js';
import { runAs, type AuditTrail } from '../services/audit.js';
import type { ModelRegistry } from '../services/model-registry.js';
import { withOfflineStation } from './offline-station.js';

function withRegistry<T>(fn: (reg: ModelRegistry, audit: AuditTrail, who: string) => T | Promise<T>): Promise<T> {
  return withOfflineStation(({ reg, audit, actor }) => runAs(actor, () => fn(reg, audit, actor.name)));
}

function value(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > MAX_THRESHOLD) throw new StationFault('invalid-input', `threshold must be a number from 0 to ${MAX_THRESHOLD}, got ${v}`);
  return n;
}

export function thresholdCommand(): Command {
  const cmd = new Command('threshold').description("the model's threshold: set (a new version of the model), history");
  cmd
    .command('set <value>')
    .description('NG when score >= value; makes a new version of the model (default: the active one) and activates it')
    .requiredOption('--reason <text>', 'why (kept in the version and the audit trail)')
    .option('--model <id>', 'the version to change (default: the active one)')
    .action((v: string, o: { reason: string; model?: string }) =>
      withRegistry((reg, audit, who) => {
        if (!o.reason.trim()) throw new StationFault('invalid-input', '--reason must not be empty');
        const r = reg.setThreshold({ modelId: o.model, value: value(v), reason: o.reason.trim(), who });
        const parent = reg.store.learning.getModelVersion(r.modelId);
        audit.record({ action: 'threshold.set', target: `model:${r.modelId}`, old: r.previous, new: r.value, reason: r.reason, productId: reg.productOf(r.modelId) });
        const active = reg.activeId() === r.modelId;
        console.log(`${String(parent?.detail['text'] ?? `threshold ${r.value}`)}: new version ${r.modelId} of ${parent?.parentId ?? '-'}${active ? ' (active)' : ''}`);
      }),
    );
  cmd
    .command('history')
    .description("threshold changes of the model and the versions it was made from, newest first")
    .option('--model <id>', 'the version (default: the active one)')
    .action((o: { model?: string }) =>
      withRegistry((reg) => {
        for (const h of reg.thresholdHistory(o.model, 100)) console.log(`${h.at}  ${h.modelId}  ${h.previous ?? '-'} -> ${h.value}  ${h.who}  ${h.reason}`);
      }),
    );
  return cmd;
}
