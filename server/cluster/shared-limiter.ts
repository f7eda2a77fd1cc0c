import type { Redis } from 'ioredis';
import { KeyedLimiter } from '../chat/rate-limit';

// A token bucket per key in a Redis hash (tokens, last refill in ms by Redis's own clock, so the
// nodes' clocks do not matter). Several buckets are taken together or not at all: a request is
// charged to its user and its address at once.
// KEYS: the buckets; ARGV: n, then rate and burst per bucket.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local tokens = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[i * 2])
  local burst = tonumber(ARGV[i * 2 + 1])
  local v = redis.call('HMGET', key, 't', 'l')
  local have = tonumber(v[1]) or burst
  local last = tonumber(v[2]) or now
  if now > last then have = math.min(burst, have + (now - last) * rate / 1000) end
  if have < n then return 0 end
  tokens[i] = have
end
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[i * 2])
  local burst = tonumber(ARGV[i * 2 + 1])
  redis.call('HSET', key, 't', tostring(tokens[i] - n), 'l', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(burst / rate * 1000) + 1000)
end
return 1`;

// Gives tokens back (a sign-in that succeeded was charged as a failure up front).
const GIVE = `
local v = redis.call('HGET', KEYS[1], 't')
if not v then return 0 end
local burst = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 't', tostring(math.min(burst, tonumber(v) + tonumber(ARGV[1]))))
return 1`;

export interface BucketSpec {
  key: string;
  rate: number;
  burst: number;
}

/**
 * A bucket Redis has not answered within this long fails (the caller's own buckets decide): a
 * link that drops packets without a reset would otherwise hold every budgeted frame until TCP
 * gives up, minutes later. The script takes well under a millisecond when Redis is there.
 */
export const BUCKET_ANSWER_MS = 250;
/** After an unanswered bucket, Redis is not asked again for this long: the node keeps its pace. */
export const BUCKET_AWAY_MS = 1000;

/** Token buckets every node of a cluster shares, so a flood spread over the nodes gets one budget. */
export class SharedBuckets {
  private awayUntil = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Takes `n` tokens from every bucket, or none. Buckets with a rate of 0 are off and left out. Fails while Redis does not answer. */
  async take(buckets: BucketSpec[], n = 1): Promise<boolean> {
    const on = buckets.filter((b) => b.rate > 0);
    if (on.length === 0) return true;
    if (Date.now() < this.awayUntil) throw new Error('Redis did not answer a bucket lately');
    const args: (string | number)[] = [n];
    for (const b of on) args.push(b.rate, b.burst);
    try {
      const ok = await withinMs(this.redis.eval(TAKE, on.length, ...on.map((b) => `${this.prefix}b:${b.key}`), ...args), BUCKET_ANSWER_MS);
      return ok === 1;
    } catch (err) {
      this.awayUntil = Date.now() + BUCKET_AWAY_MS;
      throw err;
    }
  }

  async give(bucket: BucketSpec, n = 1): Promise<void> {
    if (bucket.rate <= 0) return;
    await this.redis.eval(GIVE, 1, `${this.prefix}b:${bucket.key}`, n, bucket.burst);
  }

  /** A limiter shaped like KeyedLimiter, over one named family of shared buckets. */
  limiter(name: string, rate: number, burst: number): SharedLimiter {
    return new SharedLimiter(this, name, rate, burst);
  }
}

/** KeyedLimiter's take/give, with the buckets in Redis; while Redis cannot answer, this node's own buckets decide. */
export class SharedLimiter {
  private readonly local: KeyedLimiter;

  constructor(
    private readonly buckets: SharedBuckets,
    private readonly name: string,
    readonly rate: number,
    readonly burst: number,
  ) {
    this.local = new KeyedLimiter(rate, burst);
  }

  take(key: string, n = 1): Promise<boolean> {
    return this.buckets.take([{ key: `${this.name}:${key}`, rate: this.rate, burst: this.burst }], n).catch(() => this.local.take(key, n));
  }

  give(key: string, n = 1): void {
    void this.buckets.give({ key: `${this.name}:${key}`, rate: this.rate, burst: this.burst }, n).catch(() => undefined);
  }
}

/** `promise`, or a rejection once `ms` pass first (the command itself runs on whenever Redis gets it). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
