// What the extension knows about rooms, unread counts and people. No vscode import, so the
// tree, badge, status bar and notifications can all be derived (and unit-tested) from it.
import { GENERAL_ROOM, dmMembers, type ChatMessage, type PresenceEntry, type PresenceStatus, type RoomInfo } from '../protocol';
import { UnreadCount } from '../protocol/unread-count';

export interface RoomState {
  info: RoomInfo;
  /** Joined rooms and DMs appear as `joined`; rooms listed by the server but not joined as `available`. */
  joined: boolean;
  /**
   * Others' messages after the read mark that the timeline shows, not deleted: the server's count
   * from the last listing plus the live ones since. Never the user's own, never change events.
   */
  unread: number;
  /** @mentions of the signed-in user among the unread messages. */
  mentions: number;
}

export interface PersonState {
  user: string;
  status: PresenceStatus;
  context?: string;
}

type Listener = () => void;

export class ChatModel {
  private me: string | undefined;
  private readonly rooms = new Map<string, RoomState>();
  private readonly counts = new Map<string, UnreadCount>();
  private readonly people = new Map<string, PersonState>();
  private readonly listeners = new Set<Listener>();

  get user(): string | undefined {
    return this.me;
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Signing in as someone else starts with no rooms; presence is the server's, so it stays. */
  setUser(user: string): void {
    if (this.me === user) return;
    this.me = user;
    this.rooms.clear();
    this.counts.clear();
    this.changed();
  }

  clear(): void {
    this.me = undefined;
    this.rooms.clear();
    this.counts.clear();
    this.people.clear();
    this.changed();
  }

  /**
   * The client's room list (the session's rooms plus any the server listed as joinable).
   * Seqs and read marks only move forward: a list fetched earlier never undoes newer messages.
   */
  setRooms(list: RoomInfo[]): void {
    const next = new Map<string, RoomState>();
    for (const info of list) {
      const prev = this.rooms.get(info.id);
      const joined = this.isMember(info);
      const lastSeq = Math.max(prev?.info.lastSeq ?? 0, info.lastSeq);
      const lastRead = Math.min(lastSeq, Math.max(prev?.info.lastRead ?? 0, info.lastRead));
      const count = this.count(info.id);
      if (joined) {
        count.listed(info.lastSeq, serverUnread(info));
        count.read(lastRead);
      } else {
        count.clear();
      }
      const unread = joined ? count.value : 0;
      next.set(info.id, {
        info: { ...info, lastSeq, lastRead },
        joined,
        unread,
        // The server counts mentions exactly; between lists, live messages add to it.
        mentions: unread > 0 ? info.mentions ?? prev?.mentions ?? 0 : 0,
      });
    }
    for (const [id, r] of this.rooms) {
      if (next.has(id)) continue;
      // DMs opened here or started by someone else stay until the server lists them; group
      // rooms missing from a session's list (left, or only ever listed as joinable) stay joinable.
      if (r.info.kind === 'dm') next.set(id, r);
      else if (id !== GENERAL_ROOM) {
        this.count(id).clear();
        next.set(id, { ...r, joined: false, unread: 0, mentions: 0 });
      }
    }
    this.rooms.clear();
    for (const [id, r] of next) this.rooms.set(id, r);
    for (const id of [...this.counts.keys()]) if (!next.has(id)) this.counts.delete(id);
    this.changed();
  }

  private count(room: string): UnreadCount {
    let c = this.counts.get(room);
    if (!c) this.counts.set(room, (c = new UnreadCount()));
    return c;
  }

  /** A DM room known locally before the server has it (created on the first message). */
  ensureDm(roomId: string): RoomState | undefined {
    const peer = this.dmPeer(roomId);
    if (!peer || !this.me) return undefined;
    let r = this.rooms.get(roomId);
    if (!r) {
      r = { info: { id: roomId, kind: 'dm', name: peer, members: [this.me, peer].sort(), lastSeq: 0, lastRead: 0, unread: 0 }, joined: true, unread: 0, mentions: 0 };
      this.rooms.set(roomId, r);
      this.changed();
    }
    return r;
  }

  leaveRoom(id: string): void {
    const r = this.rooms.get(id);
    if (!r) return;
    r.joined = false;
    r.unread = 0;
    r.mentions = 0;
    this.count(id).clear();
    if (r.info.members && this.me) r.info = { ...r.info, members: r.info.members.filter((m) => m !== this.me) };
    this.changed();
  }

  private isMember(info: RoomInfo): boolean {
    if (info.kind === 'dm' || info.id === GENERAL_ROOM || !info.members) return true;
    return this.me !== undefined && info.members.includes(this.me);
  }

  room(id: string): RoomState | undefined {
    return this.rooms.get(id);
  }

  allRooms(): RoomState[] {
    return [...this.rooms.values()].sort(compareRooms);
  }

  /**
   * Counts a message of the room's timeline (the client delivers each exactly once; a resume may
   * replay what the last listing counted already). `seen` is true when the user is looking at
   * that room, so it is read at once. One's own message marks the room read, as the server does.
   */
  addMessage(msg: ChatMessage, seen: boolean): void {
    let r = this.rooms.get(msg.room) ?? this.ensureDm(msg.room);
    if (!r) {
      // A group room joined on another connection.
      r = { info: { id: msg.room, kind: 'group', name: msg.room, lastSeq: 0, lastRead: 0, unread: 0 }, joined: true, unread: 0, mentions: 0 };
      this.rooms.set(msg.room, r);
    }
    const count = this.count(msg.room);
    r.info.lastSeq = Math.max(r.info.lastSeq, msg.seq);
    if (seen || msg.from === this.me) {
      r.info.lastRead = Math.max(r.info.lastRead, msg.seq);
    } else if (shownInRoom(msg) && msg.deleted !== true) {
      if (msg.seq > r.info.lastRead && count.isNew(msg.seq) && this.me && mentions(msg, this.me)) r.mentions += 1;
      count.add(msg.seq, r.info.lastRead);
    }
    count.read(r.info.lastRead);
    r.unread = r.joined ? count.value : 0;
    if (r.unread === 0) r.mentions = 0;
    this.changed();
  }

  /**
   * A room event that is no new timeline message (a change, or a reply only in its thread): it
   * takes a seq but counts as nothing unread, and a room that was read stays read. A delete takes
   * its target out of the count.
   */
  noteEvent(event: ChatMessage): void {
    const r = this.rooms.get(event.room);
    if (!r) return;
    const count = this.count(event.room);
    if (event.change?.kind === 'delete' && count.isNew(event.seq)) {
      count.deleted(event.change.target, r.info.lastRead, event.from !== this.me);
    }
    if (event.seq > r.info.lastSeq) {
      const read = r.info.lastRead >= r.info.lastSeq;
      r.info.lastSeq = event.seq;
      if (read) r.info.lastRead = event.seq;
    }
    count.read(r.info.lastRead);
    r.unread = r.joined ? count.value : 0;
    if (r.unread === 0) r.mentions = 0;
    this.changed();
  }

  /** The user read up to `seq` (here or on another of their connections). */
  markRead(room: string, seq: number): boolean {
    const r = this.rooms.get(room);
    if (!r || seq <= r.info.lastRead) return false;
    r.info.lastRead = Math.min(seq, r.info.lastSeq || seq);
    const count = this.count(room);
    count.read(r.info.lastRead);
    r.unread = r.joined ? count.value : 0;
    if (r.unread === 0) r.mentions = 0;
    this.changed();
    return true;
  }

  unreadTotal(): number {
    let n = 0;
    for (const r of this.rooms.values()) if (r.joined) n += r.unread;
    return n;
  }

  setPresence(users: PresenceEntry[] | undefined, changes: PresenceEntry[] | undefined): void {
    if (users) {
      this.people.clear();
      for (const u of users) this.people.set(u.user, { ...u });
    }
    for (const c of changes ?? []) this.people.set(c.user, { ...c });
    this.changed();
  }

  person(user: string): PersonState | undefined {
    return this.people.get(user);
  }

  /** Everyone but the signed-in user, by name. */
  allPeople(): PersonState[] {
    return [...this.people.values()]
      .filter((p) => p.user !== this.me)
      .sort((a, b) => a.user.localeCompare(b.user));
  }

  /** The other member of a DM room, from the signed-in user's point of view. */
  dmPeer(roomId: string): string | undefined {
    const m = dmMembers(roomId);
    if (!m) return undefined;
    return m[0] === this.me ? m[1] : m[0];
  }

  /** What to call a room in the UI: `#name` for groups, `@peer` for DMs. */
  displayName(roomId: string): string {
    const r = this.rooms.get(roomId);
    if (roomId.startsWith('dm:')) return `@${this.dmPeer(roomId) ?? roomId}`;
    return `#${r?.info.name ?? roomId}`;
  }
}

/** Shown in the room's timeline: a post, or a thread reply also sent to the room. */
function shownInRoom(msg: ChatMessage): boolean {
  return msg.change === undefined && (msg.root === undefined || msg.inRoom === true);
}

/** The server's count; a server from before `unread` existed sends none, so the seqs stand in. */
function serverUnread(info: RoomInfo): number {
  return typeof info.unread === 'number' ? info.unread : Math.max(0, info.lastSeq - info.lastRead);
}

function compareRooms(a: RoomState, b: RoomState): number {
  if (a.joined !== b.joined) return a.joined ? -1 : 1;
  if (a.info.kind !== b.info.kind) return a.info.kind === 'group' ? -1 : 1;
  if (a.info.id === 'general') return -1;
  if (b.info.id === 'general') return 1;
  return a.info.name.localeCompare(b.info.name);
}

/** `@name` as a whole word in the text (case-insensitive, like most chat tools). */
export function mentions(msg: ChatMessage, user: string): boolean {
  if (!msg.text) return false;
  const escaped = user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_.-])@${escaped}(?![A-Za-z0-9_-])`, 'i').test(msg.text);
}
