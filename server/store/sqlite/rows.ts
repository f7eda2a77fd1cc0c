import type { ChatMessage, FileKind, FileRef, RoomKind } from '../../../protocol';
import type { FileRecord, RoomRecord, UserRecord } from '../store';

/** Column list matching MessageRow, for `messages m`. */
export const MESSAGE_COLUMNS = 'm.room, m.seq, m.ts, m.msg_id, m.from_user, m.cid, m.text, m.snippet, m.file';

/** The stored form of an attached file: only the FileRef fields, in a fixed order. */
export function fileJson(file: FileRef): string {
  const { fileId, name, size, mime, kind, sha256 } = file;
  return JSON.stringify({ fileId, name, size, mime, kind, sha256 });
}

export interface MessageRow {
  room: string;
  seq: number;
  ts: number;
  msg_id: string;
  from_user: string;
  cid: string;
  text: string | null;
  snippet: string | null;
  file: string | null;
}

/** Absent fields are left out rather than set to undefined, so messages compare and serialise cleanly. */
export function toMessage(row: MessageRow): ChatMessage {
  const message: ChatMessage = { room: row.room, seq: row.seq, ts: row.ts, msgId: row.msg_id, from: row.from_user, cid: row.cid };
  if (row.text !== null) message.text = row.text;
  if (row.snippet !== null) message.snippet = JSON.parse(row.snippet) as ChatMessage['snippet'];
  if (row.file !== null) message.file = JSON.parse(row.file) as FileRef;
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
