/**
 * Runs benchmark workloads against a parley-server it starts itself (embedded SQLite store,
 * every message persisted, rate limits off), and in the same run against the baselines:
 * usage: npm run bench -- <W1|W1M|W2|W3|W3L|W4|CU|all> [--json] [--out FILE] [--rounds N]
 *        [--peer ngircd] [--neo4j URI]
 * W4 always measures a bare Node `net` server holding the same sockets beside Parley; with
 * `--peer ngircd` each of W1, W2, W3, W3L and W4 also runs against Debian's ngIRCd (installed
 * through apt when missing and running as root), right after Parley's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { TestServer } from '../test/helpers/server';
import { cpuSeconds, RssSampler, rssBytes } from './proc-stats';
import { round } from './latency';
import { ensureNgircd, startBareNet, startNgircd, type PeerProcess } from './peers';
import { WORKLOADS, type Workload, type WorkloadContext } from './workloads';

type Result = Record<string, unknown>;

/** Runs one workload function against a process, adding its CPU per unit of work, peak RSS and the load. */
async function measured(pid: number, target: { host: string; port: number }, run: (ctx: WorkloadContext) => Promise<Result>): Promise<Result> {
  const sampler = new RssSampler(pid);
  let cpuAtStart = 0;
  const result = await run({
    target,
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
  return { ...result, serverCpuSeconds: round(cpu, 2), ...perUnit, serverPeakRssBytes: sampler.stop(), loadAverage: os.loadavg().map((l) => round(l, 2)) };
}

async function onPeer(start: () => Promise<PeerProcess>, run: (ctx: WorkloadContext) => Promise<Result>): Promise<Result> {
  const peer = await start();
  try {
    return await measured(peer.pid, { host: peer.host, port: peer.port }, run);
  } finally {
    await peer.stop();
  }
}

const num = (r: Result | undefined, key: string): number | undefined => (r !== undefined && typeof r[key] === 'number' ? (r[key] as number) : undefined);
const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b === 0 ? undefined : round(a / b, 2));

/** Parley's figures over the peer's: CPU per unit, p99, RSS per connection. */
function ratios(parley: Result, peer: Result): Record<string, number> {
  const p99 = (r: Result) => (r.latencyMs as { p99?: number } | undefined)?.p99;
  const out: Record<string, number | undefined> = {
    serverCpuPerMessage: ratio(num(parley, 'serverCpuMicrosPerMessage'), num(peer, 'serverCpuMicrosPerMessage')),
    serverCpuPerDelivery: ratio(num(parley, 'serverCpuMicrosPerDelivery'), num(peer, 'serverCpuMicrosPerDelivery')),
    deliveriesPerSecond: ratio(num(parley, 'deliveriesPerSecond'), num(peer, 'deliveriesPerSecond')),
    latencyP99: ratio(p99(parley), p99(peer)),
    bytesPerConnection: ratio(num(parley, 'bytesPerConnection'), num(peer, 'bytesPerConnection')),
  };
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, number] => e[1] !== undefined));
}

async function runOne(workload: Workload, serverArgs: string[], peer: string | undefined): Promise<Result> {
  // Hundreds of clients sign in at once from one address: sign-in throttling goes off by its own flag.
  const server = await TestServer.start({ args: ['--rate-limit', '0', '--login-rate-limit', '0', '--max-connections-per-address', '0', ...serverArgs] });
  let result: Result;
  try {
    result = { workload: workload.name, description: workload.description, ...(await measured(server.proc.pid as number, { host: server.host, port: server.port }, (ctx) => workload.run(ctx))) };
  } finally {
    await server.stop();
  }
  const peers: Record<string, Result> = {};
  const over: Record<string, Record<string, number>> = {};
  if (workload.runBareNet !== undefined) {
    peers.bareNet = await onPeer(startBareNet, workload.runBareNet);
    over.bareNet = ratios(result, peers.bareNet);
  }
  if (peer === 'ngircd' && workload.runIrc !== undefined) {
    peers.ngircd = await onPeer(startNgircd, workload.runIrc);
    over.ngircd = ratios(result, peers.ngircd);
  }
  return Object.keys(peers).length === 0 ? result : { ...result, peers, parleyOverPeer: over };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      neo4j: { type: 'string' },
      peer: { type: 'string' },
      rounds: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  const names = positionals.length === 0 || positionals.includes('all') ? WORKLOADS.map((w) => w.name) : positionals;
  const workloads = names.map((name) => {
    const w = WORKLOADS.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (w === undefined) throw new Error(`Unknown workload ${name}; choose one of ${WORKLOADS.map((x) => x.name).join(', ')} or all.`);
    return w;
  });
  if (values.peer !== undefined) {
    if (values.peer !== 'ngircd') throw new Error(`Unknown peer ${values.peer}; the one peer is ngircd.`);
    if (!(await ensureNgircd(true))) throw new Error('ngircd is not installed and could not be installed.');
  }
  const rounds = Math.max(1, Number(values.rounds) || 1);
  const serverArgs = values.neo4j ? ['--neo4j', values.neo4j] : [];
  const startedAt = new Date().toISOString();
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryBytes: os.totalmem(), node: process.version, loadAverage: os.loadavg() };
  const results: Result[] = [];
  const report = { machine, store: values.neo4j ? 'neo4j' : 'sqlite', startedAt, results };
  // Written after every workload, so a long run that fails late keeps what it measured.
  const save = () => {
    if (values.out === undefined) return;
    fs.mkdirSync(path.dirname(values.out), { recursive: true });
    fs.writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  };
  for (let round = 1; round <= rounds; round++) {
    for (const workload of workloads) {
      const result = { ...(rounds > 1 ? { round } : {}), ...(await runOne(workload, serverArgs, values.peer)) };
      results.push(result);
      save();
      if (!values.json) console.log(JSON.stringify(result, null, 2));
    }
  }
  if (values.json) console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
