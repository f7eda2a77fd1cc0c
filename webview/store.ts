// What the webview knows: rooms, their loaded messages, my unsent messages, presence, typing
// and read marks. No DOM here; the app renders from it.
import { dmMembers, type ChatMessage, type PresenceEntry, type RoomInfo } from '../protocol/messages';
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
}

export class ChatStore {
  me = '';
  readonly rooms = new Map<string, RoomData>();
  readonly presence = new Map<string, PresenceEntry>();
  /** Preview URIs by fileId. */
  readonly media = new Map<string, string>();

  init(me: string, rooms: RoomInfo[]): void {
    if (me !== this.me) {
      this.rooms.clear();
      this.media.clear();
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
      r = emptyRoom({ id, kind: dm ? 'dm' : 'group', name, ...(dm ? { members: [...dm] } : {}), lastSeq: 0, lastRead: 0 });
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
    const fresh = msgs.filter((m) => m.room === roomId && !r.seqs.has(m.seq));
    if (fresh.length === 0) return page?.prepend === true;
    const last = r.messages.length ? r.messages[r.messages.length - 1].seq : -1;
    fresh.sort((a, b) => a.seq - b.seq);
    if (fresh[0].seq > last) r.messages.push(...fresh);
    else r.messages = r.messages.concat(fresh).sort((a, b) => a.seq - b.seq);
    for (const m of fresh) {
      r.seqs.add(m.seq);
      r.typing.delete(m.from);
      if (m.seq > r.info.lastSeq) r.info.lastSeq = m.seq;
      if (m.from === this.me) {
        if (m.seq > r.info.lastRead) r.info.lastRead = m.seq;
        if (m.cid) r.pending = r.pending.filter((p) => p.cid !== m.cid);
      }
    }
    return true;
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

  unreadCount(roomId: string): number {
    const r = this.rooms.get(roomId);
    return r ? Math.max(0, r.info.lastSeq - r.info.lastRead) : 0;
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

function emptyRoom(info: RoomInfo): RoomData {
  return {
    info: { ...info },
    messages: [],
    seqs: new Set(),
    pending: [],
    more: undefined,
    loading: false,
    readMarks: new Map(),
    typing: new Map(),
  };
}
