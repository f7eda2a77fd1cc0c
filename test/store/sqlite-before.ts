import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../server/store/sqlite';
import { MIGRATIONS } from '../../server/store/sqlite/schema';

/**
 * Writes `file` as the code before the migration `step` wrote it: every earlier step, then `seed`.
 * The step is found by name, so the test follows it wherever it ends up in the list.
 */
export function writeDatabaseBefore(file: string, step: string, seed: string): void {
  const before = MIGRATIONS.findIndex((m) => m.name === step);
  assert.ok(before > 0, `the migration ${step} is in the list`);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    for (const m of MIGRATIONS.slice(0, before)) m(db);
    db.pragma(`user_version = ${before}`);
    db.exec(seed);
  } finally {
    db.close();
  }
}

/**
 * For each test of the calling suite, a SqliteStore opened on a fresh file made before `step`
 * (the opening runs the migrations); `reopen` closes it and opens the same file again.
 */
export function storeBefore(step: string, seed: string): { store: () => SqliteStore; reopen: () => Promise<SqliteStore> } {
  let dataDir: string;
  let store: SqliteStore | undefined;
  const open = async () => {
    store = new SqliteStore({ dataDir });
    await store.init();
    return store;
  };
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), `parley-before-${step}-`));
    writeDatabaseBefore(path.join(dataDir, 'parley.db'), step, seed);
    await open();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    store: () => store as SqliteStore,
    reopen: async () => {
      await store?.close();
      return open();
    },
  };
}
