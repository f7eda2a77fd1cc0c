import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { GENERAL_ROOM } from '../../protocol';
import { SqliteStore } from '../../server/store/sqlite';
import { MIGRATIONS } from '../../server/store/sqlite/schema';

/** A version 6 file, as the code before rooms people run wrote it. */
function writeVersion6(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    for (const step of MIGRATIONS.slice(0, 6)) step(db);
    db.pragma('user_version = 6');
    db.exec(`
      INSERT INTO users (name, name_key, password_hash, created_at) VALUES
        ('alice_01', 'alice_01', 'h', 1), ('bob_smith', 'bob_smith', 'h', 2), ('carol_03', 'carol_03', 'h', 3);
      INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES
        ('general', 'group', 'general', NULL, 1),
        ('ops', 'group', 'ops', 'alice_01', 2),
        ('left-behind', 'group', 'left-behind', 'alice_01', 3),
        ('dm:alice_01:bob_smith', 'dm', 'alice_01 & bob_smith', 'alice_01', 4);
      INSERT INTO members (room, user) VALUES
        ('ops', 'alice_01'), ('ops', 'bob_smith'),
        ('left-behind', 'carol_03'), ('left-behind', 'bob_smith'),
        ('dm:alice_01:bob_smith', 'alice_01'), ('dm:alice_01:bob_smith', 'bob_smith');
      INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text) VALUES ('ops', 1, 'm1', 'bob_smith', 'c1', 30, 'before the upgrade');
    `);
  } finally {
    db.close();
  }
}

describe('SQLite store: schema 7 (rooms people run) on a database made before it', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-migrate7-'));
    writeVersion6(path.join(dataDir, 'parley.db'));
    store = new SqliteStore({ dataDir });
    await store.init();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('makes each room creator its owner, or the first member by name where the creator left', async () => {
    const s = store as SqliteStore;
    assert.deepEqual(await s.memberRoles('ops'), [
      { user: 'alice_01', role: 'owner' },
      { user: 'bob_smith', role: 'member' },
    ]);
    assert.deepEqual(await s.memberRoles('left-behind'), [
      { user: 'bob_smith', role: 'owner' },
      { user: 'carol_03', role: 'member' },
    ]);
    assert.equal(await s.roleOf('dm:alice_01:bob_smith', 'alice_01'), undefined, 'DMs have no roles');
    assert.equal(await s.roleOf(GENERAL_ROOM, 'carol_03'), 'member');
  });

  it('keeps every room public and its messages, and works as a new database does', async () => {
    const s = store as SqliteStore;
    assert.deepEqual((await s.directory('carol_03', '', { limit: 10 })).map((r) => r.id), ['general', 'left-behind', 'ops']);
    assert.equal((await s.roomInfo('ops', 'alice_01'))?.visibility, 'public');
    assert.deepEqual((await s.history('ops', { limit: 10 })).messages.map((m) => m.text), ['before the upgrade']);
    const event = await s.appendRoomEvent({ room: 'ops', from: 'alice_01', ts: 40, event: { kind: 'topic', text: 'hello' } });
    assert.equal(event.seq, 2);
    assert.equal((await s.roomInfo('ops', 'bob_smith'))?.unread, 0, 'the room event is not unread');
    await s.ban('ops', 'bob_smith', 'alice_01', 50);
    assert.equal(await s.isMember('ops', 'bob_smith'), false);
    assert.ok((await s.addAudit({ at: 50, actor: 'alice_01', action: 'ban', room: 'ops', target: 'bob_smith' })) > 0);
    await s.setDisabled('carol_03', 60);
    assert.equal((await s.getUser('carol_03'))?.disabledAt, 60);
  });
});
