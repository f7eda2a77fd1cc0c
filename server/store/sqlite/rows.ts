import type { Change, ChangeKind, ChatMessage, FileKind, FileRef, RoomEvent, RoomKind } from '../../../protocol';
import type { FileRecord, RoomRecord, UserRecord } from '../store';

const BASE_COLUMNS = 'm.room, m.seq, m.ts, m.msg_id, m.from_user, m.cid, m.text, m.snippet, m.file, m.event';

/** Every column of a message row, matching MessageRow: for the rules and the changes they make. */
export const MESSAGE_COLUMNS = `m.id, ${BASE_COLUMNS}, m.root, m.in_room, m.change_kind, m.change_target, m.change_emoji,
  m.edited, m.deleted, m.pin_seq, m.resolved_by, m.reply_count, m.last_reply_ts, m.repliers, m.reaction_count`;

/**
 * The columns reads return, matching ReadRow: the plain fields, and everything else folded into
 * one JSON array that is NULL on a plain message (most of them), so reading a page of plain
 * posts costs what it did before conversations. Order as in State.
 */
export const READ_COLUMNS = `${BASE_COLUMNS},
  CASE WHEN m.root IS NULL AND m.change_kind IS NULL AND m.edited IS NULL AND m.deleted IS NULL AND m.pin_seq IS NULL
        AND m.resolved_by IS NULL AND m.reply_count IS NULL AND m.reaction_count IS NULL THEN NULL
    ELSE json_array(m.root, m.in_room, m.change_kind, m.change_target, m.change_emoji, m.edited, m.deleted, m.pin_seq,
      m.resolved_by, m.reply_count, m.last_reply_ts, json(m.repliers), m.reaction_count) END AS state`;

/** The stored form of an attached file: only the FileRef fields, in a fixed order. */
export function fileJson(file: FileRef): string {
  const { fileId, name, size, mime, kind, sha256 } = file;
  return JSON.stringify({ fileId, name, size, mime, kind, sha256 });
}

interface BaseRow {
  room: string;
  seq: number;
  ts: number;
  msg_id: string;
  from_user: string;
  cid: string;
  text: string | null;
  snippet: string | null;
  file: string | null;
  /** A room event, JSON; NULL on everything else. */
  event: string | null;
}

/** A row as reads return it (READ_COLUMNS). */
export interface ReadRow extends BaseRow {
  state: string | null;
}

/** A whole row (MESSAGE_COLUMNS). */
export interface MessageRow extends BaseRow {
  /** The row's id, which names it in the search index. */
  id: number;
  root: number | null;
  in_room: number | null;
  change_kind: string | null;
  change_target: number | null;
  change_emoji: string | null;
  edited: number | null;
  deleted: number | null;
  pin_seq: number | null;
  resolved_by: string | null;
  reply_count: number | null;
  last_reply_ts: number | null;
  /** JSON array of names. */
  repliers: string | null;
  reaction_count: number | null;
}

/** Replies, changes and current state, as READ_COLUMNS folds them; undefined on a plain message. */
type State = [
  root: number | null,
  inRoom: number | null,
  changeKind: string | null,
  changeTarget: number | null,
  changeEmoji: string | null,
  edited: number | null,
  deleted: number | null,
  pinSeq: number | null,
  resolvedBy: string | null,
  replyCount: number | null,
  lastReply: number | null,
  repliers: string[] | null,
  reactionCount: number | null,
];

function stateOf(row: MessageRow): State {
  return [
    row.root, row.in_room, row.change_kind, row.change_target, row.change_emoji, row.edited, row.deleted, row.pin_seq,
    row.resolved_by, row.reply_count, row.last_reply_ts, row.repliers === null ? null : (JSON.parse(row.repliers) as string[]), row.reaction_count,
  ];
}

function readState(row: ReadRow): State | undefined {
  return row.state === null ? undefined : (JSON.parse(row.state) as State);
}

/**
 * A row as the log holds it (since): a message with its current text, or a change event, which
 * carries no text of its own (an edit's new text is change.text). Absent fields are left out
 * rather than set to undefined, so messages compare and serialise cleanly.
 */
function logMessage(row: BaseRow, state: State | undefined): ChatMessage {
  const message: ChatMessage = { room: row.room, seq: row.seq, ts: row.ts, msgId: row.msg_id, from: row.from_user, cid: row.cid };
  if (state !== undefined && state[2] !== null) {
    const change: Change = { kind: state[2] as ChangeKind, target: state[3] ?? 0 };
    if (state[4] !== null) change.emoji = state[4];
    if (row.text !== null) change.text = row.text;
    message.change = change;
    return message;
  }
  if (row.event !== null) {
    message.event = JSON.parse(row.event) as RoomEvent;
    return message;
  }
  if (row.text !== null) message.text = row.text;
  if (row.snippet !== null) message.snippet = JSON.parse(row.snippet) as ChatMessage['snippet'];
  if (row.file !== null) message.file = JSON.parse(row.file) as FileRef;
  if (state === undefined) return message;
  if (state[0] !== null) message.root = state[0];
  if (state[1] !== null) message.inRoom = true;
  if (state[5] !== null) message.edited = state[5];
  if (state[6] !== null) message.deleted = true;
  return message;
}

/** A message (not a change event) in its current state, reactions aside (see Conversations.decorate). */
function currentMessage(row: BaseRow, state: State | undefined): ChatMessage {
  const message = logMessage(row, state);
  if (state === undefined) return message;
  if (state[9] !== null && state[9] > 0) {
    message.replies = state[9];
    if (state[11] !== null) message.repliers = state[11];
    if (state[10] !== null) message.lastReply = state[10];
  }
  if (state[7] !== null) message.pinned = true;
  if (state[8] !== null) message.resolvedBy = state[8];
  return message;
}

export function toMessage(row: ReadRow): ChatMessage {
  return logMessage(row, readState(row));
}

/** The message in its current state, and whether it has reactions to fetch (see Conversations.decorate). */
export function toCurrent(row: ReadRow): [ChatMessage, boolean] {
  const state = readState(row);
  return [currentMessage(row, state), state !== undefined && (state[12] ?? 0) > 0];
}

export function rowToMessage(row: MessageRow): ChatMessage {
  return logMessage(row, stateOf(row));
}

export function rowToCurrent(row: MessageRow): ChatMessage {
  return currentMessage(row, stateOf(row));
}

export interface FileRow {
  file_id: string;
  room: string;
  sha256: string;
  size: number;
  mime: string;
  kind: string;
  name: string;
  uploader: string;
  ts: number;
}

export function toFile(row: FileRow): FileRecord {
  return {
    fileId: row.file_id,
    name: row.name,
    size: row.size,
    mime: row.mime,
    kind: row.kind as FileKind,
    sha256: row.sha256,
    room: row.room,
    uploader: row.uploader,
    ts: row.ts,
  };
}

export interface RoomRow {
  id: string;
  kind: string;
  name: string;
  created_by: string | null;
  created_at: number;
  visibility: string | null;
  topic: string | null;
  description: string | null;
  read_only: number | null;
}

/** The columns RoomRow holds, of rooms `r`. */
export const ROOM_COLUMNS = 'r.id, r.kind, r.name, r.created_by, r.created_at, r.visibility, r.topic, r.description, r.read_only';

export function toRoom(row: RoomRow): RoomRecord {
  const room: RoomRecord = { id: row.id, kind: row.kind as RoomKind, name: row.name, createdAt: row.created_at };
  if (row.created_by !== null) room.createdBy = row.created_by;
  if (row.visibility === 'private') room.visibility = 'private';
  if (row.topic !== null && row.topic !== '') room.topic = row.topic;
  if (row.description !== null && row.description !== '') room.description = row.description;
  if (row.read_only !== null) room.readOnly = true;
  return room;
}

export interface UserRow {
  name: string;
  password_hash: string;
  created_at: number;
  disabled_at?: number | null;
  admin_at?: number | null;
  deleted_at?: number | null;
}

export function toUser(row: UserRow): UserRecord {
  const user: UserRecord = { name: row.name, passwordHash: row.password_hash, createdAt: row.created_at };
  if (row.disabled_at !== undefined && row.disabled_at !== null) user.disabledAt = row.disabled_at;
  if (row.admin_at !== undefined && row.admin_at !== null) user.adminAt = row.admin_at;
  if (row.deleted_at !== undefined && row.deleted_at !== null) user.deletedAt = row.deleted_at;
  return user;
}
