/**
 * The live signal monitor: every handshake signal's state and when it last changed, as the Integration screen
 * shows it. Fed by `LineStation.onSignals`; keeps exact change times even when the screen sees coalesced states.
 */
import type { SignalMonitorEntry } from '../common/integration.js';
import type { LineSignals } from '../common/line-io.js';
import { OPCUA_VARIABLES } from './opcua-nodes.js';

export class SignalMonitor {
  private readonly entries = new Map<keyof LineSignals, { name: string; value: boolean | number | string; changedAt: string | null; changes: number }>();

  constructor(initial: LineSignals) {
    for (const v of OPCUA_VARIABLES) this.entries.set(v.signal, { name: v.name, value: initial[v.signal], changedAt: null, changes: 0 });
  }

  /** Records the signals; returns whether any changed. */
  update(s: LineSignals, at = new Date().toISOString()): boolean {
    let changed = false;
    for (const [key, e] of this.entries) {
      if (e.value === s[key]) continue;
      e.value = s[key];
      e.changedAt = at;
      e.changes++;
      changed = true;
    }
    return changed;
  }

  snapshot(): SignalMonitorEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }
}
