import * as assert from 'node:assert/strict';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from '../../server/chat/passwords';
import { hashToken, newToken } from '../../server/chat/tokens';
import { legacyHash } from './legacy-hash';


describe('passwords and tokens', () => {
  it('hashes with a per-user salt and OWASP parameters written into the hash, and verifies', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$16384\$8\$5\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.ok(await verifyPassword('correct horse', a));
    assert.equal(await verifyPassword('correct hors', a), false);
    assert.equal(await verifyPassword('x', 'garbage'), false);
    assert.equal(await verifyPassword('x', await dummyHash()), false);
    assert.equal(needsRehash(a), false);
    // The unknown-user path costs what a real user's does: same parameters, same key length.
    assert.equal(needsRehash(await dummyHash()), false);
  });

  it('verifies an older hash with its own parameters and marks it for re-hashing', async () => {
    const old = legacyHash('correct horse');
    assert.ok(await verifyPassword('correct horse', old));
    assert.equal(await verifyPassword('wrong horse', old), false);
    assert.equal(needsRehash(old), true);
  });

  it('refuses parameters that would ask for absurd memory', async () => {
    const old = legacyHash('pw').split('$');
    assert.equal(await verifyPassword('pw', ['scrypt', 1 << 24, 8, 1, old[4], old[5]].join('$')), false);
    assert.equal(await verifyPassword('pw', ['scrypt', 16384, 1024, 1, old[4], old[5]].join('$')), false);
  });

  it('keeps the event loop free while hashing', async () => {
    // A timer due every 10 ms keeps firing while several hashes run; hashing on the loop itself
    // would hold every tick back until all of them were done.
    let ticks = 0;
    let worstGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const started = performance.now();
    try {
      await Promise.all(Array.from({ length: 4 }, () => hashPassword('correct horse')));
    } finally {
      clearInterval(timer);
    }
    const took = performance.now() - started;
    // Loose bounds: the machines running this are small and shared.
    assert.ok(ticks >= took / 40, `${ticks} timer ticks in ${took.toFixed(0)} ms of hashing`);
    assert.ok(worstGap < took / 2, `the loop stalled for ${worstGap.toFixed(0)} of ${took.toFixed(0)} ms`);
  });

  it('makes 32-byte base64url tokens and stores only a sha256', () => {
    const token = newToken();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newToken(), token);
    assert.match(hashToken(token), /^[0-9a-f]{64}$/);
    assert.equal(hashToken(token), hashToken(token));
  });
});
