/**
 * Machinery for declaring a typed service contract once and deriving both sides from it:
 *  - the client type (`ApiClient<A>`): every method `(req) => Promise<Result<O>>`, every `onX` an `Event<E>`;
 *  - the server type (`ApiImpl<A>`): every method `(req) => O | Promise<O>` (throw StationFault to fail),
 *    every `onX` an `Event<E>`.
 * Requests are described by zod schemas, checked on the serving side (see channel.ts `serveApi`).
 * Pure: imports only zod (which is pure JS and bundles into the renderer).
 */
import type { z } from 'zod';
import type { Event } from './event.js';
import type { Result } from './result.js';

export interface MethodDef<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly kind: 'method';
  /** Schema of the single request argument (`z.void()` for methods without one). */
  readonly input: I;
  /** Phantom: carries the reply type; never set at runtime. */
  readonly __out?: { readonly out: O };
}

export interface EventDef<E = unknown> {
  readonly kind: 'event';
  /** Phantom: carries the payload type; never set at runtime. */
  readonly __event?: { readonly event: E };
}

// `any`: one service holds methods and events of unrelated request/reply types; each is typed where declared.
export type ServiceDef = { readonly [name: string]: MethodDef<any, any> | EventDef<any> };
export type ApiDef = { readonly [service: string]: ServiceDef };

/** Declares a method taking one request validated by `input`; `.returns<O>()` fixes the reply type. */
export function method<I extends z.ZodType>(input: I): { returns<O>(): MethodDef<I, O> } {
  return { returns: <O>() => ({ kind: 'method', input }) as MethodDef<I, O> };
}

/** Declares an event stream; by convention its name starts with `on`. */
export function event<E>(): EventDef<E> {
  return { kind: 'event' };
}

export type ServiceClient<S extends ServiceDef> = {
  readonly [K in keyof S]: S[K] extends MethodDef<infer I, infer O>
    ? undefined extends z.input<I>
      ? (req?: z.input<I>) => Promise<Result<O>>
      : (req: z.input<I>) => Promise<Result<O>>
    : S[K] extends EventDef<infer E>
      ? Event<E>
      : never;
};

export type ServiceImpl<S extends ServiceDef> = {
  readonly [K in keyof S]: S[K] extends MethodDef<infer I, infer O>
    ? (req: z.output<I>) => O | Promise<O>
    : S[K] extends EventDef<infer E>
      ? Event<E>
      : never;
};

export type ApiClient<A extends ApiDef> = { readonly [K in keyof A]: ServiceClient<A[K]> };
export type ApiImpl<A extends ApiDef> = { readonly [K in keyof A]: ServiceImpl<A[K]> };

/** The reply type of a method, e.g. `ReplyOf<typeof stationApi.live.start>`. */
export type ReplyOf<M> = M extends MethodDef<z.ZodType, infer O> ? O : never;
/** The payload type of an event definition. */
export type PayloadOf<E> = E extends EventDef<infer P> ? P : never;
