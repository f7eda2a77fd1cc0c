import * as assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, backoffDelay } from '../../client/backoff';

describe('client/backoff', () => {
  const opts = { baseMs: 100, maxMs: 5000 };

  it('stays within [0, min(max, base·2^attempt)) for every attempt', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, opts);
        assert.ok(d >= 0 && d < cap, `attempt ${attempt}: ${d} not in [0, ${cap})`);
        assert.ok(Number.isInteger(d));
      }
    }
  });

  it('uses full jitter: the random source spans the whole range', () => {
    assert.equal(backoffDelay(3, opts, () => 0), 0);
    assert.equal(backoffDelay(3, opts, () => 0.5), 400);
    assert.equal(backoffDelay(3, opts, () => 0.999999), 799);
  });

  it('caps the delay at maxMs, even for huge attempt numbers', () => {
    assert.equal(backoffDelay(10, opts, () => 0.5), 2500);
    assert.equal(backoffDelay(1e6, opts, () => 0.5), 2500);
  });

  it('spreads the delays of many clients (not all the same)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, DEFAULT_BACKOFF)));
    assert.ok(delays.size > 10);
  });
});
