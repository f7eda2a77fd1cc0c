// A node's /healthz and /metrics with --cluster: Redis counts in its health, and the cluster's
// series (peers, Redis links, publications) are served beside the rest.
import * as assert from 'node:assert/strict';
import { useNeo4j } from '../helpers/neo4j';
import { get, healthUntil, metricsPort, sample } from '../helpers/ops';
import type { TestServer } from '../helpers/server';
import { Client } from '../server/chat-helpers';
import { signInAt } from './failover-check';
import { RedisGate, dropPrefix, runPrefix, startNode, until } from './harness';

describe('cluster: health and metrics of a node', function () {
  this.timeout(180_000);
  const neo4j = useNeo4j();
  const prefix = runPrefix();
  const gate = new RedisGate();
  const nodes: TestServer[] = [];
  const clients: Client[] = [];

  before(async function () {
    this.timeout(240_000);
    await neo4j.wipe();
    await gate.listen();
    for (const id of ['m1', 'm2']) nodes.push(await startNode({ neo4j: neo4j.uri, redisPort: gate.port, prefix, id, args: ['--metrics-port', '0'] }));
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const n of nodes) {
      await n.stop();
      n.cleanup();
    }
    await gate.close();
    await dropPrefix(prefix);
  });

  const metrics = async (node: TestServer) => (await get(metricsPort(node), '/metrics')).body;

  it('is healthy with Redis and its store, and counts its peer and what it publishes', async () => {
    const [first, second] = nodes;
    const ok = await healthUntil(metricsPort(first), (r) => r.status === 200, 30_000, 'healthy');
    assert.deepEqual(JSON.parse(ok.body).checks, { store: 'ok', redis: 'ok' });
    await until(async () => sample(await metrics(first), 'parley_cluster_peers') === 1, 30_000, 'the other node to be heard');
    assert.equal(sample(await metrics(first), 'parley_cluster_redis_up'), 1);
    const published = sample(await metrics(first), 'parley_cluster_published_total');
    const received = sample(await metrics(second), 'parley_cluster_received_total');
    const alice = await signInAt(first, 'metrics_a', { register: true });
    clients.push(alice);
    await alice.send('general', 'counted across nodes', 'm-1');
    await until(async () => sample(await metrics(first), 'parley_cluster_published_total') > published, 30_000, 'a publication counted');
    await until(async () => sample(await metrics(second), 'parley_cluster_received_total') > received, 30_000, 'the other node to count it received');
  });

  it('answers 503 naming Redis while Redis is away, and 200 once it is back', async () => {
    const port = metricsPort(nodes[0]);
    gate.down();
    try {
      const down = await healthUntil(port, (r) => r.status === 503, 30_000, 'unavailable');
      assert.match(JSON.parse(down.body).checks.redis, /Redis is not reachable/);
      assert.equal(JSON.parse(down.body).checks.store, 'ok');
      assert.equal(sample(await metrics(nodes[0]), 'parley_cluster_redis_up'), 0);
    } finally {
      gate.up();
    }
    await healthUntil(port, (r) => r.status === 200, 60_000, 'healthy again');
    await until(async () => sample(await metrics(nodes[0]), 'parley_cluster_redis_reconnects_total') >= 1, 30_000, 'the reconnect counted');
  });
});
