import { Type, type TObject } from '@sinclair/typebox';
import { ERROR_CODES } from '../errors';
import type { Limits } from '../limits';
import { RequestIdSchema } from './fields';
import {
  AuditEntrySchema,
  BanEntrySchema,
  ChangeShapeSchema,
  ChatMessageProperties,
  ChatMessageSchema,
  DirectoryEntrySchema,
  FileRefSchema,
  InvitationSchema,
  MemberEntrySchema,
  PresenceEntrySchema,
  ProfileSchema,
  RevisionSchema,
  RoomInfoSchema,
  SessionListingSchema,
} from './shapes';

// Server → client frames: the types in messages.ts and the doc test come from these.

const Id = RequestIdSchema;
const Str = () => Type.String();
const Int = () => Type.Integer();
const Messages = () => Type.Array(ChatMessageSchema);

// limits.ts owns the Limits interface; the schema refers to it rather than repeating it.
const LimitsSchema = Type.Unsafe<Limits>({ type: 'object', description: 'Limits (limits.ts)' });
export const ErrorCodeSchema = Type.Union(ERROR_CODES.map((c) => Type.Literal(c)));

export const WelcomeSchema = Type.Object({ t: Type.Literal('welcome'), id: Id, v: Int(), server: Str(), limits: LimitsSchema });
export const OkSchema = Type.Object({ t: Type.Literal('ok'), id: Id });
/** `uploadId` marks an upload that failed before its `upload_end` (the error then carries the `upload`'s id). */
export const ErrorFrameSchema = Type.Object({ t: Type.Literal('error'), id: Type.Optional(Id), code: ErrorCodeSchema, message: Str(), uploadId: Type.Optional(Str()) });
export const SessionReplySchema = Type.Object({ t: Type.Literal('session'), id: Id, token: Str(), user: Str(), rooms: Type.Array(RoomInfoSchema) });
/** `file` is set on the ack of an `upload_end`: the uploader learns the fileId and the sniffed type. */
export const AckSchema = Type.Object({ t: Type.Literal('ack'), id: Id, cid: Type.Optional(Str()), room: Str(), seq: Int(), ts: Int(), msgId: Str(), file: Type.Optional(FileRefSchema) });
export const MsgEventSchema = Type.Object({ t: Type.Literal('msg'), ...ChatMessageProperties });
/** A change to an earlier message, delivered live and by resume in seq order like `msg`. */
export const ChangeEventSchema = Type.Object({ t: Type.Literal('change'), ...ChatMessageProperties, change: ChangeShapeSchema });
/** The root in its current state and its replies, ascending; `more` when later replies exist past the page. */
/**
 * Root seq → the requesting user's unread replies in that thread, for the threads on a page that
 * they take part in (a thread they take no part in is absent; one with nothing unread is 0).
 */
const ThreadUnreadSchema = Type.Record(Type.String(), Int());
/**
 * The root in its current state and its replies, ascending; `more` when later replies exist past
 * the page. `unread`: the requesting user's unread replies in it, when they take part in it.
 */
export const ThreadReplySchema = Type.Object({
  t: Type.Literal('thread'), id: Id, room: Str(), root: ChatMessageSchema, replies: Messages(), more: Type.Boolean(), unread: Type.Optional(Int()),
});
/** Thread roots (messages with replies), newest first, with `threadUnread` for those the user takes part in. */
export const ThreadsReplySchema = Type.Object({
  t: Type.Literal('threads'), id: Id, room: Str(), messages: Messages(), more: Type.Boolean(), threadUnread: Type.Optional(ThreadUnreadSchema),
});
/** Pinned messages, most recently pinned first. */
export const PinsReplySchema = Type.Object({ t: Type.Literal('pins'), id: Id, room: Str(), messages: Messages() });
/** The earlier versions of an edited message, oldest first; the current text is the message's own. */
export const RevisionsReplySchema = Type.Object({ t: Type.Literal('revisions'), id: Id, room: Str(), seq: Int(), revisions: Type.Array(RevisionSchema) });
export const EventsReplySchema = Type.Object({ t: Type.Literal('events'), id: Id, room: Str(), events: Messages(), more: Type.Boolean() });
/** The user's live sessions, most recently seen first. */
export const SessionsReplySchema = Type.Object({ t: Type.Literal('sessions'), id: Id, sessions: Type.Array(SessionListingSchema) });
/** How many sessions a `revoke` ended. */
export const RevokedReplySchema = Type.Object({ t: Type.Literal('revoked'), id: Id, count: Int() });
export const CaughtUpSchema = Type.Object({ t: Type.Literal('caught_up'), room: Str(), seq: Int() });
export const TypingEventSchema = Type.Object({ t: Type.Literal('typing'), room: Str(), user: Str() });
/** A read mark moved; with `root`, the user's mark in that thread (sent only to the user's own connections). */
export const ReadEventSchema = Type.Object({ t: Type.Literal('read'), room: Str(), user: Str(), seq: Int(), root: Type.Optional(Int()) });
/** `threadUnread`: for the thread roots on the page that the user takes part in (see `threads`). */
export const HistoryReplySchema = Type.Object({
  t: Type.Literal('history'), id: Id, room: Str(), messages: Messages(), more: Type.Boolean(), threadUnread: Type.Optional(ThreadUnreadSchema),
});
export const ResultsReplySchema = Type.Object({ t: Type.Literal('results'), id: Id, messages: Messages() });
export const PresenceEventSchema = Type.Object({ t: Type.Literal('presence'), users: Type.Optional(Type.Array(PresenceEntrySchema)), changes: Type.Optional(Type.Array(PresenceEntrySchema)) });
export const RoomReplySchema = Type.Object({ t: Type.Literal('room'), id: Type.Optional(Id), room: RoomInfoSchema });
/** `more`: there are joinable rooms beyond the MAX_LISTED_ROOMS listed. */
export const RoomsReplySchema = Type.Object({ t: Type.Literal('rooms'), id: Id, rooms: Type.Array(RoomInfoSchema), more: Type.Optional(Type.Boolean()) });
/** The user is no longer in the room: `reason` (protocol 3) says whether they left, were removed or banned. */
export const RoomLeftSchema = Type.Object({
  t: Type.Literal('room_left'),
  room: Str(),
  reason: Type.Optional(Type.Union([Type.Literal('left'), Type.Literal('removed'), Type.Literal('banned')])),
});
/** Public rooms by id; `more` when the directory goes on past them (ask again with `after`). */
export const DirectoryReplySchema = Type.Object({ t: Type.Literal('directory'), id: Id, rooms: Type.Array(DirectoryEntrySchema), more: Type.Boolean() });
/** The user's pending invitations, newest first. */
export const InvitationsReplySchema = Type.Object({ t: Type.Literal('invitations'), id: Id, invitations: Type.Array(InvitationSchema) });
/** Sent to the invitee's connections when someone invites them. */
export const InvitedEventSchema = Type.Object({ t: Type.Literal('invited'), invitation: InvitationSchema });
/** Members with their roles, by name; `invited` and `banned` only for the room's owners and admins (and server administrators). */
export const MembersReplySchema = Type.Object({
  t: Type.Literal('members'),
  id: Id,
  room: Str(),
  members: Type.Array(MemberEntrySchema),
  invited: Type.Optional(Type.Array(InvitationSchema)),
  banned: Type.Optional(Type.Array(BanEntrySchema)),
});
/** Moderation actions, newest first; `more` when older ones exist. */
/** The users the asking user blocks, by name. */
export const BlocksReplySchema = Type.Object({ t: Type.Literal('blocks'), id: Id, users: Type.Array(Str()) });
/** The server administrators, by name: `fixed` those named at start (`--admin`), who cannot be removed at runtime. */
export const AdminsReplySchema = Type.Object({ t: Type.Literal('admins'), id: Id, users: Type.Array(Str()), fixed: Type.Array(Str()) });
export const AuditReplySchema = Type.Object({ t: Type.Literal('audit'), id: Id, entries: Type.Array(AuditEntrySchema), more: Type.Boolean() });
export const UploadReadySchema = Type.Object({ t: Type.Literal('upload_ready'), id: Id, uploadId: Str(), chunk: Int() });
/** `size` is the whole file's; `name` and `mime` as in the file's message, so a client can name what it saves. */
export const DownloadStartSchema = Type.Object({ t: Type.Literal('download_start'), id: Id, fileId: Str(), size: Int(), offset: Int(), name: Str(), mime: Str() });
/** A download's bytes, in the body; `id` is the `download`'s. */
export const DownloadChunkSchema = Type.Object({ t: Type.Literal('chunk'), id: Id });
export const DownloadEndSchema = Type.Object({ t: Type.Literal('download_end'), id: Id, sha256: Str() });
export const ServerPingSchema = Type.Object({ t: Type.Literal('ping'), id: Type.Optional(Id) });
export const ServerPongSchema = Type.Object({ t: Type.Literal('pong'), id: Type.Optional(Id) });
/**
 * The server is shutting down (SIGTERM): it takes no new requests on this connection, answers the
 * ones in flight, then closes. Reconnect now (to any node), at a random moment within `reconnectMs`.
 */
export const DrainingSchema = Type.Object({ t: Type.Literal('draining'), reconnectMs: Int() });

/**
 * A profile: with `id`, the answer to `profile_set` or to an avatar's `upload_end`; without, a live
 * change, sent to the user's connections and to everyone who shares a room with them.
 */
export const ProfileEventSchema = Type.Object({ t: Type.Literal('profile'), id: Type.Optional(Id), profile: ProfileSchema });
/** The profiles asked for, in the order asked; unknown names are left out. */
export const ProfilesReplySchema = Type.Object({ t: Type.Literal('profiles'), id: Id, profiles: Type.Array(ProfileSchema) });

/** Every server → client frame, by `t`. */
export const SERVER_FRAME_SCHEMAS = {
  welcome: WelcomeSchema,
  ok: OkSchema,
  error: ErrorFrameSchema,
  session: SessionReplySchema,
  sessions: SessionsReplySchema,
  revoked: RevokedReplySchema,
  ack: AckSchema,
  msg: MsgEventSchema,
  change: ChangeEventSchema,
  caught_up: CaughtUpSchema,
  thread: ThreadReplySchema,
  threads: ThreadsReplySchema,
  pins: PinsReplySchema,
  revisions: RevisionsReplySchema,
  events: EventsReplySchema,
  typing: TypingEventSchema,
  read: ReadEventSchema,
  history: HistoryReplySchema,
  results: ResultsReplySchema,
  presence: PresenceEventSchema,
  room: RoomReplySchema,
  rooms: RoomsReplySchema,
  room_left: RoomLeftSchema,
  directory: DirectoryReplySchema,
  invitations: InvitationsReplySchema,
  invited: InvitedEventSchema,
  members: MembersReplySchema,
  audit: AuditReplySchema,
  blocks: BlocksReplySchema,
  admins: AdminsReplySchema,
  upload_ready: UploadReadySchema,
  download_start: DownloadStartSchema,
  chunk: DownloadChunkSchema,
  download_end: DownloadEndSchema,
  ping: ServerPingSchema,
  pong: ServerPongSchema,
  draining: DrainingSchema,
  profile: ProfileEventSchema,
  profiles: ProfilesReplySchema,
} as const satisfies Record<string, TObject>;
