import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { DELETED_USER, GENERAL_ROOM } from '../../protocol';
import { SqliteStore } from '../../server/store/sqlite';
import { MIGRATIONS, SCHEMA_VERSION } from '../../server/store/sqlite/schema';

/** The step that adds deleted accounts and runtime administrators, found by name wherever it ends up in the list. */
const BEFORE = MIGRATIONS.findIndex((step) => step.name === 'accountsThatEnd');

/** A file as the code before deletable accounts wrote it. */
function writeBefore(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    for (const step of MIGRATIONS.slice(0, BEFORE)) step(db);
    db.pragma(`user_version = ${BEFORE}`);
    db.exec(`
      INSERT INTO users (name, name_key, password_hash, created_at, disabled_at) VALUES
        ('alice_01', 'alice_01', 'h', 1, NULL), ('bob_smith', 'bob_smith', 'h', 2, 5);
      INSERT INTO rooms (id, kind, name, created_by, created_at, visibility) VALUES ('general', 'group', 'general', NULL, 1, 'public');
      INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text) VALUES ('general', 1, 'm1', 'bob_smith', 'c1', 30, 'before the upgrade');
    `);
  } finally {
    db.close();
  }
}

describe('SQLite store: deletable accounts and runtime administrators on a database made before them', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore | undefined;

  beforeEach(async () => {
    assert.ok(BEFORE > 0 && BEFORE < SCHEMA_VERSION, 'the step is in the list');
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-migrate-accounts-'));
    writeBefore(path.join(dataDir, 'parley.db'));
    store = new SqliteStore({ dataDir });
    await store.init();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every account live, with nobody made an administrator, and can delete one afterwards', async () => {
    const s = store as SqliteStore;
    assert.deepEqual(await s.listUserNames(), ['alice_01', 'bob_smith']);
    assert.equal((await s.getUser('bob_smith'))?.disabledAt, 5);
    assert.deepEqual(await s.serverAdmins(), []);
    assert.deepEqual(await s.deleteUser('bob_smith', 100), []);
    assert.deepEqual(await s.listUserNames(), ['alice_01']);
    assert.equal((await s.history(GENERAL_ROOM, { limit: 5 })).messages[0]?.from, DELETED_USER);
  });
});
