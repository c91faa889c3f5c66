/**
 * The banner list of the station's notices, kept short: one banner per cause. A notice with a `key` replaces the
 * banner of that key (a lost folder's "retrying in 1 s / 2 s / 4 s" is one banner that updates), an 'info' notice
 * with a key takes that banner down (the cause is over); a notice without a key repeating the same message counts
 * up instead of stacking. Pure, so it is unit-tested (test/renderer/notices.test.ts).
 */
import type { Notice } from '../../../main/common/api.js';

export interface ShownNotice extends Notice {
  readonly id: number;
  /** How often this message came (notices without a key). */
  readonly repeats: number;
}

/** At most this many notice banners at once (the newest), so they never push a screen's controls away. */
export const MAX_NOTICES = 3;

let nextId = 1;

export function noticesAfter(prev: readonly ShownNotice[], n: Notice): ShownNotice[] {
  if (n.key) {
    const rest = prev.filter((x) => x.key !== n.key);
    if (n.level === 'info') return rest.length === prev.length ? (prev as ShownNotice[]) : rest;
    const old = prev.find((x) => x.key === n.key);
    return [...rest, { ...n, id: old?.id ?? nextId++, repeats: 1 }].slice(-MAX_NOTICES);
  }
  if (n.level === 'info') return prev as ShownNotice[];
  const same = prev.find((x) => !x.key && x.message === n.message);
  const rest = prev.filter((x) => x !== same);
  return [...rest, { ...n, id: same?.id ?? nextId++, repeats: (same?.repeats ?? 0) + 1 }].slice(-MAX_NOTICES);
}
