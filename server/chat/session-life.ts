import type { Logger } from '../log';
import type { SessionRecord, Store } from '../store/store';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface SessionLifeConfig {
  /** A session ends this many days after it was last used (fractions allowed, for tests). */
  sessionDays: number;
  /** How often expired and revoked sessions are deleted from the store, in ms. */
  purgeIntervalMs: number;
}

/**
 * When sessions end: `sessionDays` after they were last seen. "Seen" slides with use, but is
 * written to the store at most once per `slideMs` per session (an hour, or a tenth of a very
 * short lifetime), never on every request. A timer deletes expired and revoked sessions.
 */
export class SessionLife {
  readonly lifetimeMs: number;
  readonly slideMs: number;
  /** Last write of lastSeen per token hash, so several connections of one session share it. */
  private readonly touched = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly config: SessionLifeConfig,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.lifetimeMs = Math.round(config.sessionDays * DAY_MS);
    this.slideMs = Math.max(1, Math.min(HOUR_MS, Math.floor(this.lifetimeMs / 10)));
  }

  expiresAt(session: Pick<SessionRecord, 'lastSeen'>): number {
    return session.lastSeen + this.lifetimeMs;
  }

  expired(session: Pick<SessionRecord, 'lastSeen'>): boolean {
    return this.expiresAt(session) <= this.now();
  }

  /** A session was used at `lastSeen` (as the store last heard); writes the store only when that is a slide old. */
  seen(tokenHash: string, lastSeen: number, address?: string): void {
    const now = this.now();
    const last = Math.max(lastSeen, this.touched.get(tokenHash) ?? 0);
    if (now - last < this.slideMs) return;
    this.touched.set(tokenHash, now);
    this.store.touchSession(tokenHash, now, address).catch((err: unknown) => this.logger.warn({ err }, 'could not record that a session was used'));
  }

  /** The last time the store was told of a use (or `lastSeen` when never since start). */
  lastTouched(tokenHash: string, lastSeen: number): number {
    return Math.max(lastSeen, this.touched.get(tokenHash) ?? 0);
  }

  forget(tokenHash: string): void {
    this.touched.delete(tokenHash);
  }

  /** Purges now and then every purgeIntervalMs until stop(). */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.purge(), this.config.purgeIntervalMs);
    this.timer.unref();
    return this.purge();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async purge(): Promise<void> {
    const before = this.now() - this.lifetimeMs;
    try {
      const removed = await this.store.purgeSessions(before);
      for (const [hash, at] of this.touched) if (at < before) this.touched.delete(hash);
      if (removed > 0) this.logger.info({ removed }, 'purged expired and revoked sessions');
    } catch (err) {
      this.logger.warn({ err }, 'could not purge expired sessions');
    }
  }
}
