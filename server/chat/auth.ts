import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ParleyError, USERNAME_PATTERN } from '../../protocol';
import type { SessionRecord, Store } from '../store/store';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords';
import { KeyedLimiter } from './rate-limit';
import type { SessionLife } from './session-life';
import { hashToken, newSessionId, newToken } from './tokens';

export interface AuthLimits {
  /** False turns the registration throttle off (benchmarks). */
  enabled: boolean;
  /**
   * Failed sign-ins per minute one address earns back for one user name, after a burst of 5;
   * the address as a whole earns back five times that, after a burst of 20. 0 turns sign-in
   * throttling off. Separate from `enabled` so benchmarks cannot switch it off by accident.
   */
  loginPerMinute: number;
}

/** Failures a (user, address) pair and an address may have at once, before the rate applies. */
const FAILED_PAIR_BURST = 5;
const FAILED_ADDRESS_BURST = 20;
/** Registrations: 30 at once per address then one per second. */
const REGISTER_PER_ADDRESS = { rate: 1, burst: 30 };

/** Who signs in, from where, with what: recorded on the session for `sessions`. */
export interface SignInSource {
  address: string;
  client?: string;
}

export interface OpenedSession {
  token: string;
  tokenHash: string;
  /** The user's own spelling of the name, whatever case it was typed in. */
  user: string;
  lastSeen: number;
}

/** Registration, login, resume, logout and password changes against the Store. */
export class Auth {
  /** Keyed by user and address, never by user alone: a stranger's failures must not lock the owner out. */
  private readonly failedByPair: Limiter;
  private readonly failedByAddress: Limiter;
  private readonly registerByAddress: Limiter;

  /** `limiter` makes the throttles' buckets (shared by a cluster's nodes); this process's own by default. */
  constructor(
    private readonly store: Store,
    limits: AuthLimits,
    readonly life: SessionLife,
    limiter?: (name: string, rate: number, burst: number) => Limiter,
  ) {
    const mk = (name: string, spec: { rate: number; burst: number }): Limiter => (limiter !== undefined && spec.rate > 0 ? limiter(name, spec.rate, spec.burst) : new KeyedLimiter(spec.rate, spec.burst));
    const off = { rate: 0, burst: 0 };
    const perSecond = Math.max(0, limits.loginPerMinute) / 60;
    this.failedByPair = mk('signin-pair', { rate: perSecond, burst: FAILED_PAIR_BURST });
    this.failedByAddress = mk('signin-address', { rate: perSecond * 5, burst: FAILED_ADDRESS_BURST });
    this.registerByAddress = mk('register-address', limits.enabled ? REGISTER_PER_ADDRESS : off);
  }

  /** Creates the user; `onCreated` runs before the reply so the user is known everywhere first. */
  async register(user: string, password: string, address: string): Promise<void> {
    if (!USERNAME_PATTERN.test(user)) throw new ParleyError('INVALID_USERNAME');
    if ([...password].length < MIN_PASSWORD_LENGTH) throw new ParleyError('WEAK_PASSWORD');
    if (password.length > MAX_PASSWORD_LENGTH) throw new ParleyError('INVALID', 'Passwords are at most 1024 characters.');
    if (!(await this.registerByAddress.take(address))) throw new ParleyError('RATE_LIMITED', 'Too many registrations from this address; try again later.');
    // USER_EXISTS tells that a name is taken: such answers cost the address's failed sign-in
    // budget, so registering cannot probe names faster than logging in could.
    if (!(await this.failedByAddress.take(address))) throw new ParleyError('RATE_LIMITED', 'Too many failed attempts from this address; try again later.');
    if (await this.store.getUser(user)) throw new ParleyError('USER_EXISTS');
    this.failedByAddress.give(address);
    const passwordHash = await hashPassword(password);
    const created = await this.store.createUser({ name: user, passwordHash, createdAt: Date.now() });
    if (!created) throw new ParleyError('USER_EXISTS');
  }

  /**
   * Checks the password and opens a session. Unknown users cost the same scrypt work as known
   * ones and get the same error. A failure is charged to the (user, address) pair and to the
   * address up front and refunded on success, so parallel guesses cannot slip past the throttle,
   * while the owner signing in from another address is never charged for someone else's guesses.
   */
  async login(user: string, password: string, from: SignInSource): Promise<OpenedSession> {
    const address = from.address;
    const pairKey = `${user.toLowerCase().slice(0, 64)}\n${address}`;
    if (!(await this.failedByAddress.take(address))) throw new ParleyError('RATE_LIMITED', 'Too many failed sign-ins; try again later.');
    if (!(await this.failedByPair.take(pairKey))) {
      this.failedByAddress.give(address);
      throw new ParleyError('RATE_LIMITED', 'Too many failed sign-ins; try again later.');
    }
    const record = USERNAME_PATTERN.test(user) ? await this.store.getUser(user) : undefined;
    const candidate = password.length <= MAX_PASSWORD_LENGTH ? password : '';
    const ok = await verifyPassword(candidate, record?.passwordHash ?? (await dummyHash()));
    if (!record || !ok) throw new ParleyError('BAD_CREDENTIALS');
    // Only after the password: a disabled account is not told apart from a wrong password to a guesser.
    if (record.disabledAt !== undefined) throw new ParleyError('ACCOUNT_DISABLED', 'This account has been disabled by a server administrator.');
    this.failedByAddress.give(address);
    this.failedByPair.give(pairKey);
    if (needsRehash(record.passwordHash)) await this.upgradeHash(record.name, candidate);
    const token = newToken();
    const tokenHash = hashToken(token);
    const now = Date.now();
    await this.store.createSession({ tokenHash, id: newSessionId(), user: record.name, createdAt: now, address, ...(from.client !== undefined ? { client: from.client } : {}) });
    return { token, tokenHash, user: record.name, lastSeen: now };
  }

  /** Re-hashes with today's parameters; the only time the password is known. A failure waits for the next sign-in. */
  private async upgradeHash(user: string, password: string): Promise<void> {
    try {
      await this.store.setPasswordHash(user, await hashPassword(password));
    } catch {
      // the old hash still works
    }
  }

  /**
   * The session of a live token: UNAUTHENTICATED for an unknown one, SESSION_REVOKED for one
   * revoked (logout, revoke, a password change), SESSION_EXPIRED for one unused for too long.
   */
  async resume(token: string): Promise<SessionRecord> {
    const tokenHash = hashToken(token);
    const session = await this.store.getSession(tokenHash);
    if (session === undefined) throw new ParleyError('UNAUTHENTICATED', 'That session has ended; sign in again.');
    if (session.revokedAt !== undefined) throw new ParleyError('SESSION_REVOKED', 'That session was ended (signed out, revoked or a password change); sign in again.');
    if (this.life.expired({ lastSeen: this.life.lastTouched(tokenHash, session.lastSeen) })) {
      throw new ParleyError('SESSION_EXPIRED', 'That session expired after going unused; sign in again.');
    }
    return session;
  }

  logout(tokenHash: string): Promise<void> {
    this.life.forget(tokenHash);
    return this.store.revokeSession(tokenHash, Date.now());
  }

  /**
   * Proves that `password` is `user`'s, for a request that needs it again (deleting the account);
   * a wrong one counts as a failed sign-in from `address` and is BAD_CREDENTIALS.
   */
  async checkPassword(user: string, password: string, address: string): Promise<void> {
    const pairKey = `${user.toLowerCase().slice(0, 64)}\n${address}`;
    if (!(await this.failedByPair.take(pairKey))) throw new ParleyError('RATE_LIMITED', 'Too many wrong passwords; try again later.');
    const record = await this.store.getUser(user);
    const ok = record !== undefined && password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(password, record.passwordHash));
    if (!ok) throw new ParleyError('BAD_CREDENTIALS', 'That is not your password.');
    this.failedByPair.give(pairKey);
  }

  /**
   * Replaces the password of `user` when `old` is the current one (a wrong one counts as a failed
   * sign-in from `address`), then ends every session of the user but `keepTokenHash`; returns
   * the token hashes it ended.
   */
  async changePassword(user: string, keepTokenHash: string, old: string, next: string, address: string): Promise<string[]> {
    if ([...next].length < MIN_PASSWORD_LENGTH) throw new ParleyError('WEAK_PASSWORD');
    if (next.length > MAX_PASSWORD_LENGTH) throw new ParleyError('INVALID', 'Passwords are at most 1024 characters.');
    const pairKey = `${user.toLowerCase().slice(0, 64)}\n${address}`;
    if (!(await this.failedByPair.take(pairKey))) throw new ParleyError('RATE_LIMITED', 'Too many wrong passwords; try again later.');
    const record = await this.store.getUser(user);
    const ok = record !== undefined && old.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(old, record.passwordHash));
    if (!record || !ok) throw new ParleyError('BAD_CREDENTIALS', 'That is not your current password.');
    this.failedByPair.give(pairKey);
    await this.store.setPasswordHash(record.name, await hashPassword(next));
    const ended = await this.store.revokeOtherSessions(record.name, keepTokenHash, Date.now());
    for (const hash of ended) this.life.forget(hash);
    return ended;
  }
}

/** KeyedLimiter's shape; a cluster's shared buckets answer asynchronously. */
export interface Limiter {
  take(key: string, n?: number): boolean | Promise<boolean>;
  give(key: string, n?: number): void;
}
