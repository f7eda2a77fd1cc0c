import { Type } from '@sinclair/typebox';
import { AnyString, Bool, PositiveInt, RequestIdSchema, Room, ShortString } from './fields';

// Rooms people run (protocol 3): visibility, roles, invitations, bans, read-only rooms, the
// directory, server administration and the audit log.

export const ROOM_ROLES = ['owner', 'admin', 'member'] as const;
export const ROOM_VISIBILITIES = ['public', 'private'] as const;

export const RoomRoleSchema = Type.Union(
  ROOM_ROLES.map((r) => Type.Literal(r)),
  { description: '"owner", "admin" or "member"' },
);
export const RoomVisibilitySchema = Type.Union(
  ROOM_VISIBILITIES.map((v) => Type.Literal(v)),
  { description: '"public" or "private"' },
);

/** A user name as another user types it (checked against the users by the server). */
const UserName = () => ShortString(64);
/** Topic and description: any text up to these lengths; an empty string clears it. */
export const MAX_TOPIC_LENGTH = 500;
export const MAX_DESCRIPTION_LENGTH = 2000;
const Text = (max: number) => Type.String({ maxLength: max, description: `a string of at most ${max} characters` });

/** Public rooms by id, those whose id, name or topic holds `query` (any case); `after` pages on. */
export const DirectorySchema = Type.Object({
  t: Type.Literal('directory'),
  id: RequestIdSchema,
  query: Type.Optional(Text(100)),
  after: Type.Optional(Room()),
  limit: Type.Optional(PositiveInt()),
});

/** Owners and admins change a room: each field given is set (name, topic, description, read-only). */
export const RoomSetSchema = Type.Object({
  t: Type.Literal('room_set'),
  id: RequestIdSchema,
  room: Room(),
  name: Type.Optional(ShortString(64)),
  topic: Type.Optional(Text(MAX_TOPIC_LENGTH)),
  description: Type.Optional(Text(MAX_DESCRIPTION_LENGTH)),
  readOnly: Type.Optional(Bool()),
});

export const InviteSchema = Type.Object({ t: Type.Literal('invite'), id: RequestIdSchema, room: Room(), user: UserName() });
/** Withdraws a pending invitation. */
export const UninviteSchema = Type.Object({ t: Type.Literal('uninvite'), id: RequestIdSchema, room: Room(), user: UserName() });
/** The asking user's pending invitations. */
export const InvitationsSchema = Type.Object({ t: Type.Literal('invitations'), id: RequestIdSchema });
export const AcceptSchema = Type.Object({ t: Type.Literal('accept'), id: RequestIdSchema, room: Room() });
export const DeclineSchema = Type.Object({ t: Type.Literal('decline'), id: RequestIdSchema, room: Room() });
export const KickSchema = Type.Object({ t: Type.Literal('kick'), id: RequestIdSchema, room: Room(), user: UserName() });
export const BanSchema = Type.Object({ t: Type.Literal('ban'), id: RequestIdSchema, room: Room(), user: UserName() });
export const UnbanSchema = Type.Object({ t: Type.Literal('unban'), id: RequestIdSchema, room: Room(), user: UserName() });
/** Sets a member's role; giving `owner` hands the room over (the owner giving it becomes an admin). */
export const RoleSchema = Type.Object({ t: Type.Literal('role'), id: RequestIdSchema, room: Room(), user: UserName(), role: RoomRoleSchema });
/** A room's members with their roles (and, for its owners and admins, pending invitations and bans). */
export const MembersSchema = Type.Object({ t: Type.Literal('members'), id: RequestIdSchema, room: Room() });
/** Server administrators: disable an account (its sessions end at once), or with `disabled: false` enable it again. */
export const DisableSchema = Type.Object({ t: Type.Literal('disable'), id: RequestIdSchema, user: UserName(), disabled: Type.Optional(Bool()) });
/** Server administrators: moderation actions, newest first, before the entry `before`. */
export const AuditSchema = Type.Object({
  t: Type.Literal('audit'),
  id: RequestIdSchema,
  before: Type.Optional(PositiveInt()),
  limit: Type.Optional(PositiveInt()),
});

/**
 * Deletes an account. Without `user` (or naming oneself) it is the asking user's own, proved by
 * `password`; a server administrator names any other `user` and needs no password. Messages stay,
 * shown as the deleted user's (DELETED_USER); everything else of the account goes.
 */
export const DeleteAccountSchema = Type.Object({
  t: Type.Literal('delete_account'),
  id: RequestIdSchema,
  password: Type.Optional(AnyString()),
  user: Type.Optional(UserName()),
});
/** Server administrators: makes `user` one too (`admin: true`) or no longer (`admin: false`), kept across restarts. */
export const AdminSchema = Type.Object({ t: Type.Literal('admin'), id: RequestIdSchema, user: UserName(), admin: Bool() });
/** Server administrators: who the server administrators are (answered by `admins`). */
export const AdminsSchema = Type.Object({ t: Type.Literal('admins'), id: RequestIdSchema });

/** Blocks a user: they can no longer open or write a DM with the blocker, mention them into a count, or invite them. */
export const BlockSchema = Type.Object({ t: Type.Literal('block'), id: RequestIdSchema, user: UserName() });
export const UnblockSchema = Type.Object({ t: Type.Literal('unblock'), id: RequestIdSchema, user: UserName() });
/** The users the asking user blocks. */
export const BlocksSchema = Type.Object({ t: Type.Literal('blocks'), id: RequestIdSchema });
