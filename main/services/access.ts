/**
 * Roles and what they may do, enforced where calls arrive (each connection's API is wrapped by `guardApi`), never
 * only in the screens. Operator: run, pause, acknowledge, view. Engineer: also train, thresholds, products,
 * sources, delete. Administrator: also users. Open mode (no administrator account yet): everything.
 */
import type { StationApiDef, StationApiImpl } from '../common/api.js';
import { StationFault } from '../common/result.js';
import type { Event } from '../common/event.js';
import { roleFor, type Permission } from '../common/accounts.js';
import { runAs, type Actor } from './audit.js';

export { PERMISSIONS, ROLE_PERMISSIONS, permissionsOf, roleFor, type Permission } from '../common/accounts.js';

type MethodNames<S> = { [K in keyof S]: K extends `on${string}` ? never : K }[keyof S];
type Need = Permission | 'public';
type MethodMap = { readonly [S in keyof StationApiDef]?: { readonly [M in MethodNames<StationApiDef[S]>]?: Need } };

/**
 * What each method needs. A method missing here needs an engineer ('products'), so a new method is never open to
 * operators by accident: add it here with what it really needs. Events need 'view'.
 */
export const METHOD_PERMISSIONS: MethodMap = {
  system: { info: 'public', pickFolder: 'sources', listFolder: 'view' },
  live: { state: 'view', start: 'run', stop: 'run', pause: 'run', resume: 'run', step: 'run', pushFrame: 'run' },
  sources: { status: 'view', probe: 'sources' },
  models: { list: 'view', active: 'view', activate: 'train', remove: 'delete', train: 'train', evaluate: 'train', importDetector: 'train' },
  datasets: { inspect: 'view', generate: 'train', preview: 'view' },
  thresholds: { get: 'view', validationScores: 'view', set: 'thresholds', history: 'view' },
  log: { query: 'view', get: 'view', summary: 'view', export: 'view' },
  line: {
    signals: 'view',
    trigger: 'run',
    acknowledge: 'acknowledge',
    selectProduct: 'products',
    setLotName: 'run',
    products: 'view',
    setProduct: 'products',
  },
  annotations: { list: 'view', get: 'view', save: 'train', clear: 'train', importMasks: 'train', export: 'train', import: 'train' },
  genicam: { status: 'view', list: 'view', features: 'view', getFeature: 'view', setFeature: 'sources', execute: 'sources' },
  jobs: { list: 'view', get: 'view', cancel: 'train' },
  integration: { state: 'view', configure: 'sources' },
  auth: { state: 'public', login: 'public', logout: 'public' },
  users: { list: 'users', create: 'users', update: 'users', configure: 'users' },
  audit: { list: 'view', export: 'view' },
  products: { list: 'view', create: 'products', clone: 'products', update: 'products', use: 'products', setLot: 'run' },
  // feedback / learnGood: the learning service allows engineers, and operators where the product says so.
  learning: { feedback: 'view', feedbackFor: 'view', learnGood: 'view', versions: 'view', activate: 'train', shadowStart: 'train', shadowStop: 'train', shadowStatus: 'view', promote: 'train' },
  floor: { state: 'view', recent: 'view', acknowledge: 'acknowledge', settings: 'view', configure: 'products', report: 'view', retentionPass: 'products' },
};

export const DEFAULT_NEED: Permission = 'products';

/** Events everyone receives (the login state itself: a logged-out screen must learn that it is logged out). */
const PUBLIC_EVENTS = new Set(['auth.onState']);

export function needOf(service: string, method: string): Need {
  const s = (METHOD_PERMISSIONS as Record<string, Record<string, Need> | undefined>)[service];
  return s?.[method] ?? DEFAULT_NEED;
}

const VERBS: Partial<Record<Permission, string>> = {
  run: 'run or pause inspection',
  acknowledge: 'acknowledge results',
  train: 'train models or edit training data',
  thresholds: 'change thresholds',
  products: 'change products',
  sources: 'change sources or outputs',
  delete: 'delete models',
  users: 'manage users',
  view: 'view the station',
};

/** Throws 'forbidden' unless `actor` holds `need`. */
export function requirePermission(actor: Actor & { permissions: readonly Permission[] }, need: Need, what: string): void {
  if (need === 'public' || actor.permissions.includes(need)) return;
  const verb = VERBS[need] ?? need;
  if (actor.name === 'anonymous') throw new StationFault('forbidden', `log in to ${verb} (${what})`);
  throw new StationFault('forbidden', `${actor.name} (${actor.role ?? 'no role'}) may not ${verb}: it needs the ${roleFor(need)} role (${what})`);
}

/** Who calls: the session of one connection. */
export interface CallerSession {
  /** A call arrived (restarts the idle clock, after logging out an idle user). */
  touch(): void;
  actor(): Actor & { permissions: readonly Permission[] };
  /** Cheap (cached about a second): events are delivered only while this holds. */
  canView(): boolean;
}

/**
 * `impl` as one connection may use it: each method checks the caller's permission, then runs as the caller
 * (`currentActor()` inside the services); each event delivers only while the caller may view.
 */
export function guardApi(impl: StationApiImpl, session: CallerSession): StationApiImpl {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [s, svc] of Object.entries(impl as unknown as Record<string, Record<string, unknown>>)) {
    const wrapped: Record<string, unknown> = {};
    for (const [m, fn] of Object.entries(svc)) {
      if (typeof fn !== 'function') continue;
      if (m.startsWith('on')) {
        const ev = fn as Event<unknown>;
        wrapped[m] = (PUBLIC_EVENTS.has(`${s}.${m}`) ? ev : (listener: (d: unknown) => void) => ev((d) => session.canView() && listener(d))) as Event<unknown>;
      } else {
        const need = needOf(s, m);
        wrapped[m] = (req: unknown) => {
          session.touch();
          const actor = session.actor();
          requirePermission(actor, need, `${s}.${m}`);
          return runAs({ name: actor.name, role: actor.role }, () => (fn as (r: unknown) => unknown).call(svc, req));
        };
      }
    }
    out[s] = wrapped;
  }
  return out as unknown as StationApiImpl;
}
