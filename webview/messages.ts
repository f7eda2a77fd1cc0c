// The one definition of every message between the extension host and the chat webview.
// Both ends import this file. Each message is a descriptor with a `type`, an `is(msg)` guard
// that checks the payload's shape (the host must not trust what a webview posts), and
// `create(params)`. Requests carry a `requestId`; the host answers with the request's reply
// message (or `error`) carrying the same `requestId`.
// Plain data only: no DOM and no 'vscode' import, so it runs in Node and in the browser.
import { isEmoji } from '../protocol/emoji';
import { CHANGE_KINDS, type ChangeKind, type ChatMessage, type FileKind, type PresenceEntry, type Revision, type RoomInfo, type Snippet } from '../protocol/messages';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
export type PendingState = 'sending' | 'queued' | 'failed';
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'signedOut';

type Fields = Record<string, unknown>;

export interface Descriptor<T extends string, P extends object> {
  readonly type: T;
  is(msg: unknown): msg is { type: T } & P;
  create(params: P): { type: T } & P;
}

/** A webview → host message that expects `reply` (or `error`) with the same requestId. */
export interface RequestDescriptor<T extends string, P extends object, R extends Descriptor<string, object>>
  extends Descriptor<T, P & { requestId: string }> {
  readonly reply: R;
}

export type MessageOf<D> = D extends Descriptor<infer T, infer P> ? { type: T } & P : never;
export type ParamsOf<D> = D extends RequestDescriptor<string, infer P, Descriptor<string, object>>
  ? P
  : D extends Descriptor<string, infer P> ? P : never;
export type ReplyOf<D> = D extends RequestDescriptor<string, object, infer R> ? MessageOf<R> : never;

// ---- shape checks -----------------------------------------------------------------------

const isObj = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const opt = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v);
const arrayOf = (v: unknown, check: (v: unknown) => boolean): boolean => Array.isArray(v) && v.every(check);

const FILE_KINDS: readonly FileKind[] = ['image', 'video', 'audio', 'file'];
const PENDING_STATES: readonly PendingState[] = ['sending', 'queued', 'failed'];
const CONNECTION_STATES: readonly ConnectionState[] = ['connecting', 'connected', 'reconnecting', 'offline', 'signedOut'];
const THEMES: readonly ThemeKind[] = ['light', 'dark', 'high-contrast', 'high-contrast-light'];
const PRESENCE: readonly string[] = ['online', 'away', 'offline'];

export function isSnippet(v: unknown): v is Snippet {
  return (
    isObj(v) && isStr(v.code) && isStr(v.language) && opt(v.path, isStr) && opt(v.startLine, isSeq) &&
    opt(v.endLine, isSeq) && opt(v.remote, isStr) && opt(v.commit, isStr) && opt(v.fileSha256, isStr)
  );
}

function isFileRef(v: unknown): boolean {
  return (
    isObj(v) && isNonEmpty(v.fileId) && isStr(v.name) && isSeq(v.size) && isStr(v.mime) &&
    FILE_KINDS.includes(v.kind as FileKind) && isStr(v.sha256)
  );
}

/** Reaction keys are single emoji and each value lists users: never free text to render. */
function isReactions(v: unknown): boolean {
  return isObj(v) && Object.entries(v).every(([k, users]) => isEmoji(k) && arrayOf(users, isNonEmpty));
}

/** A webview may ask for every change kind; the server checks who may do what. */
export { CHANGE_KINDS };
export type WebviewChangeKind = ChangeKind;
const isChangeKind = (v: unknown): v is WebviewChangeKind => CHANGE_KINDS.includes(v as WebviewChangeKind);

function isChange(v: unknown): boolean {
  return isObj(v) && isChangeKind(v.kind) && isSeq(v.target) && opt(v.emoji, isEmoji) && opt(v.text, isStr);
}

export function isChatMessage(v: unknown): v is ChatMessage {
  return (
    isObj(v) && isNonEmpty(v.room) && isSeq(v.seq) && isNum(v.ts) && isStr(v.msgId) && isStr(v.from) &&
    opt(v.cid, isStr) && opt(v.text, isStr) && opt(v.snippet, isSnippet) && opt(v.file, isFileRef) &&
    opt(v.root, isSeq) && opt(v.inRoom, isBool) && opt(v.change, isChange) && opt(v.edited, isNum) &&
    opt(v.deleted, isBool) && opt(v.reactions, isReactions) && opt(v.replies, isSeq) &&
    opt(v.repliers, (r) => arrayOf(r, isNonEmpty)) && opt(v.lastReply, isNum) && opt(v.pinned, isBool) &&
    opt(v.resolvedBy, isNonEmpty) && opt(v.event, isRoomEvent)
  );
}

const ROLES = ['owner', 'admin', 'member'];

/** A room event's fields, as the timeline line reads them (an unknown kind shows a neutral line). */
function isRoomEvent(v: unknown): boolean {
  return isObj(v) && isNonEmpty(v.kind) && opt(v.user, isNonEmpty) && opt(v.role, (r) => ROLES.includes(r as string)) && opt(v.text, isStr) && opt(v.on, isBool);
}

function isRevision(v: unknown): v is Revision {
  return isObj(v) && isStr(v.text) && isNum(v.ts);
}

/** Root seq → unread count, for the threads of a page I take part in. */
function isThreadCounts(v: unknown): v is Record<string, number> {
  return isObj(v) && Object.entries(v).every(([k, n]) => /^[1-9][0-9]{0,15}$/.test(k) && isSeq(n));
}

function isRoomInfo(v: unknown): v is RoomInfo {
  return (
    isObj(v) && isNonEmpty(v.id) && (v.kind === 'group' || v.kind === 'dm') && isStr(v.name) &&
    opt(v.members, (m) => arrayOf(m, isStr)) && isSeq(v.lastSeq) && isSeq(v.lastRead) && isSeq(v.unread) && opt(v.mentions, isSeq) &&
    opt(v.threadUnread, isSeq) && opt(v.visibility, (x) => x === 'public' || x === 'private') && opt(v.role, (r) => ROLES.includes(r as string)) &&
    opt(v.topic, isStr) && opt(v.description, isStr) && opt(v.readOnly, isBool)
  );
}

function isPresenceEntry(v: unknown): v is PresenceEntry {
  return isObj(v) && isNonEmpty(v.user) && PRESENCE.includes(v.status as string) && opt(v.context, isStr);
}

// ---- descriptor factories -----------------------------------------------------------------

function notification<T extends string, P extends object>(type: T, check: (m: Fields) => boolean): Descriptor<T, P> {
  return {
    type,
    is(msg: unknown): msg is { type: T } & P {
      return isObj(msg) && msg.type === type && check(msg);
    },
    create(params: P): { type: T } & P {
      return { ...params, type };
    },
  };
}

function request<T extends string, P extends object, R extends Descriptor<string, object>>(
  type: T,
  check: (m: Fields) => boolean,
  reply: R,
): RequestDescriptor<T, P, R> {
  const base = notification<T, P & { requestId: string }>(type, (m) => isNonEmpty(m.requestId) && check(m));
  return { ...base, reply };
}

// ---- host → webview -------------------------------------------------------------------------

/** Sent once after `ready` (and again after signing in as someone else). */
export const Init = notification<'init', {
  me: string;
  rooms: RoomInfo[];
  activeRoom?: string;
  /** Only needed outside VS Code; inside, the body's `vscode-*` classes give the theme. */
  theme?: ThemeKind;
  presence?: PresenceEntry[];
  connection?: ConnectionState;
  /** Server limits the composer enforces before sending. */
  maxText?: number;
}>('init', (m) =>
  isNonEmpty(m.me) && arrayOf(m.rooms, isRoomInfo) && opt(m.activeRoom, isNonEmpty) &&
  opt(m.theme, (t) => THEMES.includes(t as ThemeKind)) && opt(m.presence, (p) => arrayOf(p, isPresenceEntry)) &&
  opt(m.connection, (c) => CONNECTION_STATES.includes(c as ConnectionState)) && opt(m.maxText, isSeq));

/** The room list changed (joined, left, created, renamed). */
export const Rooms = notification<'rooms', { rooms: RoomInfo[] }>('rooms', (m) => arrayOf(m.rooms, isRoomInfo));

/**
 * Messages of one room in ascending seq: live ones (no `prepend`), or a history page
 * (`prepend: true`, `more` = older messages exist). Answers `loadOlder` with its requestId.
 */
export const Messages = notification<'messages', {
  room: string;
  messages: ChatMessage[];
  prepend?: boolean;
  more?: boolean;
  requestId?: string;
  /** On a history page: root seq → my unread replies, for the threads on it I take part in. */
  threadUnread?: Record<string, number>;
}>('messages', (m) =>
  isNonEmpty(m.room) && arrayOf(m.messages, isChatMessage) && opt(m.prepend, isBool) && opt(m.more, isBool) &&
  opt(m.requestId, isStr) && opt(m.threadUnread, isThreadCounts));

/** State of one of my unsent messages (also announces outbox entries after a reload). */
export const Pending = notification<'pending', { room: string; cid: string; text: string; state: PendingState }>(
  'pending', (m) => isNonEmpty(m.room) && isNonEmpty(m.cid) && isStr(m.text) && PENDING_STATES.includes(m.state as PendingState));

/** The server stored my message `cid` as `seq`. */
export const Acked = notification<'acked', { cid: string; seq: number; room?: string; ts?: number; msgId?: string }>(
  'acked', (m) => isNonEmpty(m.cid) && isSeq(m.seq) && opt(m.room, isNonEmpty) && opt(m.ts, isNum) && opt(m.msgId, isStr));

export const TypingEvent = notification<'typing', { room: string; user: string }>(
  'typing', (m) => isNonEmpty(m.room) && isNonEmpty(m.user));

export const ReadMark = notification<'readMark', { room: string; user: string; seq: number }>(
  'readMark', (m) => isNonEmpty(m.room) && isNonEmpty(m.user) && isSeq(m.seq));

/** `users` replaces the whole list; `changes` updates entries. */
export const Presence = notification<'presence', { users?: PresenceEntry[]; changes?: PresenceEntry[] }>(
  'presence', (m) => opt(m.users, (u) => arrayOf(u, isPresenceEntry)) && opt(m.changes, (c) => arrayOf(c, isPresenceEntry)));

/**
 * `retryAt` (epoch ms): while reconnecting, when the next attempt is due; the webview counts down.
 * `server`: the address the next sign-in goes to (`host:port`, `tls://host:port`), when signed out.
 */
export const Connection = notification<'connection', { state: ConnectionState; detail?: string; retryAt?: number; server?: string }>(
  'connection', (m) => CONNECTION_STATES.includes(m.state as ConnectionState) && opt(m.detail, isStr) && opt(m.retryAt, isNum) && opt(m.server, isStr));

/**
 * The host switched rooms (tree view, command); the webview follows without echoing `openRoom`.
 * With `thread` (a discussion link), the thread of that root opens too.
 */
export const ActiveRoom = notification<'activeRoom', { room: string; thread?: number }>('activeRoom', (m) => isNonEmpty(m.room) && opt(m.thread, isSeq));

/** Open the chat's search (the Search command), and run `query` if given. */
export const OpenSearch = notification<'openSearch', { query?: string }>('openSearch', (m) => opt(m.query, isStr));

export const SearchResults = notification<'searchResults', { query: string; messages: ChatMessage[]; requestId?: string }>(
  'searchResults', (m) => isStr(m.query) && arrayOf(m.messages, isChatMessage) && opt(m.requestId, isStr));

/** A URI the webview may load (from `webview.asWebviewUri`) for a file's preview. */
/** What the chat shows of users' profiles; each entry replaces that user's (no fields: none set). */
export interface WebviewProfile {
  user: string;
  displayName?: string;
  avatarFileId?: string;
}

function isWebviewProfile(v: unknown): v is WebviewProfile {
  return isObj(v) && isNonEmpty(v.user) && opt(v.displayName, isStr) && opt(v.avatarFileId, isNonEmpty);
}

export const Profiles = notification<'profiles', { profiles: WebviewProfile[] }>('profiles', (m) => arrayOf(m.profiles, isWebviewProfile));

export const MediaUri = notification<'mediaUri', { fileId: string; uri: string; requestId?: string }>(
  'mediaUri', (m) => isNonEmpty(m.fileId) && isNonEmpty(m.uri) && opt(m.requestId, isStr));

/** Changes to earlier messages (reactions, edits, deletes, pins, resolve), in seq order. */
export const Changes = notification<'changes', { room: string; events: ChatMessage[] }>(
  'changes', (m) => isNonEmpty(m.room) && arrayOf(m.events, (e) => isChatMessage(e) && e.change !== undefined));

/** A thread: its root as it is now and its replies, ascending. Answers `thread`. */
export const ThreadPage = notification<'threadPage', { room: string; root: ChatMessage; replies: ChatMessage[]; more: boolean; requestId?: string; unread?: number }>(
  'threadPage', (m) => isNonEmpty(m.room) && isChatMessage(m.root) && arrayOf(m.replies, isChatMessage) && isBool(m.more) && opt(m.requestId, isStr) && opt(m.unread, isSeq));

/** A list of messages of one room: open threads (`threads`) or pinned messages (`pins`). */
export const MessageList = notification<'messageList', { room: string; messages: ChatMessage[]; requestId?: string }>(
  'messageList', (m) => isNonEmpty(m.room) && arrayOf(m.messages, isChatMessage) && opt(m.requestId, isStr));

/** Earlier versions of an edited message, oldest first. Answers `revisions`. */
export const RevisionList = notification<'revisionList', { room: string; seq: number; revisions: Revision[]; requestId?: string }>(
  'revisionList', (m) => isNonEmpty(m.room) && isSeq(m.seq) && arrayOf(m.revisions, isRevision) && opt(m.requestId, isStr));

/** Success reply for requests that return nothing else. */
export const Done = notification<'done', { requestId: string }>('done', (m) => isNonEmpty(m.requestId));

/** Shown to the user; with a requestId it also rejects that request. */
export const ErrorMessage = notification<'error', { message: string; code?: string; requestId?: string }>(
  'error', (m) => isStr(m.message) && opt(m.code, isStr) && opt(m.requestId, isStr));

// ---- webview → host -------------------------------------------------------------------------

/** Always the first message; the host queues everything until it arrives. */
export const Ready = notification<'ready', Record<never, never>>('ready', () => true);

export const Send = notification<'send', { room: string; text: string; cid: string }>(
  'send', (m) => isNonEmpty(m.room) && isNonEmpty(m.text) && isNonEmpty(m.cid));

/** A page of history before `before` (or the newest page); replied to with `messages`. */
export const LoadOlder = request<'loadOlder', { room: string; before?: number }, typeof Messages>(
  'loadOlder', (m) => isNonEmpty(m.room) && opt(m.before, isSeq), Messages);

/** The user switched rooms in the webview. */
export const OpenRoom = notification<'openRoom', { room: string }>('openRoom', (m) => isNonEmpty(m.room));

export const Typing = notification<'typing', { room: string }>('typing', (m) => isNonEmpty(m.room));

export const Read = notification<'read', { room: string; seq: number }>('read', (m) => isNonEmpty(m.room) && isSeq(m.seq));

/** A thread I take part in was read up to reply `seq` (it was open on screen). */
export const ReadThread = notification<'readThread', { room: string; root: number; seq: number }>(
  'readThread', (m) => isNonEmpty(m.room) && isSeq(m.root) && m.root > 0 && isSeq(m.seq));

/** A link was clicked. The host must check the scheme (http, https, mailto) before opening it. */
export const OpenLink = notification<'openLink', { href: string }>('openLink', (m) => isNonEmpty(m.href));

/** Open a shared snippet's file at its lines. */
export const OpenSnippet = notification<'openSnippet', { message: ChatMessage }>(
  'openSnippet', (m) => isChatMessage(m.message) && isSnippet(m.message.snippet));

export const Search = request<'search', { query: string; room?: string }, typeof SearchResults>(
  'search', (m) => isNonEmpty(m.query) && opt(m.room, isNonEmpty), SearchResults);

/**
 * React, unreact, edit, delete, pin, unpin, resolve or reopen message `seq`. A reaction needs
 * one emoji, an edit its new text; nothing else carries text or emoji.
 */
export const ChangeMessage = request<'changeMessage', { room: string; seq: number; kind: WebviewChangeKind; emoji?: string; text?: string }, typeof Done>(
  'changeMessage', (m) =>
    isNonEmpty(m.room) && isSeq(m.seq) && isChangeKind(m.kind) &&
    (m.kind === 'react' || m.kind === 'unreact' ? isEmoji(m.emoji) : m.emoji === undefined) &&
    (m.kind === 'edit' ? isNonEmpty(m.text) && m.text.trim() !== '' : m.text === undefined),
  Done);

/** A reply in the thread of `root`; `inRoom` also shows it in the room. */
export const Reply = request<'reply', { room: string; root: number; text: string; cid: string; inRoom?: boolean }, typeof Done>(
  'reply', (m) => isNonEmpty(m.room) && isSeq(m.root) && isNonEmpty(m.text) && isNonEmpty(m.cid) && opt(m.inRoom, isBool), Done);

/** Opens a thread; replied to with `threadPage`. */
/** A page of a thread's replies, oldest first; `after` (a reply's seq) asks for the next page. */
export const Thread = request<'thread', { room: string; root: number; after?: number }, typeof ThreadPage>(
  'thread', (m) => isNonEmpty(m.room) && isSeq(m.root) && opt(m.after, isSeq), ThreadPage);

/** The room's open threads; replied to with `messageList`. */
export const Threads = request<'threads', { room: string }, typeof MessageList>(
  'threads', (m) => isNonEmpty(m.room), MessageList);

/** The room's pinned messages; replied to with `messageList`. */
export const Pins = request<'pins', { room: string }, typeof MessageList>('pins', (m) => isNonEmpty(m.room), MessageList);

/** Earlier versions of message `seq`; replied to with `revisionList`. */
export const Revisions = request<'revisions', { room: string; seq: number }, typeof RevisionList>(
  'revisions', (m) => isNonEmpty(m.room) && isSeq(m.seq), RevisionList);

/** The commands a webview may ask the host to run: signing in and registering. Nothing else. */
export const WEBVIEW_COMMANDS = ['parley.signIn', 'parley.register', 'parley.changeServer', 'parley.roomSettings'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

/** Run one of WEBVIEW_COMMANDS (the signed-out panel's "Sign In", "Register" and "Change…"; the header's room settings). */
export const RunCommand = notification<'runCommand', { command: WebviewCommand }>(
  'runCommand', (m) => WEBVIEW_COMMANDS.includes(m.command as WebviewCommand));

/** Send a failed message again (same cid, so the server never stores it twice). */
export const Retry = notification<'retry', { cid: string }>('retry', (m) => isNonEmpty(m.cid));

/** Ask for a preview URI of a file shown in the list; replied to with `mediaUri`. */
export const RequestMedia = request<'requestMedia', { fileId: string }, typeof MediaUri>(
  'requestMedia', (m) => isNonEmpty(m.fileId), MediaUri);

/** Save a file to disk. */
export const Download = request<'download', { fileId: string }, typeof Done>('download', (m) => isNonEmpty(m.fileId), Done);

/** Open a file in VS Code (image/video preview, or the default editor). */
export const OpenMedia = request<'openMedia', { fileId: string }, typeof Done>('openMedia', (m) => isNonEmpty(m.fileId), Done);

/** An image pasted into the composer. */
export const PasteImage = request<'pasteImage', { room: string; name: string; mime: string; dataBase64: string }, typeof Done>(
  'pasteImage', (m) => isNonEmpty(m.room) && isStr(m.name) && isStr(m.mime) && isStr(m.dataBase64), Done);

export interface DroppedFile {
  name: string;
  size: number;
  mime: string;
  /** Contents, for small files dropped from the OS. */
  dataBase64?: string;
}

/** Files dropped on the panel: OS files, or `uris` dragged from the VS Code explorer. */
export const DropFiles = request<'dropFiles', { room: string; files: DroppedFile[]; uris?: string[] }, typeof Done>(
  'dropFiles', (m) =>
    isNonEmpty(m.room) &&
    arrayOf(m.files, (f) => isObj(f) && isStr(f.name) && isSeq(f.size) && isStr(f.mime) && opt(f.dataBase64, isStr)) &&
    opt(m.uris, (u) => arrayOf(u, isStr)),
  Done);

// ---- unions -----------------------------------------------------------------------------------

export const hostMessages = [
  Init, Rooms, Messages, Pending, Acked, TypingEvent, ReadMark, Presence, Connection, ActiveRoom,
  OpenSearch, SearchResults, MediaUri, Changes, ThreadPage, MessageList, RevisionList, Done, ErrorMessage, Profiles,
] as const;

export const webviewMessages = [
  Ready, Send, LoadOlder, OpenRoom, Typing, Read, ReadThread, OpenLink, OpenSnippet, Search, Retry, RunCommand,
  RequestMedia, Download, OpenMedia, PasteImage, DropFiles, ChangeMessage, Reply, Thread, Threads, Pins, Revisions,
] as const;

export type HostMessage = MessageOf<(typeof hostMessages)[number]>;
export type WebviewMessage = MessageOf<(typeof webviewMessages)[number]>;
export type WebviewRequest =
  | MessageOf<typeof LoadOlder> | MessageOf<typeof Search> | MessageOf<typeof RequestMedia>
  | MessageOf<typeof Download> | MessageOf<typeof OpenMedia> | MessageOf<typeof PasteImage>
  | MessageOf<typeof DropFiles> | MessageOf<typeof ChangeMessage> | MessageOf<typeof Reply>
  | MessageOf<typeof Thread> | MessageOf<typeof Threads> | MessageOf<typeof Pins> | MessageOf<typeof Revisions>;

/** A well-formed message from the host (by type and shape). */
export function isHostMessage(msg: unknown): msg is HostMessage {
  return hostMessages.some((d) => d.is(msg));
}

/** A well-formed message from the webview; the host drops anything else. */
export function isWebviewMessage(msg: unknown): msg is WebviewMessage {
  return webviewMessages.some((d) => d.is(msg));
}

/** Builds the host's answer to a webview request, copying its requestId. */
export function replyTo<D extends RequestDescriptor<string, object, Descriptor<string, object>>>(
  req: D,
  msg: { requestId: string },
  params: Omit<ParamsOf<D['reply']>, 'requestId'>,
): ReplyOf<D> {
  return { ...params, type: req.reply.type, requestId: msg.requestId } as unknown as ReplyOf<D>;
}

/** Builds a failed answer to any request. */
export function replyError(msg: { requestId: string }, message: string, code?: string): MessageOf<typeof ErrorMessage> {
  return ErrorMessage.create({ message, requestId: msg.requestId, ...(code ? { code } : {}) });
}
