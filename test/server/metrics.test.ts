import * as assert from 'node:assert/strict';
import { GENERAL_ROOM } from '../../protocol';
import { useNeo4j } from '../helpers/neo4j';
import { get, healthUntil, metricsPort, sample } from '../helpers/ops';
import { TestServer } from '../helpers/server';
import { signIn, type Client } from './chat-helpers';

describe('server: /healthz and /metrics', function () {
  this.timeout(120_000);

  it('serves nothing over HTTP unless --metrics-port is given', async () => {
    const server = await TestServer.start();
    try {
      assert.equal(server.logs.some((l) => l.msg.startsWith('metrics on')), false);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  describe('on SQLite', () => {
    let server: TestServer;
    let port: number;
    const clients: Client[] = [];

    before(async () => {
      server = await TestServer.start({ args: ['--metrics-port', '0', '--rate-limit', '0'] });
      port = metricsPort(server);
    });

    after(async () => {
      for (const c of clients) c.close();
      await server?.stop();
      server?.cleanup();
    });

    it('listens on 127.0.0.1 by default, answers /healthz with the store check, and nothing else', async () => {
      const line = server.logs.find((l) => l.msg.startsWith('metrics on'));
      assert.equal(line?.address, '127.0.0.1');
      const health = await get(port, '/healthz');
      assert.equal(health.status, 200);
      assert.match(health.type, /^application\/json/);
      assert.deepEqual(JSON.parse(health.body), { status: 'ok', checks: { store: 'ok' } });
      assert.equal((await get(port, '/')).status, 404);
      assert.equal((await get(port, '/metrics/../healthz-not')).status, 404);
    });

    it('counts connections, stored messages and deliveries, and observes append latency and batch sizes', async () => {
      const before = (await get(port, '/metrics')).body;
      const [alice, bob] = await Promise.all([signIn(server), signIn(server)]);
      clients.push(alice, bob);
      const N = 30;
      const acks = await Promise.all(Array.from({ length: N }, (_, i) => alice.send(GENERAL_ROOM, `counted ${i}`, `metrics-${i}`)));
      // The same cid again is a repeat: acked, not stored, delivered to nobody but its sender.
      const again = await alice.send(GENERAL_ROOM, 'counted 0', 'metrics-0');
      assert.equal(again.seq, acks[0].seq);
      const last = acks[N - 1].seq;
      await bob.waitFor((f) => f.t === 'msg' && f.seq === last, 10_000, 'the last message');

      const reply = await get(port, '/metrics');
      assert.equal(reply.status, 200);
      assert.match(reply.type, /^text\/plain/);
      const after = reply.body;
      const delta = (name: string, labels = '') => sample(after, name, labels) - sample(before, name, labels);
      assert.equal(delta('parley_messages_total'), N, 'stored messages, the repeat not counted');
      // Alice's connection gets her N + 1 acks, Bob's the N messages: the only two connections signed in.
      assert.equal(delta('parley_deliveries_total'), 2 * N + 1);
      assert.ok(delta('parley_connections_opened_total') >= 2);
      assert.ok(sample(after, 'parley_connections') >= 2);
      const batches = delta('parley_commit_batch_size_count');
      assert.ok(batches >= 1 && batches <= N + 1, `${batches} batches`);
      assert.equal(delta('parley_commit_batch_size_sum'), N + 1, 'every entry appended is in one batch');
      assert.equal(delta('parley_store_append_seconds_count'), batches, 'one latency per batch');
      assert.ok(delta('parley_store_append_seconds_sum') > 0);
      assert.ok(sample(after, 'parley_outbound_queue_bytes') >= 0);
      assert.equal(sample(after, 'parley_draining'), 0);
      assert.equal(sample(after, 'parley_transfers_active', '{kind="upload"}'), 0);
      // prom-client's default process metrics are there too.
      assert.ok(sample(after, 'process_cpu_user_seconds_total') > 0);
      assert.ok(sample(after, 'nodejs_eventloop_lag_seconds') >= 0);
    });
  });

  it('answers 503 "draining" from SIGTERM on, while a client that ignores the draining frame is still connected', async () => {
    const server = await TestServer.start({ args: ['--metrics-port', '0'] });
    try {
      const port = metricsPort(server);
      // A raw connection: it gets the frame but does not leave, so the server waits reconnectMs for it.
      const stay = await signIn(server);
      server.proc.kill('SIGTERM');
      const frame = await stay.waitFor((f) => f.t === 'draining', 10_000, 'the draining frame');
      assert.equal((frame as { reconnectMs?: number }).reconnectMs, 1000);
      const reply = await get(port, '/healthz');
      assert.equal(reply.status, 503);
      assert.equal((JSON.parse(reply.body) as { status: string }).status, 'draining');
      assert.equal(sample((await get(port, '/metrics')).body, 'parley_draining'), 1);
      await server.waitForExit();
      assert.equal(server.exitCode, 0);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  describe('on Neo4j', function () {
    // Stopping and starting Neo4j on a loaded machine takes minutes.
    this.timeout(300_000);
    const neo4j = useNeo4j();
    let server: TestServer | undefined;

    after(async () => {
      await server?.stop();
      server?.cleanup();
    });

    it('answers 503 with the reason while Neo4j is stopped, keeps serving /metrics, and 200 once Neo4j is back', async () => {
      server = await TestServer.start({ args: ['--neo4j', neo4j.uri, '--metrics-port', '0'], timeoutMs: 60_000 });
      const port = metricsPort(server);
      assert.equal((await get(port, '/healthz')).status, 200);

      await neo4j.stop();
      const down = await healthUntil(port, (r) => r.status === 503, 30_000, '503');
      const report = JSON.parse(down.body) as { status: string; checks: Record<string, string> };
      assert.equal(report.status, 'unavailable');
      assert.notEqual(report.checks.store, 'ok');
      assert.ok(report.checks.store.length > 0, 'the reason is given');
      assert.equal((await get(port, '/metrics')).status, 200, 'metrics do not need the store');

      await neo4j.start();
      const up = await healthUntil(port, (r) => r.status === 200, 90_000, '200');
      assert.deepEqual(JSON.parse(up.body), { status: 'ok', checks: { store: 'ok' } });
    });
  });
});
