import { createHash } from 'node:crypto';
import {
  HISTORY_MAX_LIMIT,
  ParleyError,
  SEARCH_MAX_LIMIT,
  anchorProblem,
  encodeFrame,
  mentionedNames,
  repositoryKey,
  stripRemoteUserInfo,
  type ChatMessage,
  type HistoryRequest,
  type ReadRequest,
  type RequestId,
  type SearchRequest,
  type SendRequest,
  type Snippet,
  type TypingRequest,
} from '../../protocol';
import { contentKey } from '../media/media-store';
import type { NewMessage } from '../store/store';
import { dropError, replyError, type ChatContext } from './context';
import type { Peer } from './peer';
import { isUnopened, type RoomEntry } from './rooms';
import { checkMayPost } from './governance';
import { canonicalMentions } from './names';
import { checkSearchWords, isEmptySearch, parseSearch } from './search-query';

const HISTORY_DEFAULT = 50;
const SEARCH_DEFAULT = 20;

/**
 * `send`: size and rate checks, then the group commit; ack and fan-out once it is stored.
 * Returns a promise only when the room is not cached yet, so the common case stays synchronous
 * and pipelined sends keep their order.
 */
export function send(ctx: ChatContext, peer: Peer, f: SendRequest): void | Promise<void> {
  const user = peer.user as string;
  if (f.text === undefined && f.snippet === undefined) {
    peer.conn.sendError(f.id, 'INVALID', 'A message needs text or a snippet.');
    return;
  }
  const max = ctx.limits.maxText;
  if ((f.text !== undefined && Buffer.byteLength(f.text) > max) || (f.snippet !== undefined && Buffer.byteLength(f.snippet.code) > max)) {
    peer.conn.sendError(f.id, 'TOO_LARGE', `Messages are at most ${max} bytes.`);
    return;
  }
  if (f.snippet?.anchor !== undefined) {
    const problem = anchorProblem(f.snippet) ?? (f.root !== undefined ? 'Only a thread root carries a code anchor, not a reply.' : undefined);
    if (problem !== undefined) {
      peer.conn.sendError(f.id, 'INVALID', problem);
      return;
    }
    if (createHash('sha256').update(f.snippet.code).digest('hex') !== f.snippet.anchor.textSha256) {
      peer.conn.sendError(f.id, 'INVALID', 'The anchor\'s "textSha256" is not the sha256 of the snippet\'s code.');
      return;
    }
  }
  if (f.inRoom === true && f.root === undefined) {
    peer.conn.sendError(f.id, 'INVALID', '"inRoom" goes with "root": only a thread reply can also be sent to the room.');
    return;
  }
  const room = ctx.rooms.cachedAccess(f.room, user);
  if (room !== undefined && room !== 'general' && blockedInDm(ctx, room, user)) {
    peer.conn.sendError(f.id, 'BLOCKED', 'They do not take direct messages from you.');
    return;
  }
  if (room !== undefined && (room === 'general' || !room.readOnly)) return post(ctx, peer, f.id, toNewMessage(ctx, f, user), room);
  // A room not cached yet, a DM's first message (which brings the DM into being) or a read-only
  // room, which asks for the sender's role first (the rare case: it may reorder such sends).
  return ctx.rooms.access(f.room, user, { create: true }).then(
    async (entry) => {
      if (entry !== 'general' && blockedInDm(ctx, entry, user)) throw new ParleyError('BLOCKED', 'They do not take direct messages from you.');
      if (entry !== 'general') await checkMayPost(ctx, entry, user);
      post(ctx, peer, f.id, toNewMessage(ctx, f, user), entry);
    },
  ).catch((err: unknown) => replyError(ctx, peer, f.id, err));
}

/**
 * Stores a room event (a message, a reply or a change) through the group commit, then acks the
 * sender and delivers it to the room. The sending connection gets the ack instead of the event;
 * the sender's other connections get the event. A refusal by the store's rules is answered with
 * its error, a change that changed nothing with `ok`; neither takes a seq. Also the way file
 * messages get posted once their upload is complete. The `send` budget was charged already
 * (ChatHandlers: for send, change and upload).
 */
export function post(ctx: ChatContext, peer: Peer, id: RequestId, message: NewMessage, room: RoomEntry | 'general'): void {
  const conn = peer.conn;
  conn.hold();
  ctx.commits.add(message, (err, result) => {
    conn.release();
    if (err !== undefined || result === undefined) {
      ctx.logger.warn({ err, room: message.room }, 'append failed');
      conn.sendError(id, 'STORE_UNAVAILABLE');
      return;
    }
    if (result.refused !== undefined) {
      conn.sendError(id, result.refused.code, result.refused.message);
      return;
    }
    if (result.noop === true) {
      conn.send({ t: 'ok', id });
      return;
    }
    const stored = result.message;
    const ack = ackJson(id, message.cid, stored.room, stored.seq, stored.ts, stored.msgId);
    // {"t":"msg" (or "change"), then the stored event's own fields: the same header as encoding { t, ...stored }.
    const json = result.duplicate ? undefined : `{"t":${stored.change === undefined ? '"msg"' : '"change"'},${JSON.stringify(stored).slice(1)}`;
    if (ctx.cluster !== undefined) {
      // Several nodes: the ack now; the event through the room's order, with the other nodes' events.
      ctx.hub.stage(stored.room, room === 'general' ? undefined : room.members, stored.seq, undefined, peer, ack);
      if (json !== undefined) ctx.cluster.committed(stored.room, stored.seq, json, peer);
    } else ctx.hub.stage(stored.room, room === 'general' ? undefined : room.members, stored.seq, json, peer, ack);
    if (result.unreferenced !== undefined) releaseMedia(ctx, result.unreferenced);
  });
}

/** Deletes the bytes of files that no remaining message refers to. */
function releaseMedia(ctx: ChatContext, sha256s: string[]): void {
  const media = ctx.media;
  if (media === undefined) return;
  for (const sha256 of sha256s) {
    const key = contentKey(sha256);
    // An avatar may be the same picture as the file of a deleted message.
    ctx.store.contentInUse(sha256).then((used) => (used ? false : media.delete(key))).then(
      () => ctx.logger.info({ key }, 'removed media that no message refers to any more'),
      (err: unknown) => ctx.logger.warn({ err, key }, 'could not remove media of a deleted message'),
    );
  }
}

/** The ack header, the same JSON as stringifying { t: 'ack', id, cid, room, seq, ts, msgId }. */
export function ackJson(id: RequestId, cid: string, room: string, seq: number, ts: number, msgId: string): string {
  return `{"t":"ack","id":${JSON.stringify(id)},"cid":${JSON.stringify(cid)},"room":${JSON.stringify(room)},"seq":${seq},"ts":${ts},"msgId":${JSON.stringify(msgId)}}`;
}

function toNewMessage(ctx: ChatContext, f: SendRequest, user: string): NewMessage {
  const message: NewMessage = { room: f.room, from: user, cid: f.cid, ts: Date.now() };
  if (f.text !== undefined) {
    message.text = f.text;
    const mentions = mentionedNames(f.text);
    if (mentions.length > 0) message.mentions = unblockedMentions(ctx, canonicalMentions(mentions, (n) => ctx.presence.canonical(n)), user);
  }
  if (f.snippet !== undefined) message.snippet = cleanSnippet(f.snippet);
  if (f.root !== undefined) {
    message.root = f.root;
    if (f.inRoom === true) message.inRoom = true;
  }
  return message;
}

/** A DM whose other member blocks the sender. */
export function blockedInDm(ctx: ChatContext, room: RoomEntry, user: string): boolean {
  if (room.kind !== 'dm') return false;
  for (const member of room.members) if (member !== user && ctx.blocks.blocks(member, user)) return true;
  return false;
}

/** Mentions count for nobody who blocks the sender. */
export function unblockedMentions(ctx: ChatContext, names: string[], from: string): string[] {
  return names.filter((name) => !ctx.blocks.blocks(name, from));
}

/** Keeps only the fields the protocol defines, so nothing else reaches the store, and no remote's user-info. */
function cleanSnippet(s: Snippet): Snippet {
  const out: Snippet = { code: s.code, language: s.language };
  if (s.path !== undefined) out.path = s.path;
  if (s.startLine !== undefined) out.startLine = s.startLine;
  if (s.endLine !== undefined) out.endLine = s.endLine;
  // A client that did not strip its credentials must not have them stored and shown to the room.
  if (s.remote !== undefined) out.remote = stripRemoteUserInfo(s.remote);
  if (s.commit !== undefined) out.commit = s.commit;
  if (s.fileSha256 !== undefined) out.fileSha256 = s.fileSha256;
  if (s.anchor !== undefined) out.anchor = cleanAnchor(s.anchor);
  return out;
}

/** The anchor's own fields only, its repository in the one normalised form (never credentials). */
function cleanAnchor(a: NonNullable<Snippet['anchor']>): NonNullable<Snippet['anchor']> {
  const out: NonNullable<Snippet['anchor']> = { path: a.path, startLine: a.startLine, endLine: a.endLine, textSha256: a.textSha256, before: a.before, after: a.after };
  if (a.repo !== undefined) out.repo = repositoryKey(a.repo);
  if (a.commit !== undefined) out.commit = a.commit;
  if (a.dirty === true) out.dirty = true;
  return out;
}

/** Not stored; other members see it. Over its budget (ChatHandlers) it is dropped silently. */
export function typing(ctx: ChatContext, peer: Peer, f: TypingRequest): void | Promise<void> {
  const user = peer.user as string;
  const deliver = (room: RoomEntry | 'general') => {
    // Typing in a DM nobody has written to yet tells the other nothing: the DM does not exist for them.
    if (isUnopened(room)) return;
    ctx.hub.toOthers(room === 'general' ? undefined : room.members, encodeFrame({ t: 'typing', room: f.room, user }), user);
    ctx.cluster?.typing(f.room, user);
  };
  const room = ctx.rooms.cachedAccess(f.room, user);
  if (room !== undefined) return deliver(room);
  return ctx.rooms.access(f.room, user).then(deliver, (err) => dropError(ctx, peer, err));
}

/** Moves the read mark; DM partners (and the reader's other connections) get a `read` event. */
export async function read(ctx: ChatContext, peer: Peer, f: ReadRequest): Promise<void> {
  const user = peer.user as string;
  const room = await ctx.rooms.access(f.room, user);
  if (isUnopened(room)) {
    // Nothing to have read in a DM without messages, and no mark is stored for a room that is not.
    if (f.id !== undefined) peer.conn.send({ t: 'ok', id: f.id });
    return;
  }
  if (f.root !== undefined) {
    await readThread(ctx, peer, f, f.root);
    return;
  }
  // A mark past the last message would hide whatever comes next.
  const seq = await ctx.store.setReadMark(f.room, user, Math.min(f.seq, await ctx.store.lastSeq(f.room)));
  const frame = encodeFrame({ t: 'read', room: f.room, user, seq });
  if (room !== 'general' && room.kind === 'dm') ctx.hub.toMembers(room.members, frame, peer);
  else ctx.hub.toUser(user, frame, peer);
  ctx.cluster?.read(f.room, user, seq);
  if (f.id !== undefined) peer.conn.send({ t: 'ok', id: f.id });
}

/**
 * `read` with `root`: moves the reader's mark in that thread (a thread they take no part in keeps
 * no mark: nothing changes). Their other connections get the `read` event, and every one of
 * their connections the room again, whose `threadUnread` changed.
 */
async function readThread(ctx: ChatContext, peer: Peer, f: ReadRequest, root: number): Promise<void> {
  const user = peer.user as string;
  const seq = await ctx.store.setThreadReadMark(f.room, root, user, Math.min(f.seq, await ctx.store.lastSeq(f.room)));
  if (seq !== undefined) {
    ctx.hub.toUser(user, encodeFrame({ t: 'read', room: f.room, user, seq, root }), peer);
    const info = await ctx.store.roomInfo(f.room, user);
    if (info !== undefined) ctx.hub.toUser(user, encodeFrame({ t: 'room', room: info }));
  }
  if (f.id !== undefined) peer.conn.send({ t: 'ok', id: f.id });
}

/** Root seq → unread replies, for the thread roots among `messages` that `user` takes part in. */
export async function threadUnreadOf(ctx: ChatContext, room: string, user: string, messages: readonly ChatMessage[]): Promise<Record<string, number> | undefined> {
  const roots = messages.filter((m) => (m.replies ?? 0) > 0).map((m) => m.seq);
  if (roots.length === 0) return undefined;
  const counts = await ctx.store.threadUnread(room, user, roots);
  if (counts.size === 0) return undefined;
  const out: Record<string, number> = {};
  for (const [seq, n] of counts) out[String(seq)] = n;
  return out;
}

export async function history(ctx: ChatContext, peer: Peer, f: HistoryRequest): Promise<void> {
  if (isUnopened(await ctx.rooms.access(f.room, peer.user as string))) {
    peer.conn.send({ t: 'history', id: f.id, room: f.room, messages: [], more: false });
    return;
  }
  const limit = Math.min(f.limit ?? HISTORY_DEFAULT, HISTORY_MAX_LIMIT);
  const page = await ctx.store.history(f.room, { before: f.before, limit });
  const threadUnread = await threadUnreadOf(ctx, f.room, peer.user as string, page.messages);
  peer.conn.send({ t: 'history', id: f.id, room: f.room, messages: page.messages, more: page.more, ...(threadUnread && { threadUnread }) });
}

export async function search(ctx: ChatContext, peer: Peer, f: SearchRequest): Promise<void> {
  const user = peer.user as string;
  const parsed = parseSearch(f.query);
  checkSearchWords(parsed.words);
  if (parsed.filters.from !== undefined) parsed.filters.from = ctx.presence.canonical(parsed.filters.from) ?? parsed.filters.from;
  if (f.room !== undefined && parsed.filters.room !== undefined && f.room !== parsed.filters.room) {
    throw new ParleyError('INVALID', `The search names two rooms: "${f.room}" and "in:${parsed.filters.room}".`);
  }
  const room = f.room ?? parsed.filters.room;
  const unopened = room !== undefined && isUnopened(await ctx.rooms.access(room, user));
  const limit = Math.min(f.limit ?? SEARCH_DEFAULT, SEARCH_MAX_LIMIT);
  if (isEmptySearch(parsed) || unopened) {
    peer.conn.send({ t: 'results', id: f.id, messages: [] });
    return;
  }
  const messages = await ctx.store.search(user, parsed.words, { ...parsed.filters, room, limit });
  peer.conn.send({ t: 'results', id: f.id, messages });
}
