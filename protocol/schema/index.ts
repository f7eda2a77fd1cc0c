import type { TObject } from '@sinclair/typebox';
import { CreateSchema, JoinSchema, LeaveSchema, RoomsSchema } from './rooms';
import {
  AcceptSchema,
  AdminSchema,
  AdminsSchema,
  AuditSchema,
  BanSchema,
  BlockSchema,
  BlocksSchema,
  DeclineSchema,
  DeleteAccountSchema,
  DirectorySchema,
  DisableSchema,
  InvitationsSchema,
  InviteSchema,
  KickSchema,
  MembersSchema,
  RoleSchema,
  RoomSetSchema,
  UnbanSchema,
  UnblockSchema,
  UninviteSchema,
} from './governance';
import { HistorySchema, ReadSchema, SearchSchema, SendSchema, TypingSchema } from './chat';
import { ChangeSchema, EventsSchema, PinsSchema, RevisionsSchema, ThreadSchema, ThreadsSchema } from './conversation';
import {
  HelloSchema,
  LoginSchema,
  LogoutSchema,
  PasswordSchema,
  PingSchema,
  PongSchema,
  RegisterSchema,
  ResumeSchema,
  RevokeSchema,
  SessionsSchema,
  StatusSchema,
} from './session';
import { ChunkSchema, DownloadSchema, UploadAbortSchema, UploadEndSchema, UploadSchema } from './transfers';
import { AvatarSchema, ProfileSetSchema, ProfilesSchema } from './profiles';

export * from './fields';
export * from './session';
export * from './chat';
export * from './conversation';
export * from './rooms';
export * from './governance';
export * from './transfers';
export * from './profiles';
export * from './shapes';
export * from './server-frames';

/**
 * Every client → server frame by its `t`: the one definition that the TypeScript types
 * (messages.ts), the runtime checks (validate.ts) and the doc test (docs/protocol.md) share.
 * Property order is the order fields are checked and reported in.
 */
export const CLIENT_FRAME_SCHEMAS = {
  hello: HelloSchema,
  register: RegisterSchema,
  login: LoginSchema,
  resume: ResumeSchema,
  logout: LogoutSchema,
  sessions: SessionsSchema,
  revoke: RevokeSchema,
  password: PasswordSchema,
  ping: PingSchema,
  pong: PongSchema,
  send: SendSchema,
  change: ChangeSchema,
  thread: ThreadSchema,
  threads: ThreadsSchema,
  pins: PinsSchema,
  revisions: RevisionsSchema,
  events: EventsSchema,
  typing: TypingSchema,
  read: ReadSchema,
  history: HistorySchema,
  search: SearchSchema,
  join: JoinSchema,
  leave: LeaveSchema,
  create: CreateSchema,
  rooms: RoomsSchema,
  directory: DirectorySchema,
  room_set: RoomSetSchema,
  invite: InviteSchema,
  uninvite: UninviteSchema,
  invitations: InvitationsSchema,
  accept: AcceptSchema,
  decline: DeclineSchema,
  kick: KickSchema,
  ban: BanSchema,
  unban: UnbanSchema,
  role: RoleSchema,
  members: MembersSchema,
  disable: DisableSchema,
  audit: AuditSchema,
  block: BlockSchema,
  unblock: UnblockSchema,
  blocks: BlocksSchema,
  delete_account: DeleteAccountSchema,
  admin: AdminSchema,
  admins: AdminsSchema,
  status: StatusSchema,
  upload: UploadSchema,
  chunk: ChunkSchema,
  upload_end: UploadEndSchema,
  upload_abort: UploadAbortSchema,
  download: DownloadSchema,
  profile_set: ProfileSetSchema,
  profiles: ProfilesSchema,
  avatar: AvatarSchema,
} as const satisfies Record<string, TObject>;
