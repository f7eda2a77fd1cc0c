// Real network faults between a node and Redis: Redis runs in a network namespace and each node
// reaches it over its own veth pair, whose packets the test drops (both ways, no reset) for a
// while. Nothing is refused or closed: the node's TCP keeps retransmitting, as on a real network.
import * as assert from 'node:assert/strict';
import { GENERAL_ROOM, dmRoomId } from '../../protocol';
import { NODE_TTL_MS } from '../../server/cluster/cluster';
import { useNeo4j } from '../helpers/neo4j';
import { TestServer } from '../helpers/server';
import { uniqueUser, type Client } from '../server/chat-helpers';
import { SLOW_MS, assertOrderedOnce, resumeAt, signInAt, statuses } from './failover-check';
import { runPrefix, until } from './harness';
import { NetnsRedis } from './netns';

const SHORT_PARTITION_MS = 3000;
/** Past the presence TTL, so the others take the node for dead. */
const LONG_PARTITION_MS = NODE_TTL_MS + 3000;

describe('cluster: a node cut from Redis by the network (network namespace, packets dropped)', function () {
  this.timeout(300_000);
  const neo4j = useNeo4j();
  const prefix = runPrefix();
  const nodes: TestServer[] = [];
  const clients: Client[] = [];
  let redis: NetnsRedis | undefined;

  before(async function () {
    // A fresh Neo4j's schema takes a node half a minute on a busy machine.
    this.timeout(420_000);
    await neo4j.wipe();
    redis = await NetnsRedis.start(2);
    for (const [i, id] of ['f1', 'f2'].entries()) {
      const { host, port } = redis.address(i);
      nodes.push(
        await TestServer.start({
          args: ['--neo4j', neo4j.uri, '--cluster', `redis://${host}:${port}?prefix=${prefix}`, '--node-id', id, '--log-level', 'info'],
          timeoutMs: 180_000,
        }),
      );
    }
  });

  afterEach(function () {
    // A test that failed mid-partition leaves no link cut for the next.
    for (let i = 0; i < nodes.length; i++) {
      try {
        redis?.heal(i);
      } catch {
        // not cut
      }
    }
    if (this.currentTest?.state === 'failed') {
      for (const node of nodes) for (const line of node.logs.filter((l) => l.level >= 40).slice(-20)) process.stderr.write(`${JSON.stringify(line)}\n`);
    }
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const node of nodes) {
      await node.stop().catch(() => undefined);
      node.cleanup();
    }
    // Redis, the namespace and every veth go, whatever happened above.
    await redis?.close();
  });

  const on = async (node: number, user = uniqueUser('nf')) => {
    const c = await signInAt(nodes[node], user);
    clients.push(c);
    return c;
  };

  it(`keeps every guarantee across a ${SHORT_PARTITION_MS / 1000} s partition: the cut node serves its clients, and once healed every connection has every message once, in order`, async () => {
    const a = await on(0);
    const b = await on(1);
    const aElsewhere = await resumeAt(nodes[1], { user: a.user, token: a.session.token });
    clients.push(aElsewhere);
    const dm = dmRoomId(a.user, b.user);
    // Each connection gets acks for its own sends and msg frames for everything else.
    const own = new Map<Client, Set<number>>([[a, new Set()], [b, new Set()]]);
    const burst = async (c: Client, room: string, n: number, tag: string) => {
      const acks = await Promise.all(Array.from({ length: n }, (_, i) => c.send(room, `${tag} ${c.user} ${i}`)));
      for (const ack of acks) own.get(c)?.add(ack.seq);
      return acks;
    };
    const before = [...(await burst(a, GENERAL_ROOM, 3, 'before')), ...(await burst(b, GENERAL_ROOM, 3, 'before')), ...(await burst(a, dm, 2, 'before'))];

    redis!.partition(0);
    const cut = Date.now();
    // The cut node stores and acks its own clients' messages meanwhile (its budgets fall back to its own buckets).
    const during = [...(await burst(a, GENERAL_ROOM, 5, 'during')), ...(await burst(a, dm, 3, 'during')), ...(await burst(b, GENERAL_ROOM, 5, 'during')), ...(await burst(b, dm, 3, 'during'))];
    assert.ok(Date.now() - cut < SHORT_PARTITION_MS, `the cut node answered its clients during the partition (${Date.now() - cut} ms)`);
    // The partition lasts its length; nothing is decided by this wait.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, SHORT_PARTITION_MS - (Date.now() - cut))));
    redis!.heal(0);
    const after = [...(await burst(a, GENERAL_ROOM, 2, 'after')), ...(await burst(b, GENERAL_ROOM, 2, 'after')), ...(await burst(b, dm, 2, 'after'))];

    const all = [...before, ...during, ...after];
    const check = async (c: Client, room: string, mine: Set<number>) => {
      const inRoom = all.filter((ack) => ack.room === room).map((ack) => ack.seq);
      const want = inRoom.filter((s) => !mine.has(s)).sort((x, y) => x - y);
      const first = Math.min(...inRoom);
      const got = () => c.msgs(room).map((m) => m.seq).filter((s) => s >= first);
      await until(() => want.every((s) => got().includes(s)), SLOW_MS, `${c.user} on ${room} to have ${want.join(',')} (has ${got().join(',')})`);
      assertOrderedOnce(got(), `${c.user} on ${room}`);
      assert.deepEqual(got().filter((s) => want.includes(s)), want);
    };
    const mine = (c: Client) => own.get(c) ?? new Set<number>();
    await check(a, GENERAL_ROOM, mine(a));
    await check(b, GENERAL_ROOM, mine(b));
    // a's connection on the other node has a's own posts too, as msg frames.
    await check(aElsewhere, GENERAL_ROOM, new Set());
    await check(a, dm, mine(a));
    await check(b, dm, mine(b));
  });

  it(`takes a node cut off for ${LONG_PARTITION_MS / 1000} s for dead (its users offline elsewhere), and brings its users back online once healed`, async () => {
    const stranded = await on(0);
    const watcher = await on(1);
    await until(() => statuses(watcher, stranded.user).includes('online'), SLOW_MS, 'the stranded user online on the other node');
    redis!.partition(0);
    const cut = Date.now();
    await until(() => statuses(watcher, stranded.user).includes('offline'), NODE_TTL_MS + 3000, `the cut node's user offline within the TTL and a beat`);
    const offlineMs = Date.now() - cut;
    assert.ok(offlineMs >= NODE_TTL_MS - 1500, `offline only once the TTL ran out (${offlineMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, LONG_PARTITION_MS - (Date.now() - cut))));
    redis!.heal(0);
    // Back: the node's hash expired meanwhile, so it tells its users again.
    await until(() => statuses(watcher, stranded.user).lastIndexOf('online') > statuses(watcher, stranded.user).lastIndexOf('offline'), SLOW_MS, 'the stranded user online again after the heal');
    // And messages cross again both ways.
    const there = await watcher.send(GENERAL_ROOM, 'after the long partition');
    await stranded.waitFor((f) => f.t === 'msg' && f.room === GENERAL_ROOM && f.seq === there.seq, SLOW_MS, 'a post from the other node');
    const back = await stranded.send(GENERAL_ROOM, 'back from the cut node');
    await watcher.waitFor((f) => f.t === 'msg' && f.room === GENERAL_ROOM && f.seq === back.seq, SLOW_MS, 'a post from the cut node');
  });
});
