import { performance } from 'node:perf_hooks';
import type { Connection } from '../client/connection';
import { catchUpWorkload } from './catch-up';
import { openIdleIrc, openIdleSockets, runIrcFanout } from './irc-load';
import { connectClients, registerUsers, runFanout, type FanoutResult, type Target } from './load';
import { round } from './latency';

export interface WorkloadContext {
  target: Target;
  /** Marks the start of the measured phase (after set-up) for CPU and RSS accounting. */
  measure: () => void;
  serverRss: () => number;
}

export interface Workload {
  name: string;
  description: string;
  run(ctx: WorkloadContext): Promise<Record<string, unknown>>;
  /** The same shape against an IRC server (ngIRCd), for a same-run peer figure. */
  runIrc?(ctx: WorkloadContext): Promise<Record<string, unknown>>;
  /** The same shape against a bare Node `net` server that only holds sockets (W4's floor). */
  runBareNet?(ctx: WorkloadContext): Promise<Record<string, unknown>>;
}

/** Threads the generator spreads its clients over (PARLEY_BENCH_WORKERS, default 2). */
const WORKERS = Math.max(1, Number(process.env.PARLEY_BENCH_WORKERS ?? 2) || 2);

function fanoutFigures(r: FanoutResult, shape: { clients: number; senders: number; perSender: number; window: number }, threads: number): Record<string, unknown> {
  return {
    ...shape,
    generatorThreads: threads,
    durationSeconds: round(r.durationSeconds),
    deliveriesPerSecond: Math.round(r.deliveries / r.durationSeconds),
    acceptedPerSecond: Math.round(r.accepted / r.durationSeconds),
    latencyMs: r.latency,
    accepted: r.accepted,
    deliveries: r.deliveries,
    expectedDeliveries: r.expectedDeliveries,
    lost: r.lost,
    duplicated: r.duplicated,
    outOfOrder: r.outOfOrder,
    errors: r.errors,
    ...(r.firstError === undefined ? {} : { firstError: r.firstError }),
    generatorCpuSeconds: round(r.generatorCpuSeconds, 2),
  };
}

function fanout(name: string, description: string, clients: number, users: number, senders: number, perSender: number, window: number, mixed = false): Workload {
  const shape = { clients, senders, perSender, window };
  const threads = Math.min(WORKERS, clients);
  return {
    name,
    description,
    // Mixed requests (reactions, edits, replies) have no IRC counterpart.
    runIrc: mixed
      ? undefined
      : async (ctx) => {
          const r = await runIrcFanout(ctx.target, { channel: '#general', clients, senders, perSender, window, timeoutMs: 300_000, workers: WORKERS, measure: ctx.measure });
          return fanoutFigures(r, shape, threads);
        },
    async run(ctx) {
      const r = await runFanout(ctx.target, {
        room: 'general',
        clients,
        users,
        prefix: `${name.toLowerCase()}u`,
        senders,
        perSender,
        window,
        timeoutMs: 300_000,
        workers: WORKERS,
        measure: ctx.measure,
        mixed,
      });
      return { ...fanoutFigures(r, shape, threads), ...(mixed ? { ops: r.ops } : {}) };
    },
  };
}

function closeAll(conns: Connection[]): void {
  for (const c of conns) c.close();
}

const IDLE_CONNECTIONS = 5000;

/** W4 against a server that is not Parley: `open` makes the connections (registered, for IRC). */
async function idlePeer(ctx: WorkloadContext, open: (target: Target, count: number) => Promise<{ destroy(): void }[]>): Promise<Record<string, unknown>> {
  const count = IDLE_CONNECTIONS;
  await new Promise((r) => setTimeout(r, 500));
  const before = ctx.serverRss();
  ctx.measure();
  const started = performance.now();
  const sockets = await open(ctx.target, count);
  const setupSeconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const after = ctx.serverRss();
  for (const s of sockets) s.destroy();
  return { connections: count, setupSeconds: round(setupSeconds), rssBeforeBytes: before, rssAfterBytes: after, bytesPerConnection: Math.round((after - before) / count) };
}

const idle: Workload = {
  name: 'W4',
  description: '5000 idle signed-in connections: server RSS per connection',
  runIrc: (ctx) => idlePeer(ctx, openIdleIrc),
  runBareNet: (ctx) => idlePeer(ctx, openIdleSockets),
  async run(ctx) {
    const count = IDLE_CONNECTIONS;
    const rssAtStart = ctx.serverRss();
    // Accounts first: signing up runs scrypt (16 MiB a hash) on the libuv pool, whose memory the
    // allocator keeps; that belongs to sign-ups, not to connections.
    const tokens = await registerUsers(ctx.target, 50, 'w4u');
    await new Promise((r) => setTimeout(r, 500));
    const before = ctx.serverRss();
    ctx.measure();
    const started = performance.now();
    const conns = await connectClients(ctx.target, tokens, count);
    const setupSeconds = (performance.now() - started) / 1000;
    // Let allocation settle before reading RSS.
    await new Promise((r) => setTimeout(r, 2000));
    const after = ctx.serverRss();
    closeAll(conns);
    return {
      connections: count,
      setupSeconds: round(setupSeconds),
      rssAtStartBytes: rssAtStart,
      rssBeforeBytes: before,
      rssAfterBytes: after,
      bytesPerConnection: Math.round((after - before) / count),
      bytesPerConnectionWithSignUps: Math.round((after - rssAtStart) / count),
    };
  },
};

export const WORKLOADS: Workload[] = [
  fanout('W1', '100 clients in one room, 10 senders x 1000 messages', 100, 100, 10, 1000, 256),
  fanout('W1M', 'as W1, with 10 % reactions, 5 % edits and 10 % thread replies among the requests', 100, 100, 10, 1000, 256, true),
  fanout('W2', '1000 clients in one room, 1 sender x 200 messages', 1000, 100, 1, 200, 256),
  fanout('W3', '2 clients, 1 sender x 20000 messages', 2, 2, 1, 20_000, 256),
  fanout('W3L', '2 clients, 1 sender x 20000 messages, one in flight (round trip)', 2, 2, 1, 20_000, 1),
  idle,
  catchUpWorkload,
];
