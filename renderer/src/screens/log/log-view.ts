/**
 * The Log screen's page state, pure (no React), so it is tested on its own: which rows are shown, where they sit
 * in the newest-first order, and how a newly recorded inspection updates the page and the counts without asking
 * the engine again (no reload, no recount while parts arrive).
 */
import type { InspectionRecord, LogFilter, LogSummary } from '../../../../main/common/api.js';

export const PAGE = 25;

export interface LogView {
  /** Newest first. */
  readonly items: readonly InspectionRecord[];
  /** Position of `items[0]` in the newest-first order of the filter (0 = the newest page). */
  readonly start: number;
  readonly hasOlder: boolean;
  readonly hasNewer: boolean;
  /** Matching inspections recorded since this page was loaded, not shown because it is not the newest page. */
  readonly pendingNew: number;
}

export const EMPTY_VIEW: LogView = { items: [], start: 0, hasOlder: false, hasNewer: false, pendingNew: 0 };

/** Whether a record belongs to the filter (the same rules as the store's filter: `from` inclusive, `to` exclusive). */
export function matchesFilter(r: InspectionRecord, f: LogFilter): boolean {
  return (
    (f.from === undefined || r.at >= f.from) &&
    (f.to === undefined || r.at < f.to) &&
    (f.verdict === undefined || r.verdict === f.verdict) &&
    (f.modelId === undefined || r.modelId === f.modelId) &&
    (f.source === undefined || (r.sourceId ?? r.source) === f.source)
  );
}

/** (time, id) descending: the log's newest-first order. */
const newerFirst = (a: InspectionRecord, b: InspectionRecord) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id);

/** A new inspection: shown at once on the newest page (which keeps its size), counted as pending on others. */
export function appendToView(v: LogView, r: InspectionRecord, f: LogFilter): LogView {
  if (!matchesFilter(r, f) || v.items.some((x) => x.id === r.id)) return v;
  if (v.start > 0 || v.hasNewer) return { ...v, pendingNew: v.pendingNew + 1 };
  const items = [r, ...v.items].sort(newerFirst);
  return { ...v, items: items.slice(0, PAGE), hasOlder: v.hasOlder || items.length > PAGE };
}

/** The summary after one more matching inspection: counts and time span, without a query. */
export function appendToSummary(s: LogSummary | null, r: InspectionRecord, f: LogFilter): LogSummary | null {
  if (!s || !matchesFilter(r, f)) return s;
  const byVerdict = { ...s.byVerdict, [r.verdict]: (s.byVerdict[r.verdict] ?? 0) + 1 };
  return {
    total: s.total + 1,
    ok: s.ok + (r.verdict === 'OK' ? 1 : 0),
    ng: s.ng + (r.verdict === 'NG' ? 1 : 0),
    byVerdict,
    from: s.from === null || r.at < s.from ? r.at : s.from,
    to: s.to === null || r.at > s.to ? r.at : s.to,
  };
}

/** Which way a page was asked for, and from where. */
export type PageMove = 'newest' | 'older' | 'newer' | 'oldest';

/** The query for a move: newest-first pages walk back from the last row, oldest-first ones forward from the first. */
export function pageQuery(v: LogView, move: PageMove): { order: 'newest' | 'oldest'; after?: { time: string; id: number } } {
  const first = v.items[0];
  const last = v.items[v.items.length - 1];
  if (move === 'older' && last) return { order: 'newest', after: { time: last.at, id: last.id } };
  if (move === 'newer' && first) return { order: 'oldest', after: { time: first.at, id: first.id } };
  return { order: move === 'oldest' ? 'oldest' : 'newest' };
}

/** The view after a page arrived (`items` in the order asked, `more` = another page exists in that order). */
export function viewAfter(v: LogView, move: PageMove, items: readonly InspectionRecord[], more: boolean, total: number): LogView {
  switch (move) {
    case 'newest':
      return { items, start: 0, hasOlder: more, hasNewer: false, pendingNew: 0 };
    case 'older':
      return { items, start: v.start + v.items.length, hasOlder: more, hasNewer: true, pendingNew: v.pendingNew };
    case 'newer': {
      const shown = [...items].reverse();
      return { items: shown, start: Math.max(0, v.start - shown.length), hasOlder: true, hasNewer: more, pendingNew: v.pendingNew };
    }
    case 'oldest': {
      const shown = [...items].reverse();
      return { items: shown, start: Math.max(0, total - shown.length), hasOlder: false, hasNewer: more, pendingNew: v.pendingNew };
    }
  }
}
