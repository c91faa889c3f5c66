/**
 * The audit trail as the services use it: who did what, old -> new, why (issue 10 item 2). The store keeps it
 * append-only (SQLite triggers refuse UPDATE and DELETE); this module adds who is acting.
 *
 * Who is acting: each API call runs inside `runAs(actor, ...)` (the engine wraps every call of a connection with
 * that connection's logged-in user, 'local' in open mode, 'kiosk' for the operator screen without login), so a
 * service deep down calls `currentActor()` instead of threading a `who` argument through. Outside any call (start
 * up, jobs, timers) the actor is 'system'.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { csvLine } from '../common/csv.js';
import type { AuditEntry, AuditFilter, AuditPage, AuditQuery, NewAuditEntry, StationStore, UserRole } from '../store/interface.js';

/** Who a call is made by. `role` null: open mode (no accounts yet, everything allowed). */
export interface Actor {
  /** User name, or 'local' (open mode), 'kiosk', 'system', 'cli:<os user>', 'line:<protocol>' (PLC via OPC UA, Modbus, MQTT). */
  readonly name: string;
  readonly role: UserRole | null;
}

export const SYSTEM_ACTOR: Actor = { name: 'system', role: null };

const context = new AsyncLocalStorage<Actor>();

/** Runs `fn` (and everything it awaits) as `actor`. */
export function runAs<T>(actor: Actor, fn: () => T): T {
  return context.run(actor, fn);
}

/** The actor of the API call in progress; 'system' outside any call. */
export function currentActor(): Actor {
  return context.getStore() ?? SYSTEM_ACTOR;
}

export type AuditInput = Omit<NewAuditEntry, 'actor' | 'productId'> & {
  /** Default: `currentActor().name`. */
  readonly actor?: string;
  /** Default: the current product (undefined) ; null for station-wide actions (users, settings). */
  readonly productId?: string | null;
};

export const AUDIT_CSV_COLUMNS = ['id', 'at', 'actor', 'action', 'target', 'old', 'new', 'reason', 'productId'] as const;

const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export function auditCsvLine(e: AuditEntry): string {
  return csvLine([e.id, e.at, e.actor, e.action, e.target, cell(e.old), cell(e.new), e.reason, e.productId ?? '']);
}

export class AuditTrail {
  constructor(
    private readonly store: StationStore,
    /** The product an entry concerns when the caller names none. */
    private readonly currentProduct: () => string | null = () => null,
  ) {}

  /** Appends one entry, committed before returning. Throws (StationFault) when it cannot be written: a change
   * whose record cannot be kept should not be reported as done. */
  record(e: AuditInput): AuditEntry {
    return this.store.appendAudit({
      ...e,
      actor: e.actor ?? currentActor().name,
      productId: e.productId === undefined ? this.currentProduct() : e.productId,
    });
  }

  list(query: AuditQuery): AuditPage {
    return this.store.listAudit(query);
  }

  /** Writes every entry matching `filter` (oldest first) as CSV to a new file `path`; returns the row count. */
  async exportCsv(path: string, filter: AuditFilter = {}): Promise<number> {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, 'wx'); // never overwrites an earlier export
    let rows = 0;
    try {
      await fh.write(csvLine([...AUDIT_CSV_COLUMNS]));
      let after: number | undefined;
      for (let page = 0; page < 100_000; page++) {
        const p = this.store.listAudit({ ...filter, limit: 1000, order: 'oldest', ...(after !== undefined ? { afterId: after } : {}) });
        if (p.items.length) await fh.write(p.items.map(auditCsvLine).join(''));
        rows += p.items.length;
        if (p.next === null) break;
        after = p.next;
      }
    } finally {
      await fh.close();
    }
    return rows;
  }
}
