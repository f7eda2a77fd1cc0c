/**
 * Runs a benchmark workload against a parley-server it starts itself (embedded SQLite store,
 * every message persisted, rate limits off). Usage: npm run bench -- <W1|W1M|W2|W3|W3L|W4|CU|all> [--json]
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { TestServer } from '../test/helpers/server';
import { cpuSeconds, RssSampler, rssBytes } from './proc-stats';
import { round } from './latency';
import { WORKLOADS } from './workloads';

async function runOne(name: string, serverArgs: string[]): Promise<Record<string, unknown>> {
  const workload = WORKLOADS.find((w) => w.name.toLowerCase() === name.toLowerCase());
  if (!workload) throw new Error(`Unknown workload ${name}; choose one of ${WORKLOADS.map((w) => w.name).join(', ')} or all.`);
  // Hundreds of clients sign in at once from one address: sign-in throttling goes off by its own flag.
  const server = await TestServer.start({ args: ['--rate-limit', '0', '--login-rate-limit', '0', '--max-connections-per-address', '0', ...serverArgs] });
  const pid = server.proc.pid as number;
  const sampler = new RssSampler(pid);
  let cpuAtStart = 0;
  try {
    const result = await workload.run({
      target: { host: server.host, port: server.port },
      measure: () => {
        cpuAtStart = cpuSeconds(pid);
        sampler.start();
      },
      serverRss: () => rssBytes(pid),
    });
    const cpu = cpuSeconds(pid) - cpuAtStart;
    // Server CPU per unit of work: the figure that survives a shared, noisy machine.
    const perUnit: Record<string, number> = {};
    if (typeof result.deliveries === 'number' && result.deliveries > 0) perUnit.serverCpuMicrosPerDelivery = round((cpu * 1e6) / result.deliveries, 2);
    if (typeof result.accepted === 'number' && result.accepted > 0) perUnit.serverCpuMicrosPerMessage = round((cpu * 1e6) / result.accepted, 1);
    return {
      workload: workload.name,
      description: workload.description,
      ...result,
      serverCpuSeconds: round(cpu, 2),
      ...perUnit,
      serverPeakRssBytes: sampler.stop(),
      loadAverage: os.loadavg().map((l) => round(l, 2)),
    };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, neo4j: { type: 'string' } },
  });
  const names = positionals.length === 0 || positionals.includes('all') ? WORKLOADS.map((w) => w.name) : positionals;
  const serverArgs = values.neo4j ? ['--neo4j', values.neo4j] : [];
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryBytes: os.totalmem(), node: process.version, loadAverage: os.loadavg() };
  const results = [];
  for (const name of names) {
    const result = await runOne(name, serverArgs);
    results.push(result);
    if (!values.json) console.log(JSON.stringify(result, null, 2));
  }
  if (values.json) console.log(JSON.stringify({ machine, store: values.neo4j ? 'neo4j' : 'sqlite', results }));
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
