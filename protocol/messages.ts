import type { ErrorCode } from './errors';
import type { Limits } from './limits';

/** Request ids are chosen by the client and echoed in the reply; opaque to the server. */
export type RequestId = number | string;

export type RoomKind = 'group' | 'dm';
export type PresenceStatus = 'online' | 'away' | 'offline';
export type FileKind = 'image' | 'video' | 'audio' | 'file';

export interface RoomInfo {
  id: string;
  kind: RoomKind;
  name: string;
  /** Members of a DM or group room; omitted for `general`, which everyone is in. */
  members?: string[];
  /** Highest seq in the room (0 when empty). */
  lastSeq: number;
  /** The requesting user's read mark (0 when nothing read). */
  lastRead: number;
}

/** Code shared from an editor. */
export interface Snippet {
  code: string;
  language: string;
  /** Workspace-relative path. */
  path?: string;
  startLine?: number;
  endLine?: number;
  /** Git remote URL and commit, when the file is inside a repository. */
  remote?: string;
  commit?: string;
  /** sha256 (hex) of the whole file, so a reader can tell whether their copy matches. */
  fileSha256?: string;
}

export interface FileRef {
  fileId: string;
  name: string;
  size: number;
  mime: string;
  kind: FileKind;
  sha256: string;
}

/** A stored message, as delivered live (`msg`) and in `history` / `results`. */
export interface ChatMessage {
  room: string;
  seq: number;
  ts: number;
  msgId: string;
  from: string;
  cid?: string;
  text?: string;
  snippet?: Snippet;
  file?: FileRef;
}

export interface PresenceEntry {
  user: string;
  status: PresenceStatus;
  /** Shared editor context ("src/x.ts on branch y"), only when the user opted in. */
  context?: string;
}

// ---- client → server -------------------------------------------------------

export interface HelloRequest { t: 'hello'; id: RequestId; v: number; client: string }
export interface RegisterRequest { t: 'register'; id: RequestId; user: string; password: string }
export interface LoginRequest { t: 'login'; id: RequestId; user: string; password: string }
/** `transfer: true` opens a transfer-only session: transfer replies only, no chat events (no `since`). */
export interface ResumeRequest { t: 'resume'; id: RequestId; token: string; since?: Record<string, number>; transfer?: boolean }
export interface LogoutRequest { t: 'logout'; id: RequestId }
export interface PingFrame { t: 'ping'; id?: RequestId }
export interface PongFrame { t: 'pong'; id?: RequestId }
export interface SendRequest { t: 'send'; id: RequestId; room: string; cid: string; text?: string; snippet?: Snippet }
export interface TypingRequest { t: 'typing'; room: string }
export interface ReadRequest { t: 'read'; id?: RequestId; room: string; seq: number }
export interface HistoryRequest { t: 'history'; id: RequestId; room: string; before?: number; limit?: number }
export interface SearchRequest { t: 'search'; id: RequestId; query: string; room?: string; limit?: number }
export interface JoinRequest { t: 'join'; id: RequestId; room: string }
export interface LeaveRequest { t: 'leave'; id: RequestId; room: string }
export interface CreateRequest { t: 'create'; id: RequestId; name: string }
export interface RoomsRequest { t: 'rooms'; id: RequestId }
export interface StatusRequest { t: 'status'; status: 'online' | 'away'; context?: string }
export interface UploadRequest { t: 'upload'; id: RequestId; room: string; name: string; size: number; mime?: string }
export interface ChunkFrame { t: 'chunk'; uploadId?: string; id?: RequestId }
export interface UploadEndRequest { t: 'upload_end'; id: RequestId; uploadId: string; sha256: string }
export interface UploadAbortRequest { t: 'upload_abort'; uploadId: string }
export interface DownloadRequest { t: 'download'; id: RequestId; fileId: string; offset?: number }

export type ClientFrame =
  | HelloRequest | RegisterRequest | LoginRequest | ResumeRequest | LogoutRequest
  | PingFrame | PongFrame | SendRequest | TypingRequest | ReadRequest | HistoryRequest
  | SearchRequest | JoinRequest | LeaveRequest | CreateRequest | RoomsRequest | StatusRequest
  | UploadRequest | ChunkFrame | UploadEndRequest | UploadAbortRequest | DownloadRequest;

export type ClientFrameType = ClientFrame['t'];

// ---- server → client -------------------------------------------------------

export interface WelcomeReply { t: 'welcome'; id: RequestId; v: number; server: string; limits: Limits }
export interface OkReply { t: 'ok'; id: RequestId }
/** `uploadId` marks an upload that failed before its `upload_end` (the error then carries the `upload`'s id). */
export interface ErrorFrame { t: 'error'; id?: RequestId; code: ErrorCode; message: string; uploadId?: string }
export interface SessionReply { t: 'session'; id: RequestId; token: string; user: string; rooms: RoomInfo[] }
/** `file` is set on the ack of an `upload_end`: the uploader learns the fileId and the sniffed type. */
export interface AckReply { t: 'ack'; id: RequestId; cid?: string; room: string; seq: number; ts: number; msgId: string; file?: FileRef }
export interface MsgEvent extends ChatMessage { t: 'msg' }
export interface CaughtUpEvent { t: 'caught_up'; room: string; seq: number }
export interface TypingEvent { t: 'typing'; room: string; user: string }
export interface ReadEvent { t: 'read'; room: string; user: string; seq: number }
export interface HistoryReply { t: 'history'; id: RequestId; room: string; messages: ChatMessage[]; more: boolean }
export interface ResultsReply { t: 'results'; id: RequestId; messages: ChatMessage[] }
export interface PresenceEvent { t: 'presence'; users?: PresenceEntry[]; changes?: PresenceEntry[] }
export interface RoomReply { t: 'room'; id?: RequestId; room: RoomInfo }
export interface RoomsReply { t: 'rooms'; id: RequestId; rooms: RoomInfo[] }
export interface RoomLeftEvent { t: 'room_left'; room: string }
export interface UploadReadyReply { t: 'upload_ready'; id: RequestId; uploadId: string; chunk: number }
/** `size` is the whole file's; `name` and `mime` as in the file's message, so a client can name what it saves. */
export interface DownloadStartReply { t: 'download_start'; id: RequestId; fileId: string; size: number; offset: number; name: string; mime: string }
export interface DownloadEndReply { t: 'download_end'; id: RequestId; sha256: string }

export type ServerFrame =
  | WelcomeReply | OkReply | ErrorFrame | SessionReply | AckReply | MsgEvent | CaughtUpEvent
  | TypingEvent | ReadEvent | HistoryReply | ResultsReply | PresenceEvent | RoomReply | RoomsReply
  | RoomLeftEvent | UploadReadyReply | DownloadStartReply | ChunkFrame | DownloadEndReply
  | PingFrame | PongFrame;

export type ServerFrameType = ServerFrame['t'];

/** DM room ids are stable: `dm:<a>:<b>` with the two names sorted. */
export function dmRoomId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/** The two members of a DM room id, or undefined if `room` is not a well-formed DM id. */
export function dmMembers(room: string): [string, string] | undefined {
  if (!room.startsWith('dm:')) return undefined;
  const parts = room.split(':');
  if (parts.length !== 3 || !parts[1] || !parts[2] || parts[1] >= parts[2]) return undefined;
  return [parts[1], parts[2]];
}
