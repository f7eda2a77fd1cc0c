import { Type } from '@sinclair/typebox';
import { AnyString, Bool, Cid, NonNegativeInt, PositiveInt, RequestIdSchema, Room, Sha256, ShortString } from './fields';
import { CODE_ANCHOR_CONTEXT_MAX, CODE_ANCHOR_LINE_MAX } from '../code-anchor';

// Posting, reading and finding messages.

/** Lines around an anchored range, kept so the spot can be found again after edits. */
const ContextLines = () =>
  Type.Array(Type.String({ maxLength: CODE_ANCHOR_LINE_MAX, description: `a string of at most ${CODE_ANCHOR_LINE_MAX} characters` }), {
    maxItems: CODE_ANCHOR_CONTEXT_MAX,
    description: `a list of at most ${CODE_ANCHOR_CONTEXT_MAX} lines`,
  });

/**
 * Where a discussion's code sits in git, carried in the root's snippet (whose `code` is the
 * anchored text). See protocol/code-anchor.ts for the rules the server adds to the schema's.
 */
export const CodeAnchorSchema = Type.Object(
  {
    /** The repository, as `repositoryKey` gives it: no user-info, ssh and https forms alike. */
    repo: Type.Optional(ShortString(2048)),
    /** `/`-separated, relative to the repository root (to the workspace folder when not in git). */
    path: ShortString(1024),
    /** The commit the lines were read at (HEAD); absent when the file is not committed. */
    commit: Type.Optional(Type.String({ pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$', description: 'a git commit id in lower-case hex' })),
    /** The lines are the working copy's, which differed from `commit`. */
    dirty: Type.Optional(Bool()),
    startLine: PositiveInt(),
    endLine: PositiveInt(),
    /** sha256 (hex) of the snippet's `code`, the anchored lines joined by "\n". */
    textSha256: Sha256(),
    /** Up to CODE_ANCHOR_CONTEXT_MAX lines before and after the range. */
    before: ContextLines(),
    after: ContextLines(),
  },
  { description: 'a code anchor {repo?, path, commit?, dirty?, startLine, endLine, textSha256, before, after}' },
);

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
    /** Makes the message a discussion on the code: a thread root shown at these lines in editors. */
    anchor: Type.Optional(CodeAnchorSchema),
  },
  { description: 'a snippet {code, language, path?, startLine?, endLine?, remote?, commit?, fileSha256?, anchor?}' },
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
