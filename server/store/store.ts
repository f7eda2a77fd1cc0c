import type {
  AuditEntry,
  BanEntry,
  Change,
  ChatMessage,
  DirectoryEntry,
  ErrorCode,
  FileRef,
  Invitation,
  MemberEntry,
  Revision,
  RoomEvent,
  RoomInfo,
  RoomKind,
  RoomRole,
  RoomVisibility,
  Snippet,
  ThreadState,
} from '../../protocol';
import type { AvatarRecord, ProfilePatch, ProfileRecord, ProfileUpdate } from './profiles';

export interface UserRecord {
  name: string;
  /** scrypt hash in the self-describing form written by server/chat/passwords.ts. */
  passwordHash: string;
  createdAt: number;
  /** Set while a server administrator has disabled the account: it cannot sign in. */
  disabledAt?: number;
  /** Set while the user is a server administrator named at runtime (setServerAdmin). */
  adminAt?: number;
  /**
   * Set on a deleted account (only exportUsers shows those): no password, nothing found by its
   * name, and the name stays taken. DELETED_USER, the author of their messages, has it too.
   */
  deletedAt?: number;
}

/** A session as it is opened: the token's hash (the secret's stand-in) and what the listing shows. */
export interface NewSession {
  /** sha256 of the token; the token itself is never stored. */
  tokenHash: string;
  /** The public id `sessions` lists and `revoke` names; random, unrelated to the token. */
  id: string;
  user: string;
  createdAt: number;
  /** The hello's `client` (name/version), when it sent one. */
  client?: string;
  /** The remote address it signed in from. */
  address?: string;
}

export interface SessionRecord extends NewSession {
  /** When it was last used; the session expires a configured time after this. */
  lastSeen: number;
  /** Set once revoked (logout, revoke, password change); such a session lets nobody in. */
  revokedAt?: number;
}

export interface RoomRecord {
  id: string;
  kind: RoomKind;
  name: string;
  /** For a group room, its first owner (createRoom gives them the owner role when they are among the members). */
  createdBy?: string;
  createdAt: number;
  /** Group rooms; absent = public. */
  visibility?: RoomVisibility;
  topic?: string;
  description?: string;
  /** Only owners and admins post. */
  readOnly?: boolean;
}

/** What updateRoom sets: each field given replaces the stored one (an empty topic or description clears it). */
export interface RoomPatch {
  name?: string;
  topic?: string;
  description?: string;
  readOnly?: boolean;
}

/** A room event on its way to the store: it takes the room's next seq like a message. */
export interface NewRoomEvent {
  room: string;
  /** Who did it (an existing user). */
  from: string;
  ts: number;
  event: RoomEvent;
}

/** A moderation action for the audit log; the store numbers it (AuditEntry.seq). */
export type NewAuditEntry = Omit<AuditEntry, 'seq'>;

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
  /** A thread reply to the message with this seq (which must be a root of the same room). */
  root?: number;
  /** A reply that is also part of the room's history. */
  inRoom?: boolean;
  /** A change to an earlier message; such an entry has no text, snippet or file of its own. */
  change?: Change;
  /**
   * Who the message (or, for an edit, its new text) mentions: user names and `room`. Only the
   * names the chat server found in the text; the store keeps them for unread mention counts.
   */
  mentions?: string[];
  /** The sender may delete any message of the room (a room admin); the author-only rule does not apply. */
  moderator?: boolean;
}

/** Why the store did not apply an entry: a protocol error code and one sentence for the user. */
export interface Refusal {
  code: ErrorCode;
  message: string;
}

export interface AppendResult {
  /** The stored entry (for a duplicate, the first copy; for a refusal or no-op, the entry as asked). */
  message: ChatMessage;
  /** True when (from, cid) was stored before: `message` is the first copy and nothing new was stored. */
  duplicate: boolean;
  /** Set when the entry broke a rule (see CHANGE RULES on Store): nothing was stored for it. */
  refused?: Refusal;
  /** A change that would change nothing (a second 👍, pinning the pinned): nothing was stored, no seq taken. */
  noop?: boolean;
  /**
   * A delete that removed the last message referring to these files' content: the media store
   * may delete the bytes (sha256 is the content address).
   */
  unreferenced?: string[];
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

export interface ThreadPage {
  /** The root in its current state. */
  root: ChatMessage;
  /** Replies with seq > after, ascending, in their current state. */
  replies: ChatMessage[];
  /** True exactly when later replies exist beyond this page. */
  more: boolean;
}

/** A user's position in a room, as kept by setReadMark. */
export interface ReadMark {
  room: string;
  user: string;
  seq: number;
}

/** Narrows a search; every filter given must hold. The query may then be empty (filters alone). */
export interface SearchOptions {
  room?: string;
  limit: number;
  /** Sent by this user. */
  from?: string;
  /** Carries a file / a snippet. */
  hasFile?: boolean;
  hasSnippet?: boolean;
  /** A thread root with replies, or a reply. */
  isThread?: boolean;
  isPinned?: boolean;
  /** Sent before / at or after this time (ms since the epoch). */
  before?: number;
  after?: number;
}

/**
 * CHANGE RULES, applied by append() inside its transaction, the same on every backend
 * (server/store/change-rules.ts holds them once):
 * - a reply's root, and a change's target, is a message (post or reply) of the same room, else
 *   NOT_FOUND; a reply to a reply is NESTED_REPLY, as is resolving a reply;
 * - a deleted target refuses everything with MESSAGE_DELETED, but a second delete is a no-op;
 * - edit and delete are the author's (delete also a `moderator`'s), else NOT_AUTHOR;
 * - a user holds at most one reaction per emoji per message; a message at most
 *   `limits.maxReactions` different emoji (TOO_MANY_REACTIONS); a room at most `limits.maxPins`
 *   pinned messages (TOO_MANY_PINS);
 * - react when already reacted, unreact when not, pin the pinned, unpin the unpinned, resolve the
 *   resolved and reopen the open are no-ops, as is an edit to the same text.
 * Applied changes take the room's next seq like any message, are returned by since(), and change
 * the target's current state: edit replaces the text (the old text becomes a revision) and sets
 * `edited`; delete erases text, snippet, file reference, revisions and the search index entry of
 * the target and the text of its edit events; the others update reactions, pinned, resolvedBy.
 * A reply updates its root's replies / repliers / lastReply.
 *
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
  /**
   * One round trip that reads nothing (health checks: `/healthz`). Rejects with STORE_UNAVAILABLE
   * when the backend does not answer, or after close().
   */
  ping(): Promise<void>;

  /**
   * Returns false (and changes nothing) when the name is taken, in any mix of upper and lower
   * case: names are unique case-insensitively and keep the spelling they were created with.
   */
  createUser(user: UserRecord): Promise<boolean>;
  /**
   * The user whose name equals `name` ignoring case, with the spelling it was created with.
   * An account that lost its name to an older one of the same letters (see the migrations) is
   * not found.
   */
  getUser(name: string): Promise<UserRecord | undefined>;
  /** Replaces a user's password hash (an opaque string), e.g. when hashing gets stronger. Unknown names change nothing. */
  setPasswordHash(name: string, passwordHash: string): Promise<void>;
  /** The users who can sign in, sorted by name (an account that lost its name to an older one is left out). */
  listUserNames(): Promise<string[]>;

  // Sessions. `user` is always the spelling getUser returned. Expiry is the caller's: a session is
  // live while not revoked and lastSeen is recent enough.
  /** Opens a session with lastSeen = createdAt. */
  createSession(session: NewSession): Promise<void>;
  /** The session of a token hash, revoked or not; undefined when unknown (or purged). */
  getSession(tokenHash: string): Promise<SessionRecord | undefined>;
  /** Moves lastSeen (never back) and the address it was seen from. Unknown hashes change nothing. */
  touchSession(tokenHash: string, lastSeen: number, address?: string): Promise<void>;
  /** A user's sessions that are not revoked, most recently seen first (expired ones included until purged). */
  userSessions(user: string): Promise<SessionRecord[]>;
  /** Revokes one session by its token hash (logout); a revoked or unknown one changes nothing. */
  revokeSession(tokenHash: string, at: number): Promise<void>;
  /** Revokes `user`'s session with this public id; returns its token hash, or undefined when `user` has no such live session. */
  revokeSessionById(user: string, id: string, at: number): Promise<string | undefined>;
  /** Revokes every live session of `user` but the one with `keepTokenHash`; returns their token hashes. */
  revokeOtherSessions(user: string, keepTokenHash: string, at: number): Promise<string[]>;
  /** Deletes revoked sessions and those last seen before `lastSeenBefore`; returns how many. */
  purgeSessions(lastSeenBefore: number): Promise<number>;

  /** Creates the room with these members; returns false (and changes nothing) if the id exists. */
  createRoom(room: RoomRecord, members: string[]): Promise<boolean>;
  getRoom(id: string): Promise<RoomRecord | undefined>;
  /** All group rooms, for discovery (`join`). */
  listGroupRooms(): Promise<RoomRecord[]>;
  /**
   * Public group rooms (not general) that `user` is not in, by id, at most `limit`, as RoomInfo: what
   * `rooms` offers to join, in one call however many rooms there are. `unread` is 0 (not counted).
   */
  joinableRooms(user: string, limit: number): Promise<RoomInfo[]>;
  /**
   * The rooms a user belongs to, `general` first and then by id, with lastSeq and that user's
   * lastRead and unread `mentions` (its messages after lastRead, not the user's own, that
   * mention the user or `room`) and `unread` (its messages after lastRead that the timeline shows,
   * not the user's own, not deleted, counted up to UNREAD_LIMIT + 1); `members` (sorted) on every room but general, at most
   * MAX_LISTED_MEMBERS of them, with `memberCount` when the list was cut. Group rooms carry
   * `visibility`, `topic`, `description` and `readOnly` as stored, and `role` (the user's).
   */
  roomsOf(user: string): Promise<RoomInfo[]>;
  /** Any room, whether or not `user` is in it (lastRead is then 0, no `role`); undefined when there is no such room. */
  roomInfo(roomId: string, user: string): Promise<RoomInfo | undefined>;
  /** Nobody is added to or removed from `general`: both are no-ops (see addMember below). */
  removeMember(roomId: string, user: string): Promise<void>;
  /** For `general`: whether the user exists. */
  isMember(roomId: string, user: string): Promise<boolean>;
  /** Sorted by name; for `general`, every user. */
  members(roomId: string): Promise<string[]>;

  /**
   * Stores a batch in one transaction: each new message gets the next seq of its room (gap-free)
   * and a msgId. A stored message the timeline shows (a post, or a reply with inRoom) moves its
   * sender's read mark up to its seq (never back); changes and thread-only replies do not. Results come back in input order. A repeated (from, cid), earlier or in the
   * same batch, yields the first copy with duplicate=true.
   */
  append(batch: NewMessage[]): Promise<AppendResult[]>;
  /**
   * The newest `limit` messages with seq < before (or the newest overall), ascending, in their
   * current state. Only what the room shows: posts and replies sent to the room too; change
   * events and thread-only replies are left out (and not counted).
   */
  history(roomId: string, options: { before?: number; limit: number }): Promise<HistoryPage>;
  /**
   * Every room event with seq > afterSeq (posts, replies, changes), ascending, at most `limit`:
   * the log a client replays. Each as stored now: erased content stays erased, and a message's
   * text is its current one (`edited` set).
   */
  since(roomId: string, afterSeq: number, limit: number): Promise<ChatMessage[]>;
  /** One message (post or reply) in its current state; undefined for no such seq or a change event. */
  message(roomId: string, seq: number): Promise<ChatMessage | undefined>;
  /** A thread: the root (a post, not a reply) and its replies after `after`; undefined when `root` is no root. */
  thread(roomId: string, root: number, options: { after?: number; limit: number }): Promise<ThreadPage | undefined>;
  /** Messages with at least one reply, newest root first, seq < before; `open` = not resolved. */
  threads(roomId: string, options: { state: ThreadState; before?: number; limit: number }): Promise<HistoryPage>;
  /** Pinned messages, most recently pinned first, at most `limit`. */
  pins(roomId: string, limit: number): Promise<ChatMessage[]>;
  /** The earlier versions of a message, oldest first (empty when never edited, or deleted). */
  revisions(roomId: string, seq: number): Promise<Revision[]>;
  lastSeq(roomId: string): Promise<number>;
  /**
   * Full-text search in the rooms `user` belongs to (or the one given, if `user` is in it), newest
   * first, at most `limit`. Looks at message text (as last edited; deleted messages are gone),
   * shared code and its path, and file names, in posts and replies. The
   * query is words and "quoted phrases", all required, case-insensitive; operators and
   * punctuation are plain text, so no input is ever a syntax error. At most SEARCH_SCAN_LIMIT
   * candidates are looked at, newest first, before the filters and the limit.
   */
  search(user: string, query: string, options: SearchOptions): Promise<ChatMessage[]>;

  /** Moves the read mark forward (never back, never past lastSeq); returns the stored mark. */
  setReadMark(roomId: string, user: string, seq: number): Promise<number>;

  // Thread read marks. A user takes part in a thread once they wrote its root or a reply, or the
  // root or a reply mentions them by name (`@room` makes nobody a participant); append() and
  // importMessages() keep the participants. A replier's mark moves to their reply; the root's
  // author and those the root mentions join with the mark at the root (every reply unread), and
  // those a reply mentions join just before that reply. Edits (new mentions included), reactions
  // and other changes make nobody a participant and move no mark. roomsOf/roomInfo report each
  // room's sum as `threadUnread` (thread-only replies: those also in the room count in `unread`).
  /**
   * Unread replies, by root seq, for those of `roots` (thread roots of the room) that `user`
   * takes part in: replies after their thread mark, by someone else, not deleted, up to
   * UNREAD_LIMIT + 1. Roots the user takes no part in are absent.
   */
  threadUnread(roomId: string, user: string, roots: readonly number[]): Promise<Map<number, number>>;
  /**
   * Moves `user`'s mark in the thread of `root` forward (never back; the caller keeps it at most
   * lastSeq); returns the stored mark, or undefined when the user takes no part in that thread.
   */
  setThreadReadMark(roomId: string, root: number, user: string, seq: number): Promise<number | undefined>;
  getFile(fileId: string): Promise<FileRecord | undefined>;

  // Bulk access for copying one backend into another (copy-store); the chat server never calls these.
  // Messages are read with since().

  /** Every user with its password hash and marks (deleted accounts and DELETED_USER included), sorted by name. */
  exportUsers(): Promise<UserRecord[]>;
  /** Every room, `general` and DMs included, sorted by id. */
  exportRooms(): Promise<RoomRecord[]>;
  /** Every read mark above 0, sorted by room and user. */
  exportReadMarks(): Promise<ReadMark[]>;
  // Conversations copy over as the log they are: importMessages takes since()'s entries in seq
  // order, replies and change events included, and applies each change to its target as append()
  // would (without the rules: the source already applied them). Edit history is not copied: the
  // messages arrive with their current text, and their revisions start afresh.
  /**
   * Stores messages exactly as given (seq, msgId, ts, cid and file kept), in one transaction, and
   * moves each room's lastSeq to the highest seq given. Each room's seqs must be ascending and
   * above its lastSeq, and the rooms and senders must exist; otherwise nothing is stored and the
   * call rejects. Attached files are recorded with the message's room, sender and ts. As posting
   * does, each message the timeline shows moves its sender's read mark up to it (never back).
   */
  importMessages(messages: ChatMessage[]): Promise<void>;

  // Rooms people run. ROOM RULES are the chat server's (server/chat/governance.ts); the store keeps
  // what they decide. `general` has no stored roles: every user is a member of it, and server
  // administrators hold its owner's rights.

  /**
   * A member's role in a group room (undefined when not a member); in general 'member' for every
   * user; DMs have no roles (undefined).
   */
  roleOf(roomId: string, user: string): Promise<RoomRole | undefined>;
  /** Members with their roles, sorted by name (general: every user, as member). */
  memberRoles(roomId: string): Promise<MemberEntry[]>;
  /** Sets roles of members, all in one transaction; a user who is not a member is skipped. Returns how many changed. */
  setRoles(roomId: string, roles: MemberEntry[]): Promise<number>;
  /** Adds a member with this role (default member) and removes any invitation of theirs to the room; harmless when a member already. */
  addMember(roomId: string, user: string, role?: RoomRole): Promise<void>;
  /** Changes the room's name, topic, description or read-only flag; false when there is no such room. */
  updateRoom(roomId: string, patch: RoomPatch): Promise<boolean>;
  /**
   * Public group rooms (general among them), by id, after `after`, at most `limit`, whose id, name
   * or topic contains `query` ignoring case (every one for an empty query); `member` set for the
   * rooms `user` is in.
   */
  directory(user: string, query: string, options: { after?: string; limit: number }): Promise<DirectoryEntry[]>;
  /** Records an invitation; false (and nothing changed) when one is pending already. */
  invite(invitation: Omit<Invitation, 'name'>): Promise<boolean>;
  /** Removes a pending invitation (withdrawn or declined); false when there was none. */
  removeInvitation(roomId: string, user: string): Promise<boolean>;
  /** A user's pending invitations, newest first, each with its room's name. */
  invitationsOf(user: string): Promise<Invitation[]>;
  /** A room's pending invitations, by user name. */
  invitationsTo(roomId: string): Promise<Invitation[]>;
  /** Bans `user`: they stop being a member and lose any invitation, in one transaction. Banning twice keeps the first ban. */
  ban(roomId: string, user: string, by: string, at: number): Promise<void>;
  /** Lifts a ban; false when there was none. */
  unban(roomId: string, user: string): Promise<boolean>;
  isBanned(roomId: string, user: string): Promise<boolean>;
  /** A room's bans, by user name. */
  bans(roomId: string): Promise<BanEntry[]>;
  /** Stores a room event as the room's next seq (gap-free with messages); returns it as since() will. */
  appendRoomEvent(event: NewRoomEvent): Promise<ChatMessage>;
  /** Disables an account (at = when) or, with undefined, enables it again. Unknown names change nothing. */
  setDisabled(user: string, at: number | undefined): Promise<void>;
  /**
   * Deletes an account, in one transaction: its messages, reactions, files, replies and room events
   * stay, attributed to DELETED_USER (their cids become `deleted:<room>:<seq>`); its password hash,
   * sessions, memberships, read and thread marks, invitations, bans, blocks (both ways), mentions of
   * it and its administrator mark are erased. The row stays as a deleted account: getUser,
   * listUserNames, isMember and general's members no longer find it, and createUser of the same
   * name (any case) returns false. Returns the token hashes of the sessions that were live, or
   * undefined (nothing changed) when there is no such account. Room ownership is the chat server's
   * to hand on first. The audit log keeps its names.
   */
  deleteUser(name: string, at: number): Promise<string[] | undefined>;
  /** Makes an existing user a server administrator (at = when) or, with undefined, no longer one. */
  setServerAdmin(user: string, at: number | undefined): Promise<void>;
  /** The users made server administrators by setServerAdmin, sorted by name. */
  serverAdmins(): Promise<string[]>;
  /** `user` blocks `other` (at = when), or with undefined, no longer does. Blocking twice keeps the first time. */
  setBlock(user: string, other: string, at: number | undefined): Promise<void>;
  /** Every block, by blocker then blocked: few, so the chat server keeps them all in memory. */
  allBlocks(): Promise<{ user: string; blocked: string; at: number }[]>;
  /** Appends to the audit log; returns the entry's seq (ascending from 1). */
  addAudit(entry: NewAuditEntry): Promise<number>;
  /** The newest `limit` audit entries with seq < before (or the newest overall), newest first. */
  audit(options: { before?: number; limit: number }): Promise<AuditEntry[]>;

  // Profiles (protocol 3): a display name, a status message and an avatar on each user.

  /** The profiles of these names (any case), in the order asked, each user once; unknown names are left out. */
  getProfiles(names: readonly string[]): Promise<ProfileRecord[]>;
  /** Applies the patch to the user (the spelling getUser returned); undefined for an unknown user, nothing changed. */
  setProfile(user: string, patch: ProfilePatch): Promise<ProfileUpdate | undefined>;
  /** The user whose avatar has this fileId, with the avatar. */
  avatarByFileId(fileId: string): Promise<{ user: string; avatar: AvatarRecord } | undefined>;
  /** Whether any avatar or any file record still has this content (before its bytes are deleted). */
  contentInUse(sha256: string): Promise<boolean>;
  /** Every profile with something set, sorted by user (copy-store). */
  exportProfiles(): Promise<ProfileRecord[]>;
}
