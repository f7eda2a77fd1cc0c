import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import neo4j, { type Driver } from 'neo4j-driver';
import { GENERAL_ROOM, ParleyError, dmRoomId } from '../../protocol';
import { Neo4jStore, graphQueries } from '../../server/store/neo4j';
import { appendInTx, newMessageIds } from '../../server/store/neo4j/append';
import { AppendQueue } from '../../server/store/neo4j/append-queue';
import { toLuceneQuery } from '../../server/store/neo4j/lucene-query';
import { searchExtra } from '../../server/store/neo4j/records';
import { ROOMS_OF } from '../../server/store/neo4j/neo4j-store';
import { SCHEMA, SCHEMA_VERSION } from '../../server/store/neo4j/schema';
import type { AppendResult, NewMessage, Store } from '../../server/store/store';
import { useNeo4j } from '../helpers/neo4j';
import { storeContract } from './contract';

/** The constraints and indexes of the store before conversations (schema version 1), as it created them. */
const V1_SCHEMA = [
  'CREATE CONSTRAINT user_name IF NOT EXISTS FOR (u:User) REQUIRE u.name IS UNIQUE',
  'CREATE CONSTRAINT room_id IF NOT EXISTS FOR (r:Room) REQUIRE r.id IS UNIQUE',
  'CREATE CONSTRAINT message_id IF NOT EXISTS FOR (m:Message) REQUIRE m.id IS UNIQUE',
  'CREATE CONSTRAINT message_room_seq IF NOT EXISTS FOR (m:Message) REQUIRE (m.room, m.seq) IS UNIQUE',
  'CREATE CONSTRAINT message_from_cid IF NOT EXISTS FOR (m:Message) REQUIRE (m.from, m.cid) IS UNIQUE',
  'CREATE CONSTRAINT file_id IF NOT EXISTS FOR (f:File) REQUIRE f.fileId IS UNIQUE',
  'CREATE CONSTRAINT session_token IF NOT EXISTS FOR (s:Session) REQUIRE s.tokenHash IS UNIQUE',
  `CREATE FULLTEXT INDEX message_text IF NOT EXISTS FOR (m:Message) ON EACH [m.text, m.searchExtra]
    OPTIONS {indexConfig: {\`fulltext.analyzer\`: 'standard-no-stop-words', \`fulltext.eventually_consistent\`: true}}`,
];

describe('Neo4j store', function () {
  this.timeout(120_000);
  const server = useNeo4j();

  /** A ready store over an emptied database; reopen gives another store over the same data. */
  async function fixture() {
    await server.wipe();
    const opened: Store[] = [];
    const open = async () => {
      const store = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      opened.push(store);
      await store.init();
      return store;
    };
    return {
      store: await open(),
      reopen: open,
      cleanup: async () => {
        for (const store of opened) await store.close();
      },
    };
  }

  storeContract('neo4j', fixture);

  describe('Neo4j specifics', () => {
    let fx: Awaited<ReturnType<typeof fixture>>;
    let store: Store;
    let driver: Driver;

    beforeEach(async () => {
      fx = await fixture();
      store = fx.store;
      driver = neo4j.driver(server.uri, undefined, { disableLosslessIntegers: true });
    });
    afterEach(async () => {
      await driver.close();
      await fx.cleanup();
    });

    const rows = async (query: string, params: Record<string, unknown> = {}) =>
      (await driver.executeQuery(query, params)).records.map((r) => r.toObject());
    let n = 0;
    const msg = (room: string, from: string, text: string): NewMessage => ({ room, from, cid: `c${++n}`, ts: 1_700_000_000_000 + n, text });

    it('creates its constraints and indexes, and init is idempotent', async () => {
      await store.init();
      const again = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await again.init();
      await again.close();
      const constraints = await rows('SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties');
      const unique = constraints
        .filter((c) => c.type === 'UNIQUENESS')
        .map((c) => `${(c.labelsOrTypes as string[])[0]}(${(c.properties as string[]).join(',')})`)
        .sort();
      assert.deepEqual(unique, [
        'AuditEntry(seq)',
        'Change(room,seq)',
        'Entry(from,cid)',
        'File(fileId)',
        'MentionedName(name)',
        'Message(id)',
        'Message(room,seq)',
        'Room(id)',
        'Session(tokenHash)',
        'User(name)',
        'User(nameKey)',
      ]);
      const indexes = await rows('SHOW INDEXES YIELD type, labelsOrTypes, properties, state');
      const has = (type: string, props: string[]) =>
        indexes.some((i) => i.type === type && (i.labelsOrTypes as string[])[0] === 'Message' && String(i.properties) === String(props) && i.state === 'ONLINE');
      assert.ok(has('RANGE', ['room', 'seq']), 'range index on (Message.room, Message.seq)');
      assert.ok(has('FULLTEXT', ['text', 'searchExtra']), 'full-text index on Message.text');
      const [fulltext] = await rows("SHOW INDEXES YIELD name, options WHERE name = 'message_text' RETURN options");
      assert.equal((fulltext.options as { indexConfig: Record<string, unknown> }).indexConfig['fulltext.eventually_consistent'], true);
    });

    it('finds every acknowledged message at once, though the full-text index is eventually consistent', async () => {
      await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
      const other = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await other.init();
      try {
        for (let i = 0; i < 20; i++) {
          const word = `w${i}x${Date.now().toString(36)}`;
          const [acked] = await store.append([msg(GENERAL_ROOM, 'writer1', `look for ${word} here`)]);
          // Another store instance (another server) searches right after the ack.
          const found = await other.search('writer1', word, { limit: 5 });
          assert.deepEqual(found.map((m) => m.msgId), [acked.message.msgId], `search ${i}`);
        }
      } finally {
        await other.close();
      }
    });

    it('writes the graph model: SENT, IN, TO, MEMBER_OF, ATTACHES, sessions', async () => {
      for (const name of ['alice_1', 'bob_two', 'carol_3']) await store.createUser({ name, passwordHash: `h-${name}`, createdAt: 1 });
      const dm = dmRoomId('alice_1', 'bob_two');
      await store.createRoom({ id: dm, kind: 'dm', name: 'dm', createdAt: 2 }, ['alice_1', 'bob_two']);
      await store.createRoom({ id: 'ops', kind: 'group', name: 'ops', createdBy: 'carol_3', createdAt: 3 }, ['carol_3', 'alice_1']);
      await store.append([
        msg(GENERAL_ROOM, 'alice_1', 'hello all'),
        msg(dm, 'alice_1', 'hi bob'),
        msg(dm, 'bob_two', 'hi alice'),
        msg('ops', 'carol_3', 'deploy at 5'),
        { room: dm, from: 'bob_two', cid: 'file', ts: 9, file: { fileId: 'f1', name: 'a.png', size: 5, mime: 'image/png', kind: 'image', sha256: 'aa'.repeat(32) } },
      ]);
      await store.setReadMark(dm, 'alice_1', 2);
      await store.createSession({ tokenHash: 'token-hash', id: 'sid', user: 'alice_1', createdAt: 5 });

      const sent = await rows('MATCH (:User {name: $u})-[:SENT]->(m:Message)-[:IN]->(r:Room) RETURN r.id AS room, m.seq AS seq ORDER BY room, seq', { u: 'alice_1' });
      assert.deepEqual(sent, [{ room: dm, seq: 1 }, { room: GENERAL_ROOM, seq: 1 }]);
      const to = await rows('MATCH (m:Message)-[:TO]->(u:User) RETURN m.from AS from, u.name AS to ORDER BY m.seq');
      assert.deepEqual(to, [{ from: 'alice_1', to: 'bob_two' }, { from: 'bob_two', to: 'alice_1' }, { from: 'bob_two', to: 'alice_1' }]);
      const members = await rows('MATCH (u:User)-[mo:MEMBER_OF]->(r:Room) RETURN r.id AS room, u.name AS user, mo.lastRead AS lastRead ORDER BY room, user');
      // Posting moved each sender's mark past their last post (bob_two's file is seq 3 of the DM).
      assert.deepEqual(members, [
        { room: dm, user: 'alice_1', lastRead: 2 },
        { room: dm, user: 'bob_two', lastRead: 3 },
        { room: GENERAL_ROOM, user: 'alice_1', lastRead: 1 },
        { room: GENERAL_ROOM, user: 'bob_two', lastRead: 0 },
        { room: GENERAL_ROOM, user: 'carol_3', lastRead: 0 },
        { room: 'ops', user: 'alice_1', lastRead: 0 },
        { room: 'ops', user: 'carol_3', lastRead: 1 },
      ]);
      const shown = await rows('MATCH (m:Message) RETURN m.room AS room, m.seq AS seq, m.shownSeq AS shownSeq ORDER BY room, seq');
      assert.ok(shown.every((m) => m.shownSeq === m.seq), 'every post carries shownSeq');
      const attached = await rows('MATCH (m:Message)-[:ATTACHES]->(f:File) RETURN m.room AS room, m.seq AS seq, f {.*} AS f');
      assert.deepEqual(attached, [
        { room: dm, seq: 3, f: { fileId: 'f1', name: 'a.png', size: 5, mime: 'image/png', kind: 'image', sha256: 'aa'.repeat(32), room: dm, uploader: 'bob_two', ts: 9 } },
      ]);
      const rooms = await rows('MATCH (r:Room) RETURN r.id AS id, r.kind AS kind, r.lastSeq AS lastSeq ORDER BY id');
      assert.deepEqual(rooms, [{ id: dm, kind: 'dm', lastSeq: 3 }, { id: GENERAL_ROOM, kind: 'group', lastSeq: 1 }, { id: 'ops', kind: 'group', lastSeq: 1 }]);
      assert.deepEqual(await rows('MATCH (s:Session) RETURN s.tokenHash AS t, s.id AS id, s.user AS user, s.revoked AS revoked, s.lastSeen AS lastSeen'), [
        { t: 'token-hash', id: 'sid', user: 'alice_1', revoked: false, lastSeen: 5 },
      ]);
      // Integers stay integers in the graph (a float seq would not match an integer in Cypher equality on lists).
      assert.deepEqual(await rows("MATCH (m:Message) WHERE NOT valueType(m.seq) STARTS WITH 'INTEGER' OR NOT valueType(m.ts) STARTS WITH 'INTEGER' RETURN m.id"), []);
    });

    it('answers what X sent, what X received, a conversation and the busiest rooms in one query each', async () => {
      for (const name of ['xavier', 'yvonne', 'zachary']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      const xy = dmRoomId('xavier', 'yvonne');
      const xz = dmRoomId('xavier', 'zachary');
      await store.createRoom({ id: xy, kind: 'dm', name: 'dm', createdAt: 1 }, ['xavier', 'yvonne']);
      await store.createRoom({ id: xz, kind: 'dm', name: 'dm', createdAt: 1 }, ['xavier', 'zachary']);
      await store.append([msg(xy, 'xavier', 'x to y 1'), msg(xy, 'yvonne', 'y to x 1'), msg(GENERAL_ROOM, 'xavier', 'x to all')]);
      await store.append([msg(xz, 'zachary', 'z to x 1'), msg(xy, 'xavier', 'x to y 2'), msg(xz, 'xavier', 'x to z 1')]);
      await store.append([msg(GENERAL_ROOM, 'yvonne', 'y to all'), msg(GENERAL_ROOM, 'zachary', 'z to all'), msg(GENERAL_ROOM, 'zachary', 'z again')]);
      const limit = neo4j.int(100);

      const sent = await rows(graphQueries.SENT_BY, { user: 'xavier', limit });
      assert.deepEqual(sent.map((r) => [r.text, r.to]), [['x to z 1', 'zachary'], ['x to y 2', 'yvonne'], ['x to all', null], ['x to y 1', 'yvonne']]);
      const received = await rows(graphQueries.RECEIVED_BY, { user: 'xavier', limit });
      assert.deepEqual(received.map((r) => [r.from, r.text]), [['zachary', 'z to x 1'], ['yvonne', 'y to x 1']]);
      const talk = await rows(graphQueries.CONVERSATION, { a: 'yvonne', b: 'xavier' });
      assert.deepEqual(talk.map((r) => `${r.from}>${r.to}: ${r.text}`), ['xavier>yvonne: x to y 1', 'yvonne>xavier: y to x 1', 'xavier>yvonne: x to y 2']);
      const busiest = await rows(graphQueries.BUSIEST_ROOMS, { limit: neo4j.int(2) });
      assert.deepEqual(busiest, [{ room: GENERAL_ROOM, kind: 'group', messages: 4, members: 3 }, { room: xy, kind: 'dm', messages: 3, members: 2 }]);
    });

    it('recognises resends mixed into a batch of new messages across rooms', async () => {
      for (const name of ['writer1', 'writer2']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      await store.createRoom({ id: 'side', kind: 'group', name: 'side', createdAt: 1 }, ['writer1', 'writer2']);
      const [a, b] = await store.append([
        { room: GENERAL_ROOM, from: 'writer1', cid: 'old-1', ts: 1, text: 'first' },
        { room: 'side', from: 'writer2', cid: 'old-2', ts: 2, text: 'second' },
      ]);
      const results = await store.append([
        { room: 'side', from: 'writer1', cid: 'new-1', ts: 3, text: 'n1' },
        { room: GENERAL_ROOM, from: 'writer2', cid: 'old-2', ts: 4, text: 'resent into another room' },
        { room: GENERAL_ROOM, from: 'writer2', cid: 'new-2', ts: 5, text: 'n2' },
        { room: 'side', from: 'writer1', cid: 'old-1', ts: 6, text: 'resent' },
        { room: 'side', from: 'writer2', cid: 'new-3', ts: 7, text: 'n3' },
      ]);
      assert.deepEqual(results.map((r) => r.duplicate), [false, true, false, true, false]);
      assert.deepEqual(results[1].message, b.message);
      assert.deepEqual(results[3].message, a.message);
      assert.deepEqual(results.map((r) => `${r.message.room}:${r.message.seq}`), ['side:2', 'side:1', `${GENERAL_ROOM}:2`, `${GENERAL_ROOM}:1`, 'side:3']);
      assert.equal(await store.lastSeq(GENERAL_ROOM), 2);
      assert.equal(await store.lastSeq('side'), 3);
      assert.deepEqual(await rows('MATCH (m:Message) RETURN count(m) AS n'), [{ n: 5 }]);
    });

    it('recognises its own earlier commit when a transaction is run again with the same msgIds', async () => {
      await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
      const batch = [msg(GENERAL_ROOM, 'writer1', 'one'), msg(GENERAL_ROOM, 'writer1', 'two')];
      const ids = newMessageIds(batch.length);
      const session = driver.session();
      try {
        const first = await session.executeWrite((tx) => appendInTx(tx, batch, ids, false));
        // As after a reply lost on the way back: the attempt without the lookup is refused…
        await assert.rejects(session.executeWrite((tx) => appendInTx(tx, batch, ids, false)), /already exists|ConstraintValidation/i);
        // …and the one with it finds the stored copies as this batch's own, not as resends.
        const again = await session.executeWrite((tx) => appendInTx(tx, batch, ids, true));
        assert.deepEqual(again, first);
        assert.deepEqual(again.map((r) => r.duplicate), [false, false]);
      } finally {
        await session.close();
      }
      assert.equal(await store.lastSeq(GENERAL_ROOM), 2);
    });

    it('keeps one gap-free sequence when two store instances write the same room', async () => {
      await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
      const other = new Neo4jStore({ kind: 'neo4j', uri: server.uri, maxPoolSize: 4 });
      await other.init();
      try {
        const calls = [];
        for (let i = 0; i < 40; i++) {
          const target = i % 2 === 0 ? store : other;
          calls.push(target.append([msg(GENERAL_ROOM, 'writer1', `a${i}`), msg(GENERAL_ROOM, 'writer1', `b${i}`)]));
        }
        const seqs = (await Promise.all(calls)).flat().map((r) => r.message.seq).sort((a, b) => a - b);
        assert.deepEqual(seqs, Array.from({ length: 80 }, (_, i) => i + 1));
        assert.equal(await other.lastSeq(GENERAL_ROOM), 80);
      } finally {
        await other.close();
      }
    });

    it('stores nothing of a failed batch, and a bad call does not fail the calls merged with it', async () => {
      await store.createUser({ name: 'writer1', passwordHash: 'h', createdAt: 1 });
      await store.append([msg(GENERAL_ROOM, 'writer1', 'one')]);
      // Queued together, so the store merges them into one transaction first.
      const [good, bad, stranger, also] = await Promise.allSettled([
        store.append([msg(GENERAL_ROOM, 'writer1', 'two')]),
        store.append([msg(GENERAL_ROOM, 'writer1', 'lost'), msg('no-such-room', 'writer1', 'nowhere')]),
        store.append([msg(GENERAL_ROOM, 'nobody_at_all', 'who?')]),
        store.append([msg(GENERAL_ROOM, 'writer1', 'three')]),
      ]);
      assert.match(String(bad.status === 'rejected' && bad.reason), /unknown room/);
      assert.match(String(stranger.status === 'rejected' && stranger.reason), /unknown sender/);
      assert.ok(good.status === 'fulfilled' && also.status === 'fulfilled');
      // The two good calls take seqs 2 and 3 in whichever order the queue committed them.
      const stored = [good.value[0].message, also.value[0].message].sort((a, b) => a.seq - b.seq);
      assert.deepEqual(stored.map((m) => m.seq), [2, 3]);
      assert.equal(await store.lastSeq(GENERAL_ROOM), 3);
      assert.deepEqual((await store.history(GENERAL_ROOM, { limit: 10 })).messages.map((m) => m.text), ['one', ...stored.map((m) => m.text)]);
      assert.deepEqual(await store.search('writer1', 'lost', { limit: 5 }), []);
    });

    it('writes the conversation model: REPLY_TO, REACTED in order, REVISION, MENTIONS and :Change events', async () => {
      for (const name of ['alice01', 'bob_smith', 'carol_3']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      let k = 0;
      const send = async (from: string, extra: Partial<NewMessage>) =>
        (await store.append([{ room: GENERAL_ROOM, from, cid: `g${++k}`, ts: 1000 + k, ...extra }]))[0];
      await send('alice01', { text: 'root @bob_smith', mentions: ['bob_smith'] });
      await send('bob_smith', { text: 'reply', root: 1 });
      await send('carol_3', { change: { kind: 'react', target: 1, emoji: '🎉' } });
      await send('bob_smith', { change: { kind: 'react', target: 1, emoji: '👍' } });
      await send('alice01', { change: { kind: 'edit', target: 1, text: 'root, edited @room' }, mentions: ['room'] });
      await send('carol_3', { change: { kind: 'pin', target: 1 } });
      await send('bob_smith', { change: { kind: 'resolve', target: 1 } });

      assert.deepEqual(await rows('MATCH (r:Message)-[:REPLY_TO]->(t:Message) RETURN r.seq AS reply, t.seq AS root'), [{ reply: 2, root: 1 }]);
      assert.deepEqual(
        await rows('MATCH (u:User)-[x:REACTED]->(m:Message) RETURN u.name AS user, x.key AS key, x.seq AS seq, m.seq AS on ORDER BY x.seq'),
        [{ user: 'carol_3', key: '🎉', seq: 3, on: 1 }, { user: 'bob_smith', key: '👍', seq: 4, on: 1 }],
      );
      // The page reads the reactions from the message itself, kept with REACTED, in the same order.
      assert.deepEqual(await rows('MATCH (m:Message {seq: 1}) RETURN m.reacted AS reacted'), [{ reacted: ['🎉', 'carol_3', '👍', 'bob_smith'] }]);
      assert.deepEqual(await rows('MATCH (n) WHERE (n:Message OR n:Change) AND NOT n:Entry RETURN count(n) AS n'), [{ n: 0 }]);
      assert.deepEqual(await rows('MATCH (:Message {seq: 1})-[:REVISION]->(v:Revision) RETURN v.text AS text, v.ts AS ts'), [{ text: 'root @bob_smith', ts: 1001 }]);
      // The edit replaced the mention of bob_smith with @room (the room node).
      assert.deepEqual(await rows('MATCH (m:Message)-[n:MENTIONS]->(t) RETURN m.seq AS seq, labels(t) AS to, n.seq AS at'), [{ seq: 1, to: ['Room'], at: 5 }]);
      assert.deepEqual(
        await rows('MATCH (c:Change)-[:CHANGES]->(m:Message) RETURN c.seq AS seq, c.kind AS kind, c.from AS from, m.seq AS target ORDER BY c.seq'),
        [
          { seq: 3, kind: 'react', from: 'carol_3', target: 1 },
          { seq: 4, kind: 'react', from: 'bob_smith', target: 1 },
          { seq: 5, kind: 'edit', from: 'alice01', target: 1 },
          { seq: 6, kind: 'pin', from: 'carol_3', target: 1 },
          { seq: 7, kind: 'resolve', from: 'bob_smith', target: 1 },
        ],
      );
      const [root] = await rows(
        'MATCH (m:Message {seq: 1}) RETURN m.text AS text, m.edited AS edited, m.pinned AS pinned, m.resolvedBy AS resolvedBy, m.replies AS replies, m.repliers AS repliers',
      );
      assert.deepEqual(root, { text: 'root, edited @room', edited: 1005, pinned: true, resolvedBy: 'bob_smith', replies: 1, repliers: ['bob_smith'] });
    });

    it('erases a deleted message: its words are in no property of any node or relationship, nor in the full-text index', async () => {
      for (const name of ['alice01', 'bob_smith']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      let k = 0;
      const send = async (from: string, extra: Partial<NewMessage>) =>
        (await store.append([{ room: GENERAL_ROOM, from, cid: `e${++k}`, ts: 2000 + k, ...extra }]))[0];
      const file = { fileId: 'f-zebra', name: 'zebracorn-plan.png', size: 4, mime: 'image/png', kind: 'image' as const, sha256: 'e'.repeat(64) };
      await send('alice01', { text: 'the zebracorn plan @bob_smith', snippet: { code: 'launchZebracorn()', language: 'ts', path: 'src/zebracorn.ts' }, file, mentions: ['bob_smith'] });
      await send('bob_smith', { text: 'a reply that stays', root: 1 });
      await send('alice01', { change: { kind: 'edit', target: 1, text: 'the zebracorn plan, v2' } });
      await send('alice01', { change: { kind: 'edit', target: 1, text: 'the zebracorn plan, v3' } });
      await send('bob_smith', { change: { kind: 'react', target: 1, emoji: '🦄' } });
      await send('bob_smith', { change: { kind: 'pin', target: 1 } });

      const traces = async () => {
        const inNodes = await rows(`
          MATCH (n) UNWIND keys(n) AS key
          WITH n, key, n[key] AS v
          WHERE (v IS :: STRING AND toLower(v) CONTAINS 'zebracorn') OR (v IS :: LIST<STRING> AND any(x IN v WHERE toLower(x) CONTAINS 'zebracorn'))
          RETURN head([l IN labels(n) WHERE l <> 'Entry']) AS label, key ORDER BY label, key`);
        const inRelationships = await rows(`
          MATCH ()-[r]->() UNWIND keys(r) AS key
          WITH r, key, r[key] AS v
          WHERE (v IS :: STRING AND toLower(v) CONTAINS 'zebracorn') OR (v IS :: LIST<STRING> AND any(x IN v WHERE toLower(x) CONTAINS 'zebracorn'))
          RETURN type(r) AS type, key`);
        const indexed = await rows(`
          CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()
          CALL db.index.fulltext.queryNodes('message_text', 'zebracorn OR launchzebracorn OR v2 OR v3') YIELD node
          RETURN count(node) AS n`);
        return { inNodes, inRelationships, indexed: indexed[0].n as number };
      };
      // The words are there before the delete: the checks below would see them.
      const before = await traces();
      assert.deepEqual(
        before.inNodes.map((r) => `${r.label}.${r.key}`),
        ['Change.text', 'Change.text', 'File.name', 'Message.searchExtra', 'Message.snippet', 'Message.text', 'Revision.text', 'Revision.text'],
      );
      assert.ok(before.indexed > 0);

      const [deleted] = await store.append([{ room: GENERAL_ROOM, from: 'alice01', cid: 'delete-it', ts: 3000, change: { kind: 'delete', target: 1 } }]);
      assert.deepEqual(deleted.unreferenced, [file.sha256]);
      assert.deepEqual(await traces(), { inNodes: [], inRelationships: [], indexed: 0 });
      assert.deepEqual(await rows('MATCH (v:Revision) RETURN count(v) AS n'), [{ n: 0 }]);
      assert.deepEqual(await rows('MATCH (:Message {seq: 1})-[r:REACTED|MENTIONS|ATTACHES]-() RETURN count(r) AS n'), [{ n: 0 }]);
      // The tombstone keeps seq, sender, time and the thread.
      const [tomb] = await rows('MATCH (m:Message {seq: 1}) RETURN properties(m) AS p');
      const { id: _id, cid: _cid, ...kept } = tomb.p as Record<string, unknown>;
      assert.deepEqual(kept, { room: GENERAL_ROOM, seq: 1, ts: 2001, from: 'alice01', deleted: true, replies: 1, repliers: ['bob_smith'], lastReply: 2002, threadSeq: 1 });
      assert.deepEqual(await rows('MATCH (r:Message)-[:REPLY_TO]->(:Message {seq: 1}) RETURN r.text AS text'), [{ text: 'a reply that stays' }]);
    });

    it('decides concurrent changes from two store instances in seq order under the room lock', async () => {
      const users = Array.from({ length: 8 }, (_, i) => `reactor_${i}`);
      for (const name of users) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      await store.append([msg(GENERAL_ROOM, users[0], 'react to me')]);
      const other = new Neo4jStore({ kind: 'neo4j', uri: server.uri, maxPoolSize: 4 });
      await other.init();
      try {
        // Every user reacts twice with the same emoji (once through each store) and replies once,
        // all at the same time: each store merges what waits into one transaction.
        const calls: Promise<AppendResult[]>[] = [];
        for (const [i, user] of users.entries()) {
          for (const [j, target] of [store, other].entries()) {
            calls.push(target.append([{ room: GENERAL_ROOM, from: user, cid: `r-${i}-${j}`, ts: 10 + i, change: { kind: 'react', target: 1, emoji: '👍' } }]));
          }
          calls.push((i % 2 === 0 ? store : other).append([{ room: GENERAL_ROOM, from: user, cid: `t-${i}`, ts: 10 + i, text: `reply ${i}`, root: 1 }]));
        }
        const results = (await Promise.all(calls)).flat();
        const applied = results.filter((r) => r.noop !== true);
        assert.equal(results.filter((r) => r.noop === true).length, users.length, 'the second reaction of each user is a no-op');
        assert.deepEqual(applied.map((r) => r.message.seq).sort((a, b) => a - b), Array.from({ length: 2 * users.length }, (_, i) => i + 2));
        const reactions = applied.filter((r) => r.message.change !== undefined).sort((a, b) => a.message.seq - b.message.seq).map((r) => r.message.from);
        const root = await other.message(GENERAL_ROOM, 1);
        assert.deepEqual(root?.reactions, { '👍': reactions }, 'reactions in the order they took their seqs');
        assert.equal(root?.replies, users.length);
        assert.equal(new Set(root?.repliers).size, users.length);
        assert.equal(await store.lastSeq(GENERAL_ROOM), 1 + 2 * users.length);
      } finally {
        await other.close();
      }
    });

    it('merges queued replies and changes into one transaction (group commit), each call keeping its own results', async () => {
      for (const name of ['writer1', 'writer2']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      await store.append([msg(GENERAL_ROOM, 'writer1', 'the root')]);
      const session = driver.session();
      const transactions: number[] = [];
      try {
        // One transaction at a time, so the calls queued behind the first are merged.
        const queue = new AppendQueue((batch) => {
          transactions.push(batch.length);
          return session.executeWrite((tx) => appendInTx(tx, batch, newMessageIds(batch.length)));
        }, 1);
        const calls = [
          queue.append([msg(GENERAL_ROOM, 'writer2', 'first, alone')]),
          queue.append([{ room: GENERAL_ROOM, from: 'writer2', cid: 'gc-1', ts: 1, change: { kind: 'react', target: 1, emoji: '👍' } }]),
          queue.append([{ room: GENERAL_ROOM, from: 'writer2', cid: 'gc-2', ts: 2, change: { kind: 'react', target: 1, emoji: '👍' } }]),
          queue.append([
            { room: GENERAL_ROOM, from: 'writer1', cid: 'gc-3', ts: 3, text: 'a reply', root: 1 },
            { room: GENERAL_ROOM, from: 'writer1', cid: 'gc-4', ts: 4, change: { kind: 'edit', target: 1, text: 'the root, edited' } },
          ]),
          queue.append([{ room: GENERAL_ROOM, from: 'writer2', cid: 'gc-5', ts: 5, change: { kind: 'edit', target: 1, text: 'not mine' } }]),
          queue.append([{ room: GENERAL_ROOM, from: 'writer1', cid: 'gc-6', ts: 6, change: { kind: 'pin', target: 1 } }]),
        ];
        const results = await Promise.all(calls);
        assert.deepEqual(transactions, [1, 6], 'everything queued behind the first call went in one transaction');
        assert.deepEqual(
          results.map((call) => call.map((r) => r.refused?.code ?? (r.noop ? 'noop' : r.message.seq))),
          [[2], [3], ['noop'], [4, 5], ['NOT_AUTHOR'], [6]],
        );
      } finally {
        await session.close();
      }
      const root = await store.message(GENERAL_ROOM, 1);
      assert.deepEqual(
        { text: root?.text, reactions: root?.reactions, replies: root?.replies, pinned: root?.pinned },
        { text: 'the root, edited', reactions: { '👍': ['writer2'] }, replies: 1, pinned: true },
      );
      assert.equal(await store.lastSeq(GENERAL_ROOM), 6);
    });

    it('answers the open threads someone started and who reacted to what in one query each', async () => {
      for (const name of ['alice01', 'bob_smith', 'carol_3']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      let k = 0;
      const send = async (from: string, extra: Partial<NewMessage>) =>
        (await store.append([{ room: GENERAL_ROOM, from, cid: `q${++k}`, ts: 5000 + k, ...extra }]))[0];
      await send('alice01', { text: 'open question' }); // 1
      await send('alice01', { text: 'settled question' }); // 2
      await send('bob_smith', { text: 'not alice' }); // 3
      await send('alice01', { text: 'nobody answered' }); // 4
      await send('bob_smith', { text: 'answer 1', root: 1 }); // 5
      await send('carol_3', { text: 'answer 2', root: 1 }); // 6
      await send('bob_smith', { text: 'answer 3', root: 2 }); // 7
      await send('carol_3', { text: 'answer 4', root: 3 }); // 8
      await send('carol_3', { change: { kind: 'resolve', target: 2 } }); // 9
      await send('bob_smith', { change: { kind: 'react', target: 1, emoji: '👍' } }); // 10
      await send('carol_3', { change: { kind: 'react', target: 3, emoji: '🎉' } }); // 11
      await send('carol_3', { change: { kind: 'react', target: 1, emoji: '👀' } }); // 12
      await send('carol_3', { change: { kind: 'unreact', target: 1, emoji: '👀' } }); // 13
      const limit = neo4j.int(50);

      const open = await rows(graphQueries.OPEN_THREADS_STARTED_BY, { user: 'alice01', limit });
      assert.deepEqual(open, [{ room: GENERAL_ROOM, seq: 1, text: 'open question', replies: 2, repliers: ['bob_smith', 'carol_3'], lastReply: 5006 }]);
      const reactions = await rows(graphQueries.REACTIONS, { limit });
      assert.deepEqual(reactions, [
        { user: 'carol_3', emoji: '🎉', room: GENERAL_ROOM, seq: 3, author: 'bob_smith', text: 'not alice' },
        { user: 'bob_smith', emoji: '👍', room: GENERAL_ROOM, seq: 1, author: 'alice01', text: 'open question' },
      ]);
    });

    it('runs the Cypher queries of the README against a populated store, each answering its question', async () => {
      const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
      const block = /```cypher\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Neo4j')));
      assert.ok(block, 'the README has a Cypher block under "## Neo4j"');
      const queries = block[1].split(/;\s*\n/).map((q) => q.trim()).filter((q) => q.length > 0);
      const byTitle = new Map(queries.map((q) => [q.split('\n')[0].replace(/^\/\/\s*/, ''), q]));

      for (const name of ['alice01', 'bob_smith', 'carol_3']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      const dm = dmRoomId('alice01', 'bob_smith');
      await store.createRoom({ id: dm, kind: 'dm', name: 'dm', createdAt: 1 }, ['alice01', 'bob_smith']);
      let k = 0;
      const send = async (room: string, from: string, extra: Partial<NewMessage>) =>
        (await store.append([{ room, from, cid: `rd${++k}`, ts: 7000 + k, ...extra }]))[0];
      await send(dm, 'alice01', { text: 'hi bob' });
      await send(dm, 'bob_smith', { text: 'hi alice' });
      await send(GENERAL_ROOM, 'alice01', { text: 'who owns the build?' }); // 1
      await send(GENERAL_ROOM, 'alice01', { text: 'lunch?' }); // 2
      await send(GENERAL_ROOM, 'bob_smith', { text: 'I do', root: 1 }); // 3
      await send(GENERAL_ROOM, 'carol_3', { text: 'at noon', root: 2 }); // 4
      await send(GENERAL_ROOM, 'alice01', { change: { kind: 'resolve', target: 2 } }); // 5
      await send(GENERAL_ROOM, 'carol_3', { change: { kind: 'react', target: 1, emoji: '👀' } }); // 6

      const run = async (title: string) => {
        const query = byTitle.get(title);
        assert.ok(query, `the README asks "${title}"`);
        return rows(query);
      };
      assert.deepEqual(
        (await run('Everything alice01 sent')).map((r) => [r.room, r.text, r.to]),
        [[GENERAL_ROOM, 'lunch?', null], [GENERAL_ROOM, 'who owns the build?', null], [dm, 'hi bob', 'bob_smith']],
      );
      assert.deepEqual((await run('Everything alice01 received privately')).map((r) => [r.from, r.text]), [['bob_smith', 'hi alice']]);
      assert.deepEqual((await run('The conversation between alice01 and bob_smith')).map((r) => r.text), ['hi bob', 'hi alice']);
      assert.deepEqual((await run('The busiest rooms (seqs are gap-free and every message or change takes one, so lastSeq counts them)')).map((r) => [r.room, r.messages]), [
        [GENERAL_ROOM, 6],
        [dm, 2],
      ]);
      assert.deepEqual(await run('The threads alice01 started that are still open'), [
        { room: GENERAL_ROOM, seq: 1, text: 'who owns the build?', replies: 1, repliers: ['bob_smith'], lastReply: 7005 },
      ]);
      assert.deepEqual(await run('Who reacted to what'), [
        { user: 'carol_3', emoji: '👀', room: GENERAL_ROOM, seq: 1, author: 'alice01', text: 'who owns the build?' },
      ]);
      // Rooms people run: roles on memberships, removals as room events.
      await store.createRoom({ id: 'ops', kind: 'group', name: 'ops', createdBy: 'bob_smith', createdAt: 1 }, ['bob_smith', 'alice01', 'carol_3']);
      await store.createRoom({ id: 'dev', kind: 'group', name: 'dev', createdBy: 'alice01', createdAt: 1 }, ['alice01', 'bob_smith']);
      await store.setRoles('dev', [{ user: 'bob_smith', role: 'admin' }]);
      await store.appendRoomEvent({ room: 'ops', from: 'bob_smith', ts: 9001, event: { kind: 'removed', user: 'carol_3' } });
      await store.removeMember('ops', 'carol_3');
      await store.appendRoomEvent({ room: 'ops', from: 'alice01', ts: 9002, event: { kind: 'topic', text: 'on call' } });
      await store.appendRoomEvent({ room: 'ops', from: 'bob_smith', ts: 9003, event: { kind: 'banned', user: 'alice01' } });
      await store.ban('ops', 'alice01', 'bob_smith', 9003);
      assert.deepEqual(await run('Rooms bob_smith administers'), [{ room: 'dev', role: 'admin' }, { room: 'ops', role: 'owner' }]);
      assert.deepEqual(await run('Who was removed from #ops and by whom'), [
        { user: 'carol_3', how: 'removed', by: 'bob_smith', at: 9001 },
        { user: 'alice01', how: 'banned', by: 'bob_smith', at: 9003 },
      ]);
      assert.deepEqual((await rows(graphQueries.ADMINISTERED_BY, { user: 'bob_smith' })).map((r) => r.room), ['dev', 'ops']);
      assert.deepEqual((await rows(graphQueries.REMOVED_FROM, { room: 'ops' })).map((r) => r.user), ['carol_3', 'alice01']);
      assert.equal(byTitle.size, 8, `every query of the README is checked here: ${[...byTitle.keys()].join(' | ')}`);
    });

    it('upgrades a database written before conversations: schema, version and the mentions of old messages', async function () {
      this.timeout(180_000);
      await store.close();
      await server.wipe();
      // The schema and data exactly as the store wrote them before conversations (version 1, no version node).
      for (const c of await rows('SHOW CONSTRAINTS YIELD name')) await rows(`DROP CONSTRAINT ${c.name as string}`);
      for (const i of await rows("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'")) await rows(`DROP INDEX ${i.name as string}`);
      for (const statement of V1_SCHEMA) await rows(statement);
      await rows('CALL db.awaitIndexes(300)');
      const dm = dmRoomId('alice01', 'bob_smith');
      await rows(`
        CREATE (a:User {name: 'alice01', passwordHash: 'h', createdAt: 1}), (b:User {name: 'bob_smith', passwordHash: 'h', createdAt: 1})
        CREATE (g:Room {id: $general, kind: 'group', name: $general, lastSeq: 3, createdAt: 1})
        CREATE (d:Room {id: $dm, kind: 'dm', name: 'dm', createdBy: null, lastSeq: 1, createdAt: 2})
        CREATE (a)-[:MEMBER_OF {lastRead: 3}]->(g), (b)-[:MEMBER_OF {lastRead: 1}]->(g)
        CREATE (a)-[:MEMBER_OF {lastRead: 0}]->(d), (b)-[:MEMBER_OF {lastRead: 1}]->(d)
        CREATE (a)-[:SENT]->(:Message {id: 'm1', room: $general, seq: 1, ts: 10, from: 'alice01', cid: 'c1', text: 'hello @bob_smith'})-[:IN]->(g)
        CREATE (a)-[:SENT]->(:Message {id: 'm2', room: $general, seq: 2, ts: 11, from: 'alice01', cid: 'c2', text: 'ping @bob_smith and @room'})-[:IN]->(g)
        CREATE (b)-[:SENT]->(:Message {id: 'm3', room: $general, seq: 3, ts: 12, from: 'bob_smith', cid: 'c3', text: 'old news', searchExtra: null})-[:IN]->(g)
        CREATE (b)-[:SENT]->(x:Message {id: 'm4', room: $dm, seq: 1, ts: 13, from: 'bob_smith', cid: 'c4', text: 'psst @alice01'})-[:IN]->(d)
        CREATE (x)-[:TO]->(a)`,
      { general: GENERAL_ROOM, dm });

      const upgraded = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await upgraded.init();
      try {
        assert.deepEqual(await rows('MATCH (s:ParleySchema) RETURN s.version AS version'), [{ version: SCHEMA_VERSION }]);
        const names = (await rows('SHOW INDEXES YIELD name, state')).filter((i) => i.state === 'ONLINE').map((i) => i.name as string);
        for (const wanted of SCHEMA.map((s) => s.name)) assert.ok(names.includes(wanted), `index ${wanted} after the upgrade`);
        assert.ok(!names.includes('message_from_cid'), 'entry_from_cid replaces message_from_cid');
        assert.deepEqual(await rows('MATCH (m:Message) WHERE NOT m:Entry RETURN count(m) AS n'), [{ n: 0 }]);
        // Mentions of the old messages count: bob_smith read up to 1 in general, alice01 nothing in the DM.
        assert.equal((await upgraded.roomInfo(GENERAL_ROOM, 'bob_smith'))?.mentions, 1);
        assert.equal((await upgraded.roomInfo(GENERAL_ROOM, 'alice01'))?.mentions, undefined);
        assert.equal((await upgraded.roomsOf('alice01')).find((r) => r.id === dm)?.mentions, 1);
        // Unread counts cover the old messages: bob_smith's one after his mark, alice01's DM.
        assert.equal((await upgraded.roomInfo(GENERAL_ROOM, 'alice01'))?.unread, 0);
        assert.equal((await upgraded.roomInfo(GENERAL_ROOM, 'bob_smith'))?.unread, 1);
        assert.equal((await upgraded.roomsOf('alice01')).find((r) => r.id === dm)?.unread, 1);
        // Old messages take part in conversations like new ones.
        const [reply] = await upgraded.append([{ room: GENERAL_ROOM, from: 'bob_smith', cid: 'n1', ts: 20, text: 'late answer', root: 3 }]);
        assert.equal(reply.message.seq, 4);
        const [edit] = await upgraded.append([{ room: GENERAL_ROOM, from: 'bob_smith', cid: 'n2', ts: 21, change: { kind: 'edit', target: 3, text: 'fresh news' } }]);
        assert.equal(edit.refused, undefined);
        await upgraded.append([{ room: GENERAL_ROOM, from: 'alice01', cid: 'n3', ts: 22, change: { kind: 'react', target: 3, emoji: '👍' } }]);
        const old = await upgraded.message(GENERAL_ROOM, 3);
        assert.deepEqual(
          { text: old?.text, edited: old?.edited, replies: old?.replies, reactions: old?.reactions },
          { text: 'fresh news', edited: 21, replies: 1, reactions: { '👍': ['alice01'] } },
        );
        assert.deepEqual((await upgraded.threads(GENERAL_ROOM, { state: 'open', limit: 10 })).messages.map((m) => m.seq), [3]);
        assert.deepEqual((await upgraded.search('alice01', 'fresh', { limit: 10 })).map((m) => m.seq), [3]);
        assert.deepEqual((await upgraded.history(GENERAL_ROOM, { limit: 10 })).messages.map((m) => m.seq), [1, 2, 3]);
      } finally {
        await upgraded.close();
      }
      // Starting again changes nothing: the mentions are not added twice.
      const again = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await again.init();
      await again.close();
      assert.deepEqual(await rows('MATCH ()-[n:MENTIONS]->() RETURN count(n) AS n'), [{ n: 4 }]);
      // A database written by a newer Parley is refused, and left as it is.
      await rows('MATCH (s:ParleySchema) SET s.version = 99');
      const older = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await assert.rejects(older.init(), /version 99/);
      await older.close();
      assert.deepEqual(await rows('MATCH (s:ParleySchema) RETURN s.version AS version'), [{ version: 99 }]);
    });

    it('upgrades a version 2 database: one (from, cid) per entry, the reacted aggregate and mentions of unknown names', async function () {
      this.timeout(180_000);
      for (const name of ['alice01', 'bob_smith']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      let k = 0;
      const send = async (from: string, extra: Partial<NewMessage>) =>
        (await store.append([{ room: GENERAL_ROOM, from, cid: `v${++k}`, ts: 1000 + k, ...extra }]))[0];
      await send('alice01', { text: 'hello @later_user', mentions: [] });
      await send('bob_smith', { change: { kind: 'react', target: 1, emoji: '👍' } });
      await send('alice01', { change: { kind: 'react', target: 1, emoji: '🎉' } });
      await store.close();
      // Back to version 2 as it was written: no :Entry, no reacted, per-label (from, cid)
      // constraints, names without a user not kept, and a post sharing a change's (from, cid).
      await rows('DROP CONSTRAINT entry_from_cid');
      await rows('DROP CONSTRAINT mentioned_name');
      await rows('CREATE CONSTRAINT message_from_cid FOR (m:Message) REQUIRE (m.from, m.cid) IS UNIQUE');
      await rows('CREATE CONSTRAINT change_from_cid FOR (c:Change) REQUIRE (c.from, c.cid) IS UNIQUE');
      await rows('MATCH (n:Entry) REMOVE n:Entry REMOVE n.reacted');
      await rows('MATCH (p:MentionedName) DETACH DELETE p');
      await rows(`MATCH (u:User {name: 'bob_smith'}), (g:Room {id: $general})
        SET g.lastSeq = 4
        CREATE (u)-[:SENT]->(:Message {id: 'shared', room: $general, seq: 4, ts: 2000, from: 'bob_smith', cid: 'v2', text: 'same cid'})-[:IN]->(g)`,
      { general: GENERAL_ROOM });
      await rows("MATCH (s:ParleySchema) SET s.version = 2");

      const upgraded = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await upgraded.init();
      try {
        assert.deepEqual(await rows('MATCH (s:ParleySchema) RETURN s.version AS version'), [{ version: SCHEMA_VERSION }]);
        const constraints = (await rows('SHOW CONSTRAINTS YIELD name')).map((c) => c.name as string);
        assert.ok(constraints.includes('entry_from_cid') && !constraints.includes('message_from_cid') && !constraints.includes('change_from_cid'));
        assert.deepEqual(await rows('MATCH (n) WHERE (n:Message OR n:Change) AND NOT n:Entry RETURN count(n) AS n'), [{ n: 0 }]);
        // The later entry (the post, seq 4) gave up the shared cid; the change keeps it.
        assert.deepEqual(await rows("MATCH (n:Entry {from: 'bob_smith'}) RETURN n.seq AS seq, n.cid AS cid ORDER BY seq"), [
          { seq: 2, cid: 'v2' },
          { seq: 4, cid: 'v2~shared' },
        ]);
        assert.deepEqual((await upgraded.message(GENERAL_ROOM, 1))?.reactions, { '👍': ['bob_smith'], '🎉': ['alice01'] });
        const [again] = await upgraded.append([{ room: GENERAL_ROOM, from: 'bob_smith', cid: 'v2', ts: 3000, text: 'resent?' }]);
        assert.equal(again.duplicate, true);
        assert.equal(again.message.seq, 2);
        // The mention found again in the text counts for a user created after the upgrade.
        await upgraded.createUser({ name: 'later_user', passwordHash: 'h', createdAt: 5 });
        assert.equal((await upgraded.roomsOf('later_user'))[0].mentions, 1);
      } finally {
        await upgraded.close();
      }
    });

    it('upgrades a version 3 database: shownSeq on what the timeline shows, so unread counts are right', async function () {
      this.timeout(180_000);
      for (const name of ['alice01', 'bob_smith']) await store.createUser({ name, passwordHash: 'h', createdAt: 1 });
      let k = 0;
      const send = async (from: string, extra: Partial<NewMessage>) =>
        (await store.append([{ room: GENERAL_ROOM, from, cid: `u${++k}`, ts: 1000 + k, ...extra }]))[0];
      await send('bob_smith', { text: 'root' }); // 1
      await send('bob_smith', { text: 'thread only', root: 1 }); // 2
      await send('bob_smith', { text: 'in the room too', root: 1, inRoom: true }); // 3
      await send('bob_smith', { change: { kind: 'react', target: 1, emoji: '👍' } }); // 4
      await send('bob_smith', { text: 'gone' }); // 5
      await send('bob_smith', { change: { kind: 'delete', target: 5 } }); // 6
      await send('bob_smith', { text: 'last' }); // 7
      await store.close();
      // Back to version 3 as it was written: no shownSeq, no index on it.
      await rows('DROP INDEX message_shown');
      await rows('MATCH (m:Message) REMOVE m.shownSeq');
      await rows("MATCH (s:ParleySchema) SET s.version = 3");

      const upgraded = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await upgraded.init();
      try {
        assert.deepEqual(await rows('MATCH (s:ParleySchema) RETURN s.version AS version'), [{ version: SCHEMA_VERSION }]);
        assert.deepEqual(await rows('MATCH (m:Message) WHERE m.shownSeq IS NOT NULL RETURN m.seq AS seq ORDER BY seq'), [{ seq: 1 }, { seq: 3 }, { seq: 7 }]);
        assert.equal((await upgraded.roomsOf('alice01'))[0].unread, 3, 'the root, the reply sent to the room, the last post');
        await upgraded.setReadMark(GENERAL_ROOM, 'alice01', 3);
        assert.equal((await upgraded.roomInfo(GENERAL_ROOM, 'alice01'))?.unread, 1);
        // The room list counts along the new index.
        const { summary } = await driver.executeQuery(`EXPLAIN ${ROOMS_OF}`, { user: 'alice01', general: GENERAL_ROOM });
        const details: string[] = [];
        const walk = (p: { operatorType: string; arguments: Record<string, unknown>; children: unknown[] }) => {
          details.push(`${p.operatorType} ${String(p.arguments.Details ?? '')}`);
          for (const c of p.children) walk(c as typeof p);
        };
        assert.ok(summary.plan);
        walk(summary.plan as unknown as Parameters<typeof walk>[0]);
        assert.ok(details.some((d) => d.includes('shownSeq') && /IndexSeek/.test(d)), details.join('\n'));
      } finally {
        await upgraded.close();
      }
    });

    it('upgrades a version 4 database: names unique regardless of case (the oldest account keeps one), sessions with ids and lastSeen', async function () {
      this.timeout(180_000);
      for (const [name, createdAt] of [['alice01', 1], ['bob_smith', 3]] as const) await store.createUser({ name, passwordHash: `h-${name}`, createdAt });
      await store.append([{ room: GENERAL_ROOM, from: 'bob_smith', cid: 'b1', ts: 10, text: 'hi' }]);
      await store.close();
      // Back to version 4 as it was written: no nameKey and its constraint, names that differ only
      // in case, and sessions without an id or lastSeen.
      await rows('DROP CONSTRAINT user_name_key');
      await rows('MATCH (u:User) REMOVE u.nameKey');
      await rows(`MATCH (g:Room {id: $general})
        CREATE (a:User {name: 'Alice01', passwordHash: 'h-newer', createdAt: 5})-[:MEMBER_OF {lastRead: 0}]->(g)
        CREATE (b:User {name: 'ALICE01', passwordHash: 'h-newest', createdAt: 9})-[:MEMBER_OF {lastRead: 0}]->(g)
        CREATE (:Session {tokenHash: 'hash-oldest', user: 'alice01', revoked: false, createdAt: 10})
        CREATE (:Session {tokenHash: 'hash-newer', user: 'Alice01', revoked: false, createdAt: 11})
        CREATE (:Session {tokenHash: 'hash-newest', user: 'ALICE01', revoked: false, createdAt: 12})
        CREATE (:Session {tokenHash: 'hash-bob', user: 'bob_smith', revoked: true, revokedAt: 20, createdAt: 13})`,
      { general: GENERAL_ROOM });
      await rows('MATCH (s:ParleySchema) SET s.version = 4');

      const before = Date.now();
      const upgraded = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await upgraded.init();
      try {
        assert.deepEqual(await rows('MATCH (s:ParleySchema) RETURN s.version AS version'), [{ version: SCHEMA_VERSION }]);
        assert.ok((await rows('SHOW CONSTRAINTS YIELD name')).some((c) => c.name === 'user_name_key'));
        for (const typed of ['alice01', 'Alice01', 'ALICE01']) assert.equal((await upgraded.getUser(typed))?.passwordHash, 'h-alice01', typed);
        assert.deepEqual(await rows('MATCH (u:User) RETURN u.name AS name, u.nameKey AS key, u.nameClash AS clash ORDER BY name'), [
          { name: 'ALICE01', key: null, clash: true },
          { name: 'Alice01', key: null, clash: true },
          { name: 'alice01', key: 'alice01', clash: null },
          { name: 'bob_smith', key: 'bob_smith', clash: null },
        ]);
        assert.deepEqual(await upgraded.listUserNames(), ['alice01', 'bob_smith']);
        assert.equal(await upgraded.createUser({ name: 'aLiCe01', passwordHash: 'x', createdAt: 50 }), false);
        for (const hash of ['hash-newer', 'hash-newest']) assert.equal(await upgraded.getSession(hash), undefined, hash);
        const kept = await upgraded.getSession('hash-oldest');
        assert.match(kept?.id ?? '', /^[0-9a-f]{32}$/);
        assert.ok((kept?.lastSeen ?? 0) >= before, 'lastSeen starts at the upgrade');
        assert.deepEqual((await upgraded.userSessions('alice01')).map((s) => s.tokenHash), ['hash-oldest']);
        assert.equal((await upgraded.getSession('hash-bob'))?.revokedAt, 20);
      } finally {
        await upgraded.close();
      }
      // Starting again changes nothing.
      const again = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await again.init();
      assert.equal((await again.getUser('ALICE01'))?.name, 'alice01');
      await again.close();
    });

    it('upgrades a version 5 database: the participants of old threads follow them, read up to their last reply', async function () {
      this.timeout(180_000);
      for (const name of ['alice01', 'bob_smith', 'carol_03', 'dave_044']) await store.createUser({ name, passwordHash: 'x', createdAt: 1 });
      const [root] = await store.append([{ room: GENERAL_ROOM, from: 'alice01', cid: 'r1', ts: 10, text: 'question' }]);
      await store.append([{ room: GENERAL_ROOM, from: 'bob_smith', cid: 'r2', ts: 11, text: 'answer', root: root.message.seq }]);
      await store.append([{ room: GENERAL_ROOM, from: 'bob_smith', cid: 'r3', ts: 12, text: '@carol_03 agrees', root: root.message.seq, mentions: ['carol_03'] }]);
      await store.close();
      // Back to version 5 as it was written: no FOLLOWS marks.
      await rows('MATCH ()-[f:FOLLOWS]->() DELETE f');
      await rows('MATCH (s:ParleySchema) SET s.version = 5');

      const upgraded = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await upgraded.init();
      try {
        assert.deepEqual(await rows('MATCH (s:ParleySchema) RETURN s.version AS version'), [{ version: SCHEMA_VERSION }]);
        for (const user of ['alice01', 'bob_smith', 'carol_03']) {
          assert.deepEqual(Object.fromEntries(await upgraded.threadUnread(GENERAL_ROOM, user, [root.message.seq])), { [root.message.seq]: 0 }, user);
        }
        assert.deepEqual(await upgraded.threadUnread(GENERAL_ROOM, 'dave_044', [root.message.seq]), new Map(), 'dave takes no part');
        await upgraded.append([{ room: GENERAL_ROOM, from: 'bob_smith', cid: 'r4', ts: 13, text: 'one more', root: root.message.seq }]);
        assert.deepEqual(Object.fromEntries(await upgraded.threadUnread(GENERAL_ROOM, 'alice01', [root.message.seq])), { [root.message.seq]: 1 });
        assert.equal((await upgraded.roomInfo(GENERAL_ROOM, 'carol_03'))?.threadUnread, 1);
      } finally {
        await upgraded.close();
      }
    });

    it('upgrades a version 6 database: creators own their rooms (or the first member, where they left), rooms stay public', async function () {
      this.timeout(180_000);
      for (const [name, createdAt] of [['alice_01', 1], ['bob_smith', 2], ['carol_03', 3]] as const) await store.createUser({ name, passwordHash: 'h', createdAt });
      await store.createRoom({ id: 'ops', kind: 'group', name: 'ops', createdBy: 'alice_01', createdAt: 4 }, ['alice_01', 'bob_smith']);
      await store.createRoom({ id: 'left-behind', kind: 'group', name: 'left-behind', createdBy: 'alice_01', createdAt: 5 }, ['carol_03', 'bob_smith']);
      await store.append([{ room: 'ops', from: 'bob_smith', cid: 'v5-1', ts: 10, text: 'before the upgrade' }]);
      await store.close();
      // Back to version 6 as it was written: no roles, no visibility.
      await rows('MATCH ()-[mo:MEMBER_OF]->() REMOVE mo.role');
      await rows('MATCH (r:Room) REMOVE r.visibility');
      await rows('MATCH (s:ParleySchema) SET s.version = 6');

      const upgraded = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
      await upgraded.init();
      try {
        assert.deepEqual(await rows('MATCH (s:ParleySchema) RETURN s.version AS version'), [{ version: SCHEMA_VERSION }]);
        assert.deepEqual(await upgraded.memberRoles('ops'), [{ user: 'alice_01', role: 'owner' }, { user: 'bob_smith', role: 'member' }]);
        assert.deepEqual(await upgraded.memberRoles('left-behind'), [{ user: 'bob_smith', role: 'owner' }, { user: 'carol_03', role: 'member' }]);
        assert.deepEqual((await upgraded.directory('carol_03', '', { limit: 10 })).map((r) => r.id), [GENERAL_ROOM, 'left-behind', 'ops']);
        assert.deepEqual((await upgraded.history('ops', { limit: 10 })).messages.map((m) => m.text), ['before the upgrade']);
        const event = await upgraded.appendRoomEvent({ room: 'ops', from: 'alice_01', ts: 20, event: { kind: 'topic', text: 'hello' } });
        assert.equal(event.seq, 2);
        // The graph answers the questions the README asks of it.
        await upgraded.ban('ops', 'bob_smith', 'alice_01', 30);
        assert.deepEqual(await rows("MATCH (u:User)-[b:BANNED_FROM]->(:Room {id: 'ops'}) RETURN u.name AS user, b.by AS by"), [{ user: 'bob_smith', by: 'alice_01' }]);
        assert.deepEqual(await rows("MATCH (u:User {name: 'bob_smith'})-[:MEMBER_OF {role: 'owner'}]->(r:Room) RETURN r.id AS room"), [{ room: 'left-behind' }]);
      } finally {
        await upgraded.close();
      }
    });

    it('fails fast with STORE_UNAVAILABLE when nothing listens, with the cause attached', async () => {
      const nowhere = new Neo4jStore({ kind: 'neo4j', uri: 'bolt://127.0.0.1:1', retryTimeMs: 500, acquireTimeoutMs: 1000 });
      const started = Date.now();
      await assert.rejects(nowhere.init(), (err: unknown) => {
        assert.ok(err instanceof ParleyError);
        assert.equal(err.code, 'STORE_UNAVAILABLE');
        assert.match(err.message, /could not be opened/);
        assert.ok((err as { cause?: unknown }).cause instanceof Error);
        return true;
      });
      assert.ok(Date.now() - started < 10_000);
      await nowhere.close();
      assert.equal(nowhere.description, 'neo4j bolt://127.0.0.1:1');
      const described = new Neo4jStore({ kind: 'neo4j', uri: 'bolt://u:secret@db.example:7687', user: 'parley', password: 'secret', database: 'chat' });
      assert.ok(!described.description.includes('secret'), described.description);
    });
  });

  describe('toLuceneQuery', () => {
    it('quotes every word so operators and punctuation are plain text', () => {
      assert.equal(toLuceneQuery('deploy AND (staging'), '+"deploy" +"AND" +"staging"');
      assert.equal(toLuceneQuery('say "hello world" now'), '+"say" +"hello world" +"now"');
      assert.equal(toLuceneQuery('title:x -y config.json'), '+"title x" +"y" +"config json"');
    });

    it('has no prefix search: * is punctuation', () => {
      assert.equal(toLuceneQuery('Depl*'), '+"Depl"');
      assert.equal(toLuceneQuery('src/ma*'), '+"src ma"');
      assert.equal(toLuceneQuery('*'), undefined);
    });

    it('drops what has nothing to search for and keeps at most 16 terms', () => {
      assert.equal(toLuceneQuery(''), undefined);
      assert.equal(toLuceneQuery('  ( ) "" 🎉 \u0000 '), undefined);
      assert.equal(toLuceneQuery('🎉 party'), '+"party"');
      assert.equal(toLuceneQuery(Array(40).fill('w').join(' '))?.split(' ').length, 16);
    });
  });

  describe('searchExtra', () => {
    it('holds code, path and file name as plain words, and splits words Lucene would keep whole', () => {
      assert.equal(searchExtra('plain words only', undefined, undefined), null);
      assert.equal(searchExtra('see config.json and snake_case, ok?', undefined, undefined), 'config json snake case');
      assert.equal(
        searchExtra(undefined, { code: 'const x = f(1);', language: 'ts', path: 'src/a.ts' }, 'report.pdf'),
        'src a ts const x f 1 report pdf',
      );
    });
  });
});
