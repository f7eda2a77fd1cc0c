// Flood: one client floods one request kind from its own address while a pair of users on
// another address chats one message at a time; reports the pair's round-trip p99 without and
// with the flood, in the same run, as a ratio per kind (target < 1.10). The server runs with its
// default budgets: what is measured is how cheaply it refuses. The flooder runs in a worker
// thread on a raw socket, so its own parsing does not slow the pair's client down.
// Usage: npm run bench -- bench/flood.ts [--kinds send,status,…] [--seconds 3] [--out file]
// Prints a table on stderr and JSON on stdout (or to --out). Linux only (127.0.0.x addresses).
import { writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { cpus, loadavg } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Connection } from '../client/connection';
import { encodeFrame, type ServerFrame } from '../protocol';
import { TestServer } from '../test/helpers/server';
import { LatencyRecorder, round } from './latency';

const KINDS = ['send', 'status', 'history', 'search', 'rooms', 'join', 'typing', 'read', 'thread', 'events'] as const;
type Kind = (typeof KINDS)[number];

const FLOODER_ADDRESS = '127.0.0.2';
const PAIR_ADDRESS = '127.0.0.3';
const SEEDER_ADDRESS = '127.0.0.4';
const PASSWORD = 'bench-password';
/**
 * Pairs taking turns, each one message at a time: a round trip (two messages) per pair every
 * PAIRS × PAIR_INTERVAL_MS keeps every user within the 20/s send budget, and gives a p99 enough samples.
 */
const PAIRS = 4;
const PAIR_INTERVAL_MS = 14;
/** Frames the flooder writes before it waits for a pong: as fast as the server answers, never unbounded. */
const FLOOD_BATCH = 32;
/** Quiet and flood windows per kind, taking turns. */
const WINDOWS = 6;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** One frame of the kind; `i` makes ids and cids unique. */
function floodFrame(kind: Kind, i: number): object {
  switch (kind) {
    case 'send':
      return { t: 'send', id: i, room: 'general', cid: `flood-${i}`, text: 'flood hello' };
    case 'status':
      return { t: 'status', status: i % 2 === 0 ? 'away' : 'online', context: `n${i}` };
    case 'history':
      return { t: 'history', id: i, room: 'general', limit: 200 };
    case 'search':
      return { t: 'search', id: i, query: 'hello' };
    case 'rooms':
      return { t: 'rooms', id: i };
    case 'join':
      return { t: 'join', id: i, room: 'flood-room' };
    case 'typing':
      return { t: 'typing', room: 'general' };
    case 'read':
      return { t: 'read', id: i, room: 'general', seq: 1 };
    case 'thread':
      return { t: 'thread', id: i, room: 'general', root: 1 };
    case 'events':
      return { t: 'events', id: i, room: 'general', after: 0, limit: 500 };
  }
}

interface FloodSetup {
  parleyFlood: true;
  host: string;
  port: number;
  token: string;
  kind: Kind;
}

interface FloodCounts {
  sent: number;
  answered: number;
  rateLimited: number;
}

/** Worker: resumes the flooder's session and floods until told to stop, then reports its counts. */
async function floodWorker(setup: FloodSetup): Promise<void> {
  const port = parentPort as NonNullable<typeof parentPort>;
  const socket = net.connect({ host: setup.host, port: setup.port, localAddress: FLOODER_ADDRESS });
  socket.setNoDelay(true);
  const counts: FloodCounts = { sent: 0, answered: 0, rateLimited: 0 };
  let waiting: { id: string; resolve: () => void } | undefined;
  // Frames are split by hand and only small headers parsed: a history page's header is big, and
  // parsing it would spend the machine's CPU on the flooder instead of the server.
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (pending.length - at >= 8) {
      const frameLength = pending.readUInt32BE(at);
      if (pending.length - at < 4 + frameLength) break;
      const headerLength = pending.readUInt32BE(at + 4);
      if (headerLength > 512) counts.answered++;
      else {
        const h = JSON.parse(pending.toString('utf8', at + 8, at + 8 + headerLength)) as { t: string; id?: unknown; code?: string };
        if (h.t === 'pong' && waiting !== undefined && h.id === waiting.id) {
          const w = waiting;
          waiting = undefined;
          w.resolve();
        } else if (h.id !== undefined) {
          counts.answered++;
          if (h.code === 'RATE_LIMITED') counts.rateLimited++;
        }
      }
      at += 4 + frameLength;
    }
    pending = pending.subarray(at);
  });
  const roundTrip = (id: string) =>
    new Promise<void>((resolve) => {
      waiting = { id, resolve };
      socket.write(encodeFrame({ t: 'ping', id }));
    });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(encodeFrame({ t: 'hello', id: 'h', v: 2 }));
  socket.write(encodeFrame({ t: 'resume', id: 'r', token: setup.token }));
  await roundTrip('ready');
  // 'flood' and 'quiet' switch the flood on and off, 'stop' ends it.
  let state = 'quiet' as 'quiet' | 'flood' | 'stop';
  let wake: (() => void) | undefined;
  port.on('message', (m: 'quiet' | 'flood' | 'stop') => {
    state = m;
    wake?.();
  });
  port.postMessage({ type: 'ready' });
  let i = 0;
  while (state !== 'stop') {
    if (state === 'quiet') {
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    const frames: Buffer[] = [];
    for (let n = 0; n < FLOOD_BATCH; n++) frames.push(encodeFrame(floodFrame(setup.kind, ++i)));
    socket.write(Buffer.concat(frames));
    counts.sent += FLOOD_BATCH;
    await roundTrip(`p${i}`);
  }
  socket.destroy();
  port.postMessage({ type: 'done', counts });
}

/** A signed-in client connection from `address`, registering the user first. */
async function user(server: TestServer, address: string, name: string): Promise<{ conn: Connection; token: string }> {
  const target = { host: server.host, port: server.port, clientName: 'bench', localAddress: address };
  const conn = await Connection.open(target);
  await conn.request({ t: 'register', user: name, password: PASSWORD });
  const session = await conn.request<{ token: string }>({ t: 'login', user: name, password: PASSWORD });
  return { conn, token: session.token };
}

interface Pair {
  a: Connection;
  b: Connection;
  room: string;
}

/** One round trip of a pair: a sends "ping id", b answers "pong id"; resolves when a has the answer. */
async function roundTrip(pair: Pair, id: string): Promise<void> {
  const answered = new Promise<void>((resolve) => {
    const onFrame = (f: ServerFrame) => {
      if (f.t === 'msg' && f.room === pair.room && f.text === `pong ${id}`) {
        pair.a.off('frame', onFrame);
        resolve();
      }
    };
    pair.a.on('frame', onFrame);
  });
  await pair.a.request({ t: 'send', room: pair.room, cid: `ping-${id}`, text: `ping ${id}` });
  await answered;
}

/** The pairs chat in turns for `ms`, one round trip at a time; each round trip's time is one sample. */
async function chat(pairs: Pair[], ms: number, tag: string, rtt = new LatencyRecorder(100_000)): Promise<LatencyRecorder> {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    const pair = pairs[n % pairs.length];
    const started = performance.now();
    await roundTrip(pair, `${tag}-${++n}`);
    rtt.add(performance.now() - started);
    const rest = PAIR_INTERVAL_MS - (performance.now() - started);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  }
  return rtt;
}

/** Two users of PAIR_ADDRESS in a room of their own; b answers every ping. */
async function makePair(server: TestServer, i: number, suffix: string): Promise<Pair> {
  const a = await user(server, PAIR_ADDRESS, `pair${i}_a_${suffix}`);
  const b = await user(server, PAIR_ADDRESS, `pair${i}_b_${suffix}`);
  const room = `pair-room-${i}`;
  await a.conn.request({ t: 'create', name: room });
  await b.conn.request({ t: 'join', room });
  b.conn.on('frame', (f: ServerFrame) => {
    if (f.t === 'msg' && f.room === room && f.text?.startsWith('ping ')) {
      void b.conn.request({ t: 'send', room, cid: `pong-${f.text.slice(5)}`, text: `pong ${f.text.slice(5)}` });
    }
  });
  return { a: a.conn, b: b.conn, room };
}

interface Flooder {
  set(state: 'quiet' | 'flood'): void;
  stop(): Promise<FloodCounts>;
}

function startFlood(server: TestServer, token: string, kind: Kind): Promise<Flooder> {
  const setup: FloodSetup = { parleyFlood: true, host: server.host, port: server.port, token, kind };
  const source = __filename.endsWith('.ts') ? `require('tsx/cjs');\nrequire(${JSON.stringify(__filename)});` : `require(${JSON.stringify(__filename)});`;
  const worker = new Worker(source, { eval: true, workerData: setup, execArgv: [] });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () =>
      resolve({
        set: (state) => worker.postMessage(state),
        stop: () =>
          new Promise((done) => {
            worker.once('message', (m: { counts: FloodCounts }) => {
              void worker.terminate();
              done(m.counts);
            });
            worker.postMessage('stop');
          }),
      }),
    );
  });
}

async function main(): Promise<void> {
  const kinds = arg('kinds', KINDS.join(',')).split(',') as Kind[];
  for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`Unknown kind ${k}; choose from ${KINDS.join(', ')}.`);
  // Per kind: WINDOWS quiet and WINDOWS flood windows, `seconds` of each in all.
  const seconds = Number(arg('seconds', '3'));
  const windowMs = (seconds * 1000) / WINDOWS;
  const out = arg('out', '');
  // Default budgets; sign-in throttling is irrelevant here and stays on.
  const server = await TestServer.start();
  try {
    const suffix = Date.now().toString(36).slice(-5);
    const seeder = await user(server, SEEDER_ADDRESS, `seeder_${suffix}`);
    // Something for history, events, thread and search to read: 100 messages (the send burst).
    await Promise.all(Array.from({ length: 100 }, (_, i) => seeder.conn.request({ t: 'send', room: 'general', cid: `seed-${i}`, text: `hello seed ${i}` })));
    const floodUser = await user(server, FLOODER_ADDRESS, `flooder_${suffix}`);
    await floodUser.conn.request({ t: 'create', name: 'flood-room' });
    const pairs: Pair[] = [];
    for (let i = 0; i < PAIRS; i++) pairs.push(await makePair(server, i, suffix));
    // Warm-up: JIT, page cache, the pair's buckets settle.
    await chat(pairs, 1000, 'warm');

    const results = [];
    for (const kind of kinds) {
      // Quiet and flood windows take turns, so drift in the machine's load hits both alike.
      const flooder = await startFlood(server, floodUser.token, kind);
      const quietRtt = new LatencyRecorder(100_000);
      const floodRtt = new LatencyRecorder(100_000);
      for (let w = 0; w < WINDOWS; w++) {
        await chat(pairs, windowMs, `${kind}-q${w}`, quietRtt);
        flooder.set('flood');
        await chat(pairs, windowMs, `${kind}-f${w}`, floodRtt);
        flooder.set('quiet');
      }
      const counts = await flooder.stop();
      const quiet = quietRtt.summary();
      const loud = floodRtt.summary();
      const row = {
        kind,
        quietP50Ms: quiet.p50,
        quietP99Ms: quiet.p99,
        floodP50Ms: loud.p50,
        floodP99Ms: loud.p99,
        p99Ratio: round(loud.p99 / quiet.p99, 2),
        p50Ratio: round(loud.p50 / quiet.p50, 2),
        samples: loud.samples,
        floodSent: counts.sent,
        floodPerSecond: Math.round(counts.sent / ((WINDOWS * windowMs) / 1000)),
        floodAnswered: counts.answered,
        floodRateLimited: counts.rateLimited,
      };
      results.push(row);
      process.stderr.write(
        `${kind.padEnd(8)} p99 quiet ${quiet.p99.toFixed(2).padStart(6)} ms  flood ${loud.p99.toFixed(2).padStart(6)} ms  ratio ${row.p99Ratio.toFixed(2)}  (${row.floodPerSecond}/s flooded, ${counts.rateLimited} RATE_LIMITED)\n`,
      );
    }
    for (const c of [seeder.conn, floodUser.conn, ...pairs.flatMap((p) => [p.a, p.b])]) c.close();
    const report = {
      bench: 'flood',
      secondsQuietAndFloodedPerKind: seconds,
      windowsPerKind: WINDOWS,
      pairs: PAIRS,
      roundTripEveryMs: PAIR_INTERVAL_MS,
      target: 'p99Ratio < 1.10',
      worstRatio: Math.max(...results.map((r) => r.p99Ratio)),
      results,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage: loadavg().map((l) => round(l, 2)), node: process.version },
    };
    const json = JSON.stringify(report, null, 2);
    if (out) await writeFile(out, `${json}\n`);
    else console.log(json);
  } finally {
    await server.stop();
    server.cleanup();
  }
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if ((workerData as FloodSetup | undefined)?.parleyFlood === true) {
  void floodWorker(workerData as FloodSetup);
}
