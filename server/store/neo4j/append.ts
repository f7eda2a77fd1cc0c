import { randomBytes } from 'node:crypto';
import type { ManagedTransaction } from 'neo4j-driver';
import { dmMembers, type ChatMessage } from '../../../protocol';
import type { AppendResult, NewMessage } from '../store';
import { int, searchExtra, toMessage, type FileProps, type MessageProps } from './records';

const MSG_ID_BYTES = 12;

/** msgIds are drawn before the transaction so a retried attempt can recognise its own earlier commit. */
export function newMessageIds(count: number): string[] {
  const bytes = randomBytes(MSG_ID_BYTES * count);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(bytes.toString('base64url', i * MSG_ID_BYTES, (i + 1) * MSG_ID_BYTES));
  return ids;
}

// Writing a throwaway property takes each room's write lock (in id order, so two batches cannot
// deadlock); collect() finishes the locking, and the subquery, correlated on its result, runs only
// after it, so lastSeq and the lookup of earlier (from, cid) copies see everything committed before. (`SET r.lastSeq = r.lastSeq + n`
// would read before locking and lose updates.)
const LOCK_AND_FIND = `
  UNWIND $rooms AS id
  MATCH (r:Room {id: id})
  SET r._lock = true
  REMOVE r._lock
  WITH collect({id: r.id, lastSeq: r.lastSeq}) AS rooms
  CALL (rooms) {
    UNWIND $keys AS k
    MATCH (m:Message {from: k.from, cid: k.cid})
    OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
    RETURN collect({i: k.i, m: m {.id, .room, .seq, .ts, .from, .cid, .text, .snippet}, f: f {.*}}) AS found
  }
  RETURN rooms, found`;

// Null properties are simply not written, so text/snippet/searchExtra appear only when present.
const CREATE = `
  UNWIND $msgs AS m
  MATCH (r:Room {id: m.room})
  MATCH (u:User {name: m.from})
  CREATE (u)-[:SENT]->(x:Message {id: m.id, room: m.room, seq: m.seq, ts: m.ts, from: m.from, cid: m.cid,
                                  text: m.text, snippet: m.snippet, searchExtra: m.extra})-[:IN]->(r)
  WITH m, x
  OPTIONAL MATCH (to:User {name: m.to})
  FOREACH (_ IN CASE WHEN to IS NULL THEN [] ELSE [1] END | CREATE (x)-[:TO]->(to))
  WITH m, x
  FOREACH (file IN CASE WHEN m.file IS NULL THEN [] ELSE [m.file] END |
    MERGE (f:File {fileId: file.fileId})
      ON CREATE SET f.sha256 = file.sha256, f.name = file.name, f.size = file.size, f.mime = file.mime,
                    f.kind = file.kind, f.room = m.room, f.uploader = m.from, f.ts = m.ts
    CREATE (x)-[:ATTACHES]->(f))
  WITH count(x) AS created
  UNWIND $rooms AS s
  MATCH (r:Room {id: s.id})
  SET r.lastSeq = s.lastSeq
  RETURN created, count(r) AS rooms`;

export interface LockedRow {
  rooms: { id: string; lastSeq: number }[];
  found: { i: number; m: MessageProps; f: FileProps | null }[];
}

/**
 * The body of one write transaction (re-run as a whole by the driver on transient failures):
 * lock the batch's rooms in id order, look up (from, cid) pairs sent before, create the rest with
 * consecutive seqs, move each room's lastSeq. `ids[i]` is the msgId reserved for batch[i].
 */
export async function appendInTx(tx: ManagedTransaction, batch: NewMessage[], ids: string[]): Promise<AppendResult[]> {
  // The first occurrence of each (from, cid) in the batch; later ones repeat it.
  const firstOf = new Map<string, number>();
  const firsts: number[] = [];
  batch.forEach((m, i) => {
    const key = `${m.from}\u0000${m.cid}`;
    if (!firstOf.has(key)) {
      firstOf.set(key, i);
      firsts.push(i);
    }
  });

  const roomIds = [...new Set(firsts.map((i) => batch[i].room))].sort();
  const keys = firsts.map((i) => ({ i: int(i), from: batch[i].from, cid: batch[i].cid }));
  const locked = await lockRooms(tx, roomIds, keys);
  const lastSeq = new Map(locked.rooms.map((r) => [r.id, r.lastSeq]));
  const stored = new Map(locked.found.map((row) => [row.i, toMessage(row.m, row.f)]));

  const results: AppendResult[] = new Array(batch.length);
  const fresh: ChatMessage[] = [];
  for (const i of firsts) {
    const earlier = stored.get(i);
    if (earlier) {
      // Same msgId: an earlier attempt of this very transaction committed before its reply was lost.
      results[i] = { message: earlier, duplicate: earlier.msgId !== ids[i] };
      continue;
    }
    const m = batch[i];
    const seq = (lastSeq.get(m.room) ?? 0) + 1;
    lastSeq.set(m.room, seq);
    const message: ChatMessage = { room: m.room, seq, ts: m.ts, msgId: ids[i], from: m.from, cid: m.cid };
    if (m.text !== undefined) message.text = m.text;
    // Through JSON like a stored copy, so the ack and a later history read compare equal.
    if (m.snippet !== undefined) message.snippet = JSON.parse(JSON.stringify(m.snippet)) as ChatMessage['snippet'];
    if (m.file !== undefined) {
      const { fileId, name, size, mime, kind, sha256 } = m.file;
      message.file = { fileId, name, size, mime, kind, sha256 };
    }
    fresh.push(message);
    results[i] = { message, duplicate: false };
  }

  if (fresh.length > 0) await createMessages(tx, fresh, lastSeq);

  batch.forEach((m, i) => {
    if (results[i] === undefined) {
      const first = results[firstOf.get(`${m.from}\u0000${m.cid}`) ?? i];
      results[i] = { message: first.message, duplicate: true };
    }
  });
  return results;
}

/** Locks the rooms (in id order) and returns their lastSeq; rejects when one does not exist. */
export async function lockRooms(tx: ManagedTransaction, roomIds: string[], keys: unknown[] = []): Promise<LockedRow> {
  const head = (await tx.run<LockedRow>(LOCK_AND_FIND, { rooms: roomIds, keys })).records[0];
  const locked = { rooms: head?.get('rooms') ?? [], found: head?.get('found') ?? [] };
  const known = new Set(locked.rooms.map((r) => r.id));
  const missing = roomIds.filter((id) => !known.has(id));
  if (missing.length > 0) throw new Error(`append to unknown room(s): ${missing.join(', ')}`);
  return locked;
}

/**
 * Creates fully formed messages (seq and msgId decided) with their relationships and moves each
 * room's lastSeq to `lastSeq`; the caller holds the rooms' locks.
 */
export async function createMessages(tx: ManagedTransaction, messages: ChatMessage[], lastSeq: Map<string, number>): Promise<void> {
  const rooms = [...new Set(messages.map((m) => m.room))].map((id) => ({ id, lastSeq: int(lastSeq.get(id) ?? 0) }));
  const created = await tx.run<{ created: number; rooms: number }>(CREATE, { msgs: messages.map(toParams), rooms });
  const row = created.records[0];
  if (!row || row.get('created') !== messages.length || row.get('rooms') !== rooms.length) {
    // Only a sender without a User node drops rows here; refuse rather than leave a gap.
    throw new Error(`append stored ${row?.get('created') ?? 0} of ${messages.length} messages (unknown sender?)`);
  }
}

function toParams(message: ChatMessage): Record<string, unknown> {
  const dm = dmMembers(message.room);
  const file = message.file;
  return {
    id: message.msgId,
    room: message.room,
    seq: int(message.seq),
    ts: int(message.ts),
    from: message.from,
    cid: message.cid ?? message.msgId,
    text: message.text ?? null,
    snippet: message.snippet === undefined ? null : JSON.stringify(message.snippet),
    extra: searchExtra(message.text, message.snippet, file?.name),
    to: dm ? (dm[0] === message.from ? dm[1] : dm[0]) : null,
    file: file ? { ...file, size: int(file.size) } : null,
  };
}
