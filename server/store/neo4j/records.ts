import neo4j from 'neo4j-driver';
import type { ChatMessage, FileKind, RoomKind, Snippet } from '../../../protocol';
import type { FileRecord, RoomRecord, UserRecord } from '../store';

/**
 * Integers must go to Neo4j as Integer, not Float: `LIMIT` refuses floats, and seq/ts stored as
 * floats would not compare as integers elsewhere. Results come back as numbers
 * (disableLosslessIntegers), which is exact for everything Parley stores (< 2^53).
 */
export function int(value: number): number | ReturnType<typeof neo4j.int> {
  return Number.isSafeInteger(value) ? neo4j.int(value) : value;
}

/** Message properties as projected by MESSAGE_FIELDS. */
export interface MessageProps {
  id: string;
  room: string;
  seq: number;
  ts: number;
  from: string;
  cid: string;
  text?: string | null;
  snippet?: string | null;
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

/** Cypher projection of a message `m` and its attached file `f` (null when none). */
export const MESSAGE_FIELDS = 'm {.id, .room, .seq, .ts, .from, .cid, .text, .snippet} AS m, f {.*} AS f';

/** Absent fields are left out rather than set to undefined, so messages compare and serialise cleanly. */
export function toMessage(m: MessageProps, f: FileProps | null | undefined): ChatMessage {
  const message: ChatMessage = { room: m.room, seq: m.seq, ts: m.ts, msgId: m.id, from: m.from, cid: m.cid };
  if (m.text !== undefined && m.text !== null) message.text = m.text;
  if (m.snippet !== undefined && m.snippet !== null) message.snippet = JSON.parse(m.snippet) as Snippet;
  if (f) message.file = { fileId: f.fileId, name: f.name, size: f.size, mime: f.mime, kind: f.kind as FileKind, sha256: f.sha256 };
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
}

export function toRoom(r: RoomProps): RoomRecord {
  const room: RoomRecord = { id: r.id, kind: r.kind as RoomKind, name: r.name, createdAt: r.createdAt };
  if (r.createdBy !== undefined && r.createdBy !== null) room.createdBy = r.createdBy;
  return room;
}

export interface UserProps {
  name: string;
  passwordHash: string;
  createdAt: number;
}

export function toUser(u: UserProps): UserRecord {
  return { name: u.name, passwordHash: u.passwordHash, createdAt: u.createdAt };
}

/** Words people look for besides the text: shared code, its path, the attached file's name. */
export function searchExtra(snippet: Snippet | undefined, fileName: string | undefined): string | null {
  const parts = [snippet?.path, snippet?.code, fileName].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.length === 0 ? null : parts.join(' ');
}
