import type { Change, ChangeKind, ChatMessage, FileKind, FileRef, RoomKind } from '../../../protocol';
import type { FileRecord, RoomRecord, UserRecord } from '../store';

/** Column list matching MessageRow, for `messages m`. */
export const MESSAGE_COLUMNS = `m.id, m.room, m.seq, m.ts, m.msg_id, m.from_user, m.cid, m.text, m.snippet, m.file,
  m.root, m.in_room, m.change_kind, m.change_target, m.change_emoji, m.edited, m.deleted,
  m.pin_seq, m.resolved_by, m.reply_count, m.last_reply_ts, m.repliers`;

/** The stored form of an attached file: only the FileRef fields, in a fixed order. */
export function fileJson(file: FileRef): string {
  const { fileId, name, size, mime, kind, sha256 } = file;
  return JSON.stringify({ fileId, name, size, mime, kind, sha256 });
}

export interface MessageRow {
  /** The row's id, which names it in the search index. */
  id: number;
  room: string;
  seq: number;
  ts: number;
  msg_id: string;
  from_user: string;
  cid: string;
  text: string | null;
  snippet: string | null;
  file: string | null;
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
  repliers: string | null;
}

/**
 * A row as the log holds it (since): a message with its current text, or a change event, which
 * carries no text of its own (an edit's new text is change.text). Absent fields are left out
 * rather than set to undefined, so messages compare and serialise cleanly.
 */
export function toMessage(row: MessageRow): ChatMessage {
  const message: ChatMessage = { room: row.room, seq: row.seq, ts: row.ts, msgId: row.msg_id, from: row.from_user, cid: row.cid };
  if (row.change_kind !== null) {
    const change: Change = { kind: row.change_kind as ChangeKind, target: row.change_target ?? 0 };
    if (row.change_emoji !== null) change.emoji = row.change_emoji;
    if (row.text !== null) change.text = row.text;
    message.change = change;
    return message;
  }
  if (row.text !== null) message.text = row.text;
  if (row.snippet !== null) message.snippet = JSON.parse(row.snippet) as ChatMessage['snippet'];
  if (row.file !== null) message.file = JSON.parse(row.file) as FileRef;
  if (row.root !== null) message.root = row.root;
  if (row.in_room !== null) message.inRoom = true;
  if (row.edited !== null) message.edited = row.edited;
  if (row.deleted !== null) message.deleted = true;
  return message;
}

/** A message (not a change event) in its current state, reactions aside (see Conversations.decorate). */
export function toCurrent(row: MessageRow): ChatMessage {
  const message = toMessage(row);
  if (row.reply_count !== null && row.reply_count > 0) {
    message.replies = row.reply_count;
    if (row.repliers !== null) message.repliers = JSON.parse(row.repliers) as string[];
    if (row.last_reply_ts !== null) message.lastReply = row.last_reply_ts;
  }
  if (row.pin_seq !== null) message.pinned = true;
  if (row.resolved_by !== null) message.resolvedBy = row.resolved_by;
  return message;
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
}

export function toRoom(row: RoomRow): RoomRecord {
  const room: RoomRecord = { id: row.id, kind: row.kind as RoomKind, name: row.name, createdAt: row.created_at };
  if (row.created_by !== null) room.createdBy = row.created_by;
  return room;
}

export interface UserRow {
  name: string;
  password_hash: string;
  created_at: number;
}

export function toUser(row: UserRow): UserRecord {
  return { name: row.name, passwordHash: row.password_hash, createdAt: row.created_at };
}
