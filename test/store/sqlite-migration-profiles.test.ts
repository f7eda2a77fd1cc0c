import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../server/store/sqlite';
import { MIGRATIONS, SCHEMA_VERSION } from '../../server/store/sqlite/schema';

/** The migration that adds profiles is the last one; a file one step older is what the code before it wrote. */
const BEFORE = SCHEMA_VERSION - 1;

function writeBeforeProfiles(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    for (const step of MIGRATIONS.slice(0, BEFORE)) step(db);
    db.pragma(`user_version = ${BEFORE}`);
    db.exec(`
      INSERT INTO users (name, name_key, password_hash, created_at) VALUES ('alice_01', 'alice_01', 'h', 1), ('bob_smith', 'bob_smith', 'h', 2);
      INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES ('general', 'group', 'general', NULL, 1);
    `);
  } finally {
    db.close();
  }
}

describe('SQLite store: profiles on a database made before them', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-migrate-profiles-'));
    writeBeforeProfiles(path.join(dataDir, 'parley.db'));
    store = new SqliteStore({ dataDir });
    await store.init();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives the users there are empty profiles they can then set, and keeps them after a reopen', async () => {
    const s = store as SqliteStore;
    assert.deepEqual(await s.getProfiles(['alice_01', 'bob_smith']), [{ user: 'alice_01' }, { user: 'bob_smith' }]);
    const avatar = { fileId: 'av-1', sha256: 'ab'.repeat(32), size: 99 };
    await s.setProfile('alice_01', { displayName: 'Alice', statusMessage: 'here', avatar });
    await s.close();
    store = new SqliteStore({ dataDir });
    await store.init();
    assert.deepEqual(await store.getProfiles(['alice_01']), [{ user: 'alice_01', displayName: 'Alice', statusMessage: 'here', avatar }]);
    assert.deepEqual(await store.avatarByFileId('av-1'), { user: 'alice_01', avatar });
  });
});
