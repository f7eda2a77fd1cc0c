// A rolling restart of a three-node cluster behind HAProxy: each node in turn is drained with
// SIGTERM and started again while ParleyClients send group, DM and thread traffic through the
// balancer. Nothing acknowledged is lost or stored twice, every client gets every message of its
// rooms once in seq order, and the application saw reconnects only.
import * as assert from 'node:assert/strict';
import { Connection } from '../../client/connection';
import { ParleyClient, type ClientStatus, type StatusInfo } from '../../client/session';
import { GENERAL_ROOM, dmRoomId, type AckReply, type ChatMessage } from '../../protocol';
import { Neo4jStore } from '../../server/store/neo4j';
import { freePort, startHaproxy, type Haproxy } from '../helpers/haproxy';
import { useNeo4j } from '../helpers/neo4j';
import { get, healthUntil, sample } from '../helpers/ops';
import type { TestServer } from '../helpers/server';
import { uniqueUser } from '../server/chat-helpers';
import { SLOW_MS, assertOrderedOnce } from './failover-check';
import { RedisGate, dropPrefix, runPrefix, startNode, until, type NodeSpec } from './harness';

const CLIENTS = 6;

/** A ParleyClient through the balancer that keeps what the application would see. */
class AppClient {
  readonly client: ParleyClient;
  readonly statuses: { status: ClientStatus; info: StatusInfo }[] = [];
  readonly got: ChatMessage[] = [];
  readonly errors: string[] = [];

  constructor(
    balancer: Haproxy,
    readonly user: string,
  ) {
    this.client = new ParleyClient({ host: balancer.host, port: balancer.port, clientName: 'rolling-restart', timeoutMs: SLOW_MS, backoff: { baseMs: 50, maxMs: 400 } });
    this.client.on('status', (status, info) => this.statuses.push({ status, info }));
    this.client.on('message', (m) => this.got.push(m));
    this.client.on('server-error', (err) => this.errors.push(`server-error ${err.code}`));
    this.client.on('expired', (err) => this.errors.push(`expired ${err.code}`));
  }

  seqs(room: string, tag: string): number[] {
    return this.got.filter((m) => m.room === room && m.cid?.startsWith(tag)).map((m) => m.seq);
  }

  describe(): string {
    return this.statuses.map((s) => `${s.status}${s.info.draining ? '(draining)' : ''}${s.info.error ? ` [${s.info.error.message}]` : ''}`).join(' → ');
  }
}

describe('cluster: rolling restart of three nodes behind HAProxy under traffic', function () {
  this.timeout(600_000);
  const neo4j = useNeo4j();
  const prefix = runPrefix();
  const gate = new RedisGate();
  const nodes: TestServer[] = [];
  const specs: NodeSpec[] = [];
  const metricsPorts: number[] = [];
  const apps: AppClient[] = [];
  let balancer: Haproxy | undefined;
  let store: Neo4jStore | undefined;

  before(async function () {
    this.timeout(240_000);
    await neo4j.wipe();
    await gate.listen();
    for (const id of ['r1', 'r2', 'r3']) {
      const metrics = await freePort();
      metricsPorts.push(metrics);
      specs.push({ neo4j: neo4j.uri, redisPort: gate.port, prefix, id, args: ['--metrics-port', String(metrics), '--rate-limit', '0'] });
    }
    for (const spec of specs) nodes.push(await startNode(spec, await freePort()));
    balancer = await startHaproxy({ servers: nodes.map((n, i) => ({ name: specs[i].id, port: n.port, metricsPort: metricsPorts[i] })), checkMs: 200 });
    store = new Neo4jStore({ kind: 'neo4j', uri: neo4j.uri });
    await store.init();
  });

  after(async () => {
    for (const a of apps) a.client.close();
    await balancer?.stop();
    for (const node of nodes) await node.stop('SIGKILL').catch(() => undefined);
    for (const node of nodes) node.cleanup();
    await store?.close();
    await gate.close();
    await dropPrefix(prefix);
  });

  /** Waits until the balancer sends a new connection to node `i` (it checks /healthz every 200 ms). */
  async function inRotation(i: number): Promise<void> {
    await healthUntil(metricsPorts[i], (r) => r.status === 200, SLOW_MS, `node ${specs[i].id} healthy`);
    const opened = async () => sample((await get(metricsPorts[i], '/metrics')).body, 'parley_connections_opened_total');
    const before = await opened();
    // leastconn: a fresh node has the fewest connections, so the first probe after it is up lands there.
    await until(
      async () => {
        const probe = await Connection.open({ host: balancer!.host, port: balancer!.port, clientName: 'probe' }).catch(() => undefined);
        probe?.close();
        return (await opened()) > before;
      },
      SLOW_MS,
      `the balancer to send a connection to ${specs[i].id}`,
    );
  }

  it('restarts every node in turn (SIGTERM drain, start again): nothing acked lost or doubled, each client gets every message once in order, and sees only reconnects', async () => {
    const tag = `rr${Math.random().toString(36).slice(2, 7)}-`;
    for (let i = 0; i < CLIENTS; i++) {
      const app = new AppClient(balancer!, uniqueUser(`rr${i}`));
      apps.push(app);
      await app.client.register(app.user, 'password1');
      await app.client.login(app.user, 'password1');
    }
    // The clients spread over the nodes (leastconn), so every drain moves some.
    for (let i = 0; i < 3; i++) assert.ok(sample((await get(metricsPorts[i], '/metrics')).body, 'parley_connections') >= 1, `clients on ${specs[i].id}`);
    const partner = (i: number) => apps[i ^ 1];
    const dmOf = (i: number) => dmRoomId(apps[i].user, partner(i).user);
    const root = await apps[0].client.send(GENERAL_ROOM, { text: 'the thread everyone replies in' }, { cid: `${tag}root` });

    const acks: AckReply[] = [];
    const failures: string[] = [];
    let stop = false;
    const traffic = Promise.all(
      apps.map(async (app, i) => {
        for (let k = 0; !stop; k++) {
          const cid = `${tag}${app.user}-${k}`;
          const kind = k % 3;
          const sent =
            kind === 0
              ? app.client.send(GENERAL_ROOM, { text: `group ${k}` }, { cid })
              : kind === 1
                ? app.client.send(dmOf(i), { text: `dm ${k}` }, { cid })
                : app.client.send(GENERAL_ROOM, { text: `reply ${k}` }, { cid, root: root.seq });
          await sent.then(
            (ack) => acks.push(ack),
            (err: Error) => failures.push(`${app.user} ${cid}: ${err.message}`),
          );
          // A steady stream, not a flood: the point is traffic across each drain.
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
      }),
    );
    const ackedAtLeast = (n: number) => until(() => acks.length >= n || failures.length > 0, SLOW_MS, `${n} acks`);

    await ackedAtLeast(60);
    for (let i = 0; i < 3; i++) {
      const node = nodes[i];
      const port = node.port;
      assert.equal(await node.stop('SIGTERM', 30_000), 0, `${specs[i].id} exits 0 after its drain`);
      const drained = node.logs.find((l) => l.msg === 'drained');
      assert.ok(drained !== undefined && Number(drained.clients) >= 1, `${specs[i].id} told its clients to move: ${JSON.stringify(drained)}`);
      await ackedAtLeast(acks.length + 30);
      node.cleanup();
      nodes[i] = await startNode(specs[i], port);
      await inRotation(i);
      await ackedAtLeast(acks.length + 30);
    }
    stop = true;
    await traffic;
    assert.deepEqual(failures, [], 'no send failed');

    // The store: every acknowledged message once, with the seq and msgId its ack named.
    const rooms = [GENERAL_ROOM, ...new Set(apps.map((_, i) => dmOf(i)))];
    const stored = new Map<string, ChatMessage[]>();
    for (const room of rooms) {
      const log: ChatMessage[] = [];
      for (let after = 0; ; ) {
        const page = await store!.since(room, after, 1000);
        log.push(...page);
        if (page.length < 1000) break;
        after = page[page.length - 1].seq;
      }
      stored.set(room, log.filter((m) => m.cid?.startsWith(tag)));
    }
    const byCid = new Map<string, ChatMessage>();
    for (const m of [...stored.values()].flat()) {
      assert.equal(byCid.has(m.cid!), false, `${m.cid} stored twice`);
      byCid.set(m.cid!, m);
    }
    assert.equal(byCid.size, acks.length + 1, 'exactly the acknowledged messages are stored');
    for (const ack of acks) {
      const m = byCid.get(ack.cid ?? '');
      assert.ok(m, `${ack.cid} acked but not stored`);
      assert.equal(m.seq, ack.seq);
      assert.equal(m.msgId, ack.msgId);
      assert.equal(m.room, ack.room);
    }

    // Every client: every message of general and of its DM once, in seq order.
    for (const [i, app] of apps.entries()) {
      for (const room of [GENERAL_ROOM, dmOf(i)]) {
        const want = stored.get(room)!.map((m) => m.seq);
        await until(() => app.seqs(room, tag).length >= want.length, SLOW_MS, `${app.user} to have all of ${room}`);
        const got = app.seqs(room, tag);
        assertOrderedOnce(got, `${app.user} in ${room}`);
        assert.deepEqual(got, want, `${app.user}: all of ${room}`);
      }
      // Reconnects only: no error, expiry or close reached the application.
      assert.deepEqual(app.errors, [], `${app.user}: ${app.errors.join(', ')}`);
      assert.ok(
        app.statuses.every((s) => s.status === 'connecting' || s.status === 'ready' || s.status === 'reconnecting'),
        `${app.user}: ${app.describe()}`,
      );
      assert.equal(app.statuses[app.statuses.length - 1].status, 'ready', `${app.user} ends ready: ${app.describe()}`);
    }
    const moved = apps.reduce((n, a) => n + a.statuses.filter((s) => s.info.draining).length, 0);
    assert.ok(moved >= 3, `clients moved at each drain (${moved} draining notices)`);
  });
});
