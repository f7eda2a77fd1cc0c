import { Type } from '@sinclair/typebox';
import { RequestIdSchema, Room, ShortString } from './fields';

// Room membership.

export const JoinSchema = Type.Object({ t: Type.Literal('join'), id: RequestIdSchema, room: Room() });
export const LeaveSchema = Type.Object({ t: Type.Literal('leave'), id: RequestIdSchema, room: Room() });
export const CreateSchema = Type.Object({ t: Type.Literal('create'), id: RequestIdSchema, name: ShortString(64) });
export const RoomsSchema = Type.Object({ t: Type.Literal('rooms'), id: RequestIdSchema });
