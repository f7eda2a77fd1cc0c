import { Type } from '@sinclair/typebox';
import { CHANGE_KINDS } from '../messages';
import { AnyString, Cid, Emoji, NonNegativeInt, PositiveInt, RequestIdSchema, Room } from './fields';

// Threads, reactions, edits, deletes, pins: changes and the queries over them.

export const ChangeKindSchema = Type.Union(
  CHANGE_KINDS.map((k) => Type.Literal(k)),
  { description: `one of ${CHANGE_KINDS.join(', ')}` },
);

/** Reacts, edits, deletes, pins or resolves message `target` (answered by `ack`, or `ok` when it changes nothing). */
export const ChangeSchema = Type.Object({
  t: Type.Literal('change'),
  id: RequestIdSchema,
  room: Room(),
  cid: Cid(),
  kind: ChangeKindSchema,
  target: PositiveInt(),
  emoji: Type.Optional(Emoji()),
  text: Type.Optional(AnyString()),
});

export const ThreadSchema = Type.Object({
  t: Type.Literal('thread'),
  id: RequestIdSchema,
  room: Room(),
  root: PositiveInt(),
  after: Type.Optional(NonNegativeInt()),
  limit: Type.Optional(PositiveInt()),
});

export const ThreadStateSchema = Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], {
  description: '"open", "resolved" or "all"',
});

export const ThreadsSchema = Type.Object({
  t: Type.Literal('threads'),
  id: RequestIdSchema,
  room: Room(),
  state: Type.Optional(ThreadStateSchema),
  before: Type.Optional(PositiveInt()),
  limit: Type.Optional(PositiveInt()),
});

export const PinsSchema = Type.Object({ t: Type.Literal('pins'), id: RequestIdSchema, room: Room() });
export const RevisionsSchema = Type.Object({ t: Type.Literal('revisions'), id: RequestIdSchema, room: Room(), seq: PositiveInt() });

/** Every room event after `after`, changes included, as resume sends them (for filling a gap). */
export const EventsSchema = Type.Object({
  t: Type.Literal('events'),
  id: RequestIdSchema,
  room: Room(),
  after: NonNegativeInt(),
  limit: Type.Optional(PositiveInt()),
});
