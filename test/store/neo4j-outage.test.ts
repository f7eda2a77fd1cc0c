import { strict as assert } from 'node:assert';
import { GENERAL_ROOM, ParleyError, type ChatMessage } from '../../protocol';
import { Neo4jStore } from '../../server/store/neo4j';
import { useNeo4j } from '../helpers/neo4j';

const WRITER = 'writer_1';
/** How long one call may take while Neo4j is gone: retry time + acquisition timeout + slack for a loaded machine. */
const BOUND_MS = 20_000;

interface Acked {
  cid: string;
  seq: number;
  msgId: string;
}

function isUnavailable(err: unknown): boolean {
  return err instanceof ParleyError && err.code === 'STORE_UNAVAILABLE';
}

describe('Neo4j store outage', function () {
  this.timeout(300_000);
  const server = useNeo4j();
  let store: Neo4jStore;

  before(async () => {
    store = new Neo4jStore({ kind: 'neo4j', uri: server.uri, retryTimeMs: 3000, acquireTimeoutMs: 3000 });
    await store.init();
    await store.createUser({ name: WRITER, passwordHash: 'h', createdAt: 1 });
  });

  after(async () => {
    await store?.close();
  });

  /**
   * Writers append one message at a time until their first failure. Returns what was acked, what
   * failed (and how long the failing call took), once `kill` has been run after `ackedBefore` acks.
   */
  async function appendThrough(kill: () => Promise<void>, ackedBefore = 20) {
    const acked: Acked[] = [];
    const failed: { cid: string; err: unknown; ms: number }[] = [];
    let n = 0;
    const writer = async (w: number) => {
      for (;;) {
        const cid = `${Date.now()}-${w}-${++n}`;
        const started = Date.now();
        try {
          const [r] = await store.append([{ room: GENERAL_ROOM, from: WRITER, cid, ts: started, text: `message ${cid}` }]);
          acked.push({ cid, seq: r.message.seq, msgId: r.message.msgId });
        } catch (err) {
          failed.push({ cid, err, ms: Date.now() - started });
          return;
        }
      }
    };
    const writers = [1, 2, 3, 4].map(writer);
    while (acked.length < ackedBefore) await new Promise((r) => setTimeout(r, 20));
    await kill();
    const settled = await Promise.race([
      Promise.all(writers).then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 2 * BOUND_MS)),
    ]);
    assert.ok(settled, 'appends in flight when Neo4j went away must settle, not hang');
    return { acked, failed };
  }

  async function assertDownFast() {
    for (const call of [
      () => store.append([{ room: GENERAL_ROOM, from: WRITER, cid: `down-${Date.now()}`, ts: 1, text: 'while down' }]),
      () => store.history(GENERAL_ROOM, { limit: 10 }),
      () => store.getUser(WRITER),
    ]) {
      const started = Date.now();
      await assert.rejects(call(), isUnavailable);
      assert.ok(Date.now() - started < BOUND_MS, `refusal took ${Date.now() - started} ms`);
    }
  }

  /** Every acked message is stored as acked, and the room is gap-free. */
  async function assertStored(acked: Acked[]) {
    const last = await store.lastSeq(GENERAL_ROOM);
    const all: ChatMessage[] = [];
    for (let after = 0; after < last; ) {
      const page = await store.since(GENERAL_ROOM, after, 500);
      if (page.length === 0) break;
      all.push(...page);
      after = page[page.length - 1].seq;
    }
    assert.deepEqual(all.map((m) => m.seq), Array.from({ length: last }, (_, i) => i + 1), 'gap-free');
    const byCid = new Map(all.map((m) => [m.cid, m]));
    for (const a of acked) {
      const m = byCid.get(a.cid);
      assert.ok(m, `acked ${a.cid} is stored`);
      assert.equal(m.seq, a.seq);
      assert.equal(m.msgId, a.msgId);
    }
  }

  /** Unacked messages may or may not have been committed; resending them settles which, exactly once. */
  async function resend(failed: { cid: string }[]) {
    for (const f of failed) {
      const [r] = await store.append([{ room: GENERAL_ROOM, from: WRITER, cid: f.cid, ts: 1, text: `message ${f.cid}` }]);
      assert.equal(r.message.cid, f.cid);
    }
  }

  const allAcked: Acked[] = [];

  it('refuses with STORE_UNAVAILABLE in bounded time when Neo4j stops mid-write, and stores every acked message', async () => {
    const { acked, failed } = await appendThrough(() => server.stop());
    allAcked.push(...acked);
    assert.equal(failed.length, 4);
    for (const f of failed) {
      assert.ok(isUnavailable(f.err), `expected STORE_UNAVAILABLE, got ${String(f.err)}`);
      assert.ok(f.ms < BOUND_MS, `a failing append took ${f.ms} ms`);
    }
    await assertDownFast();

    await server.start();
    // The same instance, no reconnect call: the driver replaces its dead connections.
    const [after] = await store.append([{ room: GENERAL_ROOM, from: WRITER, cid: `back-${Date.now()}`, ts: 1, text: 'back' }]);
    assert.equal(after.duplicate, false);
    await assertStored(allAcked);
    await resend(failed);
    await assertStored(allAcked);
  });

  it('survives a crash of Neo4j (SIGKILL) the same way', async () => {
    const { acked, failed } = await appendThrough(async () => {
      process.kill(server.server.pid, 'SIGKILL');
      await server.stop();
    });
    allAcked.push(...acked);
    for (const f of failed) {
      assert.ok(isUnavailable(f.err), `expected STORE_UNAVAILABLE, got ${String(f.err)}`);
      assert.ok(f.ms < BOUND_MS, `a failing append took ${f.ms} ms`);
    }
    await assertDownFast();

    await server.start();
    assert.equal((await store.getUser(WRITER))?.name, WRITER);
    await assertStored(allAcked);
    await resend(failed);
    await assertStored(allAcked);
    const search = await store.search(WRITER, 'back', { limit: 5 });
    assert.equal(search.length, 1);
  });
});
