import * as assert from 'node:assert/strict';
import { randomId } from '../../server/transfers/upload';

describe('server: upload and file ids', () => {
  it('are 22 base64url characters, distinct, and never start with a dash (they are typed as CLI arguments)', () => {
    // With plain base64url about 1 in 64 would start with '-': 20 000 draws would show ~300.
    const ids = Array.from({ length: 20_000 }, randomId);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]{22}$/);
      assert.notEqual(id[0], '-', id);
    }
  });
});
