// Persisted ingest on Neo4j next to SQLite, and history page latency from a big room on both.
// Usage: npx tsx bench/store-neo4j.ts [--batches 1,16,64,256] [--seconds 15] [--max-messages 50000]
//          [--warmup-seconds 60] [--history-rows 1000000] [--load-batch 10000] [--load-minutes 60]
//          [--samples 1000] [--inflight 1] [--uri bolt://… (a running Neo4j to use)] [--neo4j-pid PID]
//          [--data DIR] [--sqlite-data DIR] [--jvm throughput|small] [--out results.json]
// Starts its own Neo4j (scripts/services/neo4j.mjs) unless --uri is given. One Neo4j serves the
// whole run: the big history room is loaded first (kept in --data and reused by later runs),
// (the SQLite one likewise in --sqlite-data), then the JVM is warmed up (a cold JIT on a busy machine is ten times slower), then each ingest
// run writes fresh rooms, deleted afterwards, so ingest happens into a store that is not empty.
// Each ingest run also reports where the time goes: Neo4j's CPU (from /proc, for the Neo4j this
// bench started or --neo4j-pid), this process's CPU (driver and store code), and the rest of the
// wall time (waiting: round trips, log forces, other processes on the cores).
// Prints progress on stderr and JSON on stdout (or to --out).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import type { ChatMessage } from '../protocol';
import { Neo4jStore } from '../server/store/neo4j';
import { SqliteStore } from '../server/store/sqlite';
import type { NewMessage, Store } from '../server/store/store';
import { random, sentence } from './chat-text';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const BATCHES = arg('batches', '1,16,64,256').split(',').filter(Boolean).map(Number);
const seconds = Number(arg('seconds', '15'));
const warmupSeconds = Number(arg('warmup-seconds', '60'));
const maxMessages = Number(arg('max-messages', '50000'));
const historyRows = Number(arg('history-rows', '1000000'));
const loadBatch = Number(arg('load-batch', '10000'));
const loadMinutes = Number(arg('load-minutes', '60'));
const samples = Number(arg('samples', '1000'));
const givenUri = arg('uri', '');
const keptDir = arg('data', '');
const keptSqliteDir = arg('sqlite-data', '');
const out = arg('out', '');
const inflight = Number(arg('inflight', '1'));
let neo4jPid = Number(arg('neo4j-pid', '0'));
const PAGE_CACHE_MB = 1024;
// --jvm throughput (default): THROUGHPUT_JVM_ARGS of scripts/services/neo4j.mjs; --jvm small: the
// test suites' defaults (Serial GC, heap grown from 64 MiB) with -Xmx2g, as measured before.
const jvmProfile = arg('jvm', 'throughput');
let jvmArgs: string[] = ['-Xmx2g'];
const ROOMS = 20;
const USERS = 8;


const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const log = (line: string) => process.stderr.write(`${line}\n`);
let cid = 0;

interface Neo4jServer {
  uri: string;
  pid?: number;
  stop(): Promise<void>;
}

/** CPU seconds used so far by a process (user + system), or undefined when it cannot be read. */
function processCpu(pid: number): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function startServer(dataDir?: string): Promise<Neo4jServer> {
  if (givenUri) return { uri: givenUri, stop: async () => {} };
  // A path the compiler does not resolve: the service script is plain JavaScript.
  const script = path.join(__dirname, '../scripts/services/neo4j.mjs');
  const mod = (await import(script)) as {
    THROUGHPUT_JVM_ARGS: string[];
    startNeo4j(o: { dataDir?: string; pageCacheMb: number; jvmArgs: string[] }): Promise<Neo4jServer>;
  };
  if (jvmProfile === 'throughput') jvmArgs = mod.THROUGHPUT_JVM_ARGS;
  else if (jvmProfile !== 'small') throw new Error('--jvm is throughput or small');
  return mod.startNeo4j({ dataDir, pageCacheMb: PAGE_CACHE_MB, jvmArgs });
}

/** Deletes rooms whose id starts with `prefix`, and their messages, in chunks. */
async function deleteRooms(uri: string, prefix: string): Promise<void> {
  const driver = neo4j.driver(uri);
  const session = driver.session();
  try {
    await session.run(
      `MATCH (r:Room) WHERE r.id STARTS WITH $prefix
       MATCH (m:Message)-[:IN]->(r)
       CALL (m) { DETACH DELETE m } IN TRANSACTIONS OF 10000 ROWS`,
      { prefix },
    );
    await session.run('MATCH (r:Room) WHERE r.id STARTS WITH $prefix DETACH DELETE r', { prefix });
  } finally {
    await session.close();
    await driver.close();
  }
}

const USER_NAMES = Array.from({ length: USERS }, (_, u) => `user_${u}`);

async function seed(store: Store, rooms: string[]): Promise<void> {
  for (const name of USER_NAMES) await store.createUser({ name, passwordHash: 'x', createdAt: 0 });
  for (const id of rooms) await store.createRoom({ id, kind: 'group', name: id, createdAt: 0 }, USER_NAMES);
}

interface Rate {
  msgsPerSec: number;
  messages: number;
  seconds: number;
  msPerBatch: number;
  /** Per message: the store's own process (driver, store code), and the Neo4j server when known. */
  clientCpuUs: number;
  serverCpuUs?: number;
  loadavg1: number;
}

/**
 * Appends batches one after another (as the server's group commit does) for `seconds`; with
 * --inflight N, N such writers at once (the store merges what queues up).
 */
async function ingest(store: Store, batch: number, prefix: string, runSeconds = seconds, serverPid = 0): Promise<Rate> {
  const rooms = Array.from({ length: ROOMS }, (_, r) => `${prefix}${r}`);
  await seed(store, rooms);
  let sent = 0;
  let batches = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const server0 = processCpu(serverPid);
  const deadline = Date.now() + runSeconds * 1000;
  const writer = async () => {
    while (Date.now() < deadline && sent < maxMessages) {
      const input: NewMessage[] = [];
      for (let i = 0; i < batch; i++, sent++) {
        input.push({ room: rooms[sent % ROOMS], from: USER_NAMES[sent % USERS], cid: `c${++cid}`, ts: Date.now(), text: sentence() });
      }
      await store.append(input);
      batches++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, writer));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const server1 = processCpu(serverPid);
  const rate: Rate = {
    msgsPerSec: Math.round(sent / elapsed),
    messages: sent,
    seconds: round(elapsed, 1),
    msPerBatch: round((elapsed * 1000 * inflight) / batches, 2),
    clientCpuUs: round((cpu.user + cpu.system) / sent, 1),
    loadavg1: round(loadavg()[0], 2),
  };
  if (server0 !== undefined && server1 !== undefined) rate.serverCpuUs = round(((server1 - server0) * 1e6) / sent, 1);
  return rate;
}

async function warmUp(store: Store, uri: string): Promise<void> {
  log(`warming up Neo4j for ${warmupSeconds} s`);
  const deadline = Date.now() + warmupSeconds * 1000;
  for (let round = 0; Date.now() < deadline; round++) {
    for (const batch of [1, 16, 64, 256]) await ingest(store, batch, `warm-${round}-${batch}-`, 2);
    await store.history('big', { limit: 200 });
  }
  await deleteRooms(uri, 'warm-');
}

async function ingestAll(store: Store, uri: string): Promise<Record<string, { neo4j: Rate; sqlite: Rate }>> {
  const result: Record<string, { neo4j: Rate; sqlite: Rate }> = {};
  for (const batch of BATCHES) {
    const onGraph = await ingest(store, batch, `ingest-${batch}-`, seconds, neo4jPid);
    await deleteRooms(uri, 'ingest-');
    const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-sqlite-'));
    const file = new SqliteStore({ dataDir: dir });
    await file.init();
    let onFile: Rate;
    try {
      onFile = await ingest(file, batch, `ingest-${batch}-`);
    } finally {
      await file.close();
      await rm(dir, { recursive: true, force: true });
    }
    result[batch] = { neo4j: onGraph, sqlite: onFile };
    log(
      `batch ${String(batch).padStart(3)}: neo4j ${onGraph.msgsPerSec} msgs/s (${onGraph.msPerBatch} ms/batch; CPU per message: ` +
        `neo4j ${onGraph.serverCpuUs ?? '?'} µs, client ${onGraph.clientCpuUs} µs), sqlite ${onFile.msgsPerSec} msgs/s`,
    );
  }
  return result;
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  /** Mean CPU per call in ms: this process (driver, store code), and Neo4j's when known. */
  clientCpuMs: number;
  serverCpuMs?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function time(count: number, op: () => Promise<unknown>, serverPid = 0): Promise<Latency> {
  for (let i = 0; i < Math.min(50, count); i++) await op();
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  const server0 = processCpu(serverPid);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await op();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  const server1 = processCpu(serverPid);
  ms.sort((a, b) => a - b);
  const latency: Latency = {
    p50: round(percentile(ms, 50)),
    p99: round(percentile(ms, 99)),
    max: round(ms[ms.length - 1]),
    clientCpuMs: round((cpu.user + cpu.system) / 1000 / count),
  };
  if (server0 !== undefined && server1 !== undefined) latency.serverCpuMs = round(((server1 - server0) * 1000) / count);
  return latency;
}

/**
 * Fills room `big` (one message in 20 goes to `small`, so its messages are not one solid run)
 * with importMessages: large UNWIND batches, the same CREATE as append, full-text index included.
 */
async function load(store: Store, have: number): Promise<{ rows: number; seconds: number; msgsPerSec: number; batch: number; stoppedEarly: boolean }> {
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + loadMinutes * 60_000;
  let big = have;
  let small = await store.lastSeq('small');
  let lastReport = Date.now();
  while (big < historyRows && Date.now() < deadline) {
    const batch: ChatMessage[] = [];
    const ids = randomBytes(12 * loadBatch);
    for (let i = 0; i < loadBatch && big < historyRows; i++) {
      const inSmall = i % 20 === 19;
      const seq = inSmall ? ++small : ++big;
      batch.push({
        room: inSmall ? 'small' : 'big',
        seq,
        ts: 1_700_000_000_000 + big + small,
        msgId: ids.toString('base64url', i * 12, (i + 1) * 12),
        from: `user_${i % USERS}`,
        cid: `load-${inSmall ? 's' : 'b'}-${seq}`,
        text: sentence(),
      });
    }
    await store.importMessages(batch);
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
      log(`loaded ${big} / ${historyRows} (${Math.round((big - have) / elapsed)} msgs/s into big)`);
    }
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const rows = big - have;
  return { rows, seconds: round(elapsed, 1), msgsPerSec: Math.round((rows * 21) / 20 / elapsed), batch: loadBatch, stoppedEarly: big < historyRows };
}

/** Loads the big room when it is short of --history-rows; returns what the load took. */
async function prepareHistory(store: Store) {
  const have = await store.lastSeq('big');
  if (historyRows <= 0 || have >= historyRows) return undefined;
  if (have === 0) {
    await store.createRoom({ id: 'big', kind: 'group', name: 'big', createdAt: 0 }, USER_NAMES);
    await store.createRoom({ id: 'small', kind: 'group', name: 'small', createdAt: 0 }, USER_NAMES);
  }
  return load(store, have);
}

async function history(store: Store, serverPid = 0): Promise<Record<string, unknown>> {
  const have = await store.lastSeq('big');
  log(`room big holds ${have} messages; timing history pages`);
  const randomBefore = () => 201 + Math.floor(random() * Math.max(1, have - 200));
  return {
    roomMessages: have,
    history200Newest: await time(samples, () => store.history('big', { limit: 200 }), serverPid),
    history200RandomBefore: await time(samples, () => store.history('big', { before: randomBefore(), limit: 200 }), serverPid),
    since200: await time(samples, () => store.since('big', randomBefore(), 200), serverPid),
  };
}

/** The same big room and history timings on SQLite (kept in --sqlite-data between runs). */
async function sqliteHistory(): Promise<Record<string, unknown>> {
  const dir = keptSqliteDir || (await mkdtemp(path.join(tmpdir(), 'parley-bench-sqlite-big-')));
  const file = new SqliteStore({ dataDir: dir });
  await file.init();
  try {
    for (const name of USER_NAMES) await file.createUser({ name, passwordHash: 'x', createdAt: 0 });
    const loaded = await prepareHistory(file);
    if (loaded) log(`sqlite loaded: ${JSON.stringify(loaded)}`);
    return { load: loaded, ...(await history(file)) };
  } finally {
    await file.close();
    if (!keptSqliteDir) await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = {
    bench: 'store-neo4j',
    node: process.version,
    cpus: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    loadavgAtStart: loadavg().map((x) => round(x, 2)),
    neo4j: givenUri ? { uri: givenUri } : { version: 'community 5.26 (scripts/services/neo4j.mjs)', pageCacheMb: PAGE_CACHE_MB, jvmProfile },
    messageBytes: 80,
    ingestSecondsPerRun: seconds,
    appendsInFlight: inflight,
  };
  const dataDir = keptDir || (givenUri ? undefined : await mkdtemp(path.join(tmpdir(), 'parley-bench-neo4j-')));
  const server = await startServer(dataDir);
  if (!givenUri) result.neo4j = { ...(result.neo4j as object), jvmArgs };
  if (!neo4jPid && server.pid) neo4jPid = server.pid;
  const store = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
  try {
    await store.init();
    for (const name of USER_NAMES) await store.createUser({ name, passwordHash: 'x', createdAt: 0 });
    // Leftovers of an interrupted run.
    await deleteRooms(server.uri, 'ingest-');
    await deleteRooms(server.uri, 'warm-');
    const loaded = await prepareHistory(store);
    if (loaded) log(`loaded: ${JSON.stringify(loaded)}`);
    await warmUp(store, server.uri);
    result.ingest = await ingestAll(store, server.uri);
    if (historyRows > 0) {
      const onGraph = { load: loaded, ...(await history(store, neo4jPid)) };
      log(`neo4j history: ${JSON.stringify(onGraph)}`);
      const onFile = await sqliteHistory();
      log(`sqlite history: ${JSON.stringify(onFile)}`);
      result.history = { neo4j: onGraph, sqlite: onFile };
    }
  } finally {
    await store.close();
    await server.stop();
    if (dataDir && !keptDir) await rm(dataDir, { recursive: true, force: true });
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
