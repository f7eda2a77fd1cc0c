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
  /**
   * Members of a DM or group room, sorted; omitted for `general`, which everyone is in. At most
   * `MAX_LISTED_MEMBERS`: a longer list is cut and `memberCount` says how many there are.
   */
  members?: string[];
  /** Set only when `members` was cut: the room's number of members. */
  memberCount?: number;
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

export type ThreadState = 'open' | 'resolved' | 'all';

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
/** `root` makes it a reply in that message's thread; `inRoom` also shows the reply in the room. */
export interface SendRequest { t: 'send'; id: RequestId; room: string; cid: string; text?: string; snippet?: Snippet; root?: number; inRoom?: boolean }
/** Reacts, edits, deletes, pins or resolves message `target` (answered by `ack`, or `ok` when it changes nothing). */
export interface ChangeRequest { t: 'change'; id: RequestId; room: string; cid: string; kind: ChangeKind; target: number; emoji?: string; text?: string }
export interface ThreadRequest { t: 'thread'; id: RequestId; room: string; root: number; after?: number; limit?: number }
export interface ThreadsRequest { t: 'threads'; id: RequestId; room: string; state?: ThreadState; before?: number; limit?: number }
export interface PinsRequest { t: 'pins'; id: RequestId; room: string }
export interface RevisionsRequest { t: 'revisions'; id: RequestId; room: string; seq: number }
/** Every room event after `after`, changes included, as resume sends them (for filling a gap). */
export interface EventsRequest { t: 'events'; id: RequestId; room: string; after: number; limit?: number }
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
  | PingFrame | PongFrame | SendRequest | ChangeRequest | ThreadRequest | ThreadsRequest | PinsRequest
  | RevisionsRequest | EventsRequest | TypingRequest | ReadRequest | HistoryRequest
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
/** `more`: there are joinable rooms beyond the MAX_LISTED_ROOMS listed. */
export interface RoomsReply { t: 'rooms'; id: RequestId; rooms: RoomInfo[]; more?: boolean }
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
