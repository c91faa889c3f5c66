/** Rows of `threshold_history` as the store returns them: shared by the store and the learning tables that add threshold versions. */
import type { ThresholdHistoryEntry } from './interface.js';

export interface HistoryRow {
  id: number;
  product_id: string | null;
  model_id: string | null;
  old_value: number | null;
  new_value: number;
  changed_at: string;
  who: string;
  why: string;
}

export const toHistory = (r: HistoryRow): ThresholdHistoryEntry => ({
  id: r.id,
  productId: r.product_id,
  modelId: r.model_id,
  oldValue: r.old_value,
  newValue: r.new_value,
  changedAt: r.changed_at,
  who: r.who,
  why: r.why,
});
