import * as assert from 'node:assert/strict';
import { KeyedLimiter, TokenBucket } from '../../server/chat/rate-limit';

describe('rate limiting', () => {
  it('allows the burst, then the rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) assert.ok(bucket.take(1, 0));
    assert.equal(bucket.take(1, 0), false);
    assert.equal(bucket.take(1, 50), false);
    assert.ok(bucket.take(1, 100));
    assert.equal(bucket.take(1, 100), false);
    assert.ok(bucket.isFull(10_000));
  });

  it('refunds what was given back, up to the burst', () => {
    const bucket = new TokenBucket(1, 2, 0);
    assert.ok(bucket.take(2, 0));
    bucket.give(5);
    assert.ok(bucket.take(2, 0));
    assert.equal(bucket.take(1, 0), false);
  });

  it('keeps one bucket per key and turns off at rate 0', () => {
    const limiter = new KeyedLimiter(1, 1);
    assert.ok(limiter.take('a'));
    assert.equal(limiter.take('a'), false);
    assert.ok(limiter.take('b'));
    const off = new KeyedLimiter(0, 0);
    for (let i = 0; i < 1000; i++) assert.ok(off.take('a'));
  });
});
