// Store ingest and read latency for the SQLite backend, through the Store interface.
// Usage: npx tsx bench/store-ingest.ts [--messages 40000] [--runs 3] [--batches 1,16,64,256]
//          [--history-rows 1000000] [--samples 2000] [--dir <reusable data dir>] [--out results.json]
// Prints a table on stderr and JSON on stdout (or to --out). With --dir, the big history room is
// kept there and reused by later runs instead of being filled again.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, type NewMessage, type Store } from '../server/store';
import { VOCAB, random, sentence } from './chat-text';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const messages = Number(arg('messages', '40000'));
const runs = Number(arg('runs', '3'));
const historyRows = Number(arg('history-rows', '1000000'));
const samples = Number(arg('samples', '2000'));
const keptDir = arg('dir', '');
const out = arg('out', '');
const BATCHES = arg('batches', '1,16,64,256').split(',').filter(Boolean).map(Number);
const ROOMS = 20;
const USERS = 8;


let cid = 0;
function makeMessages(count: number, room: (i: number) => string): NewMessage[] {
  return Array.from({ length: count }, (_, i) => ({ room: room(i), from: `user_${i % USERS}`, cid: `c${++cid}`, ts: Date.now(), text: sentence() }));
}

async function seed(store: Store, rooms: string[]): Promise<void> {
  for (let u = 0; u < USERS; u++) await store.createUser({ name: `user_${u}`, passwordHash: 'x', createdAt: 0 });
  const members = Array.from({ length: USERS }, (_, u) => `user_${u}`);
  for (const id of rooms) await store.createRoom({ id, kind: 'group', name: id, createdAt: 0 }, members);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function ingestRun(batch: number): Promise<{ wall: number; cpu: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-store-'));
  const store = await openStore({ kind: 'sqlite', dataDir: dir });
  try {
    const rooms = Array.from({ length: ROOMS }, (_, r) => `room-${r}`);
    await seed(store, rooms);
    // Batch size 1 is slow; fewer messages give the same rate.
    const count = batch === 1 ? Math.ceil(messages / 4) : messages;
    const input = makeMessages(count, (i) => rooms[i % ROOMS]);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i += batch) await store.append(input.slice(i, i + batch));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    return { wall: count / seconds, cpu: count / ((cpu.user + cpu.system) / 1e6) };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  /** Mean CPU time per call: steadier than wall time on a shared machine. */
  cpuMean: number;
}

async function time(count: number, op: (i: number) => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < Math.min(100, count); i++) await op(i);
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  ms.sort((a, b) => a - b);
  return {
    p50: round(percentile(ms, 50)),
    p99: round(percentile(ms, 99)),
    max: round(ms[ms.length - 1]),
    cpuMean: round((cpu.user + cpu.system) / 1000 / count),
  };
}

async function readLatency(): Promise<Record<string, unknown>> {
  const dir = keptDir || (await mkdtemp(path.join(tmpdir(), 'parley-bench-history-')));
  let store = await openStore({ kind: 'sqlite', dataDir: dir });
  try {
    let fill: { rows: number; seconds: number } | undefined;
    const have = await store.lastSeq('big');
    if (have < historyRows) {
      if (have === 0) {
        await seed(store, ['big', 'small', 'quiet']);
        await store.append([{ room: 'quiet', from: 'user_1', cid: 'quiet-1', ts: 0, text: 'nothing much here' }]);
      }
      const t0 = process.hrtime.bigint();
      // One message in 20 goes to another room, so the big room's rows are not one solid run.
      for (let seq = have; seq < historyRows; ) {
        const batch = makeMessages(256, (i) => (i % 20 === 19 ? 'small' : 'big'));
        seq += batch.filter((m) => m.room === 'big').length;
        await store.append(batch);
      }
      fill = { rows: historyRows - have, seconds: round(Number(process.hrtime.bigint() - t0) / 1e9, 1) };
      // Measure from a cold process state: a fresh connection, as after a restart.
      await store.close();
      store = await openStore({ kind: 'sqlite', dataDir: dir });
    }
    const last = await store.lastSeq('big');
    const s = store;
    const randomBefore = () => 201 + Math.floor(random() * (last - 200));
    const common = VOCAB[0];
    const rare = VOCAB[VOCAB.length - 1];
    return {
      roomMessages: last,
      fill,
      history200Newest: await time(samples, () => s.history('big', { limit: 200 })),
      history200RandomBefore: await time(samples, () => s.history('big', { before: randomBefore(), limit: 200 })),
      since200: await time(samples, () => s.since('big', randomBefore(), 200)),
      search50CommonWord: await time(Math.min(samples, 500), () => s.search('user_1', common, { limit: 50 })),
      search50RareWord: await time(Math.min(samples, 500), () => s.search('user_1', rare, { limit: 50 })),
      search50CommonWordInSmallRoom: await time(Math.min(samples, 200), () => s.search('user_1', common, { room: 'small', limit: 50 })),
      // The worst case for newest-first scanning: a common word, none of it in the room searched.
      search50CommonWordInQuietRoom: await time(Math.min(samples, 200), () => s.search('user_1', common, { room: 'quiet', limit: 50 })),
    };
  } finally {
    await store.close();
    if (!keptDir) await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = {
    bench: 'store-ingest',
    backend: 'sqlite',
    node: process.version,
    cpus: cpus().length,
    loadavgAtStart: loadavg().map((x) => round(x, 2)),
    messageBytes: 80,
    runs,
  };
  const ingest: Record<string, { msgsPerSec: number; msgsPerCpuSec: number; runs: number[] }> = {};
  for (const batch of BATCHES) {
    const samplesOf: { wall: number; cpu: number }[] = [];
    for (let r = 0; r < runs; r++) samplesOf.push(await ingestRun(batch));
    ingest[batch] = {
      msgsPerSec: Math.round(median(samplesOf.map((x) => x.wall))),
      msgsPerCpuSec: Math.round(median(samplesOf.map((x) => x.cpu))),
      runs: samplesOf.map((x) => Math.round(x.wall)),
    };
    process.stderr.write(`batch ${String(batch).padStart(3)}: ${ingest[batch].msgsPerSec} msgs/s (${ingest[batch].msgsPerCpuSec} per CPU-second)\n`);
  }
  result.ingest = ingest;
  if (historyRows > 0) {
    const reads = await readLatency();
    result.reads = reads;
    for (const [name, value] of Object.entries(reads)) process.stderr.write(`${name}: ${JSON.stringify(value)}\n`);
  }
  result.loadavgAtEnd = loadavg().map((x) => round(x, 2));
  const json = JSON.stringify(result, null, 2);
  if (out) await writeFile(out, `${json}\n`);
  else process.stdout.write(`${json}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
