import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AUDIT_MAX_LIMIT, GENERAL_ROOM, type AuditEntry, type ChatMessage } from '../../protocol';
import { Neo4jStore, type Neo4jStoreConfig } from './neo4j';
import { DATABASE_FILE, SqliteStore } from './sqlite';
import type { RoomRecord, Store } from './store';

export interface CopyProgress {
  phase: 'users' | 'rooms' | 'messages' | 'read marks' | 'governance' | 'verify';
  /** The room being copied, in the messages phase. */
  room?: string;
  done: number;
  total: number;
}

export interface CopyOptions {
  onProgress?: (progress: CopyProgress) => void;
  /** Messages per read and per import transaction (default 1000). */
  batch?: number;
  /** Messages compared field by field per room after copying, besides the counts (default 20). */
  sample?: number;
}

export interface CopyReport {
  users: number;
  /** Users with a display name, status message or avatar. */
  profiles: number;
  rooms: number;
  messages: number;
  files: number;
  readMarks: number;
  /** Pending invitations, bans, blocks and audit log entries. */
  invitations: number;
  bans: number;
  blocks: number;
  audit: number;
  /** Messages per room, as copied and verified. */
  perRoom: Record<string, number>;
  /** Messages compared field by field. */
  sampled: number;
  ms: number;
}

export class CopyStoreError extends Error {
  override name = 'CopyStoreError';
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length === 0 ? message : `${message}:\n  ${problems.slice(0, 20).join('\n  ')}`);
  }
}

/**
 * Copies everything from one store into an empty one: users with their password hashes, profiles and marks
 * (disabled, runtime administrator, deleted: a deleted account stays deleted and its name taken),
 * rooms with their members, roles, visibility, topic, description and read-only flag (general's
 * too), every room's messages and room events in seq order (seq, msgId, ts, cid and files kept),
 * read marks, pending invitations, bans, blocks and the audit log (its seqs kept). Then checks
 * all of those (users, rooms, members, roles, invitations, bans, blocks, the whole audit log,
 * read marks, per-room message counts) and compares a sample of messages field by field; any
 * difference rejects with CopyStoreError. Sessions are not copied: people sign in again. Nothing
 * may write to `from` meanwhile (stop the server first).
 */
export async function copyStore(from: Store, to: Store, options: CopyOptions = {}): Promise<CopyReport> {
  const started = Date.now();
  const batch = Math.max(1, Math.floor(options.batch ?? 1000));
  const progress = options.onProgress ?? (() => {});
  await assertEmpty(to);

  const users = await from.exportUsers();
  for (let i = 0; i < users.length; i++) {
    if (!(await to.createUser(users[i]))) throw new CopyStoreError(`user ${users[i].name} already exists in the target`);
    progress({ phase: 'users', done: i + 1, total: users.length });
  }
  // Profiles ride with the users; an avatar's bytes are in the media store, which is not copied.
  const profiles = await from.exportProfiles();
  for (const { user, displayName, statusMessage, avatar } of profiles) await to.setProfile(user, { displayName, statusMessage, avatar });

  const rooms = await from.exportRooms();
  for (let i = 0; i < rooms.length; i++) {
    const room = rooms[i];
    // general exists in every store and holds every user.
    if (room.id !== GENERAL_ROOM && !(await to.createRoom(room, await from.members(room.id)))) {
      throw new CopyStoreError(`room ${room.id} already exists in the target`);
    }
    // The creator is the owner in the target as in the source; the other roles follow.
    if (room.id !== GENERAL_ROOM && room.kind === 'group') await to.setRoles(room.id, await from.memberRoles(room.id));
    // general is the target's own: what was set on it is set again.
    if (room.id === GENERAL_ROOM && (room.topic !== undefined || room.description !== undefined || room.readOnly === true || room.name !== GENERAL_ROOM)) {
      await to.updateRoom(GENERAL_ROOM, { name: room.name, topic: room.topic, description: room.description, readOnly: room.readOnly === true });
    }
    progress({ phase: 'rooms', done: i + 1, total: rooms.length });
  }

  const { perRoom, messages, files } = await copyMessages(from, to, rooms, batch, progress);

  const marks = await from.exportReadMarks();
  for (let i = 0; i < marks.length; i++) {
    await to.setReadMark(marks[i].room, marks[i].user, marks[i].seq);
    progress({ phase: 'read marks', done: i + 1, total: marks.length });
  }

  const governance = await copyGovernance(from, to, rooms, progress);

  const sampled = await verify(from, to, rooms, perRoom, Math.max(0, Math.floor(options.sample ?? 20)), progress);
  return { users: users.length, profiles: profiles.length, rooms: rooms.length, messages, files, readMarks: marks.length, ...governance, perRoom, sampled, ms: Date.now() - started };
}

/** Every audit entry, oldest first. */
async function wholeAudit(store: Store): Promise<AuditEntry[]> {
  const newestFirst: AuditEntry[] = [];
  for (let before: number | undefined; ; ) {
    const page = await store.audit({ before, limit: AUDIT_MAX_LIMIT });
    newestFirst.push(...page);
    if (page.length < AUDIT_MAX_LIMIT) return newestFirst.reverse();
    before = page[page.length - 1].seq;
  }
}

/**
 * Invitations and bans room by room, blocks, and the audit log in seq order. An empty target
 * numbers its log from 1 as the source did; a source whose log has holes cannot be copied exactly
 * and is refused.
 */
async function copyGovernance(from: Store, to: Store, rooms: RoomRecord[], progress: (p: CopyProgress) => void) {
  let invitations = 0;
  let bans = 0;
  for (let i = 0; i < rooms.length; i++) {
    const id = rooms[i].id;
    if (rooms[i].kind !== 'group' || id === GENERAL_ROOM) continue;
    for (const invitation of await from.invitationsTo(id)) {
      await to.invite({ room: id, user: invitation.user, by: invitation.by, at: invitation.at });
      invitations++;
    }
    for (const ban of await from.bans(id)) {
      await to.ban(id, ban.user, ban.by, ban.at);
      bans++;
    }
    progress({ phase: 'governance', room: id, done: i + 1, total: rooms.length });
  }
  const blocks = await from.allBlocks();
  for (const block of blocks) await to.setBlock(block.user, block.blocked, block.at);
  const log = await wholeAudit(from);
  for (const entry of log) {
    const { seq, ...rest } = entry;
    const copied = await to.addAudit(rest);
    if (copied !== seq) throw new CopyStoreError(`audit entry ${seq} would be ${copied} in the target (the source's log has a hole)`);
  }
  return { invitations, bans, blocks: blocks.length, audit: log.length };
}

/**
 * Copies every room's messages, interleaved by time: each room is read in seq order and the
 * oldest waiting message of any room goes next. A SQLite target numbers its search index in
 * insertion order, so this keeps its "newest first" the same as the source's.
 */
async function copyMessages(from: Store, to: Store, rooms: RoomRecord[], batch: number, progress: (p: CopyProgress) => void) {
  // Bounded memory with thousands of small rooms: each room buffers one page.
  const pageSize = Math.max(10, Math.min(batch, Math.floor(200_000 / Math.max(1, rooms.length))));
  const heap = new CursorHeap();
  let total = 0;
  for (const room of rooms) {
    const cursor = new Cursor(from, room.id, pageSize);
    total += await from.lastSeq(room.id);
    if (await cursor.fill()) heap.push(cursor);
  }
  const perRoom: Record<string, number> = Object.fromEntries(rooms.map((r) => [r.id, 0]));
  let messages = 0;
  let files = 0;
  let pending: ChatMessage[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await to.importMessages(pending);
    messages += pending.length;
    progress({ phase: 'messages', done: messages, total });
    pending = [];
  };
  for (let cursor = heap.pop(); cursor !== undefined; cursor = heap.pop()) {
    const message = cursor.take();
    pending.push(message);
    perRoom[message.room]++;
    if (message.file !== undefined) files++;
    if (pending.length >= batch) await flush();
    if (!cursor.empty || (await cursor.fill())) heap.push(cursor);
  }
  await flush();
  return { perRoom, messages, files };
}

/** Cursors by the ts of their next message (ties: the room that came first). */
class CursorHeap {
  private readonly items: Cursor[] = [];

  push(cursor: Cursor): void {
    const items = this.items;
    items.push(cursor);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Cursor | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l], items[m])) m = l;
        if (r < items.length && before(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Cursor, b: Cursor): boolean {
  return a.head.ts < b.head.ts || (a.head.ts === b.head.ts && a.order < b.order);
}

let cursorOrder = 0;

/** One room's messages in seq order, a page at a time. */
class Cursor {
  readonly order = cursorOrder++;
  private page: ChatMessage[] = [];
  private at = 0;
  private after = 0;

  constructor(
    private readonly store: Store,
    private readonly room: string,
    private readonly pageSize: number,
  ) {}

  get head(): ChatMessage {
    return this.page[this.at];
  }

  get empty(): boolean {
    return this.at >= this.page.length;
  }

  take(): ChatMessage {
    return this.page[this.at++];
  }

  /** Reads the next page; false when the room has nothing more. */
  async fill(): Promise<boolean> {
    this.page = await this.store.since(this.room, this.after, this.pageSize);
    this.at = 0;
    if (this.page.length === 0) return false;
    this.after = this.page[this.page.length - 1].seq;
    return true;
  }
}

async function assertEmpty(store: Store): Promise<void> {
  const users = await store.exportUsers();
  const rooms = await store.exportRooms();
  const busy = rooms.filter((r) => r.id !== GENERAL_ROOM).length > 0 || (await store.lastSeq(GENERAL_ROOM)) > 0;
  if (users.length > 0 || busy) {
    throw new CopyStoreError(`the target (${store.description}) is not empty: ${users.length} users, ${rooms.length} rooms`);
  }
}

/** Seqs spread evenly over 1..last, first and last included. */
function sampleSeqs(last: number, count: number): number[] {
  if (last === 0 || count === 0) return [];
  if (count >= last) return Array.from({ length: last }, (_, i) => i + 1);
  const picked = new Set<number>([1, last]);
  for (let i = 1; picked.size < count && i < count; i++) picked.add(1 + Math.round(((last - 1) * i) / (count - 1)));
  return [...picked].sort((a, b) => a - b);
}

async function verify(
  from: Store,
  to: Store,
  rooms: RoomRecord[],
  perRoom: Record<string, number>,
  sample: number,
  progress: (p: CopyProgress) => void,
): Promise<number> {
  const problems: string[] = [];
  const differ = (what: string, a: unknown, b: unknown) => {
    if (!isDeepStrictEqual(a, b)) problems.push(`${what}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  };
  differ('users', await from.exportUsers(), await to.exportUsers());
  differ('profiles', await from.exportProfiles(), await to.exportProfiles());
  // general is made by each store's init, so its creation time is the target's own.
  const withoutGeneralTime = (list: RoomRecord[]) => list.map((r) => (r.id === GENERAL_ROOM ? { ...r, createdAt: 0 } : r));
  differ('rooms', withoutGeneralTime(rooms), withoutGeneralTime(await to.exportRooms()));
  differ('read marks', await from.exportReadMarks(), await to.exportReadMarks());
  differ('blocks', await from.allBlocks(), await to.allBlocks());
  differ('audit log', await wholeAudit(from), await wholeAudit(to));

  let sampled = 0;
  for (let i = 0; i < rooms.length; i++) {
    const id = rooms[i].id;
    const [lastFrom, lastTo] = [await from.lastSeq(id), await to.lastSeq(id)];
    differ(`lastSeq of ${id}`, lastFrom, lastTo);
    differ(`messages copied in ${id}`, lastFrom, perRoom[id]);
    differ(`members of ${id}`, await from.members(id), await to.members(id));
    differ(`roles in ${id}`, await from.memberRoles(id), await to.memberRoles(id));
    differ(`invitations to ${id}`, await from.invitationsTo(id), await to.invitationsTo(id));
    differ(`bans in ${id}`, await from.bans(id), await to.bans(id));
    for (const seq of sampleSeqs(lastFrom, sample)) {
      const [a, b] = [await one(from, id, seq), await one(to, id, seq)];
      differ(`message ${id}#${seq}`, a, b);
      if (a?.file) differ(`file ${a.file.fileId}`, await from.getFile(a.file.fileId), await to.getFile(a.file.fileId));
      sampled++;
    }
    progress({ phase: 'verify', room: id, done: i + 1, total: rooms.length });
  }
  if (problems.length > 0) throw new CopyStoreError('the copy differs from its source', problems);
  return sampled;
}

async function one(store: Store, room: string, seq: number): Promise<ChatMessage | undefined> {
  return (await store.since(room, seq - 1, 1))[0];
}

// ---- command line -----------------------------------------------------------

export type StoreSpec = { kind: 'sqlite'; dataDir: string } | Neo4jStoreConfig;

/**
 * `sqlite:DIR` (the data directory holding parley.db) or a Neo4j URI,
 * `bolt://[user:password@]host:port[/database]` (also neo4j://, bolt+s://, neo4j+s://).
 */
export function parseStoreSpec(spec: string): StoreSpec {
  if (spec.startsWith('sqlite:')) {
    const dataDir = spec.slice('sqlite:'.length);
    if (!dataDir) throw new CopyStoreError('sqlite: needs a data directory, e.g. sqlite:./parley-data');
    return { kind: 'sqlite', dataDir };
  }
  if (/^(bolt|neo4j)(\+s|\+ssc)?:\/\//.test(spec)) {
    const url = new URL(spec);
    const config: Neo4jStoreConfig = { kind: 'neo4j', uri: `${url.protocol}//${url.host}` };
    if (url.username) config.user = decodeURIComponent(url.username);
    if (url.password) config.password = decodeURIComponent(url.password);
    const database = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
    if (database) config.database = database;
    return config;
  }
  throw new CopyStoreError(`not a store: ${spec} (use sqlite:DIR or bolt://host:port)`);
}

export function openStoreSpec(spec: StoreSpec): Store {
  return spec.kind === 'sqlite' ? new SqliteStore({ dataDir: spec.dataDir }) : new Neo4jStore(spec);
}

const USAGE = `usage: parley-server copy-store --from SPEC --to SPEC [--batch N] [--sample N]
  SPEC: sqlite:DIR (the data directory) or bolt://[user:password@]host:port[/database]
  Copies users, rooms (roles, visibility, topic), messages and room events (seqs and ids kept),
  files, read marks, invitations, bans, blocks and the audit log into an empty store,
  then verifies counts and a sample of messages. Stop the server that uses --from first.`;

interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * `parley-server copy-store …`: argv is what follows `copy-store`. Progress goes to stderr, the
 * report (JSON) to stdout. Resolves to the exit code: 0 copied and verified, 1 failed, 2 usage.
 */
export async function runCopyStore(argv: string[], io: Io = process): Promise<number> {
  let args: { from: StoreSpec; to: StoreSpec; batch?: number; sample?: number };
  try {
    args = parseCopyArgs(argv);
    // Opening a missing SQLite file would create an empty one and "copy" nothing.
    if (args.from.kind === 'sqlite' && !existsSync(path.join(args.from.dataDir, DATABASE_FILE))) {
      io.stderr.write(`parley-server copy-store: no ${DATABASE_FILE} in ${args.from.dataDir}\n`);
      return 1;
    }
  } catch (err) {
    io.stderr.write(`parley-server copy-store: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const from = openStoreSpec(args.from);
  const to = openStoreSpec(args.to);
  let lastLine = 0;
  const onProgress = (p: CopyProgress) => {
    const now = Date.now();
    // At most a few lines a second, and always the end of each phase.
    if (p.done !== p.total && now - lastLine < 500) return;
    lastLine = now;
    io.stderr.write(`${p.phase}${p.room ? ` ${p.room}` : ''}: ${p.done}/${p.total}\n`);
  };
  try {
    await from.init();
    await to.init();
    io.stderr.write(`copying ${from.description} → ${to.description}\n`);
    const report = await copyStore(from, to, { onProgress, batch: args.batch, sample: args.sample });
    io.stdout.write(`${JSON.stringify({ from: from.description, to: to.description, ...report })}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`parley-server copy-store: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await from.close().catch(() => {});
    await to.close().catch(() => {});
  }
}

function parseCopyArgs(argv: string[]): { from: StoreSpec; to: StoreSpec; batch?: number; sample?: number } {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--(from|to|batch|sample)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    values[match[1]] = value;
  }
  if (!values.from || !values.to) throw new Error('--from and --to are required');
  const count = (name: string) => {
    if (values[name] === undefined) return undefined;
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
    return n;
  };
  return { from: parseStoreSpec(values.from), to: parseStoreSpec(values.to), batch: count('batch'), sample: count('sample') };
}
