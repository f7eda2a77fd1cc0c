// A node's /healthz and /metrics with --cluster: Redis counts in its health, and the cluster's
// series (peers, Redis links, publications) are served beside the rest.
import * as assert from 'node:assert/strict';
import { get, healthUntil, metricsPort, sample } from '../helpers/ops';
import type { TestServer } from '../helpers/server';
import { Client } from '../server/chat-helpers';
import { signInAt } from './failover-check';
import { until, useClusterNodes } from './harness';

describe('cluster: health and metrics of a node', function () {
  this.timeout(180_000);
  const { nodes, gate } = useClusterNodes(['m1', 'm2'], ['--metrics-port', '0']);
  const clients: Client[] = [];
  after(() => {
    for (const c of clients) c.close();
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

  it('observes the publish lag of the other node\'s notes: a histogram in seconds, sub-second on one host', async () => {
    const [first, second] = nodes;
    const count = async () => sample(await metrics(second), 'parley_cluster_publish_lag_seconds_count');
    const before = await count();
    const bob = await signInAt(first, 'metrics_b', { register: true });
    clients.push(bob);
    await bob.send('general', 'lag measured on the other node', 'm-2');
    await until(async () => (await count()) > before, 30_000, 'a publish lag observed on the other node');
    const text = await metrics(second);
    const observed = sample(text, 'parley_cluster_publish_lag_seconds_count');
    const sum = sample(text, 'parley_cluster_publish_lag_seconds_sum');
    assert.ok(sum >= 0 && sum / observed < 1, `mean lag ${sum / observed} s`);
    // Cumulative buckets: +Inf holds every observation, and the 1 s bucket nearly all of them on one host.
    assert.equal(sample(text, 'parley_cluster_publish_lag_seconds_bucket', '{le="+Inf"}'), observed);
    assert.ok(sample(text, 'parley_cluster_publish_lag_seconds_bucket', '{le="1"}') >= observed * 0.9);
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
