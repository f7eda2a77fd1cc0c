import type { ManagedTransaction } from 'neo4j-driver';
import { ROOM_MENTION, dmMembers, mentionedNames, type Change, type ChatMessage, type FileRef } from '../../../protocol';
import { changeVerdict, replyVerdict, type TargetState, type Verdict } from '../change-rules';
import type { AppendResult, NewMessage } from '../store';
import { int, searchExtra, toChangeEvent, toMessage, type ChangeProps, type FileProps, type MessageProps } from './records';

// Threads, reactions, edits, deletes, pins, resolve and mentions on the graph. A batch that holds
// replies or changes is written in one transaction of three or four statements, however many
// entries it holds:
//   1. READ_STATE takes the rooms' write locks (in id order), then reads lastSeq, the earlier
//      copies of the batch's (from, cid) pairs and the current state of every message the batch
//      replies to or changes (with its reactions and mentions);
//   2. the rules (change-rules.ts) run here, entry by entry in batch order, on that state as the
//      batch's earlier entries leave it, and decide seqs;
//   3. WRITE creates the new messages and change events with their relationships and moves
//      lastSeq; EFFECTS writes the final state of every message the batch touched (one row per
//      message, whatever number of entries touched it);
//   4. only after a delete of a message with a file: whether its content is still referenced.
// importMessages (copy-store) goes the same way, with seqs given and without the rules.

/** A message as the rules and changes need it (READ_STATE). */
interface TargetProps extends MessageProps {
  pinSeq?: number | null;
  resolvedBy?: string | null;
  replies?: number | null;
  repliers?: string[] | null;
  lastReply?: number | null;
  file: { fileId: string; sha256: string; name: string } | null;
  reactions: { user: string; key: string; seq: number; ts: number }[];
  mentions: { name: string; seq: number }[];
}

interface Reaction {
  user: string;
  key: string;
  seq: number;
  ts: number;
}

const READ_STATE = `
  UNWIND $rooms AS id
  MATCH (r:Room {id: id})
  SET r._lock = true
  REMOVE r._lock
  WITH collect(r {.id, .lastSeq,
    pins: CASE WHEN $countPins THEN COUNT { MATCH (p:Message) WHERE p.room = r.id AND p.pinSeq > 0 } ELSE 0 END}) AS rooms
  CALL () {
    UNWIND $keys AS k
    MATCH (e:Entry {from: k.from, cid: k.cid})
    OPTIONAL MATCH (e)-[:ATTACHES]->(of:File)
    RETURN collect(CASE WHEN e:Change THEN {i: k.i, m: null, f: null, c: e {.*}}
      ELSE {i: k.i, m: e {.id, .room, .seq, .ts, .from, .cid, .text, .snippet, .root, .inRoom, .edited, .deleted}, f: of {.*}, c: null} END) AS found
  }
  CALL () {
    UNWIND $targets AS t
    MATCH (m:Message {room: t.room, seq: t.seq}) WHERE NOT m:RoomEvent
    OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
    RETURN collect(m {.id, .room, .seq, .ts, .from, .cid, .text, .snippet, .root, .inRoom, .edited, .deleted,
      .pinSeq, .resolvedBy, .replies, .repliers, .lastReply,
      file: f {.fileId, .sha256, .name},
      reactions: COLLECT { MATCH (u:User)-[x:REACTED]->(m) RETURN {user: u.name, key: x.key, seq: x.seq, ts: x.ts} },
      mentions: COLLECT { MATCH (m)-[x:MENTIONS]->(n) RETURN {name: CASE WHEN n:Room THEN $roomMention ELSE n.name END, seq: x.seq} }
    }) AS targets
  }
  CALL () {
    UNWIND $senders AS name
    MATCH (u:User {name: name})
    RETURN collect(u.name) AS senders
  }
  RETURN rooms, found, targets, senders`;

// Null properties are simply not written. Replies point at their root, change events at their
// target; both may have been created earlier in the same statement.
const WRITE = `
  WITH [name IN $users | head(COLLECT { MATCH (u:User {name: name}) RETURN u })] AS us
  CALL (us) {
    UNWIND $msgs AS m
    MATCH (r:Room {id: m.room})
    WITH m, r, us[m.u] AS u, us[m.t] AS to
    CREATE (u)-[:SENT]->(x:Message:Entry {id: m.id, room: m.room, seq: m.seq, ts: m.ts, from: m.from, cid: m.cid,
                                    text: m.text, snippet: m.snippet, searchExtra: m.extra, root: m.root, inRoom: m.inRoom,
                                    edited: m.edited, deleted: m.deleted, shownSeq: m.shownSeq,
                                    event: m.event, eventKind: m.eventKind, eventUser: m.eventUser})-[:IN]->(r)
    FOREACH (_ IN CASE WHEN m.event IS NULL THEN [] ELSE [1] END | SET x:RoomEvent)
    FOREACH (_ IN CASE WHEN to IS NULL THEN [] ELSE [1] END | CREATE (x)-[:TO]->(to))
    FOREACH (file IN CASE WHEN m.file IS NULL THEN [] ELSE [m.file] END |
      MERGE (f:File {fileId: file.fileId})
        ON CREATE SET f.sha256 = file.sha256, f.name = file.name, f.size = file.size, f.mime = file.mime,
                      f.kind = file.kind, f.room = m.room, f.uploader = m.from, f.ts = m.ts
      CREATE (x)-[:ATTACHES]->(f))
  }
  CALL () {
    UNWIND $msgs AS m
    WITH m WHERE m.root IS NOT NULL
    MATCH (x:Message {room: m.room, seq: m.seq})
    MATCH (root:Message {room: m.room, seq: m.root})
    CREATE (x)-[:REPLY_TO]->(root)
  }
  CALL () {
    UNWIND $threadMarks AS k
    MATCH (u:User {name: k.user})
    MATCH (root:Message {room: k.room, seq: k.root})
    MERGE (u)-[f:FOLLOWS]->(root)
      ON CREATE SET f.room = k.room, f.seq = k.seq
    SET f.seq = CASE WHEN k.move AND k.seq > f.seq THEN k.seq ELSE f.seq END
  }
  CALL () {
    UNWIND $changes AS c
    CREATE (e:Change:Entry {id: c.id, room: c.room, seq: c.seq, ts: c.ts, from: c.from, cid: c.cid, kind: c.kind,
                      target: c.target, emoji: c.emoji, text: c.text})
    WITH e, c
    MATCH (t:Message {room: c.room, seq: c.target})
    CREATE (e)-[:CHANGES]->(t)
  }
  CALL () {
    UNWIND $marks AS k
    MATCH (:User {name: k.user})-[mo:MEMBER_OF]->(:Room {id: k.room})
    SET mo.lastRead = CASE WHEN k.seq > coalesce(mo.lastRead, 0) THEN k.seq ELSE mo.lastRead END
  }
  CALL () {
    UNWIND $lastSeqs AS s
    MATCH (r:Room {id: s.id})
    SET r.lastSeq = s.lastSeq
  }
  RETURN size($msgs) + size($changes) AS written`;

// One row per message the batch touched: its final state (a null property is removed), the
// reactions and mentions that came and went, revisions, and for a delete the erasing of
// revisions, the text of its edit events and its file record (unless another message still
// attaches that record: the same upload sent again, a copied message).
const EFFECTS = `
  UNWIND $effects AS e
  MATCH (m:Message {room: e.room, seq: e.seq})
  SET m += e.props
  WITH m, e
  CALL (m, e) {
    UNWIND e.unreact AS x
    MATCH (:User {name: x.user})-[r:REACTED {key: x.key}]->(m)
    DELETE r
  }
  CALL (m, e) {
    UNWIND e.react AS x
    MATCH (u:User {name: x.user})
    CREATE (u)-[:REACTED {key: x.key, seq: x.seq, ts: x.ts}]->(m)
  }
  CALL (m, e) {
    UNWIND e.unmention AS name
    MATCH (m)-[r:MENTIONS]->(t)
    WHERE (name = $roomMention AND t:Room) OR ((t:User OR t:MentionedName) AND t.name = name)
    DELETE r
  }
  CALL (m, e) {
    UNWIND e.mention AS x
    OPTIONAL MATCH (u:User {name: x.name}) WHERE x.name <> $roomMention
    OPTIONAL MATCH (r:Room {id: m.room}) WHERE x.name = $roomMention
    WITH m, x, coalesce(u, r) AS t
    FOREACH (_ IN CASE WHEN t IS NULL THEN [] ELSE [1] END | CREATE (m)-[:MENTIONS {seq: x.seq}]->(t))
    FOREACH (_ IN CASE WHEN t IS NULL THEN [1] ELSE [] END |
      MERGE (p:MentionedName {name: x.name})
      CREATE (m)-[:MENTIONS {seq: x.seq}]->(p))
  }
  CALL (m, e) {
    UNWIND e.revisions AS x
    CREATE (m)-[:REVISION]->(:Revision {text: x.text, ts: x.ts, seq: x.seq})
  }
  CALL (m, e) {
    WITH m, e WHERE e.erase
    MATCH (m)-[:REVISION]->(v:Revision)
    DETACH DELETE v
  }
  CALL (m, e) {
    WITH m, e WHERE e.erase
    MATCH (c:Change {kind: 'edit'})-[:CHANGES]->(m)
    REMOVE c.text
  }
  CALL (m, e) {
    OPTIONAL MATCH (m)-[a:ATTACHES]->(f:File) WHERE e.erase
    DELETE a
    WITH f, f IS NOT NULL AND NOT EXISTS { MATCH (:Message)-[:ATTACHES]->(f) } AS last
    WITH f, last, CASE WHEN last THEN f.sha256 END AS sha
    FOREACH (_ IN CASE WHEN last THEN [1] ELSE [] END | DELETE f)
    RETURN sha
  }
  RETURN e.room AS room, e.seq AS seq, sha`;

const STILL_USED = `
  UNWIND $shas AS sha
  RETURN sha, EXISTS { MATCH (f:File {sha256: sha}) } AS used`;

const key = (room: string, seq: number) => `${room}\u0000${seq}`;
const reactionKey = (emoji: string, user: string) => `${emoji}\u0000${user}`;

/** The properties a change may alter, as stored (null: absent). */
interface Mutable {
  text: string | null;
  snippet: string | null;
  searchExtra: string | null;
  edited: number | null;
  deleted: boolean | null;
  pinned: boolean | null;
  pinSeq: number | null;
  resolvedBy: string | null;
  replies: number | null;
  repliers: string[] | null;
  lastReply: number | null;
  threadSeq: number | null;
  /** The seq of a message the timeline shows (a post, or a reply also sent to the room) while not deleted: what unread counts read. */
  shownSeq: number | null;
  /** The reactions as the page reads them: [emoji, user, emoji, user, …] in reactor (seq) order. */
  reacted: string[] | null;
}

/** A message the batch may reply to or change: its state as stored, then as the batch leaves it. */
class Tracked {
  readonly room: string;
  readonly seq: number;
  readonly from: string;
  readonly ts: number;
  readonly root: number | undefined;
  /** Shown in the room's timeline: a post, or a reply also sent to the room. */
  readonly shown: boolean;
  text: string | null;
  snippet: string | null;
  fileName: string | null;
  file: { fileId: string; sha256: string } | null;
  edited: number | null;
  deleted: boolean;
  pinSeq: number | null;
  resolvedBy: string | null;
  replies: number;
  repliers: string[];
  lastReply: number | null;
  readonly reactions: Map<string, Reaction>;
  readonly mentions: Map<string, number>;
  readonly revisions: { text: string; ts: number; seq: number }[] = [];
  erase = false;
  touched = false;
  private readonly base: Mutable;
  private readonly baseReactions: Map<string, Reaction>;
  private readonly baseMentions: Map<string, number>;

  constructor(p: TargetProps, isNew: boolean) {
    this.room = p.room;
    this.seq = p.seq;
    this.from = p.from;
    this.ts = p.ts;
    this.root = p.root ?? undefined;
    this.shown = this.root === undefined || p.inRoom === true;
    this.text = p.text ?? null;
    this.snippet = p.snippet ?? null;
    this.fileName = p.file?.name ?? null;
    this.file = p.file === null ? null : { fileId: p.file.fileId, sha256: p.file.sha256 };
    this.edited = p.edited ?? null;
    this.deleted = p.deleted === true;
    this.pinSeq = p.pinSeq ?? null;
    this.resolvedBy = p.resolvedBy ?? null;
    this.replies = p.replies ?? 0;
    this.repliers = [...(p.repliers ?? [])];
    this.lastReply = p.lastReply ?? null;
    this.reactions = new Map(p.reactions.map((r) => [reactionKey(r.key, r.user), r]));
    this.mentions = new Map(p.mentions.map((x) => [x.name, x.seq]));
    // A message created by this batch is written as it was posted; what follows is an effect.
    this.base = this.state();
    this.baseReactions = isNew ? new Map() : new Map(this.reactions);
    this.baseMentions = isNew ? new Map() : new Map(this.mentions);
    if (isNew && this.mentions.size > 0) this.touched = true;
  }

  /** What the rules look at. */
  current(): ChatMessage {
    const m: ChatMessage = { room: this.room, seq: this.seq, ts: this.ts, msgId: '', from: this.from };
    if (this.text !== null) m.text = this.text;
    if (this.root !== undefined) m.root = this.root;
    if (this.deleted) m.deleted = true;
    if (this.pinSeq !== null) m.pinned = true;
    if (this.resolvedBy !== null) m.resolvedBy = this.resolvedBy;
    return m;
  }

  private state(): Mutable {
    const threaded = this.replies > 0;
    return {
      text: this.text,
      snippet: this.snippet,
      searchExtra: this.deleted ? null : searchExtra(this.text ?? undefined, this.snippet === null ? undefined : (JSON.parse(this.snippet) as ChatMessage['snippet']), this.fileName ?? undefined),
      edited: this.edited,
      deleted: this.deleted ? true : null,
      pinned: this.pinSeq !== null ? true : null,
      pinSeq: this.pinSeq,
      resolvedBy: this.resolvedBy,
      replies: threaded ? this.replies : null,
      repliers: threaded ? [...this.repliers] : null,
      lastReply: threaded ? this.lastReply : null,
      threadSeq: threaded ? this.seq : null,
      shownSeq: this.shown && !this.deleted ? this.seq : null,
      reacted: this.reactions.size === 0 ? null : [...this.reactions.values()].sort((a, b) => a.seq - b.seq).flatMap((r) => [r.key, r.user]),
    };
  }

  /** The EFFECTS row: only what differs from the stored state. */
  effect(): Record<string, unknown> {
    const now = this.state();
    const props: Record<string, unknown> = {};
    for (const name of Object.keys(now) as (keyof Mutable)[]) {
      if (JSON.stringify(now[name]) !== JSON.stringify(this.base[name])) {
        const value = now[name];
        props[name] = typeof value === 'number' ? int(value) : value;
      }
    }
    const react: Record<string, unknown>[] = [];
    const unreact: Record<string, unknown>[] = [];
    for (const [k, was] of this.baseReactions) {
      const is = this.reactions.get(k);
      if (is === undefined || is.seq !== was.seq) unreact.push({ user: was.user, key: was.key });
    }
    for (const [k, is] of this.reactions) {
      const was = this.baseReactions.get(k);
      if (was === undefined || was.seq !== is.seq) react.push({ user: is.user, key: is.key, seq: int(is.seq), ts: int(is.ts) });
    }
    const mention: Record<string, unknown>[] = [];
    const unmention: string[] = [];
    for (const [name, seq] of this.baseMentions) if (this.mentions.get(name) !== seq) unmention.push(name);
    for (const [name, seq] of this.mentions) if (this.baseMentions.get(name) !== seq) mention.push({ name, seq: int(seq) });
    return {
      room: this.room,
      seq: int(this.seq),
      props,
      react,
      unreact,
      mention,
      unmention,
      revisions: this.erase ? [] : this.revisions.map((r) => ({ text: r.text, ts: int(r.ts), seq: int(r.seq) })),
      erase: this.erase,
    };
  }
}

interface RoomState {
  id: string;
  lastSeq: number;
  pins: number;
}

interface ReadState {
  rooms: RoomState[];
  found: { i: number; m: MessageProps | null; f: FileProps | null; c: ChangeProps | null }[];
  targets: TargetProps[];
  senders: string[];
}

interface EventInfo {
  seq: number;
  from: string;
  ts: number;
  mentions?: readonly string[];
}

/** The batch's writes, gathered while the rules run. */
class Plan {
  readonly msgs: Record<string, unknown>[] = [];
  readonly changes: Record<string, unknown>[] = [];
  /** Senders' read marks to move past what they posted (room, user → seq). */
  private readonly marks = new Map<string, { room: string; user: string; seq: number }>();
  /** Thread participants to add and marks to move, in batch order (WRITE, FOLLOWS). */
  readonly threadMarks: Record<string, unknown>[] = [];
  private readonly users = new Map<string, number>();
  private readonly targets = new Map<string, Tracked>();
  readonly rooms: Map<string, RoomState>;
  /** Target key → index of the entry that deleted it (for `unreferenced`). */
  readonly erasedBy = new Map<string, number>();

  constructor(state: ReadState) {
    this.rooms = new Map(state.rooms.map((r) => [r.id, r]));
    for (const t of state.targets) this.targets.set(key(t.room, t.seq), new Tracked(t, false));
  }

  target(room: string, seq: number): Tracked | undefined {
    return this.targets.get(key(room, seq));
  }

  private user(name: string | null): ReturnType<typeof int> | null {
    if (name === null) return null;
    let at = this.users.get(name);
    if (at === undefined) this.users.set(name, (at = this.users.size));
    return int(at);
  }

  userNames(): string[] {
    return [...this.users.keys()];
  }

  /** A post or reply with its seq and msgId decided. */
  addMessage(m: ChatMessage, mentions: readonly string[]): void {
    const dm = dmMembers(m.room);
    const file = m.file;
    const snippet = m.snippet === undefined ? null : JSON.stringify(m.snippet);
    this.msgs.push({
      id: m.msgId,
      room: m.room,
      seq: int(m.seq),
      ts: int(m.ts),
      from: m.from,
      cid: m.cid ?? m.msgId,
      text: m.text ?? null,
      snippet,
      extra: m.deleted === true ? null : searchExtra(m.text, m.snippet, file?.name),
      root: m.root === undefined ? null : int(m.root),
      inRoom: m.root !== undefined && m.inRoom === true ? true : null,
      edited: m.edited === undefined ? null : int(m.edited),
      deleted: m.deleted === true ? true : null,
      shownSeq: (m.root === undefined || m.inRoom === true) && m.deleted !== true && m.event === undefined ? int(m.seq) : null,
      event: m.event === undefined ? null : JSON.stringify(m.event),
      eventKind: m.event?.kind ?? null,
      eventUser: m.event?.user ?? null,
      u: this.user(m.from),
      t: this.user(dm ? (dm[0] === m.from ? dm[1] : dm[0]) : null),
      file: file ? { ...fileRef(file), size: int(file.size) } : null,
    });
    const tracked = new Tracked(
      {
        id: m.msgId, room: m.room, seq: m.seq, ts: m.ts, from: m.from, cid: m.cid ?? m.msgId, text: m.text ?? null, snippet,
        root: m.root ?? null, inRoom: m.inRoom ?? null, edited: m.edited ?? null, deleted: m.deleted ?? null,
        file: file ? { fileId: file.fileId, sha256: file.sha256, name: file.name } : null,
        reactions: [],
        mentions: mentions.map((name) => ({ name, seq: m.seq })),
      },
      true,
    );
    this.targets.set(key(m.room, m.seq), tracked);
  }

  /** `m` was posted (or imported): its sender has read the room up to it, when the timeline shows it. */
  posted(m: ChatMessage): void {
    if (m.root !== undefined && m.inRoom !== true) return;
    this.marks.set(`${m.room}\u0000${m.from}`, { room: m.room, user: m.from, seq: m.seq });
  }

  readMarks(): Record<string, unknown>[] {
    return [...this.marks.values()].map((k) => ({ room: k.room, user: k.user, seq: int(k.seq) }));
  }

  addChange(e: ChatMessage): void {
    const c = e.change as Change;
    this.changes.push({
      id: e.msgId, room: e.room, seq: int(e.seq), ts: int(e.ts), from: e.from, cid: e.cid ?? e.msgId,
      kind: c.kind, target: int(c.target), emoji: c.emoji ?? null, text: c.text ?? null,
    });
  }

  /**
   * A reply (seq, by `from` at `ts`, mentioning `mentions`) was added to `root`'s thread. Its
   * participants (Store: thread read marks) as FOLLOWS marks: the replier's moves to the reply; the
   * root's author and whoever the root mentions join at the root, whoever the reply mentions just
   * before it.
   */
  replied(root: Tracked, reply: { seq: number; from: string; ts: number; mentions?: readonly string[] }): void {
    const { from, ts } = reply;
    const follow = (user: string, seq: number, move: boolean) => {
      if (user !== ROOM_MENTION) this.threadMarks.push({ room: root.room, root: int(root.seq), user, seq: int(seq), move });
    };
    follow(from, reply.seq, true);
    follow(root.from, root.seq, false);
    for (const name of root.mentions.keys()) follow(name, root.seq, false);
    for (const name of reply.mentions ?? []) if (name !== from) follow(name, reply.seq - 1, false);
    root.replies++;
    if (!root.repliers.includes(from)) root.repliers.push(from);
    root.lastReply = Math.max(ts, root.lastReply ?? 0);
    root.touched = true;
  }

  /**
   * Applies a change event to its target. `keepText`: an edit that only marks the time (importing,
   * where the target came with its current text). `entry` is the index of the batch entry.
   */
  apply(target: Tracked, change: Change, event: EventInfo, entry: number, keepText = false): void {
    target.touched = true;
    const room = this.rooms.get(target.room);
    switch (change.kind) {
      case 'react': {
        const k = reactionKey(change.emoji ?? '', event.from);
        if (!target.reactions.has(k)) target.reactions.set(k, { user: event.from, key: change.emoji ?? '', seq: event.seq, ts: event.ts });
        return;
      }
      case 'unreact':
        target.reactions.delete(reactionKey(change.emoji ?? '', event.from));
        return;
      case 'pin':
        if (target.pinSeq === null && room) room.pins++;
        target.pinSeq = event.seq;
        return;
      case 'unpin':
        if (target.pinSeq !== null && room) room.pins--;
        target.pinSeq = null;
        return;
      case 'resolve':
        target.resolvedBy = event.from;
        return;
      case 'reopen':
        target.resolvedBy = null;
        return;
      case 'edit':
        if (keepText || change.text === undefined) {
          if (!target.deleted) target.edited = Math.max(target.edited ?? 0, event.ts);
          return;
        }
        if (target.text !== null) target.revisions.push({ text: target.text, ts: target.edited ?? target.ts, seq: event.seq });
        target.text = change.text;
        target.edited = event.ts;
        {
          // The new text's mentions replace the old text's; names mentioned before keep their first event.
          const wanted = new Set(event.mentions ?? []);
          for (const name of [...target.mentions.keys()]) if (!wanted.has(name)) target.mentions.delete(name);
          for (const name of wanted) if (!target.mentions.has(name)) target.mentions.set(name, event.seq);
        }
        return;
      case 'delete':
        if (target.pinSeq !== null && room) room.pins--;
        target.text = null;
        target.snippet = null;
        target.fileName = null;
        target.edited = null;
        target.pinSeq = null;
        target.deleted = true;
        target.reactions.clear();
        target.mentions.clear();
        target.revisions.length = 0;
        target.erase = true;
        if (target.file !== null) this.erasedBy.set(key(target.room, target.seq), entry);
        target.file = null;
        return;
    }
  }

  effects(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const t of this.targets.values()) if (t.touched) out.push(t.effect());
    return out;
  }

  lastSeqs(): Record<string, unknown>[] {
    return [...this.rooms.values()].map((r) => ({ id: r.id, lastSeq: int(r.lastSeq) }));
  }
}

function fileRef(file: FileRef): FileRef {
  const { fileId, name, size, mime, kind, sha256 } = file;
  return { fileId, name, size, mime, kind, sha256 };
}

/** Locks the rooms and reads what the batch needs; rejects on an unknown room or sender. */
async function readState(
  tx: ManagedTransaction,
  rooms: string[],
  keys: { i: number; from: string; cid: string }[],
  targets: { room: string; seq: number }[],
  senders: string[],
  countPins: boolean,
): Promise<ReadState> {
  const result = await tx.run<{ [K in keyof ReadState]: ReadState[K] }>(READ_STATE, {
    rooms,
    keys: keys.map((k) => ({ ...k, i: int(k.i) })),
    targets: targets.map((t) => ({ room: t.room, seq: int(t.seq) })),
    senders,
    countPins,
    roomMention: ROOM_MENTION,
  });
  const row = result.records[0];
  const state: ReadState = {
    rooms: row?.get('rooms') ?? [],
    found: row?.get('found') ?? [],
    targets: row?.get('targets') ?? [],
    senders: row?.get('senders') ?? [],
  };
  const missing = rooms.filter((id) => !state.rooms.some((r) => r.id === id));
  if (missing.length > 0) throw new Error(`append to unknown room(s): ${missing.join(', ')}`);
  const known = new Set(state.senders);
  const strangers = senders.filter((s) => !known.has(s));
  if (strangers.length > 0) throw new Error(`append by unknown sender(s): ${strangers.join(', ')}`);
  return state;
}

/** Writes what the plan gathered; returns, per deleted target key, the sha256 no file record has any more. */
async function writePlan(tx: ManagedTransaction, plan: Plan): Promise<Map<string, string>> {
  await tx.run(WRITE, {
    users: plan.userNames(), msgs: plan.msgs, changes: plan.changes, marks: plan.readMarks(), threadMarks: plan.threadMarks, lastSeqs: plan.lastSeqs(),
  });
  const effects = plan.effects();
  const gone = new Map<string, string>();
  if (effects.length === 0) return gone;
  const rows = (await tx.run<{ room: string; seq: number; sha: string | null }>(EFFECTS, { effects, roomMention: ROOM_MENTION })).records;
  const erased = new Map<string, string>();
  for (const r of rows) {
    const sha = r.get('sha');
    if (sha !== null) erased.set(key(r.get('room'), r.get('seq')), sha);
  }
  if (erased.size === 0) return gone;
  const shas = [...new Set(erased.values())];
  const used = new Map((await tx.run<{ sha: string; used: boolean }>(STILL_USED, { shas })).records.map((r) => [r.get('sha'), r.get('used')]));
  for (const [k, sha] of erased) if (used.get(sha) === false) gone.set(k, sha);
  return gone;
}

/** Whether a batch needs this path: it holds a reply or a change. */
export function isConversationBatch(batch: readonly NewMessage[]): boolean {
  return batch.some((m) => m.root !== undefined || m.change !== undefined);
}

/**
 * append() for a batch with replies or changes, inside the caller's transaction (re-run as a
 * whole by the driver on transient failures). `ids[i]` is the msgId reserved for batch[i].
 */
export async function conversationAppendInTx(tx: ManagedTransaction, batch: NewMessage[], ids: string[]): Promise<AppendResult[]> {
  const firstOf = new Map<string, number>();
  const firsts: number[] = [];
  batch.forEach((m, i) => {
    const k = `${m.from}\u0000${m.cid}`;
    if (firstOf.has(k)) return;
    firstOf.set(k, i);
    firsts.push(i);
  });
  const rooms = [...new Set(firsts.map((i) => batch[i].room))].sort();
  const targets = new Map<string, { room: string; seq: number }>();
  for (const i of firsts) {
    const m = batch[i];
    const seq = m.change?.target ?? m.root;
    if (seq !== undefined && Number.isSafeInteger(seq)) targets.set(key(m.room, seq), { room: m.room, seq });
  }
  const senders = [...new Set(firsts.map((i) => batch[i].from))];
  const countPins = firsts.some((i) => batch[i].change?.kind === 'pin');
  const state = await readState(
    tx,
    rooms,
    firsts.map((i) => ({ i, from: batch[i].from, cid: batch[i].cid })),
    [...targets.values()],
    senders,
    countPins,
  );
  const found = new Map(state.found.map((x) => [x.i, x.c !== null ? toChangeEvent(x.c) : toMessage(x.m as MessageProps, x.f)]));
  const plan = new Plan(state);
  const results: AppendResult[] = new Array<AppendResult>(batch.length);

  for (const i of firsts) {
    const m = batch[i];
    const stored = found.get(i);
    if (stored !== undefined) {
      // Same msgId: an earlier attempt of this very transaction committed before its reply was lost.
      results[i] = { message: stored, duplicate: stored.msgId !== ids[i] };
      continue;
    }
    const room = plan.rooms.get(m.room) as RoomState;
    const change = m.change;
    const ruled = change !== undefined ? plan.target(m.room, change.target) : m.root !== undefined ? plan.target(m.room, m.root) : undefined;
    let verdict: Verdict = { apply: true };
    if (change !== undefined) {
      verdict = changeVerdict(change, m.from, m.moderator === true, targetState(ruled, change, m.from, room.pins));
    } else if (m.root !== undefined) {
      verdict = replyVerdict(ruled?.current(), m.root);
    }
    if (!verdict.apply) {
      const result: AppendResult = { message: asAsked(m), duplicate: false };
      if ('refused' in verdict) result.refused = verdict.refused;
      else result.noop = true;
      results[i] = result;
      continue;
    }
    const seq = ++room.lastSeq;
    const message: ChatMessage = { room: m.room, seq, ts: m.ts, msgId: ids[i], from: m.from, cid: m.cid };
    if (change !== undefined && ruled !== undefined) {
      const storedChange: Change = { kind: change.kind, target: change.target };
      if (change.emoji !== undefined && (change.kind === 'react' || change.kind === 'unreact')) storedChange.emoji = change.emoji;
      if (change.text !== undefined && change.kind === 'edit') storedChange.text = change.text;
      message.change = storedChange;
      plan.addChange(message);
      plan.apply(ruled, storedChange, { seq, from: m.from, ts: m.ts, mentions: m.mentions }, i);
    } else {
      if (m.text !== undefined) message.text = m.text;
      // Through JSON like a stored copy, so the ack and a later read compare equal.
      if (m.snippet !== undefined) message.snippet = JSON.parse(JSON.stringify(m.snippet)) as ChatMessage['snippet'];
      if (m.file !== undefined) message.file = fileRef(m.file);
      if (m.root !== undefined) message.root = m.root;
      if (m.root !== undefined && m.inRoom === true) message.inRoom = true;
      plan.addMessage(message, m.mentions ?? []);
      plan.posted(message);
      if (ruled !== undefined) plan.replied(ruled, { seq, from: m.from, ts: m.ts, mentions: m.mentions });
    }
    results[i] = { message, duplicate: false };
  }

  const gone = await writePlan(tx, plan);
  for (const [k, sha] of gone) {
    const entry = plan.erasedBy.get(k);
    if (entry !== undefined) results[entry].unreferenced = [sha];
  }
  batch.forEach((m, i) => {
    if (results[i] === undefined) {
      const first = results[firstOf.get(`${m.from}\u0000${m.cid}`) ?? i];
      results[i] = { message: first.message, duplicate: true };
    }
  });
  return results;
}

/** What changeVerdict needs about the target. */
function targetState(target: Tracked | undefined, change: Change, from: string, pinnedInRoom: number): TargetState {
  const state: TargetState = { message: target?.current(), reacted: false, reactionKinds: 0, emojiPresent: false, pinnedInRoom };
  if (target === undefined) return state;
  const emoji = change.emoji ?? '';
  state.reacted = target.reactions.has(reactionKey(emoji, from));
  const kinds = new Set([...target.reactions.values()].map((r) => r.key));
  state.emojiPresent = kinds.has(emoji);
  state.reactionKinds = kinds.size;
  return state;
}

/** The entry as asked, for a refusal or a no-op: nothing was stored, so no seq and no msgId. */
function asAsked(m: NewMessage): ChatMessage {
  const message: ChatMessage = { room: m.room, seq: 0, ts: m.ts, msgId: '', from: m.from, cid: m.cid };
  if (m.text !== undefined) message.text = m.text;
  if (m.snippet !== undefined) message.snippet = m.snippet;
  if (m.file !== undefined) message.file = m.file;
  if (m.root !== undefined) message.root = m.root;
  if (m.inRoom !== undefined) message.inRoom = m.inRoom;
  if (m.change !== undefined) message.change = m.change;
  return message;
}

/**
 * importMessages: messages and change events exactly as given (seq, msgId, ts, cid kept), each
 * change applied to its target without the rules (the source applied them), under the rooms'
 * locks, in the caller's transaction.
 */
export async function importInTx(tx: ManagedTransaction, messages: ChatMessage[]): Promise<void> {
  const rooms = [...new Set(messages.map((m) => m.room))].sort();
  const targets = new Map<string, { room: string; seq: number }>();
  for (const m of messages) {
    const seq = m.change?.target ?? m.root;
    if (seq !== undefined) targets.set(key(m.room, seq), { room: m.room, seq });
  }
  const senders = [...new Set(messages.map((m) => m.from))];
  const state = await readState(tx, rooms, [], [...targets.values()], senders, false);
  const plan = new Plan(state);
  messages.forEach((m, i) => {
    const room = plan.rooms.get(m.room) as RoomState;
    if (!Number.isSafeInteger(m.seq) || m.seq <= room.lastSeq) throw new Error(`import into ${m.room}: seq ${m.seq} does not follow ${room.lastSeq}`);
    room.lastSeq = m.seq;
    const change = m.change;
    if (change !== undefined) {
      plan.addChange(m);
      const target = plan.target(m.room, change.target);
      if (target !== undefined) plan.apply(target, change, { seq: m.seq, from: m.from, ts: m.ts }, i, true);
      return;
    }
    // Mentions are not part of a message as exported: they are found again in the text.
    plan.addMessage(m, m.deleted === true ? [] : mentionedNames(m.text));
    // As posting does (Store.importMessages): the sender has read the room up to it. A room event
    // is not a post and moves no mark.
    if (m.event === undefined) plan.posted(m);
    if (m.root !== undefined) {
      const root = plan.target(m.room, m.root);
      if (root !== undefined) plan.replied(root, { seq: m.seq, from: m.from, ts: m.ts, mentions: m.deleted === true ? [] : mentionedNames(m.text) });
    }
  });
  await writePlan(tx, plan);
}
