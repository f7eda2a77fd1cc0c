import {
  EVENTS_MAX_LIMIT,
  THREAD_MAX_LIMIT,
  isEmoji,
  mentionedNames,
  type Change,
  type ChangeRequest,
  type EventsRequest,
  type PinsRequest,
  type RevisionsRequest,
  type ThreadRequest,
  type ThreadsRequest,
} from '../../protocol';
import { ParleyError } from '../../protocol';
import type { NewMessage } from '../store/store';
import { replyError, type ChatContext } from './context';
import { auditDelete, moderates } from './governance';
import { post, threadUnreadOf, unblockedMentions } from './messaging';
import { canonicalMentions } from './names';
import type { Peer } from './peer';
import { isUnopened } from './rooms';

const THREAD_DEFAULT = 100;
const THREADS_DEFAULT = 50;

/**
 * `change`: a reaction, edit, delete, pin or resolve of an earlier message. The fields each kind
 * needs are checked here; the rules that depend on the target (author, deleted, limits) are the
 * store's, applied in the same transaction that gives the change its seq.
 */
export function change(ctx: ChatContext, peer: Peer, f: ChangeRequest): void | Promise<void> {
  const user = peer.user as string;
  let entry: NewMessage;
  try {
    entry = { room: f.room, from: user, cid: f.cid, ts: Date.now(), change: changeOf(ctx, f) };
  } catch (err) {
    replyError(ctx, peer, f.id, err);
    return;
  }
  if (entry.change?.kind === 'edit') {
    const mentions = mentionedNames(entry.change.text);
    if (mentions.length > 0) entry.mentions = unblockedMentions(ctx, canonicalMentions(mentions, (n) => ctx.presence.canonical(n)), user);
  }
  const room = ctx.rooms.cachedAccess(f.room, user);
  if (room !== undefined && f.kind !== 'delete') return post(ctx, peer, f.id, entry, room);
  return ctx.rooms.access(f.room, user).then(
    async (found) => {
      if (isUnopened(found)) throw new ParleyError('NOT_FOUND', `There is no message ${f.target} in this room.`);
      if (f.kind === 'delete') await asModerator(ctx, entry, user);
      post(ctx, peer, f.id, entry, found);
    },
  ).catch((err: unknown) => replyError(ctx, peer, f.id, err));
}

/**
 * A delete of someone else's message by the room's owner or admin (or a server administrator)
 * goes to the store as a moderator's, and into the audit log; the store's rules decide the rest.
 */
async function asModerator(ctx: ChatContext, entry: NewMessage, user: string): Promise<void> {
  const target = entry.change === undefined ? undefined : await ctx.store.message(entry.room, entry.change.target);
  if (target === undefined || target.from === user || target.deleted === true || target.event !== undefined) return;
  if (!(await moderates(ctx, entry.room, user))) return;
  entry.moderator = true;
  await auditDelete(ctx, user, entry.room, target.seq, target.from);
}

/** Only the fields of the change's kind, checked, so nothing else reaches the store. */
function changeOf(ctx: ChatContext, f: ChangeRequest): Change {
  const out: Change = { kind: f.kind, target: f.target };
  if (f.kind === 'react' || f.kind === 'unreact') {
    if (!isEmoji(f.emoji)) throw new ParleyError('INVALID', 'A reaction is one emoji.');
    out.emoji = f.emoji;
  } else if (f.kind === 'edit') {
    if (f.text === undefined || f.text.length === 0) throw new ParleyError('INVALID', 'An edit needs the new text; to remove a message, delete it.');
    const max = ctx.limits.maxText;
    if (Buffer.byteLength(f.text) > max) throw new ParleyError('TOO_LARGE', `Messages are at most ${max} bytes.`);
    out.text = f.text;
  }
  return out;
}

export async function thread(ctx: ChatContext, peer: Peer, f: ThreadRequest): Promise<void> {
  if (isUnopened(await ctx.rooms.access(f.room, peer.user as string))) throw new ParleyError('NOT_FOUND', `There is no message ${f.root} in this room.`);
  const limit = Math.min(f.limit ?? THREAD_DEFAULT, THREAD_MAX_LIMIT);
  const page = await ctx.store.thread(f.room, f.root, { after: f.after, limit });
  if (page === undefined) {
    const message = await ctx.store.message(f.room, f.root);
    if (message?.root !== undefined) throw new ParleyError('NESTED_REPLY', `Message ${f.root} is a reply; its thread is message ${message.root}.`);
    throw new ParleyError('NOT_FOUND', `There is no message ${f.root} in this room.`);
  }
  const unread = (await ctx.store.threadUnread(f.room, peer.user as string, [f.root])).get(f.root);
  peer.conn.send({ t: 'thread', id: f.id, room: f.room, root: page.root, replies: page.replies, more: page.more, ...(unread !== undefined && { unread }) });
}

export async function threads(ctx: ChatContext, peer: Peer, f: ThreadsRequest): Promise<void> {
  if (isUnopened(await ctx.rooms.access(f.room, peer.user as string))) {
    peer.conn.send({ t: 'threads', id: f.id, room: f.room, messages: [], more: false });
    return;
  }
  const limit = Math.min(f.limit ?? THREADS_DEFAULT, THREAD_MAX_LIMIT);
  const page = await ctx.store.threads(f.room, { state: f.state ?? 'all', before: f.before, limit });
  const threadUnread = await threadUnreadOf(ctx, f.room, peer.user as string, page.messages);
  peer.conn.send({ t: 'threads', id: f.id, room: f.room, messages: page.messages, more: page.more, ...(threadUnread && { threadUnread }) });
}

export async function pins(ctx: ChatContext, peer: Peer, f: PinsRequest): Promise<void> {
  const room = await ctx.rooms.access(f.room, peer.user as string);
  const messages = isUnopened(room) ? [] : await ctx.store.pins(f.room, ctx.limits.maxPins);
  peer.conn.send({ t: 'pins', id: f.id, room: f.room, messages });
}

export async function revisions(ctx: ChatContext, peer: Peer, f: RevisionsRequest): Promise<void> {
  const room = await ctx.rooms.access(f.room, peer.user as string);
  const message = isUnopened(room) ? undefined : await ctx.store.message(f.room, f.seq);
  if (message === undefined) throw new ParleyError('NOT_FOUND', `There is no message ${f.seq} in this room.`);
  const list = message.deleted === true ? [] : await ctx.store.revisions(f.room, f.seq);
  peer.conn.send({ t: 'revisions', id: f.id, room: f.room, seq: f.seq, revisions: list });
}

/** The room's log after `after`, changes included: how a client fills a gap in what it saw live. */
export async function events(ctx: ChatContext, peer: Peer, f: EventsRequest): Promise<void> {
  const room = await ctx.rooms.access(f.room, peer.user as string);
  const limit = Math.min(f.limit ?? EVENTS_MAX_LIMIT, EVENTS_MAX_LIMIT);
  const list = isUnopened(room) ? [] : await ctx.store.since(f.room, f.after, limit + 1);
  const more = list.length > limit;
  if (more) list.pop();
  peer.conn.send({ t: 'events', id: f.id, room: f.room, events: list, more });
}
