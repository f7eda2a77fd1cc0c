import * as assert from 'node:assert/strict';
import { dummyHash, hashPassword, verifyPassword } from '../../server/chat/passwords';
import { hashToken, newToken } from '../../server/chat/tokens';

describe('passwords and tokens', () => {
  it('hashes with a per-user salt and verifies', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$16384\$8\$1\$/);
    assert.ok(await verifyPassword('correct horse', a));
    assert.equal(await verifyPassword('correct hors', a), false);
    assert.equal(await verifyPassword('x', 'garbage'), false);
    assert.equal(await verifyPassword('x', await dummyHash()), false);
  });

  it('makes 32-byte base64url tokens and stores only a sha256', () => {
    const token = newToken();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newToken(), token);
    assert.match(hashToken(token), /^[0-9a-f]{64}$/);
    assert.equal(hashToken(token), hashToken(token));
  });
});
