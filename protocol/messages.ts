import type { Static } from '@sinclair/typebox';
import type { ErrorCode } from './errors';
import type { Limits } from './limits';
// Types only: the webview imports this module and must not pull in the schema compiler.
import type * as S from './schema';

/** Request ids are chosen by the client and echoed in the reply; opaque to the server. */
export type RequestId = Static<typeof S.RequestIdSchema>;

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
  /**
   * Unread messages after lastRead that mention the requesting user by name or `@room`, not
   * counting their own; left out when there are none. Counted by the server, so it is exact
   * before any history is fetched.
   */
  mentions?: number;
}

/** Code shared from an editor. */
export type Snippet = Static<typeof S.SnippetSchema>;

export interface FileRef {
  fileId: string;
  name: string;
  size: number;
  mime: string;
  kind: FileKind;
  sha256: string;
}

/** What a `change` does to the message it targets. */
export type ChangeKind = 'react' | 'unreact' | 'edit' | 'delete' | 'pin' | 'unpin' | 'resolve' | 'reopen';

export const CHANGE_KINDS: readonly ChangeKind[] = ['react', 'unreact', 'edit', 'delete', 'pin', 'unpin', 'resolve', 'reopen'];

/** A change to an earlier message of the same room, itself a sequenced room event. */
export interface Change {
  kind: ChangeKind;
  /** The seq of the message changed. */
  target: number;
  /** react / unreact: the emoji. */
  emoji?: string;
  /** edit: the new text. */
  text?: string;
}

/** emoji → the users who reacted with it, in the order they did. */
export type Reactions = Record<string, string[]>;

/**
 * A room event: a posted message, a thread reply, or (with `change`) a change to an earlier
 * message. Every one takes the room's next seq. As delivered live (`msg` / `change`), by resume,
 * and in `history` / `thread` / `results` (which hold messages only, each in its current state).
 */
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
  /** A thread reply: the seq of the thread's root (always a root: threads do not nest). */
  root?: number;
  /** A reply that was also sent to the room: it is part of the room's history too. */
  inRoom?: boolean;
  /** Set on a change event, which carries no text, snippet or file of its own. */
  change?: Change;

  // Current state, on messages in history, thread, pins and search results (absent = default).
  /** Time of the last edit. */
  edited?: number;
  /** A tombstone: text, snippet and file were erased; seq and thread stay. */
  deleted?: boolean;
  reactions?: Reactions;
  /** On a thread root: how many replies it has, who wrote them (first reply first), the last reply's time. */
  replies?: number;
  repliers?: string[];
  lastReply?: number;
  pinned?: boolean;
  /** On a thread root marked resolved: who resolved it. */
  resolvedBy?: string;
}

/** An earlier version of an edited message. */
export interface Revision {
  text: string;
  /** When this version was written (the original post's ts, then each edit's). */
  ts: number;
}

export type ThreadState = Static<typeof S.ThreadStateSchema>;

export interface PresenceEntry {
  user: string;
  status: PresenceStatus;
  /** Shared editor context ("src/x.ts on branch y"), only when the user opted in. */
  context?: string;
}

// ---- client → server -------------------------------------------------------
// Defined once, as schemas in ./schema; these are their static types.

export type HelloRequest = Static<typeof S.HelloSchema>;
export type RegisterRequest = Static<typeof S.RegisterSchema>;
export type LoginRequest = Static<typeof S.LoginSchema>;
export type ResumeRequest = Static<typeof S.ResumeSchema>;
export type LogoutRequest = Static<typeof S.LogoutSchema>;
export type PingFrame = Static<typeof S.PingSchema>;
export type PongFrame = Static<typeof S.PongSchema>;
export type SendRequest = Static<typeof S.SendSchema>;
export type ChangeRequest = Static<typeof S.ChangeSchema>;
export type ThreadRequest = Static<typeof S.ThreadSchema>;
export type ThreadsRequest = Static<typeof S.ThreadsSchema>;
export type PinsRequest = Static<typeof S.PinsSchema>;
export type RevisionsRequest = Static<typeof S.RevisionsSchema>;
export type EventsRequest = Static<typeof S.EventsSchema>;
export type TypingRequest = Static<typeof S.TypingSchema>;
export type ReadRequest = Static<typeof S.ReadSchema>;
export type HistoryRequest = Static<typeof S.HistorySchema>;
export type SearchRequest = Static<typeof S.SearchSchema>;
export type JoinRequest = Static<typeof S.JoinSchema>;
export type LeaveRequest = Static<typeof S.LeaveSchema>;
export type CreateRequest = Static<typeof S.CreateSchema>;
export type RoomsRequest = Static<typeof S.RoomsSchema>;
export type StatusRequest = Static<typeof S.StatusSchema>;
export type UploadRequest = Static<typeof S.UploadSchema>;
/** A client's chunk: the bytes of upload `uploadId`. */
export type ChunkRequest = Static<typeof S.ChunkSchema>;
export type UploadEndRequest = Static<typeof S.UploadEndSchema>;
export type UploadAbortRequest = Static<typeof S.UploadAbortSchema>;
export type DownloadRequest = Static<typeof S.DownloadSchema>;
/** A chunk either way: a client's carries `uploadId`, a download's carries the `download`'s `id`. */
export interface ChunkFrame { t: 'chunk'; uploadId?: string; id?: RequestId }

export type ClientFrame =
  | HelloRequest | RegisterRequest | LoginRequest | ResumeRequest | LogoutRequest
  | PingFrame | PongFrame | SendRequest | ChangeRequest | ThreadRequest | ThreadsRequest | PinsRequest
  | RevisionsRequest | EventsRequest | TypingRequest | ReadRequest | HistoryRequest
  | SearchRequest | JoinRequest | LeaveRequest | CreateRequest | RoomsRequest | StatusRequest
  | UploadRequest | ChunkRequest | UploadEndRequest | UploadAbortRequest | DownloadRequest;

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
/** A change to an earlier message, delivered live and by resume in seq order like `msg`. */
export interface ChangeEvent extends ChatMessage { t: 'change'; change: Change }
/** The root in its current state and its replies, ascending; `more` when later replies exist past the page. */
export interface ThreadReply { t: 'thread'; id: RequestId; room: string; root: ChatMessage; replies: ChatMessage[]; more: boolean }
/** Thread roots (messages with replies), newest first. */
export interface ThreadsReply { t: 'threads'; id: RequestId; room: string; messages: ChatMessage[]; more: boolean }
/** Pinned messages, most recently pinned first. */
export interface PinsReply { t: 'pins'; id: RequestId; room: string; messages: ChatMessage[] }
/** The earlier versions of an edited message, oldest first; the current text is the message's own. */
export interface RevisionsReply { t: 'revisions'; id: RequestId; room: string; seq: number; revisions: Revision[] }
export interface EventsReply { t: 'events'; id: RequestId; room: string; events: ChatMessage[]; more: boolean }
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
  | WelcomeReply | OkReply | ErrorFrame | SessionReply | AckReply | MsgEvent | ChangeEvent | CaughtUpEvent
  | ThreadReply | ThreadsReply | PinsReply | RevisionsReply | EventsReply
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
