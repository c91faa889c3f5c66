/**
 * Error kinds and the `{ok, value} | {ok, error}` reply shape used at every boundary
 * (CLI, IPC, loopback host). Pure: no runtime imports, so both sides can share it.
 */

export type ErrorKind =
  | 'invalid-input' // a request or argument that fails validation
  | 'not-found' // a file, folder, model or record that does not exist
  | 'corrupt-image' // a file that is not a decodable image
  | 'bad-model' // an ONNX file or artifact that does not match its manifest
  | 'io' // disk full, permission denied, ...
  | 'cancelled' // a job stopped by the user
  | 'busy' // a job is already running
  | 'source-lost' // a frame source disappeared
  | 'forbidden' // not logged in, or the user's role does not allow this action
  | 'internal';

export interface StationError {
  readonly kind: ErrorKind;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: StationError };

/** An error with a kind; thrown inside the engine, turned into `{ok: false}` at the boundary. */
export class StationFault extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StationFault';
  }
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(kind: ErrorKind, message: string): Result<T> {
  return { ok: false, error: { kind, message } };
}

/** Maps anything thrown to a StationError; unknown errors become 'internal' with their message. */
export function toStationError(e: unknown): StationError {
  if (e instanceof StationFault) return { kind: e.kind, message: e.message };
  const err = e as { code?: string; message?: string; name?: string };
  if (err && err.name === 'AbortError') return { kind: 'cancelled', message: 'cancelled' };
  if (err && typeof err.code === 'string') {
    if (err.code === 'ENOENT') return { kind: 'not-found', message: err.message ?? String(e) };
    if (['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EDQUOT', 'EIO'].includes(err.code)) {
      return { kind: 'io', message: err.message ?? String(e) };
    }
  }
  return { kind: 'internal', message: err?.message ?? String(e) };
}

/** Runs `fn` and wraps its outcome; never throws. */
export async function attempt<T>(fn: () => Promise<T> | T): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    return { ok: false, error: toStationError(e) };
  }
}
