import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { ChatMessage } from '../../protocol';
import { SqliteStore } from '../../server/store/sqlite';
import { HIDDEN } from '../../server/store/sqlite/rooms';
import { MIGRATIONS, SCHEMA_VERSION } from '../../server/store/sqlite/schema';
import type { NewMessage } from '../../server/store/store';

const SHA = 'c'.repeat(64);
/** Words only deleted messages (and their earlier versions) held. */
const WORDS = ['zebracodeword', 'okapirevword', 'launchquuxcall', 'walrusmarkword', 'narwhalmarkword', 'tapirlongword', 'yaklongword'];

/** A version 2 file as the schema 2 code wrote it: messages, a file, and their search entries. */
function writeVersion2(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    for (const step of MIGRATIONS.slice(0, 2)) step(db);
    db.pragma('user_version = 2');
    const fileRef = JSON.stringify({ fileId: 'f-old', name: 'roadmap.pdf', size: 7, mime: 'application/pdf', kind: 'file', sha256: SHA });
    const snippet = JSON.stringify({ code: 'frobnicate(widgets)', language: 'ts', path: 'src/frob.ts' });
    db.exec(`
      INSERT INTO users (name, password_hash, created_at) VALUES ('ann', 'h', 1), ('bob', 'h', 1), ('cyd', 'h', 1);
      INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES ('general', 'group', 'general', NULL, 1), ('ops', 'group', 'ops', 'ann', 1);
      INSERT INTO members (room, user) VALUES ('ops', 'ann'), ('ops', 'bob');
      INSERT INTO read_marks (room, user, seq) VALUES ('ops', 'bob', 1);
    `);
    const insert = db.prepare(
      'INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, snippet, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('general', 1, 'id-g1', 'ann', 'a1', 10, 'hello from before', null, null);
    insert.run('ops', 1, 'id-o1', 'bob', 'b1', 11, 'deploy finished', null, null);
    insert.run('ops', 2, 'id-o2', 'ann', 'a2', 12, 'the code', snippet, null);
    insert.run('ops', 3, 'id-o3', 'bob', 'b2', 13, null, null, fileRef);
    db.prepare(`INSERT INTO files (file_id, room, sha256, size, mime, kind, name, uploader, ts) VALUES ('f-old', 'ops', ?, 7, 'application/pdf', 'file', 'roadmap.pdf', 'bob', 13)`).run(SHA);
    // As schema 2's search index took them; the last message was never indexed (a crash).
    db.exec(`
      INSERT INTO search_index (rowid, body, room)
        SELECT m.id, concat_ws(' ', m.text, json_extract(m.snippet, '$.path'), json_extract(m.snippet, '$.code'), json_extract(m.file, '$.name')), 'r' || r.num
        FROM messages m JOIN rooms r ON r.id = m.room WHERE m.seq < 3 OR m.room = 'general';
    `);
  } finally {
    db.close();
  }
}

describe('SQLite store: schema 3', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-migrate-'));
  });

  afterEach(async () => {
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const file = () => path.join(dataDir, 'parley.db');
  const seqsOf = (messages: ChatMessage[]) => messages.map((m) => m.seq);
  let counter = 0;
  const entry = (room: string, from: string, extra: Partial<NewMessage>): NewMessage => ({ room, from, cid: `new-${++counter}`, ts: 100 + counter, ...extra });
  async function one(e: NewMessage) {
    const [result] = await store.append([e]);
    assert.equal(result.refused, undefined, JSON.stringify(result.refused));
    return result;
  }

  it('upgrades a version 2 file: old messages stay, searchable, and take reactions, edits, replies and deletes', async () => {
    writeVersion2(file());
    const migrated: [number, number][] = [];
    store = new SqliteStore({ dataDir, onMigrated: (from, to) => migrated.push([from, to]) });
    await store.init();
    assert.deepEqual(migrated, [[2, SCHEMA_VERSION]]);

    const ops = await store.history('ops', { limit: 10 });
    assert.deepEqual(ops.messages.map((m) => [m.seq, m.msgId, m.from, m.text ?? null]), [
      [1, 'id-o1', 'bob', 'deploy finished'],
      [2, 'id-o2', 'ann', 'the code'],
      [3, 'id-o3', 'bob', null],
    ]);
    assert.deepEqual(ops.messages[0], { room: 'ops', seq: 1, ts: 11, msgId: 'id-o1', from: 'bob', cid: 'b1', text: 'deploy finished' }, 'no state fields on an old message');
    assert.deepEqual(seqsOf(await store.search('ann', 'deploy', { limit: 5 })), [1]);
    assert.deepEqual(seqsOf(await store.search('ann', 'frobnicate', { limit: 5 })), [2]);
    assert.deepEqual(seqsOf(await store.search('ann', 'roadmap', { limit: 5 })), [3], 'the message the old index missed is indexed');
    assert.deepEqual(seqsOf(await store.search('ann', 'hello', { limit: 5 })), [1]);
    assert.equal((await store.roomInfo('ops', 'bob'))?.mentions, undefined);

    await one(entry('ops', 'ann', { change: { kind: 'react', target: 1, emoji: '🚀' } }));
    await one(entry('ops', 'bob', { change: { kind: 'edit', target: 1, text: 'deploy rolled back' } }));
    await one(entry('ops', 'ann', { root: 1, text: 'why, @bob?', mentions: ['bob'] }));
    const first = await store.message('ops', 1);
    assert.equal(first?.text, 'deploy rolled back');
    assert.deepEqual(first?.reactions, { '🚀': ['ann'] });
    assert.equal(first?.replies, 1);
    assert.deepEqual(await store.revisions('ops', 1), [{ text: 'deploy finished', ts: 11 }]);
    assert.deepEqual(seqsOf(await store.search('ann', 'finished', { limit: 5 })), []);
    assert.deepEqual(seqsOf(await store.search('ann', 'rolled', { limit: 5 })), [1]);
    assert.equal((await store.roomInfo('ops', 'bob'))?.mentions, 1);

    const [gone] = await store.append([entry('ops', 'bob', { change: { kind: 'delete', target: 3 } })]);
    assert.deepEqual(gone.unreferenced, [SHA]);
    assert.equal(await store.getFile('f-old'), undefined);
    assert.deepEqual(seqsOf(await store.search('ann', 'roadmap', { limit: 5 })), []);
    await one(entry('ops', 'ann', { change: { kind: 'delete', target: 2 } }));
    assert.deepEqual(seqsOf(await store.search('ann', 'frobnicate', { limit: 5 })), []);
    assert.deepEqual(seqsOf(await store.search('ann', 'code', { limit: 5 })), []);
    assert.deepEqual(seqsOf(await store.search('ann', 'deploy', { limit: 5 })), [1]);
    assert.equal(await store.lastSeq('ops'), 8);
    await store.close();

    const db = new Database(file(), { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
    } finally {
      db.close();
    }
    // The index agrees with what it was told, entries taken out included.
    const rw = new Database(file());
    try {
      rw.exec(`INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 0)`);
    } finally {
      rw.close();
    }
  });

  it('erases a deleted message from the database file: text, earlier versions, edit events and search words', async () => {
    store = new SqliteStore({ dataDir });
    await store.init();
    await store.createUser({ name: 'ann', passwordHash: 'h', createdAt: 1 });
    await store.createUser({ name: 'bob', passwordHash: 'h', createdAt: 1 });
    // Enough company that the words share index pages with others.
    for (let i = 0; i < 600; i++) await store.append([entry('general', i % 2 ? 'ann' : 'bob', { text: `ordinary chatter number ${i} about lunch` })]);
    const kept = (await one(entry('general', 'ann', { text: 'keepsakeqqword stays' }))).message;
    // Indexed before it is changed…
    const early = (await one(entry('general', 'ann', { text: 'the zebracodeword plan', snippet: { code: 'launchquuxcall()', language: 'ts' } }))).message;
    assert.deepEqual(seqsOf(await store.search('bob', 'zebracodeword', { limit: 5 })), [early.seq]);
    await one(entry('general', 'ann', { change: { kind: 'edit', target: early.seq, text: 'the okapirevword plan' } }));
    await one(entry('general', 'bob', { change: { kind: 'react', target: early.seq, emoji: '👀' } }));
    await one(entry('general', 'ann', { change: { kind: 'delete', target: early.seq } }));
    // …and one deleted while still waiting for the index.
    const late = (await one(entry('general', 'bob', { text: 'unindexed walrusmarkword' }))).message;
    await one(entry('general', 'bob', { change: { kind: 'edit', target: late.seq, text: 'unindexed narwhalmarkword' } }));
    await one(entry('general', 'bob', { change: { kind: 'delete', target: late.seq } }));
    // Long texts live on overflow pages of their own, which a delete frees.
    const long = (await one(entry('general', 'ann', { text: `${'lorem ipsum '.repeat(600)} tapirlongword ${'dolor sit '.repeat(600)}` }))).message;
    await store.search('bob', 'tapirlongword', { limit: 1 });
    await one(entry('general', 'bob', { text: 'something in between' }));
    await store.close();
    store = new SqliteStore({ dataDir });
    await store.init();
    await one(entry('general', 'ann', { change: { kind: 'edit', target: long.seq, text: `${'elephant '.repeat(700)} yaklongword` } }));
    await one(entry('general', 'ann', { change: { kind: 'delete', target: long.seq } }));
    for (const word of WORDS) {
      assert.deepEqual(await store.search('ann', word, { limit: 5 }), [], word);
    }
    assert.deepEqual(seqsOf(await store.search('ann', 'keepsakeqqword', { limit: 5 })), [kept.seq]);
    await store.close();

    // Whatever the WAL still holds goes into the file, then the WAL is gone.
    const db = new Database(file());
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = Buffer.concat(
      [file(), `${file()}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
    );
    assert.ok(bytes.includes('keepsakeqqword'), 'the check reads the file the text is in');
    for (const word of WORDS) {
      assert.equal(bytes.includes(word), false, `${word} is still in the database file`);
    }
  });
});

describe('SQLite store: schema 5', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-migrate5-'));
  });

  afterEach(async () => {
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A version 4 file as the schema 4 code wrote it: posts, replies, changes, a deleted message, read marks. */
  function writeVersion4(file: string): void {
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      for (const step of MIGRATIONS.slice(0, 4)) step(db);
      db.pragma('user_version = 4');
      db.exec(`
        INSERT INTO users (name, password_hash, created_at) VALUES ('ann', 'h', 1), ('bob', 'h', 1);
        INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES ('general', 'group', 'general', NULL, 1), ('ops', 'group', 'ops', 'ann', 1);
        INSERT INTO members (room, user) VALUES ('ops', 'ann'), ('ops', 'bob');
        INSERT INTO read_marks (room, user, seq) VALUES ('ops', 'ann', 1);
        INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, root, in_room, change_kind, change_target, change_emoji, deleted, reply_count) VALUES
          ('ops', 1, 'i1', 'bob', 'c1', 10, 'read already', NULL, NULL, NULL, NULL, NULL, NULL, 2),
          ('ops', 2, 'i2', 'ann', 'c2', 11, 'her own, before the rule', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          ('ops', 3, 'i3', 'bob', 'c3', 12, 'thread only', 1, NULL, NULL, NULL, NULL, NULL, NULL),
          ('ops', 4, 'i4', 'bob', 'c4', 13, 'also in the room', 1, 1, NULL, NULL, NULL, NULL, NULL),
          ('ops', 5, 'i5', 'bob', 'c5', 14, NULL, NULL, NULL, 'react', 2, '👍', NULL, NULL),
          ('ops', 6, 'i6', 'bob', 'c6', 15, NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL),
          ('ops', 7, 'i7', 'bob', 'c7', 16, NULL, NULL, NULL, 'delete', 6, NULL, NULL, NULL),
          ('ops', 8, 'i8', 'bob', 'c8', 17, 'plain post', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      `);
      // Indexed, as schema 4 stores had their messages: nothing here waits for a batch (a row the
      // index lacks is taken as appended just before a crash, and posting moves marks).
      db.exec(`
        INSERT INTO search_index (rowid, body, room)
          SELECT m.id, m.text, 'r' || r.num FROM messages m JOIN rooms r ON r.id = m.room
          WHERE m.change_kind IS NULL AND m.deleted IS NULL;
      `);
    } finally {
      db.close();
    }
  }

  it('upgrades a version 4 file: unread counts what the timeline shows, along their own index', async () => {
    const file = path.join(dataDir, 'parley.db');
    writeVersion4(file);
    const migrated: [number, number][] = [];
    store = new SqliteStore({ dataDir, onMigrated: (from, to) => migrated.push([from, to]) });
    await store.init();
    assert.deepEqual(migrated, [[4, SCHEMA_VERSION]]);
    // Ann read up to 1, and her own post at 2 (from before posting moved marks) moves it there
    // (schema 8): unread are the reply also sent to the room and the plain post; not the
    // thread-only reply, the reaction, the deleted message or its delete.
    const ops = (await store.roomsOf('ann')).find((r) => r.id === 'ops');
    assert.deepEqual({ lastSeq: ops?.lastSeq, lastRead: ops?.lastRead, unread: ops?.unread }, { lastSeq: 8, lastRead: 2, unread: 2 });
    const bob = await store.roomInfo('ops', 'bob');
    assert.deepEqual({ lastRead: bob?.lastRead, unread: bob?.unread }, { lastRead: 8, unread: 0 }, 'Bob\'s last post read the room');
    const [next] = await store.append([{ room: 'ops', from: 'ann', cid: 'after', ts: 20, text: 'caught up' }]);
    assert.equal(next.message.seq, 9);
    assert.equal((await store.roomInfo('ops', 'ann'))?.unread, 0, 'her post moved her mark');
    await store.close();
    store = undefined;

    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM messages h WHERE h.room = 'ops' AND h.seq > 1 AND (${HIDDEN})`)
        .all() as { detail: string }[];
      assert.ok(plan.some((p) => p.detail.includes('COVERING INDEX messages_hidden')), JSON.stringify(plan));
    } finally {
      db.close();
    }
  });
});

describe('SQLite store: schema 7 (thread read marks)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-migrate7-'));
  });

  afterEach(async () => {
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A version 6 file: a thread by ann with replies by bob, mentioning cyd; a thread-less post. */
  function writeVersion6(file: string): void {
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      for (const step of MIGRATIONS.slice(0, 6)) step(db);
      db.pragma('user_version = 6');
      db.exec(`
        INSERT INTO users (name, password_hash, created_at, name_key) VALUES ('ann', 'h', 1, 'ann'), ('bob', 'h', 1, 'bob'), ('cyd', 'h', 1, 'cyd'), ('dee', 'h', 1, 'dee');
        INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES ('general', 'group', 'general', NULL, 1), ('ops', 'group', 'ops', 'ann', 1);
        INSERT INTO members (room, user) VALUES ('ops', 'ann'), ('ops', 'bob'), ('ops', 'cyd'), ('ops', 'dee');
        INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, root, reply_count) VALUES
          ('ops', 1, 'i1', 'ann', 'c1', 10, 'question', NULL, 2),
          ('ops', 2, 'i2', 'bob', 'c2', 11, 'answer', 1, NULL),
          ('ops', 3, 'i3', 'bob', 'c3', 12, '@cyd agrees', 1, NULL),
          ('ops', 4, 'i4', 'dee', 'c4', 13, 'a post', NULL, NULL);
        INSERT INTO mentions (room, user, seq, msg, from_user) VALUES ('ops', 'cyd', 3, 3, 'bob'), ('ops', 'room', 3, 3, 'bob');
      `);
    } finally {
      db.close();
    }
  }

  it('upgrades a version 6 file: the participants of old threads have read them, and new replies count', async () => {
    writeVersion6(path.join(dataDir, 'parley.db'));
    const migrated: [number, number][] = [];
    store = new SqliteStore({ dataDir, onMigrated: (from, to) => migrated.push([from, to]) });
    await store.init();
    assert.deepEqual(migrated, [[6, SCHEMA_VERSION]]);
    for (const user of ['ann', 'bob', 'cyd']) assert.deepEqual(Object.fromEntries(await store.threadUnread('ops', user, [1])), { 1: 0 }, user);
    assert.deepEqual(await store.threadUnread('ops', 'dee', [1]), new Map(), 'dee takes no part');
    await store.append([{ room: 'ops', from: 'bob', cid: 'later', ts: 20, text: 'one more', root: 1 }]);
    assert.deepEqual(Object.fromEntries(await store.threadUnread('ops', 'ann', [1])), { 1: 1 });
    assert.deepEqual(Object.fromEntries(await store.threadUnread('ops', 'cyd', [1])), { 1: 1 });
    assert.equal((await store.roomInfo('ops', 'ann'))?.threadUnread, 1);
    assert.equal((await store.roomInfo('ops', 'bob'))?.threadUnread, undefined);
  });
});
