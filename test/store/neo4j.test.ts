import { strict as assert } from 'node:assert';
import neo4j, { type Driver } from 'neo4j-driver';
import { GENERAL_ROOM, ParleyError, dmRoomId } from '../../protocol';
import { Neo4jStore, graphQueries } from '../../server/store/neo4j';
import { appendInTx, newMessageIds } from '../../server/store/neo4j/append';
import { toLuceneQuery } from '../../server/store/neo4j/lucene-query';
import { searchExtra } from '../../server/store/neo4j/records';
import type { NewMessage, Store } from '../../server/store/store';
import { useNeo4j } from '../helpers/neo4j';
import { storeContract } from './contract';

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
        'Change(from,cid)',
        'Change(room,seq)',
        'File(fileId)',
        'Message(from,cid)',
        'Message(id)',
        'Message(room,seq)',
        'Room(id)',
        'Session(tokenHash)',
        'User(name)',
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
      await store.createSession('token-hash', 'alice_1', 5);

      const sent = await rows('MATCH (:User {name: $u})-[:SENT]->(m:Message)-[:IN]->(r:Room) RETURN r.id AS room, m.seq AS seq ORDER BY room, seq', { u: 'alice_1' });
      assert.deepEqual(sent, [{ room: dm, seq: 1 }, { room: GENERAL_ROOM, seq: 1 }]);
      const to = await rows('MATCH (m:Message)-[:TO]->(u:User) RETURN m.from AS from, u.name AS to ORDER BY m.seq');
      assert.deepEqual(to, [{ from: 'alice_1', to: 'bob_two' }, { from: 'bob_two', to: 'alice_1' }, { from: 'bob_two', to: 'alice_1' }]);
      const members = await rows('MATCH (u:User)-[mo:MEMBER_OF]->(r:Room) RETURN r.id AS room, u.name AS user, mo.lastRead AS lastRead ORDER BY room, user');
      assert.deepEqual(members, [
        { room: dm, user: 'alice_1', lastRead: 2 },
        { room: dm, user: 'bob_two', lastRead: 0 },
        { room: GENERAL_ROOM, user: 'alice_1', lastRead: 0 },
        { room: GENERAL_ROOM, user: 'bob_two', lastRead: 0 },
        { room: GENERAL_ROOM, user: 'carol_3', lastRead: 0 },
        { room: 'ops', user: 'alice_1', lastRead: 0 },
        { room: 'ops', user: 'carol_3', lastRead: 0 },
      ]);
      const attached = await rows('MATCH (m:Message)-[:ATTACHES]->(f:File) RETURN m.room AS room, m.seq AS seq, f {.*} AS f');
      assert.deepEqual(attached, [
        { room: dm, seq: 3, f: { fileId: 'f1', name: 'a.png', size: 5, mime: 'image/png', kind: 'image', sha256: 'aa'.repeat(32), room: dm, uploader: 'bob_two', ts: 9 } },
      ]);
      const rooms = await rows('MATCH (r:Room) RETURN r.id AS id, r.kind AS kind, r.lastSeq AS lastSeq ORDER BY id');
      assert.deepEqual(rooms, [{ id: dm, kind: 'dm', lastSeq: 3 }, { id: GENERAL_ROOM, kind: 'group', lastSeq: 1 }, { id: 'ops', kind: 'group', lastSeq: 1 }]);
      assert.deepEqual(await rows('MATCH (s:Session) RETURN s.tokenHash AS t, s.user AS user, s.revoked AS revoked'), [{ t: 'token-hash', user: 'alice_1', revoked: false }]);
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
      const seqs = [good.value[0].message.seq, also.value[0].message.seq].sort();
      assert.deepEqual(seqs, [2, 3]);
      assert.equal(await store.lastSeq(GENERAL_ROOM), 3);
      assert.deepEqual((await store.history(GENERAL_ROOM, { limit: 10 })).messages.map((m) => m.text), ['one', 'two', 'three']);
      assert.deepEqual(await store.search('writer1', 'lost', { limit: 5 }), []);
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
