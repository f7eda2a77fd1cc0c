import type { ChatMessage, FileRef, RoomInfo, RoomKind, Snippet } from '../../protocol';

export interface UserRecord {
  name: string;
  /** scrypt hash in the self-describing form written by server/chat/passwords.ts. */
  passwordHash: string;
  createdAt: number;
}

export interface RoomRecord {
  id: string;
  kind: RoomKind;
  name: string;
  createdBy?: string;
  createdAt: number;
}

/** A message on its way to the store: everything but the seq and msgId, which the store assigns. */
export interface NewMessage {
  room: string;
  from: string;
  /** Client-made id; (from, cid) is unique, so a resend is recognised. */
  cid: string;
  ts: number;
  text?: string;
  snippet?: Snippet;
  /**
   * Attached file; its metadata is stored with the message in the same transaction. fileIds are
   * unique per upload: a fileId stored before keeps its first record.
   */
  file?: FileRef;
}

export interface AppendResult {
  message: ChatMessage;
  /** True when (from, cid) was stored before: `message` is the first copy and nothing new was stored. */
  duplicate: boolean;
}

export interface FileRecord extends FileRef {
  room: string;
  uploader: string;
  ts: number;
}

export interface HistoryPage {
  /** Ascending seq order. */
  messages: ChatMessage[];
  /** True exactly when older messages exist beyond this page. */
  more: boolean;
}

/** A user's position in a room, as kept by setReadMark. */
export interface ReadMark {
  room: string;
  user: string;
  seq: number;
}

/**
 * Everything the chat server keeps. Backends: SQLite (embedded default) and Neo4j.
 * Every method may reject with ParleyError('STORE_UNAVAILABLE') when the backend is unreachable;
 * nothing is then half-stored. `general` exists after init() and every user is a member of it.
 */
export interface Store {
  readonly kind: string;
  /** Human description for start-up logs, without secrets (e.g. "sqlite ./parley-data/parley.db"). */
  readonly description: string;
  init(): Promise<void>;
  close(): Promise<void>;

  /** Returns false (and changes nothing) when the name is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  getUser(name: string): Promise<UserRecord | undefined>;
  /** Sorted by name. */
  listUserNames(): Promise<string[]>;

  createSession(tokenHash: string, user: string, createdAt: number): Promise<void>;
  /** The user of a live session, or undefined for an unknown or revoked token. */
  sessionUser(tokenHash: string): Promise<string | undefined>;
  revokeSession(tokenHash: string): Promise<void>;

  /** Creates the room with these members; returns false (and changes nothing) if the id exists. */
  createRoom(room: RoomRecord, members: string[]): Promise<boolean>;
  getRoom(id: string): Promise<RoomRecord | undefined>;
  /** All group rooms, for discovery (`join`). */
  listGroupRooms(): Promise<RoomRecord[]>;
  /**
   * The rooms a user belongs to, `general` first and then by id, with lastSeq and that user's
   * lastRead; `members` (sorted) on every room but general.
   */
  roomsOf(user: string): Promise<RoomInfo[]>;
  /** Any room, whether or not `user` is in it (lastRead is then 0); undefined when there is no such room. */
  roomInfo(roomId: string, user: string): Promise<RoomInfo | undefined>;
  /** Adding a member twice is harmless. Nobody is added to or removed from `general`: both are no-ops. */
  addMember(roomId: string, user: string): Promise<void>;
  removeMember(roomId: string, user: string): Promise<void>;
  /** For `general`: whether the user exists. */
  isMember(roomId: string, user: string): Promise<boolean>;
  /** Sorted by name; for `general`, every user. */
  members(roomId: string): Promise<string[]>;

  /**
   * Stores a batch in one transaction: each new message gets the next seq of its room (gap-free)
   * and a msgId. Results come back in input order. A repeated (from, cid), earlier or in the
   * same batch, yields the first copy with duplicate=true.
   */
  append(batch: NewMessage[]): Promise<AppendResult[]>;
  /** The newest `limit` messages with seq < before (or the newest overall), ascending. */
  history(roomId: string, options: { before?: number; limit: number }): Promise<HistoryPage>;
  /** Messages with seq > afterSeq, ascending, at most `limit`. */
  since(roomId: string, afterSeq: number, limit: number): Promise<ChatMessage[]>;
  lastSeq(roomId: string): Promise<number>;
  /**
   * Full-text search in the rooms `user` belongs to (or the one given, if `user` is in it), newest
   * first, at most `limit`. Looks at message text, shared code and its path, and file names. The
   * query is words and "quoted phrases", all required, case-insensitive; operators and
   * punctuation are plain text, so no input is ever a syntax error.
   */
  search(user: string, query: string, options: { room?: string; limit: number }): Promise<ChatMessage[]>;

  /** Moves the read mark forward (never back, never past lastSeq); returns the stored mark. */
  setReadMark(roomId: string, user: string, seq: number): Promise<number>;
  getFile(fileId: string): Promise<FileRecord | undefined>;

  // Bulk access for copying one backend into another (copy-store); the chat server never calls these.
  // Messages are read with since().

  /** Every user with its password hash, sorted by name. */
  exportUsers(): Promise<UserRecord[]>;
  /** Every room, `general` and DMs included, sorted by id. */
  exportRooms(): Promise<RoomRecord[]>;
  /** Every read mark above 0, sorted by room and user. */
  exportReadMarks(): Promise<ReadMark[]>;
  /**
   * Stores messages exactly as given (seq, msgId, ts, cid and file kept), in one transaction, and
   * moves each room's lastSeq to the highest seq given. Each room's seqs must be ascending and
   * above its lastSeq, and the rooms and senders must exist; otherwise nothing is stored and the
   * call rejects. Attached files are recorded with the message's room, sender and ts.
   */
  importMessages(messages: ChatMessage[]): Promise<void>;
}
