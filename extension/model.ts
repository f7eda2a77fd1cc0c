// What the extension knows about rooms, unread counts and people. No vscode import, so the
// tree, badge, status bar and notifications can all be derived (and unit-tested) from it.
import { GENERAL_ROOM, dmMembers, type ChatMessage, type PresenceEntry, type PresenceStatus, type RoomInfo } from '../protocol';

export interface RoomState {
  info: RoomInfo;
  /** Joined rooms and DMs appear as `joined`; rooms listed by the server but not joined as `available`. */
  joined: boolean;
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
    this.changed();
  }

  clear(): void {
    this.me = undefined;
    this.rooms.clear();
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
      const unread = joined ? lastSeq - lastRead : 0;
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
      else if (id !== GENERAL_ROOM) next.set(id, { ...r, joined: false, unread: 0, mentions: 0 });
    }
    this.rooms.clear();
    for (const [id, r] of next) this.rooms.set(id, r);
    this.changed();
  }

  /** A DM room known locally before the server has it (created on the first message). */
  ensureDm(roomId: string): RoomState | undefined {
    const peer = this.dmPeer(roomId);
    if (!peer || !this.me) return undefined;
    let r = this.rooms.get(roomId);
    if (!r) {
      r = { info: { id: roomId, kind: 'dm', name: peer, members: [this.me, peer].sort(), lastSeq: 0, lastRead: 0 }, joined: true, unread: 0, mentions: 0 };
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
   * Counts a message (the client delivers each exactly once). `seen` is true when the user is
   * looking at that room, so it is read at once.
   */
  addMessage(msg: ChatMessage, seen: boolean): void {
    let r = this.rooms.get(msg.room) ?? this.ensureDm(msg.room);
    if (!r) {
      // A group room joined on another connection.
      r = { info: { id: msg.room, kind: 'group', name: msg.room, lastSeq: 0, lastRead: 0 }, joined: true, unread: 0, mentions: 0 };
      this.rooms.set(msg.room, r);
    }
    r.info.lastSeq = Math.max(r.info.lastSeq, msg.seq);
    if (seen || msg.from === this.me) {
      r.info.lastRead = Math.max(r.info.lastRead, msg.seq);
    } else if (msg.seq > r.info.lastRead && this.me && mentions(msg, this.me)) {
      r.mentions += 1;
    }
    r.unread = r.joined ? Math.max(0, r.info.lastSeq - r.info.lastRead) : 0;
    if (r.unread === 0) r.mentions = 0;
    this.changed();
  }

  /**
   * A room event that is no new room message (a change, or a reply only in its thread): it
   * takes a seq, but a room that was read stays read.
   */
  noteEvent(room: string, seq: number): void {
    const r = this.rooms.get(room);
    if (!r || seq <= r.info.lastSeq) return;
    const read = r.info.lastRead >= r.info.lastSeq;
    r.info.lastSeq = seq;
    if (read) r.info.lastRead = seq;
    r.unread = r.joined ? Math.max(0, r.info.lastSeq - r.info.lastRead) : 0;
    this.changed();
  }

  /** The user read up to `seq` (here or on another of their connections). */
  markRead(room: string, seq: number): boolean {
    const r = this.rooms.get(room);
    if (!r || seq <= r.info.lastRead) return false;
    r.info.lastRead = Math.min(seq, r.info.lastSeq || seq);
    r.unread = Math.max(0, r.info.lastSeq - r.info.lastRead);
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
