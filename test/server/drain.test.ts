import * as assert from 'node:assert/strict';
import { Connection } from '../../client/connection';
import { ParleyClient, type ClientStatus, type StatusInfo } from '../../client/session';
import { EVENTS_MAX_LIMIT, GENERAL_ROOM, type AckReply, type ChatMessage, type EventsReply } from '../../protocol';
import { CliUser, type Tail } from '../helpers/cli';
import { HaproxyProcess, freePort } from '../helpers/haproxy';
import { useNeo4j } from '../helpers/neo4j';
import { get, healthUntil, sample } from '../helpers/ops';
import { TestServer } from '../helpers/server';
import { register, uniqueUser } from './chat-helpers';

interface Seen {
  status: ClientStatus;
  info: StatusInfo;
}

/** A ParleyClient through the balancer that records its status changes and the messages it delivers. */
class Watched {
  readonly statuses: Seen[] = [];
  readonly messages: ChatMessage[] = [];
  readonly client: ParleyClient;

  constructor(port: number) {
    this.client = new ParleyClient({ host: '127.0.0.1', port, clientName: 'drain-test' });
    this.client.on('status', (status, info) => this.statuses.push({ status, info }));
    this.client.on('message', (m) => this.messages.push(m));
  }

  /** Resolves once the client has been ready again after `n` drains. */
  async readyAfterDrains(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const drains = this.statuses.filter((s) => s.info.draining).length;
      if (drains >= n && this.statuses[this.statuses.length - 1].status === 'ready') return;
      if (Date.now() > deadline) throw new Error(`not ready after ${n} drains: ${this.describe()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** What happened after each draining notice, up to the next ready. */
  afterDrains(): Seen[][] {
    const runs: Seen[][] = [];
    this.statuses.forEach((s, i) => {
      if (!s.info.draining) return;
      const rest = this.statuses.slice(i);
      const ready = rest.findIndex((r) => r.status === 'ready');
      runs.push(ready === -1 ? rest : rest.slice(0, ready + 1));
    });
    return runs;
  }

  describe(): string {
    return this.statuses
      .map((s) => `${s.status}${s.info.draining ? '(draining)' : ''}${s.info.attempt ? `#${s.info.attempt}` : ''}${s.info.error && !s.info.draining ? ` [${s.info.error.message}]` : ''}`)
      .join(' → ');
  }
}

/** Resolves once the node has logged a sign-in (login or resume) by `user`. */
async function signedInOn(server: TestServer, user: string): Promise<void> {
  if (server.logs.some((l) => l.msg === 'signed in' && l.user === user)) return;
  await server.waitForLog((l) => l.msg === 'signed in' && l.user === user, 10_000, `a sign-in by ${user}`);
}

describe('server: graceful drain behind HAProxy (rolling restart of two nodes on one Neo4j)', function () {
  this.timeout(300_000);
  const neo4j = useNeo4j();
  const nodes: TestServer[] = [];
  let haproxy: HaproxyProcess | undefined;
  const clients: ParleyClient[] = [];
  let reader: CliUser | undefined;
  let tail: Tail | undefined;

  after(async () => {
    for (const c of clients) c.close();
    await tail?.stop();
    await haproxy?.stop();
    for (const node of nodes) {
      await node.stop('SIGKILL');
      node.cleanup();
    }
    reader?.cleanup();
  });

  it('moves every client at once, without backoff, and loses or duplicates no acknowledged message', async () => {
    const metricsA = await freePort();
    const metricsB = await freePort();
    const common = ['--neo4j', neo4j.uri, '--rate-limit', '0', '--log-level', 'debug'];
    let a = await TestServer.start({ args: [...common, '--metrics-port', String(metricsA)], timeoutMs: 120_000 });
    const b = await TestServer.start({ args: [...common, '--metrics-port', String(metricsB)], timeoutMs: 120_000 });
    nodes.push(a, b);
    const alice = uniqueUser('alice');
    const bob = uniqueUser('bob');
    const carol = uniqueUser('carol');
    for (const user of [alice, bob]) await register(a, user);
    haproxy = await HaproxyProcess.start([
      { name: 'a', port: a.port, metricsPort: metricsA },
      { name: 'b', port: b.port, metricsPort: metricsB },
    ]);
    const front = haproxy.port;

    const sender = new Watched(front);
    const watcher = new Watched(front);
    clients.push(sender.client, watcher.client);
    await sender.client.login(alice, 'secret-pw');
    await watcher.client.login(bob, 'secret-pw');
    // The terminal client's tail, through the same balancer.
    reader = new CliUser(carol, () => ({ host: '127.0.0.1', port: front }) as TestServer);
    await reader.ok(['register', '--user', carol, '--password', 'secret-pw']);
    await reader.ok(['login', '--user', carol, '--password', 'secret-pw']);
    const tailing = reader.tail(['--json', '--room', GENERAL_ROOM]);
    tail = tailing;
    await tailing.waitFor(() => tailing.stderr.includes('tailing'), 'tail to start');
    // balance first: every client starts on node a
    for (const user of [alice, bob, carol]) await signedInOn(a, user);

    // A steady stream, ten in flight at a time, each with its own cid.
    const acks: AckReply[] = [];
    const failures: Error[] = [];
    let stop = false;
    let n = 0;
    const stream = Promise.all(
      Array.from({ length: 10 }, async () => {
        while (!stop) {
          const cid = `drain-${++n}`;
          await sender.client.send(GENERAL_ROOM, { text: `steady ${cid}` }, { cid }).then(
            (ack) => acks.push(ack),
            (err: Error) => {
              failures.push(err);
              stop = true;
            },
          );
        }
      }),
    );
    const ackedAtLeast = async (count: number) => {
      const deadline = Date.now() + 60_000;
      while (acks.length < count) {
        if (Date.now() > deadline || stop) throw new Error(`only ${acks.length} acks, wanted ${count}; sender: ${sender.describe()}; failures: ${failures.map((e) => e.message).join('; ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    await ackedAtLeast(100);
    // Node a drains: /healthz says so, clients move to b, the process exits 0.
    const stopping = a.stop('SIGTERM');
    const draining = await healthUntil(metricsA, (r) => r.status === 503, 10_000, '503 draining').catch(() => undefined);
    assert.equal(await stopping, 0, 'node a exits 0');
    if (draining !== undefined) assert.equal((JSON.parse(draining.body) as { status: string }).status, 'draining');
    await sender.readyAfterDrains(1);
    await watcher.readyAfterDrains(1);
    // How many left by themselves within reconnectMs depends on the machine's load; that they may is shown in test/client/session.test.ts.
    assert.equal(a.logs.find((l) => l.msg === 'drained')?.clients, 3, 'node a told its three clients');
    await ackedAtLeast(acks.length + 100);
    for (const user of [alice, bob, carol]) await signedInOn(b, user);

    // Node a comes back; once the balancer sends new connections to it, node b drains.
    a = await a.restart();
    nodes.push(a);
    const deadline = Date.now() + 30_000;
    for (;;) {
      // A probe may meet a node between two health checks; only where it lands matters here.
      const probe = await Connection.open({ host: '127.0.0.1', port: front }).catch(() => undefined);
      probe?.close();
      if (sample((await get(metricsA, '/metrics')).body, 'parley_connections_opened_total') > 0) break;
      if (Date.now() > deadline) throw new Error('the balancer never sent a connection to the restarted node a');
    }
    assert.equal(await b.stop('SIGTERM'), 0, 'node b exits 0');
    await sender.readyAfterDrains(2);
    await watcher.readyAfterDrains(2);
    await ackedAtLeast(acks.length + 100);
    stop = true;
    await stream;
    assert.deepEqual(failures, [], 'no send failed');

    // Without backoff: after each draining notice the first attempt, made within reconnectMs, succeeded.
    for (const w of [sender, watcher]) {
      const runs = w.afterDrains();
      assert.equal(runs.length, 2, w.describe());
      for (const run of runs) {
        assert.deepEqual(
          run.map((s) => s.status),
          ['reconnecting', 'connecting', 'ready'],
          `one attempt, no backoff: ${w.describe()}`,
        );
        assert.ok((run[0].info.delayMs ?? Infinity) < 1000, `jitter within reconnectMs, was ${run[0].info.delayMs}`);
        assert.equal(run[1].info.attempt, 1);
      }
      assert.equal(w.statuses.filter((s) => s.status === 'reconnecting' && !s.info.draining).length, 0, `no backed-off retry: ${w.describe()}`);
    }

    // Every acknowledged message is stored exactly once, with its seq, in order.
    const log: ChatMessage[] = [];
    for (let after = 0; ; ) {
      const page = await watcher.client.request<EventsReply>({ t: 'events', room: GENERAL_ROOM, after, limit: EVENTS_MAX_LIMIT });
      log.push(...page.events);
      if (!page.more || page.events.length === 0) break;
      after = page.events[page.events.length - 1].seq;
    }
    const ours = log.filter((m) => m.from === alice);
    const byCid = new Map<string, ChatMessage[]>();
    for (const m of ours) byCid.set(m.cid as string, [...(byCid.get(m.cid as string) ?? []), m]);
    for (const ack of acks) {
      const copies = byCid.get(ack.cid as string) ?? [];
      assert.equal(copies.length, 1, `${ack.cid} stored ${copies.length} times`);
      assert.equal(copies[0].seq, ack.seq, `${ack.cid} has the seq its ack gave`);
    }
    assert.equal(ours.length, acks.length, 'nothing stored that was not acked once');
    const seqs = log.map((m) => m.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.equal(new Set(seqs).size, seqs.length);

    // The watcher got each of them once, in seq order, across both moves.
    const lastAck = Math.max(...acks.map((k) => k.seq));
    const until = Date.now() + 20_000;
    while (!watcher.messages.some((m) => m.seq === lastAck) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      watcher.messages
        .filter((m) => m.from === alice)
        .map((m) => m.seq),
      [...acks].map((k) => k.seq).sort((x, y) => x - y),
      'the watcher received every acked message once, in order',
    );

    // The terminal client's tail printed each of them once, and said it reconnected.
    await tailing.waitFor(() => tailing.lines().some((l) => (JSON.parse(l) as ChatMessage).seq === lastAck), 'the last message in tail');
    const tailed = tailing
      .lines()
      .map((l) => JSON.parse(l) as ChatMessage)
      .filter((m) => m.from === alice)
      .map((m) => m.seq);
    assert.deepEqual(tailed, [...acks].map((k) => k.seq).sort((x, y) => x - y), 'tail printed every acked message once, in order');
    assert.match(tailing.stderr, /The server is restarting\. Reconnecting…/);
    assert.match(tailing.stderr, /reconnected/);
    await tailing.stop();
  });
});
