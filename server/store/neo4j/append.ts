import { randomBytes } from 'node:crypto';
import type { ManagedTransaction } from 'neo4j-driver';
import { ROOM_MENTION, dmMembers, type ChatMessage } from '../../../protocol';
import type { AppendResult, NewMessage } from '../store';
import { conversationAppendInTx, isConversationBatch } from './conversation';
import { int, searchExtra, toChangeEvent, toMessage, type ChangeProps, type FileProps, type MessageProps } from './records';

const MSG_ID_BYTES = 12;

/** msgIds are drawn before the transaction so a retried attempt can recognise its own earlier commit. */
export function newMessageIds(count: number): string[] {
  const bytes = randomBytes(MSG_ID_BYTES * count);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(bytes.toString('base64url', i * MSG_ID_BYTES, (i + 1) * MSG_ID_BYTES));
  return ids;
}

// One statement per append batch. The batch's senders and DM partners are looked up once ($users;
// messages refer to them by position). Then, for each room of the batch in id order (so two
// batches cannot deadlock), writing a throwaway property takes the room's write lock, and only then
// are lastSeq and (with `lookup`) the earlier copies of the batch's (from, cid) pairs read, so both
// see everything committed before. (`SET r.lastSeq = r.lastSeq + n` would read before locking and
// lose updates.) The messages not sent before get lastSeq + 1, + 2, … in batch order, with their
// relationships, and lastSeq moves on. Only what the caller cannot know comes back: each room's
// base seq, how many messages were created, and the earlier copies of repeated sends.
//
// Resends are rare, so the first attempt skips the lookup (one index seek per message): a (from,
// cid) stored before, by a message or a change event (both :Entry), then fails the uniqueness
// constraint, nothing is stored, and the batch runs again with the lookup. A mention of a name
// without a user points at its (:MentionedName), created when missing. Every post is shown in the
// timeline (shownSeq, for unread counts), and moves its sender's read mark past it: one's own
// messages are never unread.
function appendQuery(lookup: boolean): string {
  const find = lookup
    ? `CALL (g) {
    UNWIND g.msgs AS k
    OPTIONAL MATCH (o:Entry {from: k.from, cid: k.cid})
    OPTIONAL MATCH (o)-[:ATTACHES]->(of:File)
    WITH k, o, of ORDER BY k.i
    RETURN collect(CASE WHEN o IS NULL THEN k END) AS fresh,
           collect(CASE WHEN o IS NULL THEN null
                        WHEN o:Change THEN {i: k.i, m: null, f: null, c: o {.*}}
                        ELSE {i: k.i, m: o {.id, .room, .seq, .ts, .from, .cid, .text, .snippet, .root, .inRoom, .edited, .deleted}, f: of {.*}, c: null} END) AS found
  }`
    : 'WITH us, r, g, g.msgs AS fresh, [] AS found';
  return `
  WITH [name IN $users | head(COLLECT { MATCH (u:User {name: name}) RETURN u })] AS us
  UNWIND $groups AS g
  MATCH (r:Room {id: g.room})
  SET r._lock = true
  REMOVE r._lock
  WITH us, r, g
  ${find}
  WITH us, r, g, fresh, found, r.lastSeq AS base
  SET r.lastSeq = base + size(fresh)
  WITH us, r, g, fresh, found, base
  CALL (us, r, fresh, base) {
    UNWIND range(0, size(fresh) - 1) AS j
    WITH r, fresh[j] AS m, base + 1 + j AS seq, us
    WITH r, m, seq, us, us[m.u] AS u, us[m.t] AS to
    WHERE u IS NOT NULL
    CREATE (u)-[:SENT]->(x:Message:Entry {id: m.id, room: r.id, seq: seq, ts: m.ts, from: m.from, cid: m.cid,
                                          text: m.text, snippet: m.snippet, searchExtra: m.extra, shownSeq: seq})-[:IN]->(r)
    FOREACH (_ IN CASE WHEN to IS NULL THEN [] ELSE [1] END | CREATE (x)-[:TO]->(to))
    FOREACH (v IN [k IN m.mu WHERE us[k] IS NOT NULL | us[k]] | CREATE (x)-[:MENTIONS {seq: seq}]->(v))
    FOREACH (name IN [k IN m.mu WHERE us[k] IS NULL | $users[k]] |
      MERGE (p:MentionedName {name: name})
      CREATE (x)-[:MENTIONS {seq: seq}]->(p))
    FOREACH (_ IN CASE WHEN m.mr THEN [1] ELSE [] END | CREATE (x)-[:MENTIONS {seq: seq}]->(r))
    WITH m, x
    FOREACH (file IN CASE WHEN m.file IS NULL THEN [] ELSE [m.file] END |
      MERGE (f:File {fileId: file.fileId})
        ON CREATE SET f.sha256 = file.sha256, f.name = file.name, f.size = file.size, f.mime = file.mime,
                      f.kind = file.kind, f.room = x.room, f.uploader = m.from, f.ts = m.ts
      CREATE (x)-[:ATTACHES]->(f))
    RETURN count(x) AS created
  }
  CALL (us, r, fresh, base) {
    UNWIND range(0, size(fresh) - 1) AS j
    WITH r, us[fresh[j].u] AS sender, base + 1 + j AS seq
    WITH r, sender, max(seq) AS top
    MATCH (sender)-[mo:MEMBER_OF]->(r)
    SET mo.lastRead = CASE WHEN top > coalesce(mo.lastRead, 0) THEN top ELSE mo.lastRead END
  }
  RETURN g.room AS room, base, size(fresh) AS fresh, created, found`;
}

const APPEND_NEW = appendQuery(false);
const APPEND_LOOKUP = appendQuery(true);

/** The append statements with parameters typed like a real batch's, for planning ahead (EXPLAIN). */
export function appendPlans(): [string, Record<string, unknown>][] {
  const msg = {
    i: int(0), id: '', from: '', cid: '', ts: int(0), text: '', snippet: null, extra: null, to: null,
    file: null, u: int(0), t: null, mu: [], mr: false,
  };
  const params = { groups: [{ room: '', msgs: [msg] }], users: [''] };
  return [[APPEND_NEW, params], [APPEND_LOOKUP, params]];
}

interface AppendRow {
  room: string;
  base: number;
  fresh: number;
  created: number;
  found: { i: number; m: MessageProps | null; f: FileProps | null; c: ChangeProps | null }[];
}

/**
 * The body of one write transaction (re-run as a whole by the driver on transient failures): one
 * statement locks the batch's rooms in id order, looks up (from, cid) pairs sent before (unless
 * `lookup` is false: then one of them fails the transaction with a constraint violation), creates
 * the rest with consecutive seqs and moves each room's lastSeq. `ids[i]` is the msgId reserved for
 * batch[i].
 */
export async function appendInTx(tx: ManagedTransaction, batch: NewMessage[], ids: string[], lookup = true): Promise<AppendResult[]> {
  // Replies and changes need the rules, read under the rooms' locks; plain posts stay on the single statement below.
  if (isConversationBatch(batch)) return conversationAppendInTx(tx, batch, ids);
  // The first occurrence of each (from, cid) in the batch goes to the store; later ones repeat it.
  const firstOf = new Map<string, number>();
  const byRoom = new Map<string, number[]>();
  batch.forEach((m, i) => {
    const key = `${m.from}\u0000${m.cid}`;
    if (firstOf.has(key)) return;
    firstOf.set(key, i);
    const list = byRoom.get(m.room);
    if (list) list.push(i);
    else byRoom.set(m.room, [i]);
  });
  const roomIds = [...byRoom.keys()].sort();
  const users = new Map<string, number>();
  const user = (name: string | null) => {
    if (name === null) return null;
    let at = users.get(name);
    if (at === undefined) users.set(name, (at = users.size));
    return int(at);
  };
  const groups = roomIds.map((room) => ({
    room,
    msgs: (byRoom.get(room) ?? []).map((i) => {
      const { to, ...params } = toParams(batch[i], i, ids[i]);
      // Mentions: users by position in $users, and @room as the room itself.
      const names = batch[i].mentions ?? [];
      const mu = names.filter((n) => n !== ROOM_MENTION).map((n) => user(n));
      return { ...params, u: user(batch[i].from), t: user(to as string | null), mu, mr: names.includes(ROOM_MENTION) };
    }),
  }));

  const query = lookup ? APPEND_LOOKUP : APPEND_NEW;
  const rows = (await tx.run<AppendRow>(query, { groups, users: [...users.keys()] })).records.map((r) => r.toObject());
  const missing = roomIds.filter((id) => !rows.some((r) => r.room === id));
  if (missing.length > 0) throw new Error(`append to unknown room(s): ${missing.join(', ')}`);

  const results: AppendResult[] = new Array(batch.length);
  for (const row of rows) {
    if (row.created !== row.fresh) {
      // Only a sender without a User node drops rows here; refuse (the transaction rolls back) rather than leave a gap.
      throw new Error(`append stored ${row.created} of ${row.fresh} messages in ${row.room} (unknown sender?)`);
    }
    // An earlier copy may be a change event: (from, cid) is unique across messages and changes.
    const earlier = new Map(row.found.map((x) => [x.i, x.c !== null ? toChangeEvent(x.c) : toMessage(x.m as MessageProps, x.f)]));
    let seq = row.base;
    for (const i of byRoom.get(row.room) ?? []) {
      const stored = earlier.get(i);
      // Same msgId: an earlier attempt of this very transaction committed before its reply was lost.
      results[i] = stored ? { message: stored, duplicate: stored.msgId !== ids[i] } : { message: accepted(batch[i], ++seq, ids[i]), duplicate: false };
    }
  }
  batch.forEach((m, i) => {
    if (results[i] === undefined) {
      const first = results[firstOf.get(`${m.from}\u0000${m.cid}`) ?? i];
      results[i] = { message: first.message, duplicate: true };
    }
  });
  return results;
}

/** The message as stored, built from the input rather than read back. */
function accepted(m: NewMessage, seq: number, msgId: string): ChatMessage {
  const message: ChatMessage = { room: m.room, seq, ts: m.ts, msgId, from: m.from, cid: m.cid };
  if (m.text !== undefined) message.text = m.text;
  // Through JSON like a stored copy, so the ack and a later history read compare equal.
  if (m.snippet !== undefined) message.snippet = JSON.parse(JSON.stringify(m.snippet)) as ChatMessage['snippet'];
  if (m.file !== undefined) {
    const { fileId, name, size, mime, kind, sha256 } = m.file;
    message.file = { fileId, name, size, mime, kind, sha256 };
  }
  return message;
}

function toParams(message: NewMessage, i: number, msgId: string): Record<string, unknown> {
  const dm = dmMembers(message.room);
  const file = message.file;
  return {
    i: int(i),
    id: msgId,
    from: message.from,
    cid: message.cid,
    ts: int(message.ts),
    text: message.text ?? null,
    snippet: message.snippet === undefined ? null : JSON.stringify(message.snippet),
    extra: searchExtra(message.text, message.snippet, file?.name),
    to: dm ? (dm[0] === message.from ? dm[1] : dm[0]) : null,
    file: file ? { ...file, size: int(file.size) } : null,
  };
}
