import { Type } from '@sinclair/typebox';
import { AnyString, Bool, Cid, NonNegativeInt, PositiveInt, RequestIdSchema, Room, Sha256, ShortString } from './fields';

// Posting, reading and finding messages.

/** Code shared from an editor. */
export const SnippetSchema = Type.Object(
  {
    code: AnyString(),
    language: ShortString(64),
    /** Workspace-relative path. */
    path: Type.Optional(ShortString(1024)),
    startLine: Type.Optional(PositiveInt()),
    endLine: Type.Optional(PositiveInt()),
    /** Git remote URL and commit, when the file is inside a repository. */
    remote: Type.Optional(ShortString(2048)),
    commit: Type.Optional(ShortString(64)),
    /** sha256 (hex) of the whole file, so a reader can tell whether their copy matches. */
    fileSha256: Type.Optional(Sha256()),
  },
  { description: 'a snippet {code, language, path?, startLine?, endLine?, remote?, commit?, fileSha256?}' },
);

/** `root` makes it a reply in that message's thread; `inRoom` also shows the reply in the room. */
export const SendSchema = Type.Object({
  t: Type.Literal('send'),
  id: RequestIdSchema,
  room: Room(),
  cid: Cid(),
  text: Type.Optional(AnyString()),
  snippet: Type.Optional(SnippetSchema),
  root: Type.Optional(PositiveInt()),
  inRoom: Type.Optional(Bool()),
});

export const TypingSchema = Type.Object({ t: Type.Literal('typing'), room: Room() });
/** Moves the room's read mark to `seq`; with `root`, the mark in that thread instead (for a participant). */
export const ReadSchema = Type.Object({
  t: Type.Literal('read'),
  id: Type.Optional(RequestIdSchema),
  room: Room(),
  seq: NonNegativeInt(),
  root: Type.Optional(PositiveInt()),
});

export const HistorySchema = Type.Object({
  t: Type.Literal('history'),
  id: RequestIdSchema,
  room: Room(),
  before: Type.Optional(PositiveInt()),
  limit: Type.Optional(PositiveInt()),
});

export const SearchSchema = Type.Object({
  t: Type.Literal('search'),
  id: RequestIdSchema,
  query: ShortString(512),
  room: Type.Optional(Room()),
  limit: Type.Optional(PositiveInt()),
});
