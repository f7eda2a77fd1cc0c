import { strict as assert } from 'node:assert';
import { DELETED_USER, GENERAL_ROOM } from '../../protocol';
import { storeBefore } from './sqlite-before';

describe('SQLite store: deletable accounts and runtime administrators on a database made before them', function () {
  this.timeout(60_000);
  const old = storeBefore('accountsThatEnd', `
      INSERT INTO users (name, name_key, password_hash, created_at, disabled_at) VALUES
        ('alice_01', 'alice_01', 'h', 1, NULL), ('bob_smith', 'bob_smith', 'h', 2, 5);
      INSERT INTO rooms (id, kind, name, created_by, created_at, visibility) VALUES ('general', 'group', 'general', NULL, 1, 'public');
      INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text) VALUES ('general', 1, 'm1', 'bob_smith', 'c1', 30, 'before the upgrade');
    `);

  it('keeps every account live, with nobody made an administrator, and can delete one afterwards', async () => {
    const s = old.store();
    assert.deepEqual(await s.listUserNames(), ['alice_01', 'bob_smith']);
    assert.equal((await s.getUser('bob_smith'))?.disabledAt, 5);
    assert.deepEqual(await s.serverAdmins(), []);
    assert.deepEqual(await s.deleteUser('bob_smith', 100), []);
    assert.deepEqual(await s.listUserNames(), ['alice_01']);
    assert.equal((await s.history(GENERAL_ROOM, { limit: 5 })).messages[0]?.from, DELETED_USER);
  });
});
