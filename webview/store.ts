// What the webview knows: rooms, their loaded messages, my unsent messages, presence, typing
// and read marks, and open threads. Live changes and replies fold into the messages they
// concern (protocol/apply-change.ts). No DOM here; the app renders from it.
import { applyEvent } from '../protocol/apply-change';
import { ROOM_MENTION } from '../protocol/limits';
import { mentionedNames } from '../protocol/mentions';
import { dmMembers, type ChatMessage, type PresenceEntry, type RoomInfo } from '../protocol/messages';
import { UnreadCount } from '../protocol/unread-count';
import type { PendingState } from './messages';
import type { PendingMessage } from './rows';

export const TYPING_TTL_MS = 6000;

export interface RoomData {
  info: RoomInfo;
  /** Ascending seq, no duplicates. */
  messages: ChatMessage[];
  seqs: Set<number>;
  pending: PendingMessage[];
  /** Whether older history exists; undefined until the first page arrives. */
  more: boolean | undefined;
  loading: boolean;
  /** Other members' read marks (for "Seen" in DMs). */
  readMarks: Map<string, number>;
  /** Who is typing, with when their indicator expires. */
  typing: Map<string, number>;
  /** Where the unread divider sits while the room is open. */
  unreadAfter?: number;
  /** Seqs of changes and replies already folded in, so none applies twice. */
  applied: Set<number>;
  /** Others' unread timeline messages: the host's count (`info.unread`) plus live ones. */
  unread: UnreadCount;
  /**
   * The threads I take part in that the server or live replies told of: root seq → my unread
   * replies in it (the server's count from a page, plus live replies by others since).
   */
  threadUnread: Map<number, number>;
  /**
   * Others' thread-only replies in my threads that arrived after the room's listing (seq → root),
   * which the listing's `threadUnread` does not cover yet.
   */
  threadLive: Map<number, number>;
}

/** A thread that was opened: its root as it is now and its loaded replies, ascending. */
export interface ThreadData {
  room: string;
  root: ChatMessage;
  replies: ChatMessage[];
  more: boolean;
  /**
   * The last reply the server's pages reached: the next page starts after it. Live replies may
   * lie beyond it while `more` is true, with unloaded ones between.
   */
  pagedTo?: number;
}

export const threadKey = (room: string, root: number): string => `${room}|${root}`;

/** Whether a message is shown in the room's list: posts, and replies also sent to the room. */
export function inRoomList(m: ChatMessage): boolean {
  return m.change === undefined && (m.root === undefined || m.inRoom === true);
}

export class ChatStore {
  me = '';
  readonly rooms = new Map<string, RoomData>();
  readonly presence = new Map<string, PresenceEntry>();
  /** Preview URIs by fileId. */
  readonly media = new Map<string, string>();
  /** Threads opened in this session, by threadKey. */
  readonly threads = new Map<string, ThreadData>();

  init(me: string, rooms: RoomInfo[]): void {
    if (me !== this.me) {
      this.rooms.clear();
      this.media.clear();
      this.threads.clear();
    }
    this.me = me;
    this.setRooms(rooms);
  }

  /** The room list as the host knows it; loaded messages of known rooms are kept. */
  setRooms(rooms: RoomInfo[]): void {
    const ids = new Set(rooms.map((r) => r.id));
    for (const id of this.rooms.keys()) if (!ids.has(id)) this.rooms.delete(id);
    for (const info of rooms) {
      const r = this.rooms.get(info.id);
      if (r) {
        r.info = { ...info, lastSeq: Math.max(info.lastSeq, r.info.lastSeq), lastRead: Math.max(info.lastRead, r.info.lastRead) };
        r.unread.listed(info.lastSeq, listedUnread(info));
        for (const seq of r.threadLive.keys()) if (seq <= info.lastSeq) r.threadLive.delete(seq);
      } else {
        this.rooms.set(info.id, emptyRoom(info));
      }
    }
  }

  /** The room, created on first sight (e.g. a DM that someone just opened with me). */
  room(id: string): RoomData {
    let r = this.rooms.get(id);
    if (!r) {
      const dm = dmMembers(id);
      const name = dm ? (dm[0] === this.me ? dm[1] : dm[0]) : id;
      r = emptyRoom({ id, kind: dm ? 'dm' : 'group', name, ...(dm ? { members: [...dm] } : {}), lastSeq: 0, lastRead: 0, unread: 0 });
      this.rooms.set(id, r);
    }
    return r;
  }

  /** Merges messages into their room; true when anything new arrived. */
  addMessages(roomId: string, msgs: readonly ChatMessage[], page?: { more?: boolean; prepend?: boolean }): boolean {
    const r = this.room(roomId);
    if (page?.prepend) {
      r.loading = false;
      if (page.more !== undefined) r.more = page.more;
      else if (msgs.length === 0) r.more = false;
    } else if (page?.more !== undefined && r.more === undefined) {
      r.more = page.more;
    }
    // Live replies and changes update what they concern; history pages hold no such events.
    let folded = false;
    if (!page?.prepend) {
      for (const m of msgs) if (m.room === roomId && (m.root !== undefined || m.change !== undefined)) folded = this.fold(r, m) || folded;
    }
    const fresh = msgs.filter((m) => m.room === roomId && inRoomList(m) && !r.seqs.has(m.seq));
    if (fresh.length === 0) return page?.prepend === true || folded;
    const last = r.messages.length ? r.messages[r.messages.length - 1].seq : -1;
    fresh.sort((a, b) => a.seq - b.seq);
    if (fresh[0].seq > last) r.messages.push(...fresh);
    else r.messages = r.messages.concat(fresh).sort((a, b) => a.seq - b.seq);
    for (const m of fresh) {
      r.seqs.add(m.seq);
      r.typing.delete(m.from);
      if (m.event !== undefined) {
        // A room event is never unread: a room that was read stays read.
        if (m.seq > r.info.lastSeq) {
          if (r.info.lastRead >= r.info.lastSeq) r.info.lastRead = m.seq;
          r.info.lastSeq = m.seq;
        }
        continue;
      }
      // Live messages that name me add to the server's count until the room is read.
      if (!page?.prepend && m.from !== this.me && m.seq > r.info.lastRead && m.seq > r.info.lastSeq && this.namesMe(m)) {
        r.info.mentions = (r.info.mentions ?? 0) + 1;
      }
      if (!page?.prepend && m.from !== this.me && m.deleted !== true) r.unread.add(m.seq, r.info.lastRead);
      if (m.seq > r.info.lastSeq) r.info.lastSeq = m.seq;
      if (m.from === this.me) {
        if (m.seq > r.info.lastRead) r.info.lastRead = m.seq;
        if (m.cid) r.pending = r.pending.filter((p) => p.cid !== m.cid);
      }
    }
    return true;
  }

  private namesMe(m: ChatMessage): boolean {
    const names = mentionedNames(m.text);
    return names.includes(this.me) || names.includes(ROOM_MENTION);
  }

  /** Unread messages that mention me (the server's count, plus live ones); 0 once read. */
  mentionCount(roomId: string): number {
    const r = this.rooms.get(roomId);
    return r && this.unreadCount(roomId) > 0 ? r.info.mentions ?? 0 : 0;
  }

  /** Folds change events into the messages they target; true when anything changed. */
  applyChanges(roomId: string, events: readonly ChatMessage[]): boolean {
    const r = this.room(roomId);
    let changed = false;
    for (const e of events) if (e.room === roomId && e.change !== undefined) changed = this.fold(r, e) || changed;
    return changed;
  }

  /** One change or reply, applied once: to the room's list, and to any loaded thread. */
  private fold(r: RoomData, event: ChatMessage): boolean {
    if (r.applied.has(event.seq)) return false;
    r.applied.add(event.seq);
    if (event.change?.kind === 'delete' && r.unread.isNew(event.seq)) r.unread.deleted(event.change.target, r.info.lastRead, event.from !== this.me);
    // A change or a thread-only reply takes a seq but is no unread room message.
    if (event.seq > r.info.lastSeq && event.inRoom !== true) {
      if (r.info.lastRead >= r.info.lastSeq) r.info.lastRead = event.seq;
      r.info.lastSeq = event.seq;
    }
    if (event.root !== undefined) r.typing.delete(event.from);
    let changed = false;
    if (event.root !== undefined && event.change === undefined) changed = this.countReply(r, event, event.root);
    const target = event.change?.target ?? event.root;
    const i = target === undefined ? -1 : indexOfSeq(r.messages, target);
    if (i >= 0) {
      const next = applyEvent(r.messages[i], event);
      if (next !== r.messages[i]) {
        r.messages[i] = next;
        changed = true;
      }
    }
    for (const t of this.threads.values()) {
      if (t.room !== event.room) continue;
      const root = applyEvent(t.root, event);
      if (root !== t.root) {
        t.root = root;
        changed = true;
      }
      if (event.change === undefined) {
        if (event.root === t.root.seq && !t.replies.some((x) => x.seq === event.seq)) {
          t.replies.push(event);
          t.replies.sort((a, b) => a.seq - b.seq);
          changed = true;
        }
        continue;
      }
      const j = indexOfSeq(t.replies, event.change.target);
      if (j >= 0) {
        const next = applyEvent(t.replies[j], event);
        if (next !== t.replies[j]) {
          t.replies[j] = next;
          changed = true;
        }
      }
    }
    return changed;
  }

  /**
   * A live reply in the thread of `root`: mine makes me a participant with nothing unread there
   * (replying reads the thread); someone else's counts when I take part (I wrote the root, the
   * server listed the thread as mine, or the reply names me). True when a count changed.
   */
  private countReply(r: RoomData, reply: ChatMessage, root: number): boolean {
    if (reply.from === this.me) {
      const had = r.threadUnread.get(root);
      r.threadUnread.set(root, 0);
      for (const [seq, of] of r.threadLive) if (of === root) r.threadLive.delete(seq);
      return had !== 0;
    }
    const rootMsg = this.message(r.info.id, root);
    const mine = r.threadUnread.has(root) || rootMsg?.from === this.me || mentionedNames(reply.text).includes(this.me);
    if (!mine || reply.deleted === true) return false;
    r.threadUnread.set(root, (r.threadUnread.get(root) ?? 0) + 1);
    if (reply.inRoom !== true && r.unread.isNew(reply.seq)) r.threadLive.set(reply.seq, root);
    return true;
  }

  /** The server's unread counts for threads I take part in (root seq → count), from a page. */
  setThreadUnread(roomId: string, counts: Readonly<Record<string, number>>): void {
    const r = this.room(roomId);
    for (const [root, n] of Object.entries(counts)) {
      const seq = Number(root);
      if (Number.isSafeInteger(seq) && seq > 0 && Number.isSafeInteger(n) && n >= 0) r.threadUnread.set(seq, n);
    }
  }

  /** My unread replies in a thread; undefined when I take no part in it (as far as I know). */
  threadUnreadOf(roomId: string, root: number): number | undefined {
    return this.rooms.get(roomId)?.threadUnread.get(root);
  }

  /**
   * The thread was read (it is open on screen): nothing in it is unread any more. Returns the
   * seq to report as read (its last loaded reply), or undefined when I take no part in it or
   * there is nothing to report.
   */
  threadRead(roomId: string, root: number): number | undefined {
    const r = this.rooms.get(roomId);
    if (!r?.threadUnread.has(root)) return undefined;
    const had = r.threadUnread.get(root) ?? 0;
    r.threadUnread.set(root, 0);
    let live = false;
    for (const [seq, of] of r.threadLive) {
      if (of !== root) continue;
      r.threadLive.delete(seq);
      live = true;
    }
    const last = this.threads.get(threadKey(roomId, root))?.replies.at(-1)?.seq;
    return had > 0 || live ? last : undefined;
  }

  /**
   * What the room list shows for a room: its unread timeline messages, plus the thread-only
   * replies unread in the threads I take part in (the server's `threadUnread`, plus live ones).
   */
  roomBadge(roomId: string): number {
    const r = this.rooms.get(roomId);
    if (!r) return 0;
    return this.unreadCount(roomId) + (r.info.threadUnread ?? 0) + r.threadLive.size;
  }

  /** A thread as the server sent it; replies that arrived live meanwhile are kept. */
  setThread(room: string, root: ChatMessage, replies: readonly ChatMessage[], more: boolean): ThreadData {
    const key = threadKey(room, root.seq);
    const old = this.threads.get(key);
    const bySeq = new Map<number, ChatMessage>();
    for (const m of old?.replies ?? []) bySeq.set(m.seq, m);
    for (const m of replies) bySeq.set(m.seq, m);
    const pagedTo = Math.max(old?.pagedTo ?? 0, replies.at(-1)?.seq ?? 0) || undefined;
    const t: ThreadData = { room, root, replies: [...bySeq.values()].sort((a, b) => a.seq - b.seq), more, ...(pagedTo !== undefined ? { pagedTo } : {}) };
    this.threads.set(key, t);
    // The room's copy of the root catches up with the thread's.
    const r = this.room(room);
    const i = indexOfSeq(r.messages, root.seq);
    if (i >= 0) r.messages[i] = root;
    for (const m of replies) r.applied.add(m.seq);
    return t;
  }

  /** A message of the room's list or of a loaded thread. */
  message(roomId: string, seq: number): ChatMessage | undefined {
    const r = this.rooms.get(roomId);
    const i = r ? indexOfSeq(r.messages, seq) : -1;
    if (r && i >= 0) return r.messages[i];
    for (const t of this.threads.values()) {
      if (t.room !== roomId) continue;
      if (t.root.seq === seq) return t.root;
      const j = indexOfSeq(t.replies, seq);
      if (j >= 0) return t.replies[j];
    }
    return undefined;
  }

  /** My newest message in a list that can still be edited (has text, not deleted). */
  lastEditable(list: readonly ChatMessage[]): ChatMessage | undefined {
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i];
      if (m.from === this.me && m.deleted !== true && m.text !== undefined) return m;
    }
    return undefined;
  }

  /** Creates or updates one of my unsent messages. */
  setPending(roomId: string, cid: string, text: string, state: PendingState, now = Date.now()): void {
    for (const r of this.rooms.values()) {
      const p = r.pending.find((x) => x.cid === cid);
      if (p) {
        p.state = state;
        return;
      }
    }
    this.room(roomId).pending.push({ room: roomId, cid, text, state, ts: now });
  }

  /** My message `cid` was stored as `seq`: it becomes an ordinary message. Returns its room. */
  ack(cid: string, seq: number, extra: { room?: string; ts?: number; msgId?: string } = {}): string | undefined {
    for (const r of this.rooms.values()) {
      const p = r.pending.find((x) => x.cid === cid);
      if (!p) continue;
      r.pending = r.pending.filter((x) => x !== p);
      const room = extra.room ?? p.room;
      this.addMessages(room, [{ room, seq, ts: extra.ts ?? Date.now(), msgId: extra.msgId ?? cid, from: this.me, cid, text: p.text }]);
      return room;
    }
    return undefined;
  }

  setReadMark(roomId: string, user: string, seq: number): void {
    const r = this.room(roomId);
    if (user === this.me) {
      r.info.lastRead = Math.max(r.info.lastRead, seq);
      return;
    }
    r.readMarks.set(user, Math.max(r.readMarks.get(user) ?? 0, seq));
  }

  setTyping(roomId: string, user: string, now = Date.now()): void {
    if (user === this.me) return;
    this.room(roomId).typing.set(user, now + TYPING_TTL_MS);
  }

  typingUsers(roomId: string, now = Date.now()): string[] {
    const r = this.rooms.get(roomId);
    if (!r) return [];
    const out: string[] = [];
    for (const [user, until] of r.typing) {
      if (until > now) out.push(user);
      else r.typing.delete(user);
    }
    return out.sort();
  }

  applyPresence(users?: PresenceEntry[], changes?: PresenceEntry[]): void {
    if (users) {
      this.presence.clear();
      for (const p of users) this.presence.set(p.user, p);
    }
    for (const p of changes ?? []) this.presence.set(p.user, p);
  }

  /** Others' unread messages in the room's timeline (never my own, never change events). */
  unreadCount(roomId: string): number {
    const r = this.rooms.get(roomId);
    if (!r) return 0;
    r.unread.read(r.info.lastRead);
    return r.unread.value;
  }

  /** People who can be @mentioned in a room. */
  membersOf(roomId: string): string[] {
    const r = this.rooms.get(roomId);
    if (r?.info.members?.length) return r.info.members;
    const names = new Set(this.presence.keys());
    for (const m of r?.messages ?? []) names.add(m.from);
    return [...names];
  }

  /** The other person of a DM room. */
  peerOf(roomId: string): string | undefined {
    const dm = dmMembers(roomId);
    if (!dm) return undefined;
    return dm[0] === this.me ? dm[1] : dm[0];
  }

  /** Display name: a DM shows the other person. */
  title(roomId: string): string {
    return this.peerOf(roomId) ?? this.rooms.get(roomId)?.info.name ?? roomId;
  }
}

/** The host's count, which covers the room up to info.lastSeq; from an older host, the seqs stand in. */
function listedUnread(info: RoomInfo): number {
  return typeof info.unread === 'number' ? info.unread : Math.max(0, info.lastSeq - info.lastRead);
}

function emptyRoom(info: RoomInfo): RoomData {
  const unread = new UnreadCount();
  unread.listed(info.lastSeq, listedUnread(info));
  return {
    unread,
    threadUnread: new Map(),
    threadLive: new Map(),
    info: { ...info },
    messages: [],
    seqs: new Set(),
    pending: [],
    more: undefined,
    loading: false,
    readMarks: new Map(),
    typing: new Map(),
    applied: new Set(),
  };
}

/** Index of `seq` in an ascending list, or -1. */
export function indexOfSeq(list: readonly ChatMessage[], seq: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid].seq;
    if (s === seq) return mid;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
