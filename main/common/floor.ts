/**
 * The floor (issue 10, items 3 and 4): NG latch, NG-rate alarm, shift and lot counters, retention and the disk
 * watchdog. Pure: settings schemas with their defaults, the shift arithmetic and the state the Live screen shows.
 */
import { z } from 'zod';

const GB = 1_000_000_000;

/** Per product (kept in the product's settings, sections `floor` and `retention`). */
export const ProductFloorSettingsSchema = z.object({
  /** An NG stays on Live until an operator acknowledges it. */
  ngLatch: z.boolean().default(true),
  /** Alarm when at least `n` of the last `m` parts are NG (n = 0: off). */
  ngRate: z
    .object({ n: z.number().int().min(0).max(1000).default(3), m: z.number().int().min(1).max(1000).default(20) })
    .refine((r) => r.n <= r.m, 'n must not exceed m')
    .default({ n: 3, m: 20 }),
});
export type ProductFloorSettings = z.output<typeof ProductFloorSettingsSchema>;

export const RetentionSettingsSchema = z.object({
  /** Disk budget for this product's saved frames, thumbnails and heatmaps. */
  budgetBytes: z.number().int().min(0).max(100_000 * GB).default(5 * GB),
  /** NG images are kept this many times longer than OK images (an NG of age a competes like an OK of age a / k). */
  ngKeepFactor: z.number().min(1).max(1000).default(4),
});
export type RetentionSettings = z.output<typeof RetentionSettingsSchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a shift start is HH:MM (24 h, local time)');

/** Station-wide. */
export const StationFloorSettingsSchema = z.object({
  /** Shift starts in local time; each shift ends where the next begins. */
  shifts: z
    .array(hhmm)
    .min(1)
    .max(12)
    .refine((s) => new Set(s).size === s.length, 'shift starts must differ')
    .default(['06:00', '14:00', '22:00']),
  /** Free disk under this raises an alarm. */
  diskAlarmFreeBytes: z.number().int().min(0).default(2 * GB),
  /** Free disk under this: images are no longer saved (verdicts still are). */
  diskFloorFreeBytes: z.number().int().min(0).default(GB / 2),
});
export type StationFloorSettings = z.output<typeof StationFloorSettingsSchema>;

export interface FloorSettings {
  readonly productId: string;
  readonly product: ProductFloorSettings;
  readonly retention: RetentionSettings;
  readonly station: StationFloorSettings;
}

export const FloorConfigureSchema = z.object({
  /** Default: the current product. */
  productId: z.string().min(1).max(200).optional(),
  product: z
    .object({ ngLatch: z.boolean().optional(), ngRate: z.object({ n: z.number().int().min(0).max(1000), m: z.number().int().min(1).max(1000) }).optional() })
    .optional(),
  retention: z.object({ budgetBytes: z.number().int().min(0).optional(), ngKeepFactor: z.number().min(1).max(1000).optional() }).optional(),
  station: z
    .object({ shifts: z.array(hhmm).min(1).max(12).optional(), diskAlarmFreeBytes: z.number().int().min(0).optional(), diskFloorFreeBytes: z.number().int().min(0).optional() })
    .optional(),
  reason: z.string().max(1000).default(''),
});
export type FloorConfigure = z.input<typeof FloorConfigureSchema>;

export interface ShiftWindow {
  /** 'HH:MM–HH:MM' (local). */
  readonly name: string;
  /** ISO UTC, inclusive / exclusive. */
  readonly from: string;
  readonly to: string;
}

function minutesOf(s: string): number {
  return Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
}

/** The shift that contains `at` (local time of this process), from the sorted starts of the schedule. */
export function shiftAt(at: Date, shifts: readonly string[], offset = 0): ShiftWindow {
  const starts = [...shifts].sort((a, b) => minutesOf(a) - minutesOf(b));
  const dayStart = (d: Date, days: number, s: string) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + days, 0, minutesOf(s), 0, 0);
  // Candidates: every start yesterday, today and tomorrow; the shift is the last start <= at.
  const all: { start: Date; label: string }[] = [];
  for (const day of [-1, 0, 1]) for (const s of starts) all.push({ start: dayStart(at, day, s), label: s });
  let i = all.findLastIndex((c) => c.start.getTime() <= at.getTime());
  i = Math.max(0, Math.min(all.length - 2, i + offset));
  const cur = all[i]!;
  const next = all[i + 1]!;
  return { name: `${cur.label}–${next.label}`, from: cur.start.toISOString(), to: next.start.toISOString() };
}

export interface VerdictCounts {
  readonly total: number;
  readonly ok: number;
  readonly ng: number;
  readonly error: number;
}

export function countsOf(byVerdict: Readonly<Record<string, number>>): VerdictCounts {
  const ok = byVerdict.OK ?? 0;
  const ng = byVerdict.NG ?? 0;
  const error = byVerdict.ERROR ?? 0;
  return { total: Object.values(byVerdict).reduce((a, b) => a + b, 0), ok, ng, error };
}

/** A part shown in the verdict strip and as the latched NG. */
export interface FloorPart {
  readonly inspectionId: number;
  readonly at: string;
  readonly verdict: 'OK' | 'NG' | 'ERROR';
  readonly score: number;
  readonly threshold: number;
  readonly partId: string;
  readonly thumbnail: string | null;
}

export interface FloorState {
  /** The product the counters and alarms are for (the product of the last part, else the default). */
  readonly productId: string;
  /** The unacknowledged NG (null: none, or the product does not latch). */
  readonly latched: FloorPart | null;
  readonly ngRate: { readonly alarm: boolean; readonly ng: number; readonly parts: number; readonly n: number; readonly m: number };
  readonly shift: ShiftWindow & { readonly counts: VerdictCounts };
  /** The current lot (the line's lot name); null when none is set. */
  readonly lot: { readonly name: string; readonly counts: VerdictCounts } | null;
  readonly disk: {
    readonly freeBytes: number | null;
    readonly totalBytes: number | null;
    readonly alarm: boolean;
    /** False below the floor: images are not saved (verdicts are). */
    readonly savingImages: boolean;
    readonly message: string | null;
  };
  readonly retention: {
    readonly budgetBytes: number;
    /** Measured bytes of this product's images. */
    readonly usedBytes: number;
    /** Rows whose images were deleted since the station started. */
    readonly prunedRows: number;
    readonly lastPassAt: string | null;
  };
  readonly at: string;
}

/** One point of the shift report's NG-rate chart. */
export interface RatePoint {
  readonly from: string;
  readonly total: number;
  readonly ng: number;
}

export interface ShiftReport {
  readonly shift: ShiftWindow;
  readonly productId: string | null;
  readonly counts: VerdictCounts;
  readonly series: readonly RatePoint[];
  readonly topNg: readonly FloorPart[];
  /** Files written under the data folder (download with mediaUrl). */
  readonly csv: string;
  readonly html: string;
}

export const ShiftReportRequestSchema = z.object({
  /** 0 = the current shift, -1 the one before, ... */
  offset: z.number().int().min(-1000).max(0).default(0),
  productId: z.string().min(1).max(200).optional(),
  /** Explicit window instead of a shift. */
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
});
export type ShiftReportRequest = z.input<typeof ShiftReportRequestSchema>;
