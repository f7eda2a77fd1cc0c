// W1's fan-out on a cluster of 1, 2 and 3 nodes on one Neo4j and a Redis of the bench's own (a
// redis-server on a free loopback port, so `INFO cpu` counts this run alone). The clients are
// spread over the nodes (client i on node i % n, the senders too), and every delivery's latency is
// filed by whether its sender was on the receiver's node or on another: cross-node against
// same-node latency, measured in the same run. Per run: deliveries/s, node CPU per delivery
// (summed over the nodes), Redis CPU per message (used_cpu_user + used_cpu_sys deltas).
// Usage: npm run bench -- bench/cluster-fanout.ts [--nodes 1,2,3] [--clients 100] [--senders 10]
//        [--per-sender 1000] [--window 256] [--json] [--out FILE]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../test/helpers/haproxy';
import { startNeo4jServer } from '../test/helpers/neo4j';
import { TestServer, tempDir } from '../test/helpers/server';
import { round } from './latency';
import { runFanout } from './load';
import { cpuSeconds } from './proc-stats';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1,2,3' },
    clients: { type: 'string', default: '100' },
    senders: { type: 'string', default: '10' },
    'per-sender': { type: 'string', default: '1000' },
    window: { type: 'string', default: '256' },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const shape = {
  clients: Number(values.clients),
  senders: Number(values.senders),
  perSender: Number(values['per-sender']),
  window: Number(values.window),
};

/** A redis-server of the bench's own, in the foreground, without persistence. */
async function startRedis(): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  for (const deadline = Date.now() + 15_000; ; ) {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const up = await probe.connect().then(
      () => true,
      () => false,
    );
    probe.disconnect();
    if (up) break;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    pid: proc.pid as number,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Redis's own CPU seconds so far (user + system), from INFO cpu. */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function runCluster(count: number, neo4j: string, redisPort: number, redis: Redis): Promise<Record<string, unknown>> {
  const prefix = `bench-${count}-${process.pid}:`;
  const nodes: TestServer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(
        await TestServer.start({
          args: [
            '--neo4j', neo4j,
            '--cluster', `redis://127.0.0.1:${redisPort}?prefix=${prefix}`,
            '--node-id', `b${i + 1}`,
            '--rate-limit', '0', '--login-rate-limit', '0', '--max-connections-per-address', '0',
          ],
          timeoutMs: 180_000,
        }),
      );
    }
    const targets = nodes.map((n) => ({ host: n.host, port: n.port }));
    let nodesCpuAtStart = 0;
    let redisCpuAtStart = 0;
    let measuring: Promise<void> = Promise.resolve();
    const r = await runFanout(targets[0], {
      room: 'general',
      ...shape,
      users: shape.clients,
      prefix: `cf${count}u`,
      timeoutMs: 600_000,
      workers: Math.max(1, Number(process.env.PARLEY_BENCH_WORKERS ?? 2) || 2),
      targets,
      measure: () => {
        nodesCpuAtStart = nodes.reduce((sum, n) => sum + cpuSeconds(n.proc.pid as number), 0);
        measuring = redisCpu(redis).then((cpu) => {
          redisCpuAtStart = cpu;
        });
      },
    });
    await measuring;
    const nodesCpu = nodes.reduce((sum, n) => sum + cpuSeconds(n.proc.pid as number), 0) - nodesCpuAtStart;
    const redisCpuSeconds = (await redisCpu(redis)) - redisCpuAtStart;
    return {
      nodes: count,
      ...shape,
      durationSeconds: round(r.durationSeconds),
      deliveriesPerSecond: Math.round(r.deliveries / r.durationSeconds),
      acceptedPerSecond: Math.round(r.accepted / r.durationSeconds),
      latencyMs: r.latency,
      ...(count > 1 ? { latencySameNodeMs: r.latencySameNode, latencyCrossNodeMs: r.latencyCrossNode } : {}),
      accepted: r.accepted,
      deliveries: r.deliveries,
      lost: r.lost,
      duplicated: r.duplicated,
      outOfOrder: r.outOfOrder,
      errors: r.errors,
      ...(r.firstError === undefined ? {} : { firstError: r.firstError }),
      nodesCpuSeconds: round(nodesCpu, 2),
      nodesCpuMicrosPerDelivery: r.deliveries > 0 ? round((nodesCpu * 1e6) / r.deliveries, 2) : null,
      redisCpuSeconds: round(redisCpuSeconds, 3),
      redisCpuMicrosPerMessage: r.accepted > 0 ? round((redisCpuSeconds * 1e6) / r.accepted, 2) : null,
      loadAverage: os.loadavg().map((l) => round(l, 2)),
    };
  } finally {
    for (const n of nodes) {
      await n.stop().catch(() => undefined);
      n.cleanup();
    }
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
}

/** Each run's figures over the one-node run's (and cross-node latency over same-node, per run). */
function ratios(runs: Record<string, unknown>[]): Record<string, Record<string, number | null>> {
  const num = (r: Record<string, unknown>, key: string) => (typeof r[key] === 'number' ? (r[key] as number) : null);
  const p = (r: Record<string, unknown>, key: string, q: 'p50' | 'p99') => (r[key] as { p50: number; p99: number } | undefined)?.[q] ?? null;
  const over = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b, 2));
  const base = runs.find((r) => r.nodes === 1);
  const out: Record<string, Record<string, number | null>> = {};
  for (const r of runs) {
    out[`${String(r.nodes)}nodes`] = {
      ...(base === undefined || r === base
        ? {}
        : {
            deliveriesPerSecondOverOneNode: over(num(r, 'deliveriesPerSecond'), num(base, 'deliveriesPerSecond')),
            nodesCpuPerDeliveryOverOneNode: over(num(r, 'nodesCpuMicrosPerDelivery'), num(base, 'nodesCpuMicrosPerDelivery')),
            redisCpuPerMessageOverOneNode: over(num(r, 'redisCpuMicrosPerMessage'), num(base, 'redisCpuMicrosPerMessage')),
            latencyP99OverOneNode: over(p(r, 'latencyMs', 'p99'), p(base, 'latencyMs', 'p99')),
          }),
      ...(r.nodes === 1
        ? {}
        : {
            crossOverSameNodeP50: over(p(r, 'latencyCrossNodeMs', 'p50'), p(r, 'latencySameNodeMs', 'p50')),
            crossOverSameNodeP99: over(p(r, 'latencyCrossNodeMs', 'p99'), p(r, 'latencySameNodeMs', 'p99')),
          }),
    };
  }
  return out;
}

async function main(): Promise<void> {
  const counts = values.nodes.split(',').map(Number);
  const started = Date.now();
  const neo4j = await startNeo4jServer({ dataDir: tempDir('parley-cluster-fanout-neo4j-') });
  const redisServer = await startRedis();
  const redis = new Redis({ port: redisServer.port, lazyConnect: true });
  await redis.connect();
  const runs: Record<string, unknown>[] = [];
  try {
    for (const count of counts) {
      const run = await runCluster(count, neo4j.uri, redisServer.port, redis);
      runs.push(run);
      if (!values.json) process.stdout.write(`${JSON.stringify(run)}\n`);
    }
  } finally {
    redis.disconnect();
    await redisServer.stop();
    await neo4j.stop();
  }
  const summary = {
    benchmark: 'cluster-fanout',
    workload: 'W1',
    store: 'neo4j',
    runs,
    ratios: ratios(runs),
    cores: os.cpus().length,
    seconds: round((Date.now() - started) / 1000),
  };
  const text = `${JSON.stringify(summary, null, values.json ? undefined : 2)}\n`;
  if (values.out !== undefined) fs.writeFileSync(values.out, text);
  process.stdout.write(text);
  const ok = runs.every((r) => r.lost === 0 && r.duplicated === 0 && r.outOfOrder === 0 && r.errors === 0);
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
