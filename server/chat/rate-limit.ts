/** Token bucket: `rate` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes `n` tokens if there are that many; false (and nothing taken) otherwise. */
  take(n = 1, now = Date.now()): boolean {
    this.refill(now);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Returns tokens taken for work that turned out not to count (e.g. a successful login). */
  give(n = 1): void {
    this.tokens = Math.min(this.burst, this.tokens + n);
  }

  /** True when the bucket is back to full and can be forgotten. */
  isFull(now = Date.now()): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
      this.last = now;
    }
  }
}

/**
 * One bucket per key (user, address). A rate of 0 turns the limiter off. Full buckets are
 * dropped by a periodic sweep so the map only holds keys that are actually being limited.
 */
export class KeyedLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep = Date.now();

  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {}

  take(key: string, n = 1): boolean {
    if (this.rate <= 0) return true;
    const now = Date.now();
    if (now - this.lastSweep > 60_000) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(n, now);
  }

  give(key: string, n = 1): void {
    this.buckets.get(key)?.give(n);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }
}
