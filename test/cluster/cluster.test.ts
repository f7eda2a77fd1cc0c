import * as assert from 'node:assert/strict';
import path from 'node:path';
import { dmRoomId, type ServerFrame } from '../../protocol';
import { Client, signIn, resume, uniqueUser } from '../server/chat-helpers';
import { useNeo4j } from '../helpers/neo4j';
import type { TestServer } from '../helpers/server';
import { RedisGate, dropPrefix, runPrefix, startNode, until, type NodeSpec } from './harness';

type Msg = Extract<ServerFrame, { t: 'msg' }>;

/** The seqs of a room's msg frames a connection got, in arrival order. */
function seqsOf(c: Client, room: string): number[] {
  return c.msgs(room).map((m) => m.seq);
}

/** Strictly increasing: in order and no repeat. */
function assertOrderedOnce(seqs: number[], what: string): void {
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `${what}: seq ${seqs[i]} after ${seqs[i - 1]}`);
}

const ROOT = path.resolve(__dirname, '../..');

// Three parley-server nodes on one Neo4j and the real Redis (through a gate the test can cut),
// with connections made straight to chosen nodes: what each node delivers is checked exactly.
describe('cluster: three nodes on one Neo4j and Redis', function () {
  this.timeout(180_000);
  const neo4j = useNeo4j();
  const prefix = runPrefix();
  const gate = new RedisGate();
  const nodes: TestServer[] = [];
  const clients: Client[] = [];
  let specs: NodeSpec[];

  before(async function () {
    this.timeout(240_000);
    await neo4j.wipe();
    await gate.listen();
    specs = ['n1', 'n2', 'n3'].map((id) => ({ neo4j: neo4j.uri, redisPort: gate.port, prefix, id, args: ['--rate-limit', '0'] }));
    // One at a time: the first creates the schema, the others find it.
    for (const spec of specs) nodes.push(await startNode(spec));
    void ROOT;
  });

  afterEach(function () {
    for (const c of clients.splice(0)) c.close();
    if (this.currentTest?.state === 'failed') {
      for (const node of nodes) for (const line of node.logs.filter((l) => l.level >= 40).slice(-20)) process.stderr.write(`${JSON.stringify(line)}\n`);
    }
  });

  after(async () => {
    for (const node of nodes) await node.stop().catch(() => undefined);
    for (const node of nodes) node.cleanup();
    await gate.close();
    await dropPrefix(prefix);
  });

  async function on(node: number, user = uniqueUser('cl')): Promise<Client> {
    const c = await signIn(nodes[node], user);
    clients.push(c);
    return c;
  }

  async function again(node: number, c: Client): Promise<Client> {
    const other = await resume(nodes[node], c);
    clients.push(other);
    return other;
  }

  it('delivers group, DM and thread traffic sent through every node to every node, in seq order, exactly once', async () => {
    const users = [await on(0), await on(1), await on(2)];
    // ann's second connection, on another node: it gets ann's own messages as msg frames.
    const annElsewhere = await again(2, users[0]);
    const [ann, ben] = users;
    const dm = dmRoomId(ann.user, ben.user);
    const PER = 15;
    // What each connection sent, by room: it gets acks for those, msg frames for everything else.
    const own = new Map<Client, { general: Set<number>; dm: Set<number> }>(users.map((u) => [u, { general: new Set(), dm: new Set() }]));
    const send = (u: Client, room: string, text: string, root?: number) =>
      u.conn.request<Extract<ServerFrame, { t: 'ack' }>>({ t: 'send', room, cid: `${u.user}-${Math.random()}`, text, ...(root !== undefined ? { root } : {}) }).then((ack) => {
        own.get(u)?.[room === dm ? 'dm' : 'general'].add(ack.seq);
        return ack;
      });
    const sends: Promise<Extract<ServerFrame, { t: 'ack' }>>[] = [];
    for (let i = 0; i < PER; i++) {
      for (const u of users) sends.push(send(u, 'general', `${u.user} ${i}`));
      sends.push(send(ann, dm, `ann to ben ${i}`), send(ben, dm, `ben to ann ${i}`));
    }
    const acks = await Promise.all(sends);
    const root = acks[0].seq;
    const replies = await Promise.all(users.map((u) => send(u, 'general', 'in thread', root)));
    const generalTop = Math.max(...acks.filter((a) => a.room === 'general').map((a) => a.seq), ...replies.map((r) => r.seq));
    const dmTop = Math.max(...acks.filter((a) => a.room === dm).map((a) => a.seq));
    assert.equal(dmTop, 2 * PER, 'the DM took seqs 1..30 across two nodes');
    const expectGeneral = (_c: Client, mine: Set<number>) => Array.from({ length: generalTop }, (_, i) => i + 1).filter((s) => !mine.has(s));
    const ownSeqs = (u: Client, room: string) => (room === dm ? own.get(u)?.dm : own.get(u)?.general) ?? new Set<number>();

    for (const u of users) {
      const want = expectGeneral(u, ownSeqs(u, 'general'));
      await until(() => u.msgs('general').length >= want.length, 20_000, `${u.user} to have ${want.length} general events`);
      assert.deepEqual(seqsOf(u, 'general'), want, `${u.user}: general exactly once, in order`);
    }
    // ann's other connection, on the third node, sees everything in general, hers included.
    await until(() => annElsewhere.msgs('general').length >= generalTop, 20_000, 'ann elsewhere to have all of general');
    assert.deepEqual(seqsOf(annElsewhere, 'general'), Array.from({ length: generalTop }, (_, i) => i + 1));
    for (const [u, other] of [[ann, ben], [ben, ann]] as const) {
      const own = ownSeqs(u, dm);
      const want = Array.from({ length: dmTop }, (_, i) => i + 1).filter((s) => !own.has(s));
      await until(() => u.msgs(dm).length >= want.length, 20_000, `${u.user} to have the DM`);
      assert.deepEqual(seqsOf(u, dm), want, `${u.user}: the DM from ${other.user} exactly once, in order`);
    }
    await until(() => annElsewhere.msgs(dm).length >= dmTop, 20_000, 'ann elsewhere to have the DM');
    assertOrderedOnce(seqsOf(annElsewhere, dm), 'ann elsewhere, DM');
    // The third user never sees the DM.
    assert.equal(users[2].msgs(dm).length, 0);
    // Thread replies crossed nodes too.
    for (const u of users) assert.equal(u.msgs('general').filter((m: Msg) => m.root === root).length, 2);
  });
});
