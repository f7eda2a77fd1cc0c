import { Type } from '@sinclair/typebox';
import { RequestIdSchema, Room, ShortString } from './fields';
import { MAX_TOPIC_LENGTH, RoomVisibilitySchema } from './governance';

// Room membership.

export const JoinSchema = Type.Object({ t: Type.Literal('join'), id: RequestIdSchema, room: Room() });
export const LeaveSchema = Type.Object({ t: Type.Literal('leave'), id: RequestIdSchema, room: Room() });
/** `visibility` defaults to public (protocol 3; older clients create public rooms). */
export const CreateSchema = Type.Object({
  t: Type.Literal('create'),
  id: RequestIdSchema,
  name: ShortString(64),
  visibility: Type.Optional(RoomVisibilitySchema),
  topic: Type.Optional(Type.String({ maxLength: MAX_TOPIC_LENGTH, description: `a string of at most ${MAX_TOPIC_LENGTH} characters` })),
});
export const RoomsSchema = Type.Object({ t: Type.Literal('rooms'), id: RequestIdSchema });
