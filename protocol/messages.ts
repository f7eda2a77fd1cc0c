import type { Static } from '@sinclair/typebox';
// Types only: the webview imports this module and must not pull in the schema compiler.
import type * as S from './schema';

/** Request ids are chosen by the client and echoed in the reply; opaque to the server. */
export type RequestId = Static<typeof S.RequestIdSchema>;

// Shapes and server → client frames are schemas in ./schema too (shapes.ts, server-frames.ts),
// so their types, the doc and the client frames cannot disagree.
export type RoomKind = Static<typeof S.RoomKindSchema>;
export type PresenceStatus = Static<typeof S.PresenceStatusSchema>;
export type FileKind = Static<typeof S.FileKindSchema>;
export type RoomInfo = Static<typeof S.RoomInfoSchema>;

/** Code shared from an editor. */
export type Snippet = Static<typeof S.SnippetSchema>;

export type FileRef = Static<typeof S.FileRefSchema>;

/** What a `change` does to the message it targets. */
export type ChangeKind = 'react' | 'unreact' | 'edit' | 'delete' | 'pin' | 'unpin' | 'resolve' | 'reopen';

export const CHANGE_KINDS: readonly ChangeKind[] = ['react', 'unreact', 'edit', 'delete', 'pin', 'unpin', 'resolve', 'reopen'];

/** A change to an earlier message of the same room, itself a sequenced room event. */
export type Change = Static<typeof S.ChangeShapeSchema>;
/** emoji → the users who reacted with it, in the order they did. */
export type Reactions = Static<typeof S.ReactionsSchema>;
/** A room event: a message, a thread reply, or (with `change`) a change; see shapes.ts. */
export type ChatMessage = Static<typeof S.ChatMessageSchema>;
/** An earlier version of an edited message. */
export type Revision = Static<typeof S.RevisionSchema>;
export type ThreadState = Static<typeof S.ThreadStateSchema>;
export type PresenceEntry = Static<typeof S.PresenceEntrySchema>;
export type RoomRole = Static<typeof S.RoomRoleSchema>;
export type RoomVisibility = Static<typeof S.RoomVisibilitySchema>;
export type RoomEvent = Static<typeof S.RoomEventSchema>;
export type RoomEventKind = RoomEvent['kind'];
export type DirectoryEntry = Static<typeof S.DirectoryEntrySchema>;
export type Invitation = Static<typeof S.InvitationSchema>;
export type MemberEntry = Static<typeof S.MemberEntrySchema>;
export type BanEntry = Static<typeof S.BanEntrySchema>;
export type AuditEntry = Static<typeof S.AuditEntrySchema>;
export type Profile = Static<typeof S.ProfileSchema>;

// ---- client → server -------------------------------------------------------
// Defined once, as schemas in ./schema; these are their static types.

export type HelloRequest = Static<typeof S.HelloSchema>;
export type RegisterRequest = Static<typeof S.RegisterSchema>;
export type LoginRequest = Static<typeof S.LoginSchema>;
export type ResumeRequest = Static<typeof S.ResumeSchema>;
export type LogoutRequest = Static<typeof S.LogoutSchema>;
export type SessionsRequest = Static<typeof S.SessionsSchema>;
export type RevokeRequest = Static<typeof S.RevokeSchema>;
export type PasswordRequest = Static<typeof S.PasswordSchema>;
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
export type DirectoryRequest = Static<typeof S.DirectorySchema>;
export type RoomSetRequest = Static<typeof S.RoomSetSchema>;
export type InviteRequest = Static<typeof S.InviteSchema>;
export type UninviteRequest = Static<typeof S.UninviteSchema>;
export type InvitationsRequest = Static<typeof S.InvitationsSchema>;
export type AcceptRequest = Static<typeof S.AcceptSchema>;
export type DeclineRequest = Static<typeof S.DeclineSchema>;
export type KickRequest = Static<typeof S.KickSchema>;
export type BanRequest = Static<typeof S.BanSchema>;
export type UnbanRequest = Static<typeof S.UnbanSchema>;
export type RoleRequest = Static<typeof S.RoleSchema>;
export type MembersRequest = Static<typeof S.MembersSchema>;
export type DisableRequest = Static<typeof S.DisableSchema>;
export type AuditRequest = Static<typeof S.AuditSchema>;
export type BlockRequest = Static<typeof S.BlockSchema>;
export type UnblockRequest = Static<typeof S.UnblockSchema>;
export type BlocksRequest = Static<typeof S.BlocksSchema>;
export type DeleteAccountRequest = Static<typeof S.DeleteAccountSchema>;
export type AdminRequest = Static<typeof S.AdminSchema>;
export type AdminsRequest = Static<typeof S.AdminsSchema>;
/** The requests of rooms people run (protocol 3). */
export type GovernanceRequest =
  | DirectoryRequest | RoomSetRequest | InviteRequest | UninviteRequest | InvitationsRequest | AcceptRequest | DeclineRequest
  | KickRequest | BanRequest | UnbanRequest | RoleRequest | MembersRequest | DisableRequest | AuditRequest
  | BlockRequest | UnblockRequest | BlocksRequest | DeleteAccountRequest | AdminRequest | AdminsRequest;
export type UploadRequest = Static<typeof S.UploadSchema>;
/** A client's chunk: the bytes of upload `uploadId`. */
export type ChunkRequest = Static<typeof S.ChunkSchema>;
export type UploadEndRequest = Static<typeof S.UploadEndSchema>;
export type UploadAbortRequest = Static<typeof S.UploadAbortSchema>;
export type DownloadRequest = Static<typeof S.DownloadSchema>;
export type ProfileSetRequest = Static<typeof S.ProfileSetSchema>;
export type ProfilesRequest = Static<typeof S.ProfilesSchema>;
export type AvatarRequest = Static<typeof S.AvatarSchema>;
/** A chunk either way: a client's carries `uploadId`, a download's carries the `download`'s `id`. */
export interface ChunkFrame { t: 'chunk'; uploadId?: string; id?: RequestId }

export type ClientFrame =
  | HelloRequest | RegisterRequest | LoginRequest | ResumeRequest | LogoutRequest
  | SessionsRequest | RevokeRequest | PasswordRequest
  | PingFrame | PongFrame | SendRequest | ChangeRequest | ThreadRequest | ThreadsRequest | PinsRequest
  | RevisionsRequest | EventsRequest | TypingRequest | ReadRequest | HistoryRequest
  | SearchRequest | JoinRequest | LeaveRequest | CreateRequest | RoomsRequest | StatusRequest
  | UploadRequest | ChunkRequest | UploadEndRequest | UploadAbortRequest | DownloadRequest | GovernanceRequest
  | ProfileSetRequest | ProfilesRequest | AvatarRequest;

export type ClientFrameType = ClientFrame['t'];

// ---- server → client -------------------------------------------------------

export type WelcomeReply = Static<typeof S.WelcomeSchema>;
export type OkReply = Static<typeof S.OkSchema>;
export type ErrorFrame = Static<typeof S.ErrorFrameSchema>;
export type SessionReply = Static<typeof S.SessionReplySchema>;
export type SessionListing = Static<typeof S.SessionListingSchema>;
export type SessionsReply = Static<typeof S.SessionsReplySchema>;
export type RevokedReply = Static<typeof S.RevokedReplySchema>;
export type AckReply = Static<typeof S.AckSchema>;
export type MsgEvent = Static<typeof S.MsgEventSchema>;
export type ChangeEvent = Static<typeof S.ChangeEventSchema>;
export type ThreadReply = Static<typeof S.ThreadReplySchema>;
export type ThreadsReply = Static<typeof S.ThreadsReplySchema>;
export type PinsReply = Static<typeof S.PinsReplySchema>;
export type RevisionsReply = Static<typeof S.RevisionsReplySchema>;
export type EventsReply = Static<typeof S.EventsReplySchema>;
export type CaughtUpEvent = Static<typeof S.CaughtUpSchema>;
export type TypingEvent = Static<typeof S.TypingEventSchema>;
export type ReadEvent = Static<typeof S.ReadEventSchema>;
export type HistoryReply = Static<typeof S.HistoryReplySchema>;
export type ResultsReply = Static<typeof S.ResultsReplySchema>;
export type PresenceEvent = Static<typeof S.PresenceEventSchema>;
export type RoomReply = Static<typeof S.RoomReplySchema>;
export type RoomsReply = Static<typeof S.RoomsReplySchema>;
export type RoomLeftEvent = Static<typeof S.RoomLeftSchema>;
export type DirectoryReply = Static<typeof S.DirectoryReplySchema>;
export type InvitationsReply = Static<typeof S.InvitationsReplySchema>;
export type InvitedEvent = Static<typeof S.InvitedEventSchema>;
export type MembersReply = Static<typeof S.MembersReplySchema>;
export type AuditReply = Static<typeof S.AuditReplySchema>;
export type BlocksReply = Static<typeof S.BlocksReplySchema>;
export type AdminsReply = Static<typeof S.AdminsReplySchema>;
export type UploadReadyReply = Static<typeof S.UploadReadySchema>;
export type DownloadStartReply = Static<typeof S.DownloadStartSchema>;
export type DownloadEndReply = Static<typeof S.DownloadEndSchema>;
export type DrainingEvent = Static<typeof S.DrainingSchema>;
export type ProfileEvent = Static<typeof S.ProfileEventSchema>;
export type ProfilesReply = Static<typeof S.ProfilesReplySchema>;

export type ServerFrame =
  | WelcomeReply | OkReply | ErrorFrame | SessionReply | SessionsReply | RevokedReply | AckReply | MsgEvent | ChangeEvent | CaughtUpEvent
  | ThreadReply | ThreadsReply | PinsReply | RevisionsReply | EventsReply
  | TypingEvent | ReadEvent | HistoryReply | ResultsReply | PresenceEvent | RoomReply | RoomsReply
  | RoomLeftEvent | DirectoryReply | InvitationsReply | InvitedEvent | MembersReply | AuditReply | BlocksReply | AdminsReply | UploadReadyReply | DownloadStartReply | ChunkFrame | DownloadEndReply
  | PingFrame | PongFrame | DrainingEvent | ProfileEvent | ProfilesReply;

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
