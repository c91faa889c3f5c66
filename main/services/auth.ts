/**
 * Local accounts (issue 10 item 2): passwords or PINs hashed with scrypt (node:crypto), a lock after repeated
 * failures, automatic logout after idle time, and a kiosk mode where the operator screen needs no login.
 *
 * Open mode: while no (enabled) administrator account exists, everything is allowed and the actor is 'local', as
 * before accounts existed. Creating the first administrator switches the station to enforced roles.
 * Sessions are per connection (a browser tab, an Electron window): `Session` holds who is logged in there.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { StationFault } from '../common/result.js';
import type { StationStore, UserRecord, UserRole } from '../store/interface.js';
import { permissionsOf, type AuthState, type Permission, type UserDto } from '../common/accounts.js';
import type { Actor, AuditTrail } from './audit.js';

/** scrypt cost: N = 2^15 (32 MiB, about 50-100 ms on one core): slow to guess, fast enough for a login. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32 } as const;
const MAX_MEM = 64 * 1024 * 1024;

function scrypt(secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(secret.normalize('NFC'), salt, keylen, opts, (e, k) => (e ? reject(e) : resolve(k))));
}

export type SecretKind = 'password' | 'pin';

/** Refuses weak secrets with a message that says what is needed. */
export function checkSecret(kind: SecretKind, secret: string): void {
  if (kind === 'pin') {
    if (!/^\d{4,12}$/.test(secret)) throw new StationFault('invalid-input', 'a PIN is 4 to 12 digits');
  } else if (secret.length < 8 || secret.length > 256) {
    throw new StationFault('invalid-input', 'a password is 8 to 256 characters');
  }
}

/** `scrypt$N$r$p$salt$hash` (base64). */
export async function hashSecret(secret: string, cost: { N?: number } = {}): Promise<string> {
  const N = cost.N ?? SCRYPT.N;
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, SCRYPT.keylen, { N, r: SCRYPT.r, p: SCRYPT.p, maxmem: MAX_MEM });
  return `scrypt$${N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time check of `secret` against a stored hash; false for anything malformed. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const want = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || want.length < 16) return false;
  const got = await scrypt(secret, salt, want.length, { N, r, p, maxmem: MAX_MEM });
  return timingSafeEqual(got, want);
}

export interface AuthPolicy {
  /** Failed logins in a row before the account locks. Default 5. */
  readonly maxAttempts: number;
  /** How long a locked account stays locked. Default 5 minutes. */
  readonly lockMs: number;
  /** scrypt N for new hashes (tests lower it). */
  readonly scryptN?: number;
  readonly now: () => number;
}

export const DEFAULT_POLICY: AuthPolicy = { maxAttempts: 5, lockMs: 5 * 60_000, now: () => Date.now() };

/** Station-wide settings kept in the store. */
export interface AuthSettings {
  /** Without a login, a connection gets the operator's rights (run, pause, acknowledge, view). */
  readonly kiosk: boolean;
  /** A logged-in user with no call for this long is logged out. 0 = never. */
  readonly idleMinutes: number;
}

const KIOSK_KEY = 'auth.kiosk';
const IDLE_KEY = 'auth.idleMinutes';
export const DEFAULT_IDLE_MINUTES = 15;

export type { UserDto };
export type AuthStateDto = AuthState;

export class AuthService {
  readonly policy: AuthPolicy;

  constructor(
    readonly store: StationStore,
    readonly audit: AuditTrail,
    policy: Partial<AuthPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_POLICY, ...policy };
  }

  mode(): 'open' | 'enforced' {
    return this.store.countAdministrators() > 0 ? 'enforced' : 'open';
  }

  settings(): AuthSettings {
    const kiosk = this.store.getSetting(KIOSK_KEY);
    const idle = this.store.getSetting(IDLE_KEY);
    return { kiosk: kiosk === true, idleMinutes: typeof idle === 'number' ? idle : DEFAULT_IDLE_MINUTES };
  }

  configure(patch: Partial<AuthSettings>): AuthSettings {
    const old = this.settings();
    if (patch.idleMinutes !== undefined && (!Number.isFinite(patch.idleMinutes) || patch.idleMinutes < 0 || patch.idleMinutes > 24 * 60)) {
      throw new StationFault('invalid-input', 'idle logout is 0 (never) to 1440 minutes');
    }
    if (patch.kiosk !== undefined) this.store.setSetting(KIOSK_KEY, patch.kiosk);
    if (patch.idleMinutes !== undefined) this.store.setSetting(IDLE_KEY, patch.idleMinutes);
    const next = this.settings();
    if (old.kiosk !== next.kiosk || old.idleMinutes !== next.idleMinutes) {
      this.audit.record({ action: 'auth.configure', target: 'station', old, new: next, productId: null });
    }
    return next;
  }

  users(): UserDto[] {
    return this.store.listUsers().map((u) => this.dto(u));
  }

  dto(u: UserRecord): UserDto {
    return {
      name: u.name,
      displayName: u.displayName,
      role: u.role,
      secretKind: u.secretKind,
      disabled: u.disabled,
      locked: this.isLocked(u),
      lockedUntil: this.isLocked(u) ? u.lockedUntil : null,
      failedAttempts: u.failedAttempts,
      lastLoginAt: u.lastLoginAt,
      createdAt: u.createdAt,
    };
  }

  private isLocked(u: UserRecord): boolean {
    return u.lockedUntil !== null && Date.parse(u.lockedUntil) > this.policy.now();
  }

  async createUser(req: { name: string; displayName?: string; role: UserRole; secretKind: SecretKind; secret: string }): Promise<UserDto> {
    checkSecret(req.secretKind, req.secret);
    if (this.store.getUser(req.name)) throw new StationFault('invalid-input', `a user "${req.name}" already exists`);
    const secretHash = await hashSecret(req.secret, { N: this.policy.scryptN });
    const u = this.store.createUser({ name: req.name, displayName: req.displayName ?? '', role: req.role, secretKind: req.secretKind, secretHash });
    this.audit.record({ action: 'user.create', target: `user:${u.name}`, new: { role: u.role, displayName: u.displayName, secretKind: u.secretKind }, productId: null });
    return this.dto(u);
  }

  async updateUser(req: {
    name: string;
    displayName?: string;
    role?: UserRole;
    secretKind?: SecretKind;
    secret?: string;
    disabled?: boolean;
    unlock?: boolean;
  }): Promise<UserDto> {
    const cur = this.store.getUser(req.name);
    if (!cur) throw new StationFault('not-found', `no user "${req.name}"`);
    const demotes = cur.role === 'administrator' && !cur.disabled && ((req.role !== undefined && req.role !== 'administrator') || req.disabled === true);
    if (demotes && this.store.countAdministrators() === 1) {
      throw new StationFault('invalid-input', `"${cur.name}" is the last administrator: make another administrator first`);
    }
    let secretHash: string | undefined;
    const kind = req.secretKind ?? cur.secretKind;
    if (req.secret !== undefined) {
      checkSecret(kind, req.secret);
      secretHash = await hashSecret(req.secret, { N: this.policy.scryptN });
    } else if (req.secretKind !== undefined && req.secretKind !== cur.secretKind) {
      throw new StationFault('invalid-input', `changing to a ${req.secretKind} needs the new ${req.secretKind}`);
    }
    const u = this.store.updateUser(cur.name, {
      ...(req.displayName !== undefined ? { displayName: req.displayName } : {}),
      ...(req.role !== undefined ? { role: req.role } : {}),
      ...(req.disabled !== undefined ? { disabled: req.disabled } : {}),
      ...(secretHash ? { secretHash, secretKind: kind } : {}),
      ...(req.unlock || secretHash ? { failedAttempts: 0, lockedUntil: null } : {}),
    });
    const pick = (x: UserRecord) => ({ displayName: x.displayName, role: x.role, disabled: x.disabled, secretKind: x.secretKind, locked: this.isLocked(x) });
    this.audit.record({
      action: 'user.update',
      target: `user:${u.name}`,
      old: pick(cur),
      new: { ...pick(u), ...(secretHash ? { secret: 'changed' } : {}) },
      productId: null,
    });
    return this.dto(u);
  }

  /**
   * Checks name and secret. A wrong secret counts; after `maxAttempts` in a row the account locks for `lockMs`
   * (a correct secret is refused meanwhile). Every failure and lock goes to the audit trail. The message does not
   * say whether the name exists.
   */
  async authenticate(name: string, secret: string): Promise<UserRecord> {
    const bad = () => new StationFault('forbidden', 'wrong user name or password/PIN');
    const u = name.trim() ? this.store.getUser(name.trim()) : null;
    if (!u) {
      // Same work as a real check, so timing does not tell which names exist.
      await verifySecret(secret, `scrypt$${this.policy.scryptN ?? SCRYPT.N}$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`);
      this.audit.record({ action: 'auth.fail', target: `user:${name.trim().slice(0, 64)}`, reason: 'unknown user', productId: null });
      throw bad();
    }
    if (u.disabled) {
      this.audit.record({ action: 'auth.fail', target: `user:${u.name}`, reason: 'account disabled', productId: null });
      throw new StationFault('forbidden', `the account "${u.name}" is disabled`);
    }
    if (this.isLocked(u)) {
      this.audit.record({ action: 'auth.fail', target: `user:${u.name}`, reason: 'account locked', productId: null });
      throw new StationFault('forbidden', `the account "${u.name}" is locked until ${u.lockedUntil} after ${this.policy.maxAttempts} failed logins`);
    }
    if (!(await verifySecret(secret, u.secretHash))) {
      const failed = u.failedAttempts + 1;
      const lock = failed >= this.policy.maxAttempts;
      const lockedUntil = lock ? new Date(this.policy.now() + this.policy.lockMs).toISOString() : null;
      this.store.updateUser(u.name, { failedAttempts: lock ? 0 : failed, lockedUntil });
      this.audit.record({ action: lock ? 'auth.lock' : 'auth.fail', target: `user:${u.name}`, new: { failedAttempts: failed }, reason: 'wrong secret', productId: null });
      if (lock) throw new StationFault('forbidden', `the account "${u.name}" is locked for ${Math.round(this.policy.lockMs / 60_000)} min after ${failed} failed logins`);
      throw bad();
    }
    const ok = this.store.updateUser(u.name, { failedAttempts: 0, lockedUntil: null, lastLoginAt: new Date(this.policy.now()).toISOString() });
    this.audit.record({ actor: ok.name, action: 'auth.login', target: `user:${ok.name}`, productId: null });
    return ok;
  }
}

/**
 * One connection's login. `actor()` is who its calls run as; `touch()` on every call restarts the idle clock;
 * an idle logout is noticed on the next call or by `checkIdle()` (the engine polls it to tell the screen).
 */
export class Session {
  private user: UserRecord | null = null;
  private lastActivity: number;

  constructor(private readonly auth: AuthService) {
    this.lastActivity = auth.policy.now();
  }

  loggedIn(): UserRecord | null {
    return this.user;
  }

  async login(name: string, secret: string): Promise<void> {
    this.user = await this.auth.authenticate(name, secret);
    this.lastActivity = this.auth.policy.now();
  }

  /** Logs `user` in without a secret (the administrator who just created the first account). */
  adopt(user: UserRecord): void {
    this.user = user;
    this.lastActivity = this.auth.policy.now();
  }

  logout(reason: 'user' | 'idle' = 'user'): void {
    if (!this.user) return;
    this.auth.audit.record({ actor: this.user.name, action: reason === 'idle' ? 'auth.idle-logout' : 'auth.logout', target: `user:${this.user.name}`, productId: null });
    this.user = null;
  }

  /** Logs out when idle longer than the configured time; true when it did. */
  checkIdle(): boolean {
    if (!this.user) return false;
    const { idleMinutes } = this.auth.settings();
    if (idleMinutes > 0 && this.auth.policy.now() - this.lastActivity > idleMinutes * 60_000) {
      this.logout('idle');
      return true;
    }
    return false;
  }

  /** A call arrived: idle logout first (the call then runs as whoever is left), then restart the clock. */
  touch(): void {
    this.checkIdle();
    this.lastActivity = this.auth.policy.now();
  }

  private viewAt = -Infinity;
  private viewing = false;

  canView(): boolean {
    if (this.auth.policy.now() - this.viewAt > 1000) this.actor();
    return this.viewing;
  }

  actor(): Actor & { permissions: readonly Permission[] } {
    const a = this.resolveActor();
    this.viewAt = this.auth.policy.now();
    this.viewing = a.permissions.includes('view');
    return a;
  }

  private resolveActor(): Actor & { permissions: readonly Permission[] } {
    if (this.auth.mode() === 'open') {
      // Open mode: everything allowed; a user who logged in anyway acts under their name.
      return { name: this.user?.name ?? 'local', role: null, permissions: permissionsOf(null) };
    }
    if (this.user) {
      // Role and disable changes take effect on the next call, not the next login.
      const fresh = this.auth.store.getUser(this.user.name);
      if (!fresh || fresh.disabled) {
        this.user = null;
      } else {
        this.user = fresh;
        return { name: fresh.name, role: fresh.role, permissions: permissionsOf(fresh.role) };
      }
    }
    if (this.auth.settings().kiosk) return { name: 'kiosk', role: 'operator', permissions: permissionsOf('operator') };
    return { name: 'anonymous', role: null, permissions: [] };
  }

  state(): AuthStateDto {
    const a = this.actor();
    const s = this.auth.settings();
    return {
      mode: this.auth.mode(),
      kiosk: s.kiosk,
      idleMinutes: s.idleMinutes,
      user: this.user ? { name: this.user.name, displayName: this.user.displayName, role: this.user.role } : null,
      actor: a.name,
      permissions: a.permissions,
    };
  }
}
