import * as assert from 'node:assert/strict';
import { dmRoomId, type ServerFrame } from '../../protocol';
import { NODE_TTL_MS } from '../../server/cluster/cluster';
import { Neo4jStore } from '../../server/store/neo4j';
import { Client, uniqueUser } from '../server/chat-helpers';
import { assertOrderedOnce, connectTo as connect, killTrial, resumeAt as resume, signInAt as signIn, statuses } from './failover-check';
import { startHaproxy, type Haproxy } from '../helpers/haproxy';
import { useNeo4j } from '../helpers/neo4j';
import type { TestServer } from '../helpers/server';
import { RedisGate, dropPrefix, runPrefix, startNode, until, type NodeSpec } from './harness';

type Msg = Extract<ServerFrame, { t: 'msg' }>;

/** The seqs of a room's msg frames a connection got, in arrival order. */
function seqsOf(c: Client, room: string): number[] {
  return c.msgs(room).map((m) => m.seq);
}

/** Resolves when the connection closes, with the code of the error frame the server closed it with. */
/** The room's posts a client got, its room events (joined, left…) aside. */
function posts(c: Client, room: string) {
  return c.msgs(room).filter((m) => m.event === undefined);
}

function closed(c: Client): Promise<string> {
  return new Promise((resolve) => {
    let code = 'none';
    c.conn.on('server-error', (err: { code: string }) => (code = err.code));
    c.conn.once('close', () => resolve(code));
  });
}

const TRIALS = Number(process.env.PARLEY_CLUSTER_TRIALS ?? 10);

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
  let haproxy: Haproxy;

  before(async function () {
    this.timeout(240_000);
    await neo4j.wipe();
    await gate.listen();
    specs = ['n1', 'n2', 'n3'].map((id) => ({ neo4j: neo4j.uri, redisPort: gate.port, prefix, id, args: ['--rate-limit', '5', '--rate-burst', '40'] }));
    // One at a time: the first creates the schema, the others find it.
    for (const spec of specs) nodes.push(await startNode(spec));
    haproxy = await startHaproxy({ servers: nodes.map((n, i) => ({ name: specs[i].id, port: n.port })) });
  });

  afterEach(function () {
    for (const c of clients.splice(0)) c.close();
    if (this.currentTest?.state === 'failed') {
      for (const node of nodes) for (const line of node.logs.filter((l) => l.level >= 40).slice(-20)) process.stderr.write(`${JSON.stringify(line)}\n`);
    }
  });

  after(async () => {
    await haproxy?.stop();
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

  it('shows a user connected to two nodes online once, and offline only when the last connection goes', async () => {
    const watcher = await on(2);
    const x = await on(0);
    await until(() => statuses(watcher, x.user).includes('online'), 10_000, 'x online on the third node');
    const x2 = await again(1, x);
    const firstGone = new Promise((resolve) => x.conn.once('close', resolve));
    x.close();
    await firstGone;
    // A later change from the second node shows what the watcher saw in between: no offline.
    x2.conn.send({ t: 'status', status: 'away' });
    await until(() => statuses(watcher, x.user).includes('away'), 10_000, 'x away');
    // (A new user is announced offline at registration; what counts is what follows sign-in.)
    const seen = statuses(watcher, x.user);
    assert.deepEqual(seen.slice(seen.indexOf('online')), ['online', 'away'], 'online once, never offline while the second node holds a connection');
    x2.close();
    await until(() => statuses(watcher, x.user).includes('offline'), 10_000, 'x offline');
  });

  it('ends a session on every node: a logout on one closes its connections on the others, a revoke too', async () => {
    const a = await on(0);
    const aElsewhere = await again(1, a);
    const gone = closed(aElsewhere);
    await a.conn.request({ t: 'logout' });
    assert.equal(await gone, 'UNAUTHENTICATED');
    // A second device revokes the first one's session, which is open on two other nodes.
    const b1 = await on(1);
    const b2Conn = await signIn(nodes[2], b1.user, { register: false });
    clients.push(b2Conn);
    const b1Other = await again(0, b1);
    const ends = [closed(b1), closed(b1Other)];
    await b2Conn.conn.request({ t: 'revoke', all: true });
    assert.deepEqual(await Promise.all(ends), ['SESSION_REVOKED', 'SESSION_REVOKED']);
    // And the revoked token resumes nowhere.
    await assert.rejects(resume(nodes[2], b1), /revoked|ended/i);
  });

  it('gives a flood spread over three nodes one budget, and counts failed sign-ins across nodes', async () => {
    const f = await on(0);
    const conns = [f, await again(1, f), await again(2, f)];
    const started = Date.now();
    const answers = await Promise.all(
      conns.flatMap((c, i) => Array.from({ length: 30 }, (_, j) => c.send('general', `flood ${i}.${j}`).then(() => 'ack', (err: { code?: string }) => err.code ?? 'error'))),
    );
    const seconds = Math.ceil((Date.now() - started) / 1000);
    const acked = answers.filter((a) => a === 'ack').length;
    // A burst of 40 and 5 a second, whichever node: not 3 × 40.
    assert.ok(acked <= 40 + 5 * seconds + 1, `${acked} of 90 acked in ${seconds} s`);
    assert.equal(answers.filter((a) => a !== 'ack').every((a) => a === 'RATE_LIMITED'), true);
    assert.ok(answers.filter((a) => a === 'RATE_LIMITED').length >= 90 - (40 + 5 * seconds + 1));

    // Wrong passwords for one user from one address, round the nodes: 5 at once in all, not 5 per node.
    const victim = await on(1);
    const codes: string[] = [];
    const since = Date.now();
    for (let i = 0; i < 9; i++) {
      const conn = await connect(nodes[i % 3]);
      codes.push(await conn.request({ t: 'login', user: victim.user, password: 'wrong-pass' }).then(() => 'ok', (err: { code?: string }) => err.code ?? 'error'));
      conn.close();
    }
    assert.deepEqual(codes.slice(0, 5), Array(5).fill('BAD_CREDENTIALS'));
    // 5 at once, then one per 10 s (--login-rate-limit 6 a minute), wherever they land.
    const allowed = 5 + Math.floor((Date.now() - since) / 10_000);
    assert.ok(codes.filter((c) => c === 'BAD_CREDENTIALS').length <= allowed, codes.join(' '));
    assert.ok(codes.includes('RATE_LIMITED'), codes.join(' '));
  });

  it('goes on serving while Redis is away for 5 s, then every connection gets what it missed, in order, once', async () => {
    const users = [await on(0), await on(1), await on(2)];
    const sent = (u: Client, n: number, tag: string) => Promise.all(Array.from({ length: n }, (_, i) => u.send('general', `${tag} ${u.user} ${i}`)));
    const before = await Promise.all(users.map((u) => sent(u, 3, 'before')));
    // A room of users[0] that users[1] joins, with users[1] connected to node 2 as well.
    const room = `o${Date.now().toString(36)}`;
    await users[0].conn.request({ t: 'create', name: room });
    const leaverElsewhere = await again(2, users[1]);
    await users[1].conn.request({ t: 'join', room });
    // Node 2 knows the room and its new member once a post in it reaches users[1] there, live or
    // (when node 2 read the room after the post was stored) as the `room` frame's lastSeq.
    const hello = await users[0].send(room, 'hello room');
    await leaverElsewhere.waitFor(
      (f) =>
        (f.t === 'msg' && f.room === room && f.seq === hello.seq) ||
        (f.t === 'room' && (f as { room: { id: string; lastSeq: number } }).room.id === room && (f as { room: { lastSeq: number } }).room.lastSeq >= hello.seq),
      20_000,
      'the room on node 2',
    );
    gate.down();
    const outage = Date.now();
    // A leave while no note can cross: node 2 learns it from the store once Redis is back.
    await users[1].conn.request({ t: 'leave', room });
    // Each node stores and acks its own clients' messages meanwhile.
    const during = await Promise.all(users.map((u) => sent(u, 5, 'during')));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 5000 - (Date.now() - outage))));
    gate.up();
    const after = await Promise.all(users.map((u) => sent(u, 3, 'after')));
    const all = [...before, ...during, ...after].flat();
    const top = Math.max(...all.map((a) => a.seq));
    const first = Math.min(...before.flat().map((a) => a.seq));
    for (const u of users) {
      const mine = new Set([...before, ...during, ...after][0] === undefined ? [] : [before, during, after].flatMap((round) => round[users.indexOf(u)].map((a) => a.seq)));
      const want = all.map((a) => a.seq).filter((s) => !mine.has(s)).sort((a, b) => a - b);
      await until(() => u.msgs('general').filter((m) => m.seq >= first).length >= want.length, 20_000, `${u.user} to catch up`);
      const got = u.msgs('general').map((m) => m.seq).filter((s) => s >= first);
      assertOrderedOnce(got, u.user);
      assert.deepEqual(got.filter((s) => s <= top && want.includes(s)), want);
    }
    await leaverElsewhere.waitFor((f) => f.t === 'room_left' && f.room === room, 20_000, 'room_left on node 2 after the outage');
    const fills = nodes.flatMap((n) => n.logs.filter((l) => l.msg === 'filled a gap in a room from the store'));
    assert.ok(fills.length > 0, 'the events published while Redis was away came from the store');
  });

  it(`survives kill -9 of a node mid-traffic (${TRIALS} trials): acked messages stored once with their seq, clients resume through HAProxy and miss nothing, the dead node's users go offline within the TTL`, async function () {
    this.timeout(60_000 + TRIALS * 40_000);
    const store = new Neo4jStore({ kind: 'neo4j', uri: neo4j.uri });
    await store.init();
    try {
      const rig = { nodes, specs, balancer: haproxy, store };
      for (let trial = 0; trial < TRIALS; trial++) {
        const { offlineMs } = await killTrial(rig, trial, trial % 3);
        assert.ok(offlineMs <= NODE_TTL_MS + 3000);
      }
    } finally {
      await store.close();
    }
  });

  it('carries joins, leaves, typing and read marks across nodes: a leave on one node stops delivery on the others', async () => {
    const owner = await on(2);
    const u = await on(0);
    const uElsewhere = await again(1, u);
    const room = `r${Date.now().toString(36)}`;
    await owner.conn.request({ t: 'create', name: room });
    await u.conn.request({ t: 'join', room });
    // u's connection on node 1 learns of the room as the joining connection's node tells it.
    await uElsewhere.waitFor((f) => f.t === 'room' && (f as { room: { id: string } }).room.id === room, 20_000, 'the room frame on the other node');
    // From then on the owner's post reaches u on both nodes.
    await owner.send(room, 'welcome');
    await until(() => posts(u, room).length === 1 && posts(uElsewhere, room).length === 1, 20_000, 'the post after the join on both of u\'s nodes');
    // Typing and a read mark made on node 0 reach the owner on node 2 and u's other connection.
    u.conn.send({ t: 'typing', room });
    await owner.waitFor((f) => f.t === 'typing' && f.room === room && (f as { user: string }).user === u.user, 20_000, 'typing from another node');
    await u.conn.request({ t: 'read', room, seq: 1 });
    await uElsewhere.waitFor((f) => f.t === 'read' && f.room === room, 20_000, 'the read mark on the other node');

    await u.conn.request({ t: 'leave', room });
    await uElsewhere.waitFor((f) => f.t === 'room_left' && f.room === room, 20_000, 'room_left on the other node');
    // Node 2 publishes both in this order; the general post's arrival on node 1 shows the room's would have come first.
    await owner.send(room, 'after the leave');
    const marker = await owner.send('general', `marker ${room}`);
    await uElsewhere.waitFor((f) => f.t === 'msg' && f.room === 'general' && f.seq === marker.seq, 20_000, 'the marker');
    assert.equal(posts(uElsewhere, room).length, 1, 'nothing of the room after the leave, on any node');
    assert.equal(posts(u, room).length, 1);
    // The room's events (the leave itself) reached u's other connection too, each once, in order.
    const seqs = uElsewhere.msgs(room).map((m) => m.seq);
    assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b));
  });
});
