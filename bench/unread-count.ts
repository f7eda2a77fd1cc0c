// What unread counts cost a room listing: the reader's room list (general, a room of --rows
// messages and a few small rooms) with RoomInfo.unread counted, against the same list without
// the count, with the read mark at the end (nothing unread), --rows / 2 messages back (the count
// stops at 1000), and a worst case for SQLite: a room whose --rows events after the reader's mark
// are all hidden from the timeline (thread-only replies), which the count reads one by one.
// Usage: npx tsx bench/unread-count.ts [--rows 100000] [--samples 2000] [--store sqlite|neo4j|both]
//   [--uri bolt://… (a running Neo4j; else one is started)]. Progress on stderr, JSON on stdout.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import neo4j from 'neo4j-driver';
import { GENERAL_ROOM, type ChatMessage } from '../protocol';
import { Neo4jStore } from '../server/store/neo4j';
import { roomsOfQuery as neo4jRoomsOf } from '../server/store/neo4j/neo4j-store';
import { SqliteStore } from '../server/store/sqlite';
import { roomsOfQuery as sqliteRoomsOf } from '../server/store/sqlite/rooms';
import type { Store } from '../server/store/store';
import { sentence } from './chat-text';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const rows = Number(arg('rows', '100000'));
const samples = Number(arg('samples', '2000'));
const which = arg('store', 'both');
const givenUri = arg('uri', '');
const READER = 'reader_1';
const BOT = 'busy_bot';
const WRITERS = Array.from({ length: 8 }, (_, u) => `writer_${u}`);
const SMALL_ROOMS = 5;
const LOAD_BATCH = 10_000;

const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** `count` messages into `room` by `senders` in turn, fast (importMessages); `root` makes all but the first replies to seq 1. */
async function load(store: Store, room: string, count: number, senders: string[], root = false): Promise<void> {
  for (let start = 0; start < count; start += LOAD_BATCH) {
    const ids = randomBytes(12 * LOAD_BATCH);
    const batch: ChatMessage[] = [];
    for (let seq = start + 1; seq <= Math.min(count, start + LOAD_BATCH); seq++) {
      const i = seq - start - 1;
      batch.push({
        room, seq, ts: 1_700_000_000_000 + seq, msgId: ids.toString('base64url', i * 12, (i + 1) * 12), from: senders[seq % senders.length], cid: `load-${room}-${seq}`, text: sentence(),
        ...(root && seq > 1 ? { root: 1 } : {}),
      });
    }
    await store.importMessages(batch);
  }
  log(`  ${room}: ${count} messages`);
}

async function fill(store: Store): Promise<void> {
  for (const user of [READER, BOT, ...WRITERS]) await store.createUser({ name: user, passwordHash: 'x', createdAt: 0 });
  await store.createRoom({ id: 'big', kind: 'group', name: 'big', createdAt: 0 }, [READER, ...WRITERS]);
  await store.createRoom({ id: 'hidden', kind: 'group', name: 'hidden', createdAt: 0 }, [BOT, ...WRITERS]);
  for (let i = 0; i < SMALL_ROOMS; i++) await store.createRoom({ id: `small-${i}`, kind: 'group', name: `small-${i}`, createdAt: 0 }, [READER, BOT, ...WRITERS]);
  await load(store, 'big', rows, WRITERS);
  await load(store, 'hidden', rows, WRITERS, true);
  await load(store, GENERAL_ROOM, 1000, WRITERS);
  for (let i = 0; i < SMALL_ROOMS; i++) await load(store, `small-${i}`, 50, WRITERS);
}

function summary(list: number[]): { p50: number; p99: number } {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { p50: round(at(50)), p99: round(at(99)) };
}

/** Times the two listings in turn, so both see the same machine; ms per listing. */
async function pair(n: number, withCount: () => Promise<unknown>, without: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    for (const [fn, out] of [[withCount, a], [without, b]] as const) {
      const t0 = process.hrtime.bigint();
      await fn();
      if (i >= 20) out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const w = summary(a);
  const wo = summary(b);
  return { withUnread: w, withoutUnread: wo, extraP50: round(w.p50 - wo.p50), ratioP50: round(w.p50 / wo.p50, 2) };
}

type Lister = (user: string, withUnread: boolean) => Promise<unknown>;

/** The cases, each with the store's own roomsOf's count checked once. */
async function cases(store: Store, list: Lister, n: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const unreadOf = async (user: string, room: string) => (await store.roomsOf(user)).find((r) => r.id === room)?.unread;
  await store.setReadMark('big', READER, rows);
  for (let i = 0; i < SMALL_ROOMS; i++) await store.setReadMark(`small-${i}`, READER, 50);
  await store.setReadMark(GENERAL_ROOM, READER, 1000);
  log(`  nothing unread (${String(await unreadOf(READER, 'big'))})`);
  out.nothingUnread = await pair(n, () => list(READER, true), () => list(READER, false));
  // A fresh reader would have 0; the mark only moves forward, so a second reader stands in.
  const fresh = `${READER}b`;
  await store.createUser({ name: fresh, passwordHash: 'x', createdAt: 0 });
  await store.addMember('big', fresh);
  await store.setReadMark('big', fresh, Math.floor(rows / 2));
  log(`  half the room unread (${String(await unreadOf(fresh, 'big'))})`);
  out.capped = await pair(n, () => list(fresh, true), () => list(fresh, false));
  log(`  thread-only replies after the mark (${String(await unreadOf(BOT, 'hidden'))})`);
  out.hiddenAfterMark = await pair(Math.max(20, Math.floor(n / 10)), () => list(BOT, true), () => list(BOT, false));
  return out;
}

async function onSqlite(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-unread-'));
  const store = new SqliteStore({ dataDir: dir });
  await store.init();
  try {
    log(`sqlite: loading`);
    await fill(store);
    // The store's own statements, on a second connection to the same file (WAL: readers do not wait).
    const db = new Database(store.file, { readonly: true });
    try {
      const withCount = db.prepare(sqliteRoomsOf(true));
      const without = db.prepare(sqliteRoomsOf(false));
      const list: Lister = async (user, withUnread) => (withUnread ? withCount : without).all({ user });
      return { rows, ...(await cases(store, list, samples)) };
    } finally {
      db.close();
    }
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function onNeo4j(): Promise<Record<string, unknown>> {
  let uri = givenUri;
  let stop = async () => {};
  let dir: string | undefined;
  if (!uri) {
    dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-unread-neo4j-'));
    // A path the compiler does not resolve: the service script is plain JavaScript.
    const script = path.join(__dirname, '../scripts/services/neo4j.mjs');
    const mod = (await import(script)) as {
      THROUGHPUT_JVM_ARGS: string[];
      startNeo4j(o: { dataDir?: string; pageCacheMb: number; jvmArgs: string[] }): Promise<{ uri: string; stop(): Promise<void> }>;
    };
    const server = await mod.startNeo4j({ dataDir: dir, pageCacheMb: 512, jvmArgs: mod.THROUGHPUT_JVM_ARGS });
    uri = server.uri;
    stop = () => server.stop();
  }
  const store = new Neo4jStore({ kind: 'neo4j', uri });
  const driver = neo4j.driver(uri);
  try {
    await store.init();
    log(`neo4j: loading`);
    await fill(store);
    const session = driver.session({ defaultAccessMode: neo4j.session.READ });
    try {
      const list: Lister = async (user, withUnread) => session.run(neo4jRoomsOf(withUnread), { user, general: GENERAL_ROOM });
      return { rows, ...(await cases(store, list, Math.max(50, Math.floor(samples / 5)))) };
    } finally {
      await session.close();
    }
  } finally {
    await store.close();
    await driver.close();
    await stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { bench: 'unread-count', node: process.version, cpus: cpus().length, loadavgAtStart: loadavg().map((x) => round(x, 2)), samples };
  if (which === 'sqlite' || which === 'both') result.sqlite = await onSqlite();
  if (which === 'neo4j' || which === 'both') result.neo4j = await onNeo4j();
  result.loadavgAtEnd = loadavg().map((x) => round(x, 2));
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
