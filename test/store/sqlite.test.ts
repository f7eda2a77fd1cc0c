import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { ParleyError, SEARCH_SCAN_LIMIT } from '../../protocol';
import { openStore, type Store } from '../../server/store';
import { SqliteStore } from '../../server/store/sqlite';
import { matchExpression, toFtsQuery } from '../../server/store/sqlite/fts-query';
import { MAX_WAL_BYTES, RESET_WAL_BYTES, WAL_SIZE_LIMIT_BYTES } from '../../server/store/sqlite/checkpointer';
import { MIGRATIONS, SCHEMA_VERSION } from '../../server/store/sqlite/schema';
import { copyStore } from '../../server/store/copy-store';
import { storeContract } from './contract';

async function sqliteFixture() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-store-'));
  const opened: Store[] = [];
  const open = async () => {
    const store = await openStore({ kind: 'sqlite', dataDir });
    opened.push(store);
    return store;
  };
  return {
    dataDir,
    store: await open(),
    reopen: open,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

storeContract('sqlite', sqliteFixture);

describe('SQLite store specifics', () => {
  let fx: Awaited<ReturnType<typeof sqliteFixture>>;
  beforeEach(async () => {
    fx = await sqliteFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  const isUnavailable = (err: unknown) => err instanceof ParleyError && err.code === 'STORE_UNAVAILABLE';

  it('keeps its data in <dataDir>/parley.db, in WAL mode, at the current schema version', async () => {
    await fx.store.close();
    const db = new Database(path.join(fx.dataDir, 'parley.db'), { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('creates a missing data directory', async () => {
    const nested = path.join(fx.dataDir, 'a', 'b');
    const store = await openStore({ kind: 'sqlite', dataDir: nested });
    await store.close();
    assert.ok(store.description.includes(path.join(nested, 'parley.db')));
  });

  it('refuses to open what is not a usable database', async () => {
    const notDir = path.join(fx.dataDir, 'plain-file');
    await writeFile(notDir, 'x');
    await assert.rejects(openStore({ kind: 'sqlite', dataDir: notDir }), isUnavailable);
    const garbled = path.join(fx.dataDir, 'garbled');
    await openStore({ kind: 'sqlite', dataDir: garbled }).then((s) => s.close());
    await writeFile(path.join(garbled, 'parley.db'), Buffer.alloc(8192, 7));
    await rm(path.join(garbled, 'parley.db-wal'), { force: true });
    await assert.rejects(openStore({ kind: 'sqlite', dataDir: garbled }), isUnavailable);
  });

  it('refuses a file written by a newer schema', async () => {
    await fx.store.close();
    const db = new Database(path.join(fx.dataDir, 'parley.db'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await assert.rejects(fx.reopen(), isUnavailable);
  });

  it('upgrades a version 1 file: messages, their ids, seqs, search and resends survive; msg_id loses its index', async () => {
    await fx.store.close();
    const dataDir = path.join(fx.dataDir, 'v1');
    await mkdir(dataDir);
    const file = path.join(dataDir, 'parley.db');
    const old = new Database(file);
    try {
      old.pragma('journal_mode = WAL');
      MIGRATIONS[0](old);
      old.pragma('user_version = 1');
      old.exec(`
        INSERT INTO users (name, password_hash, created_at) VALUES ('ann', 'h', 1), ('bob', 'h', 1);
        INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES ('general', 'group', 'general', NULL, 1), ('ops', 'group', 'ops', 'ann', 1);
        INSERT INTO members (room, user) VALUES ('ops', 'ann'), ('ops', 'bob');
        INSERT INTO read_marks (room, user, seq) VALUES ('ops', 'bob', 1);
        INSERT INTO messages (id, room, seq, msg_id, from_user, cid, ts, text) VALUES
          (1, 'general', 1, 'old-id-1', 'ann', 'a1', 10, 'hello from before'),
          (2, 'ops', 1, 'old-id-2', 'bob', 'b1', 11, 'deploy finished'),
          (5, 'ops', 2, 'old-id-5', 'ann', 'a2', 12, 'thanks bob');
        INSERT INTO search_index (rowid, body, room) SELECT m.id, m.text, 'r' || r.num FROM messages m JOIN rooms r ON r.id = m.room;
      `);
    } finally {
      old.close();
    }
    const migrated: [number, number][] = [];
    const store = new SqliteStore({ dataDir, onMigrated: (from, to) => migrated.push([from, to]) });
    await store.init();
    try {
      assert.deepEqual(migrated, [[1, SCHEMA_VERSION]]);
      const ops = await store.history('ops', { limit: 10 });
      assert.deepEqual(
        ops.messages.map((m) => [m.seq, m.msgId, m.from, m.cid, m.text]),
        [
          [1, 'old-id-2', 'bob', 'b1', 'deploy finished'],
          [2, 'old-id-5', 'ann', 'a2', 'thanks bob'],
        ],
      );
      assert.deepEqual((await store.search('bob', 'deploy', { limit: 5 })).map((m) => m.msgId), ['old-id-2']);
      assert.deepEqual((await store.search('ann', 'hello', { limit: 5 })).map((m) => m.msgId), ['old-id-1']);
      assert.equal((await store.roomInfo('ops', 'bob'))?.lastRead, 1);
      // A resend is still recognised, and seqs go on.
      const [again] = await store.append([{ room: 'ops', from: 'bob', cid: 'b1', ts: 20, text: 'deploy finished' }]);
      assert.equal(again.duplicate, true);
      assert.equal(again.message.msgId, 'old-id-2');
      const [next] = await store.append([{ room: 'ops', from: 'bob', cid: 'b2', ts: 21, text: 'rollback done' }]);
      assert.equal(next.duplicate, false);
      assert.equal(next.message.seq, 3);
      assert.deepEqual((await store.search('ann', 'rollback', { limit: 5 })).map((m) => m.seq), [3]);
      assert.deepEqual((await store.search('ann', 'thanks', { limit: 5 })).map((m) => m.seq), [2]);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const indexed = (db.pragma('index_list(messages)') as { name: string }[]).flatMap((i) =>
        (db.pragma(`index_info(${i.name})`) as { name: string }[]).map((c) => c.name),
      );
      assert.ok(!indexed.includes('msg_id'), `msg_id is still indexed: ${indexed.join(', ')}`);
      assert.ok(indexed.includes('seq') && indexed.includes('cid'));
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  });

  it('stores nothing of a failed batch and keeps the seq where it was', async () => {
    const store = fx.store;
    await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
    await store.append([{ room: 'general', from: 'writer1', cid: 'ok-1', ts: 1, text: 'one' }]);
    await assert.rejects(
      store.append([
        { room: 'general', from: 'writer1', cid: 'ok-2', ts: 2, text: 'two' },
        { room: 'no-such-room', from: 'writer1', cid: 'bad', ts: 3, text: 'nowhere' },
      ]),
    );
    assert.equal(await store.lastSeq('general'), 1);
    assert.deepEqual((await store.search('writer1', 'two', { limit: 5 })), []);
    const [next] = await store.append([{ room: 'general', from: 'writer1', cid: 'ok-2', ts: 4, text: 'two' }]);
    assert.equal(next.duplicate, false);
    assert.equal(next.message.seq, 2);
  });

  it('finds a message the moment it is stored, and indexes at open what a process left unindexed', async () => {
    const store = fx.store;
    await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
    await store.append([{ room: 'general', from: 'writer1', cid: 'a', ts: 1, text: 'alpha words' }]);
    assert.deepEqual((await store.search('writer1', 'alpha', { limit: 5 })).map((m) => m.seq), [1]);
    await store.close();
    // A row stored by a process that ended before its index batch.
    const db = new Database(path.join(fx.dataDir, 'parley.db'));
    try {
      db.prepare(`INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text) VALUES ('general', 2, 'm2', 'writer1', 'b', 2, 'bravo words')`).run();
    } finally {
      db.close();
    }
    const again = await fx.reopen();
    assert.deepEqual((await again.search('writer1', 'bravo', { limit: 5 })).map((m) => m.seq), [2]);
    assert.deepEqual((await again.search('writer1', 'words', { limit: 5 })).map((m) => m.seq), [2, 1]);
    for (let i = 0; i < 300; i++) await again.append([{ room: 'general', from: 'writer1', cid: `c${i}`, ts: 3, text: `charlie n${i}` }]);
    assert.equal((await again.search('writer1', 'charlie', { limit: 100 })).length, 100);
    assert.deepEqual((await again.search('writer1', 'n299', { limit: 5 })).map((m) => m.seq), [302]);
  });

  it('copies the WAL back into the database file while open', async () => {
    const store = fx.store;
    const dbFile = path.join(fx.dataDir, 'parley.db');
    const before = (await stat(dbFile)).size;
    await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
    // Past the WAL size at which checkpoints start: ~6 MiB of text.
    const big = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 24; i++) {
      await store.append(Array.from({ length: 16 }, (_, j) => ({ room: 'general', from: 'writer1', cid: `w${i}.${j}`, ts: i, text: big })));
    }
    const deadline = Date.now() + 15_000;
    while ((await stat(dbFile)).size < before + 4 * 1024 * 1024) {
      assert.ok(Date.now() < deadline, 'the database file never grew: nothing was checkpointed');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await store.append([{ room: 'general', from: 'writer1', cid: `tick-${Date.now()}`, ts: 0, text: 'tick' }]);
    }
    const db = new Database(dbFile, { readonly: true });
    try {
      assert.ok((db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n >= 24 * 16);
    } finally {
      db.close();
    }
  });

  describe('WAL size', () => {
    const walFile = () => path.join(fx.dataDir, 'parley.db-wal');
    const walSize = async () => (await stat(walFile()).catch(() => ({ size: 0 }))).size;
    // About 100 bytes, as in a chat; every one-message commit still writes several pages.
    const line = (i: number) => ({ room: 'general', from: 'writer1', cid: `s${i}`, ts: i, text: `steady message ${i} ${'x'.repeat(80)}` });
    /** One-message commits from `from` on; returns the largest WAL file seen after any of them. */
    const commitOneByOne = async (store: Store, from: number, count: number) => {
      let largest = 0;
      for (let i = from; i < from + count; i++) {
        await store.append([line(i)]);
        largest = Math.max(largest, await walSize());
      }
      return largest;
    };

    it('stays bounded under a steady stream of one-message commits', async function () {
      this.timeout(120_000);
      const store = fx.store;
      await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
      // Each commit appends at least 4 pages (table, indexes) to the WAL: 6000 of them write
      // over 90 MiB, several times the bound, so the WAL has to start over again and again.
      const count = 6000;
      const largest = await commitOneByOne(store, 0, count);
      const bound = MAX_WAL_BYTES + 1024 * 1024;
      assert.ok(largest < bound, `the WAL file reached ${largest} bytes, over ${bound}`);
      assert.equal(await store.lastSeq('general'), count);
      const page = await store.history('general', { limit: 3 });
      assert.deepEqual(page.messages.map((m) => m.cid), [`s${count - 3}`, `s${count - 2}`, `s${count - 1}`]);
      await store.close();
      const again = await fx.reopen();
      assert.equal(await again.lastSeq('general'), count);
      assert.equal((await again.search('writer1', `${count - 1}`, { limit: 5 })).length, 1);
    });

    it('is held up by a reader of old frames but never holds writes back for good, and starts over once it ends', async function () {
      this.timeout(120_000);
      const store = fx.store;
      await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
      await commitOneByOne(store, 0, 100);
      // Another process's long read: its snapshot keeps the frames it may need in the WAL.
      const reader = new Database(path.join(fx.dataDir, 'parley.db'), { readonly: true });
      let largestHeld: number;
      try {
        reader.exec('BEGIN');
        assert.equal((reader.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n, 100);
        largestHeld = await commitOneByOne(store, 100, 2500);
        assert.ok(largestHeld > RESET_WAL_BYTES, `the WAL file stayed at ${largestHeld} bytes`);
        assert.equal((reader.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n, 100);
        reader.exec('COMMIT');
      } finally {
        reader.close();
      }
      // The next restart, once the file has grown by another RESET_WAL_BYTES, succeeds and the
      // commit after it cuts the file back.
      let smallest = Infinity;
      for (let i = 2600; i < 2600 + 2500; i++) {
        await store.append([line(i)]);
        smallest = Math.min(smallest, await walSize());
      }
      assert.ok(smallest <= WAL_SIZE_LIMIT_BYTES + 1024 * 1024, `the WAL file never came back below ${smallest} bytes`);
      assert.equal(await store.lastSeq('general'), 5100);
    });
  });

  it('copies conversations to another store: replies, reactions, edits, deletes, pins, resolve and mentions', async function () {
    this.timeout(30_000);
    const from = fx.store;
    for (const name of ['ann_one', 'bob_two', 'cyd_three']) await from.createUser({ name, passwordHash: 'h', createdAt: 1 });
    await from.createRoom({ id: 'team', kind: 'group', name: 'team', createdAt: 1 }, ['ann_one', 'bob_two', 'cyd_three']);
    let n = 0;
    const send = async (from_: string, extra: object) =>
      (await from.append([{ room: 'team', from: from_, cid: `k${++n}`, ts: 1000 + n, ...extra }]))[0];
    const file = { fileId: 'f-copy', name: 'plan.txt', size: 1, mime: 'text/plain', kind: 'file' as const, sha256: 'd'.repeat(64) };
    await send('ann_one', { text: 'root question @bob_two', mentions: ['bob_two'] });
    await send('bob_two', { text: 'an answer', root: 1 });
    await send('cyd_three', { text: 'answer in the room', root: 1, inRoom: true });
    await send('bob_two', { change: { kind: 'react', target: 1, emoji: '👍' } });
    await send('cyd_three', { change: { kind: 'react', target: 1, emoji: '👍' } });
    await send('cyd_three', { change: { kind: 'react', target: 2, emoji: '🎉' } });
    await send('ann_one', { change: { kind: 'edit', target: 1, text: 'root question, edited @bob_two' }, mentions: ['bob_two'] });
    await send('ann_one', { text: 'to be deleted', file });
    await send('ann_one', { change: { kind: 'edit', target: 8, text: 'to be deleted soon' } });
    await send('ann_one', { change: { kind: 'delete', target: 8 } });
    await send('ann_one', { change: { kind: 'pin', target: 3 } });
    await send('ann_one', { change: { kind: 'resolve', target: 1 } });
    await send('cyd_three', { change: { kind: 'unreact', target: 1, emoji: '👍' } });

    const toDir = path.join(fx.dataDir, 'copy');
    const to = new SqliteStore({ dataDir: toDir });
    await to.init();
    try {
      const report = await copyStore(from, to, { sample: 100 });
      assert.equal(report.perRoom.team, 13);
      assert.deepEqual(await to.since('team', 0, 100), await from.since('team', 0, 100));
      assert.deepEqual(await to.history('team', { limit: 50 }), await from.history('team', { limit: 50 }));
      assert.deepEqual(await to.thread('team', 1, { limit: 50 }), await from.thread('team', 1, { limit: 50 }));
      assert.deepEqual(await to.threads('team', { state: 'resolved', limit: 50 }), await from.threads('team', { state: 'resolved', limit: 50 }));
      assert.deepEqual(await to.pins('team', 10), await from.pins('team', 10));
      assert.deepEqual(await to.message('team', 2), await from.message('team', 2));
      assert.deepEqual(await to.message('team', 8), await from.message('team', 8));
      assert.equal((await to.message('team', 8))?.deleted, true);
      assert.equal((await to.roomInfo('team', 'bob_two'))?.mentions, 1);
      for (const user of ['ann_one', 'bob_two', 'cyd_three']) assert.deepEqual(await to.roomsOf(user), await from.roomsOf(user), `${user}'s rooms, unread counts included`);
      assert.equal((await to.roomInfo('team', 'bob_two'))?.unread, 2, 'the root and the reply sent to the room; not the deleted one');
      assert.deepEqual((await to.search('ann_one', 'edited', { limit: 5 })).map((m) => m.seq), [1]);
      assert.deepEqual(await to.search('ann_one', 'deleted', { limit: 5 }), []);
      assert.equal(await to.getFile('f-copy'), undefined);
      // The copy goes on under the same rules.
      const [again] = await to.append([{ room: 'team', from: 'cyd_three', cid: 'after-copy', ts: 5000, change: { kind: 'resolve', target: 1 } }]);
      assert.equal(again.noop, true);
    } finally {
      await to.close();
    }
  });

  it('looks at no more than SEARCH_SCAN_LIMIT candidates, newest first, so a search matching nothing stays short', async () => {
    const store = fx.store;
    for (const name of ['ann_one', 'bob_two']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
    await store.createRoom({ id: 'team', kind: 'group', name: 'team', createdAt: 1 }, ['ann_one', 'bob_two']);
    // bob's one message is older than SEARCH_SCAN_LIMIT of ann's with the same word.
    await store.append([{ room: 'team', from: 'bob_two', cid: 'old', ts: 1, text: 'needle' }]);
    for (let done = 0; done < SEARCH_SCAN_LIMIT; done += 1000) {
      await store.append(Array.from({ length: 1000 }, (_, i) => ({ room: 'team', from: 'ann_one', cid: `n${done + i}`, ts: 2 + done + i, text: 'needle' })));
    }
    assert.deepEqual(await store.search('ann_one', 'needle', { from: 'bob_two', limit: 10 }), []);
    assert.deepEqual(await store.search('ann_one', '', { from: 'bob_two', limit: 10 }), []);
    assert.equal((await store.search('ann_one', 'needle', { limit: 10 })).length, 10);
    // Within the newest SEARCH_SCAN_LIMIT it is found.
    await store.append([{ room: 'team', from: 'bob_two', cid: 'new', ts: 99_999, text: 'needle' }]);
    assert.equal((await store.search('ann_one', 'needle', { from: 'bob_two', limit: 10 })).length, 1);
  });

  it('counts a message that mentions a user both by name and with @room once', async () => {
    const store = fx.store;
    for (const name of ['ann_one', 'bob_two']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
    await store.createRoom({ id: 'team', kind: 'group', name: 'team', createdAt: 1 }, ['ann_one', 'bob_two']);
    let n = 0;
    const send = async (extra: object) => (await store.append([{ room: 'team', from: 'ann_one', cid: `m${++n}`, ts: 1000 + n, ...extra }]))[0];
    await send({ text: '@bob_two and @room, look', mentions: ['bob_two', 'room'] });
    assert.equal((await store.roomInfo('team', 'bob_two'))?.mentions, 1);
    // An edit that mentions more names still leaves one message.
    await send({ text: 'just @room', mentions: ['room'] });
    await send({ change: { kind: 'edit', target: 2, text: 'just @room and @bob_two' }, mentions: ['room', 'bob_two'] });
    assert.equal((await store.roomInfo('team', 'bob_two'))?.mentions, 2);
    assert.equal((await store.roomsOf('bob_two')).find((r) => r.id === 'team')?.mentions, 2);
  });

  describe('search expressions', () => {
    it('quote every word so operators and punctuation are plain text', () => {
      assert.equal(toFtsQuery('deploy AND (staging'), '"deploy" "AND" "(staging"');
      assert.equal(toFtsQuery('say "hello world" now'), '"say" "hello world" "now"');
      assert.equal(toFtsQuery('a"b depl* room:x'), '"a""b" "depl*" "room:x"');
    });

    it('drop what has nothing to search for', () => {
      assert.equal(toFtsQuery(''), undefined);
      assert.equal(toFtsQuery('  ( ) "" * 🎉 \u0000 '), undefined);
      assert.equal(toFtsQuery('🎉 party'), '"party"');
    });

    it('keep at most 16 terms', () => {
      assert.equal(toFtsQuery(Array(40).fill('w').join(' '))?.split(' ').length, 16);
    });

    it('confine the words to the body and the rooms to the room column', () => {
      assert.equal(matchExpression('"a" "b"'), 'body : ("a" "b")');
      assert.equal(matchExpression('"a"', [3, 12]), 'room : ("r3" OR "r12") AND body : ("a")');
    });

    it('never match a room token as a word', async () => {
      const store = fx.store;
      await store.createUser({ name: 'reader1', passwordHash: 'h', createdAt: 1 });
      await store.append([{ room: 'general', from: 'reader1', cid: 'c1', ts: 1, text: 'plain words' }]);
      assert.deepEqual(await store.search('reader1', 'r1', { limit: 5 }), []);
      assert.equal((await store.search('reader1', 'plain', { limit: 5 })).length, 1);
    });
  });
});
