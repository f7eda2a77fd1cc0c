import { strict as assert } from 'node:assert';
import { storeBefore } from './sqlite-before';

describe('SQLite store: profiles on a database made before them', function () {
  this.timeout(60_000);
  const old = storeBefore('addProfiles', `
      INSERT INTO users (name, name_key, password_hash, created_at) VALUES ('alice_01', 'alice_01', 'h', 1), ('bob_smith', 'bob_smith', 'h', 2);
      INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES ('general', 'group', 'general', NULL, 1);
    `);

  it('gives the users there are empty profiles they can then set, and keeps them after a reopen', async () => {
    const s = old.store();
    assert.deepEqual(await s.getProfiles(['alice_01', 'bob_smith']), [{ user: 'alice_01' }, { user: 'bob_smith' }]);
    const avatar = { fileId: 'av-1', sha256: 'ab'.repeat(32), size: 99 };
    await s.setProfile('alice_01', { displayName: 'Alice', statusMessage: 'here', avatar });
    const store = await old.reopen();
    assert.deepEqual(await store.getProfiles(['alice_01']), [{ user: 'alice_01', displayName: 'Alice', statusMessage: 'here', avatar }]);
    assert.deepEqual(await store.avatarByFileId('av-1'), { user: 'alice_01', avatar });
  });
});
