/**
 * Accounts and roles (issue 10 item 2): scrypt hashing, lock after repeated failures, idle logout, open mode until
 * the first administrator, kiosk, and enforcement where calls arrive (guardApi), with the caller in the audit trail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore } from '../../main/store/store.js';
import { AuditTrail, currentActor } from '../../main/services/audit.js';
import { AuthService, Session, checkSecret, hashSecret, verifySecret } from '../../main/services/auth.js';
import { guardApi, METHOD_PERMISSIONS, needOf } from '../../main/services/access.js';
import { stationApi, type StationApiImpl } from '../../main/common/api.js';
import { tempDir } from '../store/helpers.js';

function setup(t: { after(fn: () => void): void }) {
  const store = openStore(join(tempDir(t), 's.db'));
  t.after(() => store.close());
  let clock = Date.parse('2026-03-01T08:00:00.000Z');
  const audit = new AuditTrail(store, () => 'default');
  const auth = new AuthService(store, audit, { scryptN: 1024, maxAttempts: 3, lockMs: 60_000, now: () => clock });
  return { store, audit, auth, advance: (ms: number) => (clock += ms) };
}

test('scrypt: salted hashes, constant-time verify, malformed hashes are refused; weak secrets refused', async () => {
  const a = await hashSecret('correct horse', { N: 1024 });
  const b = await hashSecret('correct horse', { N: 1024 });
  assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b, 'a new salt each time');
  assert.equal(await verifySecret('correct horse', a), true);
  assert.equal(await verifySecret('correct horsE', a), false);
  assert.equal(await verifySecret('correct horse', 'plain'), false);
  assert.equal(await verifySecret('x', 'scrypt$1024$8$1$$'), false);
  assert.throws(() => checkSecret('pin', '12a4'), /4 to 12 digits/);
  assert.throws(() => checkSecret('pin', '123'), /4 to 12 digits/);
  assert.throws(() => checkSecret('password', 'short'), /8 to 256/);
  checkSecret('pin', '2468');
  checkSecret('password', 'long enough');
  // The default cost is what production uses.
  assert.match(await hashSecret('x'), /^scrypt\$32768\$/);
});

test('lockout: N wrong secrets lock the account (even the right secret is refused), unlocks after the lock time; audited', async (t) => {
  const { store, auth, advance } = setup(t);
  await auth.createUser({ name: 'olga', role: 'operator', secretKind: 'pin', secret: '4711' });
  assert.equal(store.getUser('OLGA')!.secretHash.startsWith('scrypt$'), true, 'names are case-insensitive; only the hash is kept');
  await assert.rejects(auth.authenticate('olga', '0000'), { name: 'StationFault', message: /wrong user name or password/ });
  await assert.rejects(auth.authenticate('olga', '0001'), /wrong/);
  await assert.rejects(auth.authenticate('olga', '0002'), /locked for 1 min after 3 failed logins/);
  await assert.rejects(auth.authenticate('olga', '4711'), /locked until/);
  assert.equal(auth.users()[0]!.locked, true);
  advance(61_000);
  const u = await auth.authenticate('olga', '4711');
  assert.equal(u.failedAttempts, 0);
  assert.equal(auth.users()[0]!.locked, false);
  await assert.rejects(auth.authenticate('nobody', '4711'), /wrong user name or password/, 'an unknown name reads like a wrong secret');
  const actions = store.listAudit({ limit: 20, order: 'oldest' }).items.map((e) => `${e.actor}:${e.action}`);
  assert.deepEqual(actions, ['system:user.create', 'system:auth.fail', 'system:auth.fail', 'system:auth.lock', 'system:auth.fail', 'olga:auth.login', 'system:auth.fail']);
  // An administrator unlocks at once.
  for (let i = 0; i < 3; i++) await auth.authenticate('olga', '9999').catch(() => {});
  assert.equal(auth.users()[0]!.locked, true);
  await auth.updateUser({ name: 'olga', unlock: true });
  await auth.authenticate('olga', '4711');
});

test('open mode until the first administrator; then roles; kiosk gives the operator screen; idle logout', async (t) => {
  const { store, auth, advance } = setup(t);
  const s = new Session(auth);
  assert.equal(auth.mode(), 'open');
  assert.deepEqual(s.actor(), { name: 'local', role: null, permissions: ['view', 'run', 'acknowledge', 'train', 'thresholds', 'products', 'sources', 'delete', 'users'] });
  await auth.createUser({ name: 'eng', role: 'engineer', secretKind: 'password', secret: 'engineer-pass' });
  assert.equal(auth.mode(), 'open', 'an engineer alone does not end open mode');
  await auth.createUser({ name: 'admin', role: 'administrator', secretKind: 'password', secret: 'admin-pass-1' });
  assert.equal(auth.mode(), 'enforced');
  assert.equal(s.actor().name, 'anonymous');
  assert.deepEqual(s.actor().permissions, []);
  auth.configure({ kiosk: true });
  assert.deepEqual(s.actor(), { name: 'kiosk', role: 'operator', permissions: ['view', 'run', 'acknowledge'] });

  await s.login('eng', 'engineer-pass');
  assert.equal(s.actor().name, 'eng');
  assert.ok(s.actor().permissions.includes('thresholds'));
  assert.ok(!s.actor().permissions.includes('users'));
  auth.configure({ idleMinutes: 5 });
  advance(4 * 60_000);
  s.touch();
  assert.equal(s.actor().name, 'eng', 'a call within the idle time keeps the login');
  advance(5 * 60_000 + 1);
  assert.equal(s.checkIdle(), true);
  assert.equal(s.actor().name, 'kiosk', 'after idle logout: back to the kiosk operator');
  assert.equal(store.listAudit({ limit: 1 }).items[0]!.action, 'auth.idle-logout');

  await assert.rejects(auth.updateUser({ name: 'admin', role: 'engineer' }), /last administrator/);
  await s.login('eng', 'engineer-pass');
  await auth.updateUser({ name: 'eng', disabled: true });
  assert.equal(s.actor().name, 'kiosk', 'a disabled account loses its rights on the next call, not the next login');
});

test('guardApi: every call checked against the caller, runs as the caller; events only for viewers; unlisted methods need an engineer', async (t) => {
  const { auth } = setup(t);
  const seen: string[] = [];
  const listeners: ((d: number) => void)[] = [];
  const impl = {
    thresholds: {
      set: () => {
        seen.push(`set by ${currentActor().name}`);
        return 'done';
      },
      get: () => 'value',
    },
    live: { onState: (l: (d: number) => void) => (listeners.push(l), { dispose() {} }) },
    future: { something: () => 'x' },
  } as unknown as StationApiImpl;
  await auth.createUser({ name: 'admin', role: 'administrator', secretKind: 'password', secret: 'admin-pass-1' });
  await auth.createUser({ name: 'olga', role: 'operator', secretKind: 'pin', secret: '4711' });
  await auth.createUser({ name: 'eng', role: 'engineer', secretKind: 'pin', secret: '1234' });
  const s = new Session(auth);
  const api = guardApi(impl, s) as unknown as Record<string, Record<string, (r?: unknown) => unknown>>;
  assert.throws(() => api.thresholds!.get!(), /log in to view/);
  await s.login('olga', '4711');
  assert.equal(api.thresholds!.get!(), 'value');
  assert.throws(() => api.thresholds!.set!(), { kind: 'forbidden', message: /olga \(operator\) may not change thresholds: it needs the engineer role/ } as object);
  assert.throws(() => api.future!.something!(), /needs the engineer role/);
  const got: number[] = [];
  (api.live!.onState as unknown as (l: (d: number) => void) => void)((d) => got.push(d));
  listeners[0]!(1);
  await s.login('eng', '1234');
  assert.equal(api.thresholds!.set!(), 'done');
  assert.deepEqual(seen, ['set by eng']);
  assert.equal(api.future!.something!(), 'x');
  s.logout();
  s.actor();
  listeners[0]!(2);
  assert.deepEqual(got, [1], 'no events after logout without kiosk');

  // The table names real methods only.
  for (const [svc, methods] of Object.entries(METHOD_PERMISSIONS)) {
    for (const m of Object.keys(methods ?? {})) assert.ok((stationApi as Record<string, Record<string, unknown>>)[svc]?.[m], `${svc}.${m} is in the API`);
  }
  assert.equal(needOf('thresholds', 'set'), 'thresholds');
  assert.equal(needOf('line', 'acknowledge'), 'acknowledge');
  assert.equal(needOf('users', 'create'), 'users');
});
