// Node-failure soak for several nodes: three parley-server nodes on one Neo4j and the local Redis
// (a key prefix of its own, deleted afterwards), behind HAProxy; each trial kill -9s one node
// mid-traffic and checks what test/cluster/cluster.test.ts checks (every acked message stored once
// with its seq, every client has every message once and in order, the dead node's users offline
// within the TTL), then starts the node again.
// Usage: npm run bench -- bench/cluster-soak.ts [--trials 50] [--per-client 12] [--json]
import path from 'node:path';
import { Neo4jStore } from '../server/store/neo4j';
import { startNeo4jServer } from '../test/helpers/neo4j';
import { tempDir, type TestServer } from '../test/helpers/server';
import { killTrial } from '../test/cluster/failover-check';
import { dropPrefix, runPrefix, startNode, REDIS_PORT, type NodeSpec } from '../test/cluster/harness';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const trials = flag('trials', 50);
  const perClient = flag('per-client', 12);
  const json = process.argv.includes('--json');
  const started = Date.now();
  const neo4j = await startNeo4jServer({ dataDir: tempDir('parley-soak-neo4j-') });
  const prefix = runPrefix();
  const specs: NodeSpec[] = ['s1', 's2', 's3'].map((id) => ({ neo4j: neo4j.uri, redisPort: REDIS_PORT, prefix, id, args: ['--rate-limit', '0'] }));
  const nodes: TestServer[] = [];
  const { startHaproxy } = (await import(path.join(__dirname, '../scripts/services/haproxy.mjs'))) as {
    startHaproxy: (o: object) => Promise<{ host: string; port: number; stop(): Promise<void> }>;
  };
  let balancer: Awaited<ReturnType<typeof startHaproxy>> | undefined;
  const store = new Neo4jStore({ kind: 'neo4j', uri: neo4j.uri });
  let acked = 0;
  const offline: number[] = [];
  let failure: string | undefined;
  let done = 0;
  try {
    for (const spec of specs) nodes.push(await startNode(spec));
    balancer = await startHaproxy({ servers: nodes.map((n, i) => ({ name: specs[i].id, port: n.port })) });
    await store.init();
    const rig = { nodes, specs, balancer, store };
    for (let trial = 0; trial < trials; trial++) {
      const result = await killTrial(rig, trial, trial % 3, perClient);
      acked += result.acked;
      offline.push(result.offlineMs);
      done++;
      if (!json && done % 5 === 0) process.stdout.write(`trial ${done}/${trials}: ${acked} acked so far, all present once\n`);
    }
  } catch (err) {
    failure = (err as Error).message;
  } finally {
    await store.close().catch(() => undefined);
    await balancer?.stop();
    for (const node of nodes) {
      await node.stop().catch(() => undefined);
      node.cleanup();
    }
    await neo4j.stop();
    await dropPrefix(prefix);
  }
  offline.sort((a, b) => a - b);
  const summary = {
    benchmark: 'cluster-soak',
    trials: done,
    acked,
    offlineMsMax: offline.at(-1) ?? null,
    offlineMsMedian: offline.length > 0 ? offline[Math.floor(offline.length / 2)] : null,
    seconds: (Date.now() - started) / 1000,
    ok: failure === undefined,
    failure,
  };
  process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${failure ? `FAILED after ${done} trials: ${failure}` : `ok: ${done} node kills, ${acked} acked messages, none lost or duplicated; offline after ${summary.offlineMsMedian} ms (median), ${summary.offlineMsMax} ms (max)`} in ${summary.seconds.toFixed(1)} s\n`);
  process.exit(failure ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
