// Posting moves the poster's read mark with the search index's batches (read-marks.ts), not per
// message: here against a real SQLite file, across a process that dies before its batch.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../server/store/sqlite';

const ROOM = 'ops';

/** Creates users and a room, appends a few posts and exits at once: no close, no index batch. */
const CHILD = `
  const { SqliteStore } = require(${JSON.stringify(path.join(__dirname, '../../server/store/sqlite'))});
  (async () => {
    const store = new SqliteStore({ dataDir: process.argv[1] });
    await store.init();
    for (const name of ['ann_01', 'bob_02']) await store.createUser({ name, passwordHash: 'x', createdAt: 1 });
    await store.createRoom({ id: '${ROOM}', kind: 'group', name: '${ROOM}', createdAt: 1 }, ['ann_01', 'bob_02']);
    await store.append([{ room: '${ROOM}', from: 'bob_02', cid: 'b1', ts: 2, text: 'one' }]);
    await store.append([{ room: '${ROOM}', from: 'ann_01', cid: 'a1', ts: 3, text: 'two' }]);
    await store.append([{ room: '${ROOM}', from: 'bob_02', cid: 'b2', ts: 4, text: 'three' }]);
    process.exit(0);
  })().catch((err) => { console.error(err); process.exit(1); });
`;

describe('SQLite store: read marks moved by posting', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-marks-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const rawMarks = () => {
    const db = new Database(path.join(dataDir, 'parley.db'), { readonly: true });
    try {
      return db.prepare('SELECT user, seq FROM read_marks WHERE room = ? ORDER BY user').all(ROOM);
    } finally {
      db.close();
    }
  };

  it('leaves no mark row per post in the append, and shows the moved marks to every read', async () => {
    store = new SqliteStore({ dataDir });
    await store.init();
    for (const name of ['ann_01', 'bob_02']) await store.createUser({ name, passwordHash: 'x', createdAt: 1 });
    await store.createRoom({ id: ROOM, kind: 'group', name: ROOM, createdAt: 1 }, ['ann_01', 'bob_02']);
    await store.append([{ room: ROOM, from: 'bob_02', cid: 'b1', ts: 2, text: 'one' }]);
    await store.append([{ room: ROOM, from: 'ann_01', cid: 'a1', ts: 3, text: 'two' }]);
    assert.deepEqual(rawMarks(), [], 'the appends wrote no read-mark rows');
    const ann = await store.roomInfo(ROOM, 'ann_01');
    assert.deepEqual({ lastRead: ann?.lastRead, unread: ann?.unread }, { lastRead: 2, unread: 0 });
    assert.deepEqual(rawMarks(), [{ user: 'ann_01', seq: 2 }, { user: 'bob_02', seq: 1 }], 'applied, as one range, before the read');
    await store.append([{ room: ROOM, from: 'bob_02', cid: 'b2', ts: 4, text: 'three' }]);
    assert.equal(await store.setReadMark(ROOM, 'bob_02', 1), 3, 'setReadMark answers with the mark his post moved');
    await store.append([{ room: ROOM, from: 'bob_02', cid: 'b3', ts: 5, text: 'four' }]);
    assert.deepEqual(await store.exportReadMarks(), [{ room: ROOM, user: 'ann_01', seq: 2 }, { room: ROOM, user: 'bob_02', seq: 4 }]);
  });

  it('applies the marks of posts whose process ended before their batch, at the next open', async () => {
    execFileSync(process.execPath, ['--import', 'tsx', '-e', CHILD, dataDir], { stdio: 'pipe' });
    assert.deepEqual(rawMarks(), [], 'the process died with the marks still waiting');
    store = new SqliteStore({ dataDir });
    await store.init();
    const bob = await store.roomInfo(ROOM, 'bob_02');
    const ann = await store.roomInfo(ROOM, 'ann_01');
    assert.deepEqual({ bob: bob?.lastRead, bobUnread: bob?.unread, ann: ann?.lastRead, annUnread: ann?.unread }, { bob: 3, bobUnread: 0, ann: 2, annUnread: 1 });
  });
});
