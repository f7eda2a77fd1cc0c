import neo4j from 'neo4j-driver';
import type { Change, ChangeKind, ChatMessage, FileKind, Reactions, RoomEvent, RoomKind, Snippet } from '../../../protocol';
import type { FileRecord, RoomRecord, UserRecord } from '../store';

/**
 * Integers must go to Neo4j as Integer, not Float: `LIMIT` refuses floats, and seq/ts stored as
 * floats would not compare as integers elsewhere. Results come back as numbers
 * (disableLosslessIntegers), which is exact for everything Parley stores (< 2^53).
 */
export function int(value: number): number | ReturnType<typeof neo4j.int> {
  return Number.isSafeInteger(value) ? neo4j.int(value) : value;
}

/** Message properties as read back by append (earlier copies of a resend) and by the log. */
export interface MessageProps {
  id: string;
  room: string;
  seq: number;
  ts: number;
  from: string;
  cid: string;
  text?: string | null;
  snippet?: string | null;
  root?: number | null;
  inRoom?: boolean | null;
  edited?: number | null;
  deleted?: boolean | null;
  /** A room event, JSON. */
  event?: string | null;
}

/** A change event's properties (a `:Change` node). */
export interface ChangeProps {
  id: string;
  room: string;
  seq: number;
  ts: number;
  from: string;
  cid: string;
  kind: string;
  target: number;
  emoji?: string | null;
  text?: string | null;
}

export interface FileProps {
  fileId: string;
  sha256: string;
  name: string;
  size: number;
  mime: string;
  kind: string;
  room: string;
  uploader: string;
  ts: number;
}

/**
 * Cypher projection of a message `m` and its attached file `f` (null when none), as the log holds
 * it: one column per property rather than a map, so a page of messages does not repeat the
 * property names in every row.
 */
export const MESSAGE_FIELDS =
  'm.id AS id, m.room AS room, m.seq AS seq, m.ts AS ts, m.from AS sender, m.cid AS cid, m.text AS text, m.snippet AS snippet, f {.*} AS f, ' +
  'm.root AS root, m.inRoom AS inRoom, m.edited AS edited, m.deleted AS deleted, m.event AS event';

/**
 * MESSAGE_FIELDS and the message's current state: pin, resolve, thread counts and its reactions,
 * all properties of the message itself (`reacted` is kept with the REACTED relationships by every
 * change), so a page reads no relationship but ATTACHES.
 */
export const CURRENT_FIELDS = `${MESSAGE_FIELDS}, m.pinned AS pinned, m.resolvedBy AS resolvedBy, m.replies AS replies,
  m.repliers AS repliers, m.lastReply AS lastReply, m.reacted AS reactions`;

/** A row projected by MESSAGE_FIELDS. */
export interface MessageColumns {
  id: string;
  room: string;
  seq: number;
  ts: number;
  sender: string;
  cid: string;
  text: string | null;
  snippet: string | null;
  f: FileProps | null;
  root: number | null;
  inRoom: boolean | null;
  edited: number | null;
  deleted: boolean | null;
  event: string | null;
}

/** A row projected by CURRENT_FIELDS. */
export interface CurrentColumns extends MessageColumns {
  pinned: boolean | null;
  resolvedBy: string | null;
  replies: number | null;
  repliers: string[] | null;
  lastReply: number | null;
  /** [emoji, user, emoji, user, …] in the order people reacted; null when none. */
  reactions: string[] | null;
}

/** A log row: a message (MESSAGE_FIELDS) or a change event (kind set). */
export interface LogColumns extends MessageColumns {
  kind: string | null;
  target: number | null;
  emoji: string | null;
}

/** Absent fields are left out rather than set to undefined, so messages compare and serialise cleanly. */
export function toMessage(m: MessageProps, f: FileProps | null | undefined): ChatMessage {
  const message: ChatMessage = { room: m.room, seq: m.seq, ts: m.ts, msgId: m.id, from: m.from, cid: m.cid };
  if (m.event !== undefined && m.event !== null) {
    message.event = JSON.parse(m.event) as RoomEvent;
    return message;
  }
  if (m.text !== undefined && m.text !== null) message.text = m.text;
  if (m.snippet !== undefined && m.snippet !== null) message.snippet = JSON.parse(m.snippet) as Snippet;
  if (f) message.file = { fileId: f.fileId, name: f.name, size: f.size, mime: f.mime, kind: f.kind as FileKind, sha256: f.sha256 };
  if (m.root !== undefined && m.root !== null) message.root = m.root;
  if (m.inRoom === true) message.inRoom = true;
  if (m.edited !== undefined && m.edited !== null) message.edited = m.edited;
  if (m.deleted === true) message.deleted = true;
  return message;
}

/** A change event as the log holds it: no text of its own (an edit's new text is change.text). */
export function toChangeEvent(c: ChangeProps): ChatMessage {
  const change: Change = { kind: c.kind as ChangeKind, target: c.target };
  if (c.emoji !== undefined && c.emoji !== null) change.emoji = c.emoji;
  if (c.text !== undefined && c.text !== null) change.text = c.text;
  return { room: c.room, seq: c.seq, ts: c.ts, msgId: c.id, from: c.from, cid: c.cid, change };
}

function columnsProps(row: MessageColumns): MessageProps {
  return {
    id: row.id, room: row.room, seq: row.seq, ts: row.ts, from: row.sender, cid: row.cid, text: row.text, snippet: row.snippet,
    root: row.root, inRoom: row.inRoom, edited: row.edited, deleted: row.deleted, event: row.event,
  };
}

/** A log row (since): a message as stored now, or a change event. */
export function logMessage(row: LogColumns): ChatMessage {
  if (row.kind !== null) {
    return toChangeEvent({ id: row.id, room: row.room, seq: row.seq, ts: row.ts, from: row.sender, cid: row.cid, kind: row.kind, target: row.target ?? 0, emoji: row.emoji, text: row.text });
  }
  return toMessage(columnsProps(row), row.f);
}

/** A message in its current state (history, thread, threads, pins, search). */
export function currentMessage(row: CurrentColumns): ChatMessage {
  const message = toMessage(columnsProps(row), row.f);
  if (row.replies !== null && row.replies > 0) {
    message.replies = row.replies;
    if (row.repliers !== null) message.repliers = row.repliers;
    if (row.lastReply !== null) message.lastReply = row.lastReply;
  }
  if (row.pinned === true) message.pinned = true;
  if (row.resolvedBy !== null) message.resolvedBy = row.resolvedBy;
  const pairs = row.reactions;
  if (pairs !== null && pairs.length > 0) {
    const reactions: Reactions = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) (reactions[pairs[i]] ??= []).push(pairs[i + 1]);
    message.reactions = reactions;
  }
  return message;
}

export function toFile(f: FileProps): FileRecord {
  return {
    fileId: f.fileId,
    name: f.name,
    size: f.size,
    mime: f.mime,
    kind: f.kind as FileKind,
    sha256: f.sha256,
    room: f.room,
    uploader: f.uploader,
    ts: f.ts,
  };
}

export interface RoomProps {
  id: string;
  kind: string;
  name: string;
  createdBy?: string | null;
  createdAt: number;
  lastSeq: number;
  visibility?: string | null;
  topic?: string | null;
  description?: string | null;
  readOnly?: boolean | null;
}

export function toRoom(r: RoomProps): RoomRecord {
  const room: RoomRecord = { id: r.id, kind: r.kind as RoomKind, name: r.name, createdAt: r.createdAt };
  if (r.createdBy !== undefined && r.createdBy !== null) room.createdBy = r.createdBy;
  if (r.visibility === 'private') room.visibility = 'private';
  if (r.topic) room.topic = r.topic;
  if (r.description) room.description = r.description;
  if (r.readOnly === true) room.readOnly = true;
  return room;
}

export interface UserProps {
  name: string;
  passwordHash: string;
  createdAt: number;
  disabledAt?: number | null;
  adminAt?: number | null;
  deletedAt?: number | null;
}

export function toUser(u: UserProps): UserRecord {
  const user: UserRecord = { name: u.name, passwordHash: u.passwordHash, createdAt: u.createdAt };
  if (u.disabledAt !== undefined && u.disabledAt !== null) user.disabledAt = u.disabledAt;
  if (u.adminAt !== undefined && u.adminAt !== null) user.adminAt = u.adminAt;
  if (u.deletedAt !== undefined && u.deletedAt !== null) user.deletedAt = u.deletedAt;
  return user;
}

// What SQLite's unicode61 tokenizer calls a word character; everything else separates words.
const NOT_WORD = /[^\p{L}\p{N}\p{M}\p{Co}]+/gu;
const INNER_SEPARATOR = /[\p{L}\p{N}\p{M}\p{Co}][^\p{L}\p{N}\p{M}\p{Co}\s]+[\p{L}\p{N}\p{M}\p{Co}]/u;

/** The words of a string, separated by single spaces. */
export function words(text: string): string {
  return text.replace(NOT_WORD, ' ').trim();
}

/**
 * The second full-text field: shared code, its path and the file name, plus the parts of words
 * the Lucene tokenizer keeps whole ("config.json", "snake_case") split apart, so a search for
 * "config" or "case" finds them as it does in the SQLite backend.
 */
export function searchExtra(text: string | undefined, snippet: Snippet | undefined, fileName: string | undefined): string | null {
  const parts = [snippet?.path, snippet?.code, fileName].filter((p): p is string => typeof p === 'string').map(words);
  if (text) for (const chunk of text.split(/\s+/)) if (INNER_SEPARATOR.test(chunk)) parts.push(words(chunk));
  const extra = parts.filter((p) => p.length > 0).join(' ');
  return extra.length === 0 ? null : extra;
}
