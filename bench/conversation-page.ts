// A 200-message history page with aggregated reactions and reply counts, from a room of
// --rows messages, next to the same page from a room of plain messages in the same store and
// run. Usage: npx tsx bench/conversation-page.ts [--rows 1000000] [--samples 500]
//   [--store sqlite|neo4j|both] [--uri bolt://… (a running Neo4j; else one is started)]
// In the conversation room every 10th message has a reaction, every 10th (offset 5) is a thread
// root with two replies, and every 50th is edited; the changes go through Store.append, as the
// server's would. Prints progress on stderr and JSON on stdout.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { ChatMessage } from '../protocol';
import { Neo4jStore } from '../server/store/neo4j';
import { SqliteStore } from '../server/store/sqlite';
import type { NewMessage, Store } from '../server/store/store';
import { random, sentence } from './chat-text';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const rows = Number(arg('rows', '1000000'));
const samples = Number(arg('samples', '500'));
const which = arg('store', 'both');
const givenUri = arg('uri', '');
const USERS = Array.from({ length: 8 }, (_, u) => `user_${u}`);
const EMOJI = ['👍', '✅', '👀', '🎉', '❤️', '😄'];
const LOAD_BATCH = 10_000;
const APPEND_BATCH = 256;

const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** `rows` plain messages into `room`, fast (importMessages: the copy-store path). */
async function loadPlain(store: Store, room: string): Promise<void> {
  const from = await store.lastSeq(room);
  for (let start = from; start < rows; start += LOAD_BATCH) {
    const ids = randomBytes(12 * LOAD_BATCH);
    const batch: ChatMessage[] = [];
    for (let seq = start + 1; seq <= Math.min(rows, start + LOAD_BATCH); seq++) {
      const i = seq - start - 1;
      batch.push({ room, seq, ts: 1_700_000_000_000 + seq, msgId: ids.toString('base64url', i * 12, (i + 1) * 12), from: USERS[seq % USERS.length], cid: `load-${room}-${seq}`, text: sentence() });
    }
    await store.importMessages(batch);
    if ((start / LOAD_BATCH) % 20 === 0) log(`  ${room}: ${start + batch.length} / ${rows}`);
  }
}

/** The conversation on top of the plain messages of `room`, through append in batches. */
async function addConversation(store: Store, room: string): Promise<number> {
  let pending: NewMessage[] = [];
  let appended = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const results = await store.append(pending);
    const refused = results.find((r) => r.refused !== undefined);
    if (refused) throw new Error(`the store refused a bench change: ${refused.refused?.code} ${refused.refused?.message}`);
    appended += pending.length;
    pending = [];
  };
  for (let seq = 1; seq <= rows; seq++) {
    const author = USERS[seq % USERS.length];
    const other = USERS[(seq + 1) % USERS.length];
    const ts = 1_800_000_000_000 + seq;
    if (seq % 10 === 0) pending.push({ room, from: other, cid: `r-${seq}`, ts, change: { kind: 'react', target: seq, emoji: EMOJI[seq % EMOJI.length] } });
    if (seq % 10 === 5) {
      pending.push({ room, from: other, cid: `a-${seq}`, ts, root: seq, text: sentence() });
      pending.push({ room, from: author, cid: `b-${seq}`, ts, root: seq, text: sentence() });
    }
    if (seq % 50 === 7) pending.push({ room, from: author, cid: `e-${seq}`, ts, change: { kind: 'edit', target: seq, text: sentence() } });
    if (pending.length >= APPEND_BATCH) await flush();
    if (seq % 100_000 === 0) log(`  ${room}: conversation up to #${seq}`);
  }
  await flush();
  return appended;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Alternates the two rooms' pages, so both see the same machine. */
async function timePages(store: Store): Promise<Record<string, unknown>> {
  const times: Record<'plain' | 'conv', number[]> = { plain: [], conv: [] };
  const before = () => 201 + Math.floor(random() * (rows - 200));
  let aggregated = 0;
  for (let i = 0; i < samples + 20; i++) {
    const b = before();
    for (const room of ['plain', 'conv'] as const) {
      const t0 = process.hrtime.bigint();
      const page = await store.history(room, { before: b, limit: 200 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= 20) times[room].push(ms);
      if (room === 'conv') aggregated += page.messages.filter((m) => m.reactions !== undefined || m.replies !== undefined).length;
    }
  }
  const summary = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1]) };
  };
  const plain = summary(times.plain);
  const conv = summary(times.conv);
  return {
    plain,
    conversation: conv,
    ratioP50: round(conv.p50 / plain.p50, 2),
    ratioP99: round(conv.p99 / plain.p99, 2),
    aggregatedMessagesPerPage: round(aggregated / (samples + 20), 1),
  };
}

async function benchStore(name: string, store: Store): Promise<Record<string, unknown>> {
  await store.init();
  try {
    for (const user of USERS) await store.createUser({ name: user, passwordHash: 'x', createdAt: 0 });
    for (const id of ['plain', 'conv']) await store.createRoom({ id, kind: 'group', name: id, createdAt: 0 }, USERS);
    const t0 = Date.now();
    log(`${name}: loading two rooms of ${rows} messages`);
    await loadPlain(store, 'plain');
    await loadPlain(store, 'conv');
    const loadSeconds = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const events = await addConversation(store, 'conv');
    const conversationSeconds = (Date.now() - t1) / 1000;
    log(`${name}: ${events} conversation events in ${conversationSeconds.toFixed(1)} s; timing pages`);
    return { rows, loadSeconds: round(loadSeconds, 1), conversationEvents: events, conversationEventsPerSecond: Math.round(events / conversationSeconds), history200: await timePages(store) };
  } finally {
    await store.close();
  }
}

async function onSqlite(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-conv-'));
  try {
    return await benchStore('sqlite', new SqliteStore({ dataDir: dir }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function onNeo4j(): Promise<Record<string, unknown>> {
  let uri = givenUri;
  let stop = async () => {};
  let dir: string | undefined;
  if (!uri) {
    dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-conv-neo4j-'));
    // A path the compiler does not resolve: the service script is plain JavaScript.
    const script = path.join(__dirname, '../scripts/services/neo4j.mjs');
    const mod = (await import(script)) as {
      THROUGHPUT_JVM_ARGS: string[];
      startNeo4j(o: { dataDir?: string; pageCacheMb: number; jvmArgs: string[] }): Promise<{ uri: string; stop(): Promise<void> }>;
    };
    const server = await mod.startNeo4j({ dataDir: dir, pageCacheMb: 1024, jvmArgs: mod.THROUGHPUT_JVM_ARGS });
    uri = server.uri;
    stop = () => server.stop();
  }
  try {
    return await benchStore('neo4j', new Neo4jStore({ kind: 'neo4j', uri }));
  } finally {
    await stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { bench: 'conversation-page', node: process.version, cpus: cpus().length, loadavgAtStart: loadavg().map((x) => round(x, 2)), samples };
  if (which === 'sqlite' || which === 'both') result.sqlite = await onSqlite();
  if (which === 'neo4j' || which === 'both') result.neo4j = await onNeo4j();
  result.loadavgAtEnd = loadavg().map((x) => round(x, 2));
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
