/**
 * Data shapes that cross module and process boundaries. Pure: no runtime imports.
 */

/** An 8-bit image in interleaved layout: data.length === width * height * channels. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  readonly data: Uint8Array;
}

/** A dense float map (row-major, data.length === width * height), e.g. an anomaly map. */
export interface FloatMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** An axis-aligned box in original image pixels. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** Confidence or peak anomaly score inside the box. */
  readonly score: number;
  readonly label?: string;
}

export type Verdict = 'OK' | 'NG';

/** A logged part's verdict: ERROR when the part could not be inspected (unreadable image, no model, ...). */
export type LogVerdict = Verdict | 'ERROR';

export type ModelKind = 'patchcore' | 'supervised' | 'detector';

/** What a model says about one image, before a threshold is applied. */
export interface ModelOutput {
  /** Image-level anomaly / defect score; higher = more likely defective. */
  readonly score: number;
  /** Per-pixel score at the original image resolution (absent for detectors without a map). */
  readonly map?: FloatMap;
  /** Candidate regions, in original image pixels. */
  readonly boxes: readonly Box[];
  /** Milliseconds spent in each stage, for the live view and the benchmark. */
  readonly timings: Readonly<Record<string, number>>;
}

export interface Progress {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
  readonly message?: string;
}

export type ProgressFn = (p: Progress) => void;
