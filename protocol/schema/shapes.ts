import { Type } from '@sinclair/typebox';
import { ChangeKindSchema } from './conversation';
import { SnippetSchema } from './chat';
import { RoomRoleSchema, RoomVisibilitySchema } from './governance';

// The objects server frames carry: rooms, files, messages, presence. Never validated at run
// time (the server trusts its own frames); they give the types and the doc test one source.

const Str = () => Type.String();
const Int = () => Type.Integer();

export const RoomKindSchema = Type.Union([Type.Literal('group'), Type.Literal('dm')]);
export const PresenceStatusSchema = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]);
export const FileKindSchema = Type.Union([Type.Literal('image'), Type.Literal('video'), Type.Literal('audio'), Type.Literal('file')]);

export const RoomInfoSchema = Type.Object({
  id: Str(),
  kind: RoomKindSchema,
  name: Str(),
  /**
   * Members of a DM or group room, sorted; omitted for `general`, which everyone is in. At most
   * `MAX_LISTED_MEMBERS`: a longer list is cut and `memberCount` says how many there are.
   */
  members: Type.Optional(Type.Array(Str())),
  /** Set only when `members` was cut: the room's number of members. */
  memberCount: Type.Optional(Int()),
  /** Highest seq in the room (0 when empty). */
  lastSeq: Int(),
  /** The requesting user's read mark (0 when nothing read). */
  lastRead: Int(),
  /**
   * Unread messages for the requesting user: messages after lastRead that the room's timeline
   * shows (posts, and thread replies also sent to the room), written by someone else and not
   * deleted. Change events, thread-only replies and the user's own messages never count. Counted
   * up to UNREAD_LIMIT + 1 (1000, meaning "more than 999"); 0 in the rooms `rooms` offers to join.
   */
  unread: Int(),
  /**
   * Unread messages after lastRead that mention the requesting user by name or `@room`, not
   * counting their own; left out when there are none. Counted by the server, so it is exact
   * before any history is fetched.
   */
  mentions: Type.Optional(Int()),
  /**
   * Unread replies in the threads of this room the requesting user takes part in (wrote the root
   * or a reply, or is mentioned by name in either): after their read mark in that thread, by
   * someone else, not deleted, and only replies the timeline does not show (a reply also sent to
   * the room is in `unread`), so `unread + threadUnread` counts nothing twice. Up to
   * UNREAD_LIMIT + 1; left out when 0.
   */
  threadUnread: Type.Optional(Int()),
  /** Group rooms: "public" (listed in the directory) or "private" (invitation only). Protocol 3. */
  visibility: Type.Optional(RoomVisibilitySchema),
  /** The requesting user's role in a group room they belong to (every user is a member of general). */
  role: Type.Optional(RoomRoleSchema),
  topic: Type.Optional(Str()),
  description: Type.Optional(Str()),
  /** Set when only owners and admins may post (an announcement room). */
  readOnly: Type.Optional(Type.Boolean()),
});

export const ROOM_EVENT_KINDS = [
  'joined', 'left', 'invited', 'uninvited', 'declined', 'removed', 'banned', 'unbanned', 'renamed', 'topic', 'description', 'readonly', 'role',
] as const;
export const RoomEventKindSchema = Type.Union(ROOM_EVENT_KINDS.map((k) => Type.Literal(k)));

/**
 * Something that happened to a room, as a sequenced room event (a `msg` with `event`, sent by the
 * user who did it): who joined, left, was invited, removed or banned; a new name, topic,
 * description or read-only setting; a changed role. Shown as a quiet line of the timeline.
 */
export const RoomEventSchema = Type.Object({
  kind: RoomEventKindSchema,
  /** The user it concerns (joined, left, invited, removed, banned, role…). */
  user: Type.Optional(Str()),
  /** role: the new role. */
  role: Type.Optional(RoomRoleSchema),
  /** renamed / topic / description: the new text (empty when cleared). */
  text: Type.Optional(Str()),
  /** readonly: whether the room is read-only now. */
  on: Type.Optional(Type.Boolean()),
});

/** A public room as the directory lists it. */
export const DirectoryEntrySchema = Type.Object({
  id: Str(),
  name: Str(),
  topic: Type.Optional(Str()),
  memberCount: Int(),
  /** Set when the asking user is a member already. */
  member: Type.Optional(Type.Boolean()),
});

/** A pending invitation: to `room` (named `name`), for `user`, by `by`, at `at`. */
export const InvitationSchema = Type.Object({ room: Str(), name: Str(), user: Str(), by: Str(), at: Int() });

export const MemberEntrySchema = Type.Object({ user: Str(), role: RoomRoleSchema });

export const BanEntrySchema = Type.Object({ user: Str(), by: Str(), at: Int() });

/** One moderation action: who did what to whom, where and when. */
export const AuditEntrySchema = Type.Object({
  /** Ascending; `audit {before}` pages by it. */
  seq: Int(),
  at: Int(),
  actor: Str(),
  /** What was done: the request type (kick, ban, unban, role, room_set, invite, uninvite, disable, enable, delete, delete_account, admin_add, admin_remove, owner). */
  action: Str(),
  room: Type.Optional(Str()),
  target: Type.Optional(Str()),
  /** More about it, e.g. the new role or "readOnly on". */
  detail: Type.Optional(Str()),
});

export const FileRefSchema = Type.Object({ fileId: Str(), name: Str(), size: Int(), mime: Str(), kind: FileKindSchema, sha256: Str() });

/** A change to an earlier message of the same room, itself a sequenced room event. */
export const ChangeShapeSchema = Type.Object({
  kind: ChangeKindSchema,
  /** The seq of the message changed. */
  target: Int(),
  /** react / unreact: the emoji. */
  emoji: Type.Optional(Str()),
  /** edit: the new text. */
  text: Type.Optional(Str()),
});

/** emoji → the users who reacted with it, in the order they did. */
export const ReactionsSchema = Type.Record(Type.String(), Type.Array(Str()));

/**
 * A room event: a posted message, a thread reply, or (with `change`) a change to an earlier
 * message. Every one takes the room's next seq. As delivered live (`msg` / `change`), by resume,
 * and in `history` / `thread` / `results` (which hold messages only, each in its current state).
 */
export const ChatMessageProperties = {
  room: Str(),
  seq: Int(),
  ts: Int(),
  msgId: Str(),
  from: Str(),
  cid: Type.Optional(Str()),
  text: Type.Optional(Str()),
  snippet: Type.Optional(SnippetSchema),
  file: Type.Optional(FileRefSchema),
  /** A thread reply: the seq of the thread's root (always a root: threads do not nest). */
  root: Type.Optional(Int()),
  /** A reply that was also sent to the room: it is part of the room's history too. */
  inRoom: Type.Optional(Type.Boolean()),
  /** Set on a change event, which carries no text, snippet or file of its own. */
  change: Type.Optional(ChangeShapeSchema),
  // Current state, on messages in history, thread, pins and search results (absent = default).
  /** Time of the last edit. */
  edited: Type.Optional(Int()),
  /** A tombstone: text, snippet and file were erased; seq and thread stay. */
  deleted: Type.Optional(Type.Boolean()),
  reactions: Type.Optional(ReactionsSchema),
  /** On a thread root: how many replies it has, who wrote them (first reply first), the last reply's time. */
  replies: Type.Optional(Int()),
  repliers: Type.Optional(Type.Array(Str())),
  lastReply: Type.Optional(Int()),
  pinned: Type.Optional(Type.Boolean()),
  /** On a thread root marked resolved: who resolved it. */
  resolvedBy: Type.Optional(Str()),
  /** A room event (protocol 3): no text, snippet or file; `from` is who did it. */
  event: Type.Optional(RoomEventSchema),
};
export const ChatMessageSchema = Type.Object(ChatMessageProperties);

/** An earlier version of an edited message. */
export const RevisionSchema = Type.Object({
  text: Str(),
  /** When this version was written (the original post's ts, then each edit's). */
  ts: Int(),
});

export const PresenceEntrySchema = Type.Object({
  user: Str(),
  status: PresenceStatusSchema,
  /** Shared editor context ("src/x.ts on branch y"), only when the user opted in. */
  context: Type.Optional(Str()),
});

/**
 * One of the user's sessions as `sessions` lists it: `id` names it for `revoke` (it is not the
 * token); `current` marks the one the asking connection uses.
 */
export const SessionListingSchema = Type.Object({
  id: Type.String(),
  client: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
  createdAt: Type.Integer(),
  lastSeen: Type.Integer(),
  expiresAt: Type.Integer(),
  current: Type.Optional(Type.Boolean()),
});

/**
 * What a user shows besides their name (protocol 3). Fields not set are left out; `avatar` is a
 * 128×128 PNG, fetched with `download {fileId}` like any file (any signed-in user may).
 */
export const ProfileSchema = Type.Object({
  user: Str(),
  displayName: Type.Optional(Str()),
  statusMessage: Type.Optional(Str()),
  avatar: Type.Optional(FileRefSchema),
});
