import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { GENERAL_ROOM } from '../../protocol';
import { CopyStoreError, copyStore } from '../../server/store/copy-store';
import { SqliteStore } from '../../server/store/sqlite';
import { MIGRATIONS } from '../../server/store/sqlite/schema';

/** A version 5 file: names that differ only in case, and sessions as version 5 kept them. */
function writeVersion4(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    for (const step of MIGRATIONS.slice(0, 5)) step(db);
    db.pragma('user_version = 5');
    db.exec(`
      INSERT INTO users (name, password_hash, created_at) VALUES
        ('Alice01', 'h-newer', 5), ('alice01', 'h-oldest', 1), ('ALICE01', 'h-newest', 9), ('bob_smith', 'h-bob', 3),
        ('Twin_01', 'h-t1', 7), ('twin_01', 'h-t2', 7);
      INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES ('general', 'group', 'general', NULL, 1);
      INSERT INTO sessions (token_hash, user, created_at, revoked_at) VALUES
        ('hash-oldest', 'alice01', 10, NULL), ('hash-newer', 'Alice01', 11, NULL), ('hash-newest', 'ALICE01', 12, NULL),
        ('hash-bob', 'bob_smith', 13, NULL), ('hash-bob-out', 'bob_smith', 14, 20);
      INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text) VALUES ('general', 1, 'm1', 'Alice01', 'c1', 30, 'I am alice, honestly');
    `);
  } finally {
    db.close();
  }
}

describe('SQLite store: schema 5 (sessions that end, names unique regardless of case)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-migrate5-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives each lower-cased name to its oldest account, keeps the others unreachable, and ends their sessions', async () => {
    writeVersion4(path.join(dataDir, 'parley.db'));
    const before = Date.now();
    store = new SqliteStore({ dataDir });
    await store.init();

    for (const typed of ['alice01', 'Alice01', 'ALICE01']) assert.equal((await store.getUser(typed))?.passwordHash, 'h-oldest', typed);
    // Same creation time: the name first in byte order keeps it.
    assert.equal((await store.getUser('twin_01'))?.name, 'Twin_01');
    assert.deepEqual(await store.listUserNames(), ['Twin_01', 'alice01', 'bob_smith']);
    assert.equal(await store.createUser({ name: 'aLiCe01', passwordHash: 'x', createdAt: 50 }), false);
    assert.equal(await store.createUser({ name: 'carol_99', passwordHash: 'x', createdAt: 50 }), true);

    // The losers' sessions are gone; the others carry an id and start their period at the upgrade.
    for (const hash of ['hash-newer', 'hash-newest']) assert.equal(await store.getSession(hash), undefined, hash);
    const kept = await store.getSession('hash-oldest');
    assert.equal(kept?.user, 'alice01');
    assert.match(kept?.id ?? '', /^[0-9a-f]{24}$/);
    assert.ok((kept?.lastSeen ?? 0) >= before, 'lastSeen starts at the upgrade');
    assert.equal((await store.getSession('hash-bob-out'))?.revokedAt, 20);
    const bobs = await store.userSessions('bob_smith');
    assert.deepEqual(bobs.map((s) => s.tokenHash), ['hash-bob']);
    assert.notEqual(bobs[0].id, kept?.id);

    // What the newer account wrote stays, under its own spelling.
    assert.deepEqual((await store.history(GENERAL_ROOM, { limit: 5 })).messages.map((m) => [m.from, m.text]), [['Alice01', 'I am alice, honestly']]);
  });

  it('is not copied into another store while an account that lost its name remains: copy-store says which', async () => {
    writeVersion4(path.join(dataDir, 'parley.db'));
    store = new SqliteStore({ dataDir });
    await store.init();
    const targetDir = await mkdtemp(path.join(tmpdir(), 'parley-copy5-'));
    const target = new SqliteStore({ dataDir: targetDir });
    await target.init();
    try {
      await assert.rejects(copyStore(store, target), (err: unknown) => err instanceof CopyStoreError && /user (Alice01|ALICE01) already exists in the target/.test(err.message));
    } finally {
      await target.close();
      await rm(targetDir, { recursive: true, force: true });
    }
  });
});
