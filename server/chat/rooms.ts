import { GENERAL_ROOM, MAX_LISTED_ROOMS, ParleyError, ROOM_NAME_PATTERN, dmMembers, type RoomInfo } from '../../protocol';
import type { Store } from '../store/store';

/** Members of one room, kept in memory for access checks and fan-out. `general` is everyone. */
export interface RoomEntry {
  id: string;
  kind: 'group' | 'dm';
  members: Set<string>;
}

/**
 * Rooms and their members, cached from the Store. A single server is the only writer, so the
 * cache stays right as long as every change goes through here; with several nodes the others'
 * joins and leaves arrive through the cluster (memberChanged, refreshMembers).
 */
export class Rooms {
  private readonly cache = new Map<string, RoomEntry>();
  private readonly loading = new Map<string, Promise<RoomEntry | undefined>>();
  /** The cached rooms of each user (general aside): whom presence goes to. */
  private readonly byUser = new Map<string, Set<RoomEntry>>();
  /** Told when a user joins a room (a DM included) they were not in: presence introduces them. */
  onJoined?: (user: string, room: RoomEntry) => void;
  /** With several nodes: told of each room as it is cached, with its lastSeq read before its members. */
  onCached?: (roomId: string, lastSeq: number) => void;
  /** With several nodes: told of every join and leave made here, for the other nodes' caches. */
  onMembership?: (roomId: string, user: string, op: 'join' | 'leave') => void;

  constructor(
    private readonly store: Store,
    private readonly userExists: (name: string) => boolean,
  ) {}

  /**
   * Everyone who shares a room other than general with `user`, among the cached rooms. A signed-in
   * user's rooms are all cached (see prime), so for them and for whoever shares a room with them
   * this is complete. Presence goes to everyone while every user is in general; this is the
   * audience it narrows to for a user who is not.
   */
  contacts(user: string): Set<string> {
    const out = new Set<string>();
    for (const entry of this.byUser.get(user) ?? []) for (const member of entry.members) if (member !== user) out.add(member);
    return out;
  }

  /** Caches a signing-in user's rooms, from the session's room list where it holds every member. */
  async prime(rooms: readonly RoomInfo[]): Promise<void> {
    const missing: string[] = [];
    for (const info of rooms) {
      if (info.id === GENERAL_ROOM || this.cache.has(info.id)) continue;
      if (info.members !== undefined && info.memberCount === undefined) {
        this.onCached?.(info.id, info.lastSeq);
        this.remember({ id: info.id, kind: info.kind, members: new Set(info.members) });
      }
      else missing.push(info.id);
    }
    await Promise.all(missing.map((id) => this.load(id)));
  }

  private remember(entry: RoomEntry): void {
    this.cache.set(entry.id, entry);
    for (const member of entry.members) this.index(member, entry);
  }

  private index(user: string, entry: RoomEntry): void {
    let mine = this.byUser.get(user);
    if (mine === undefined) {
      mine = new Set();
      this.byUser.set(user, mine);
    }
    mine.add(entry);
  }

  /** The cached room when the user may use it; undefined when only `access` can tell. */
  cachedAccess(roomId: string, user: string): RoomEntry | 'general' | undefined {
    if (roomId === GENERAL_ROOM) return 'general';
    const entry = this.cache.get(roomId);
    return entry !== undefined && entry.members.has(user) ? entry : undefined;
  }

  /**
   * Checks that `user` may read and write `roomId`: NOT_FOUND for no such room (or a DM with
   * an unknown user), FORBIDDEN for a room the user is not in. A DM between two existing users
   * is created on first use by either of them.
   */
  async access(roomId: string, user: string): Promise<RoomEntry | 'general'> {
    const hit = this.cachedAccess(roomId, user);
    if (hit !== undefined) return hit;
    if (roomId.startsWith('dm:')) return this.dmAccess(roomId, user);
    const entry = await this.load(roomId);
    if (entry === undefined) throw new ParleyError('NOT_FOUND', 'No such room.');
    if (!entry.members.has(user)) throw new ParleyError('FORBIDDEN', 'Join the room first.');
    return entry;
  }

  private async dmAccess(roomId: string, user: string): Promise<RoomEntry> {
    const pair = dmMembers(roomId);
    if (pair === undefined) throw new ParleyError('NOT_FOUND', 'No such room.');
    if (pair[0] !== user && pair[1] !== user) throw new ParleyError('FORBIDDEN', 'That is a private conversation of two other people.');
    const other = pair[0] === user ? pair[1] : pair[0];
    const existing = await this.load(roomId);
    if (existing !== undefined) return existing;
    if (!this.userExists(other)) throw new ParleyError('NOT_FOUND', `There is no user "${other}".`);
    await this.store.createRoom({ id: roomId, kind: 'dm', name: `${pair[0]} & ${pair[1]}`, createdBy: user, createdAt: Date.now() }, pair);
    // Created now or by a concurrent request: either way it exists.
    this.loading.delete(roomId);
    const entry = await this.load(roomId);
    if (entry === undefined) throw new ParleyError('STORE_UNAVAILABLE');
    this.onJoined?.(user, entry);
    return entry;
  }

  /** Creates a group room with its creator as the only member. */
  async create(name: string, user: string): Promise<RoomInfo> {
    if (!ROOM_NAME_PATTERN.test(name) || name === GENERAL_ROOM) {
      throw new ParleyError('INVALID', 'Room names are 1 to 64 lower-case letters, digits, "_", "." or "-", and not "general".');
    }
    const created = await this.store.createRoom({ id: name, kind: 'group', name, createdBy: user, createdAt: Date.now() }, [user]);
    if (!created) throw new ParleyError('INVALID', 'A room with that name exists already.');
    this.onCached?.(name, 0);
    this.remember({ id: name, kind: 'group', members: new Set([user]) });
    return this.info(name, user);
  }

  async join(roomId: string, user: string): Promise<RoomInfo> {
    if (roomId === GENERAL_ROOM) return this.info(roomId, user);
    const entry = await this.load(roomId);
    if (entry === undefined) throw new ParleyError('NOT_FOUND', 'No such room.');
    if (entry.kind === 'dm') {
      if (!entry.members.has(user)) throw new ParleyError('FORBIDDEN', 'That is a private conversation of two other people.');
      return this.info(roomId, user);
    }
    if (!entry.members.has(user)) {
      await this.store.addMember(roomId, user);
      entry.members.add(user);
      this.index(user, entry);
      this.onMembership?.(roomId, user, 'join');
      this.onJoined?.(user, entry);
    }
    return this.info(roomId, user);
  }

  async leave(roomId: string, user: string): Promise<void> {
    if (roomId === GENERAL_ROOM) throw new ParleyError('FORBIDDEN', 'Everyone stays in general.');
    const entry = await this.load(roomId);
    if (entry === undefined) throw new ParleyError('NOT_FOUND', 'No such room.');
    if (entry.kind === 'dm') throw new ParleyError('FORBIDDEN', 'Direct conversations cannot be left.');
    if (!entry.members.has(user)) return;
    await this.store.removeMember(roomId, user);
    entry.members.delete(user);
    this.byUser.get(user)?.delete(entry);
    this.onMembership?.(roomId, user, 'leave');
  }

  /** The cached room, if this node has it. */
  peek(roomId: string): RoomEntry | undefined {
    return this.cache.get(roomId);
  }

  /** The room, cached from the store when it is not yet. */
  ensure(roomId: string): Promise<RoomEntry | undefined> {
    return this.load(roomId);
  }

  /**
   * Reads every cached room's members again (after a Redis outage, when other nodes' joins and
   * leaves may have been missed); returns the rooms whose members changed, with who joined.
   */
  async refreshMembers(): Promise<{ entry: RoomEntry; joined: string[]; left: string[] }[]> {
    const changed: { entry: RoomEntry; joined: string[]; left: string[] }[] = [];
    for (const entry of [...this.cache.values()]) {
      const now = new Set(await this.store.members(entry.id));
      const joined = [...now].filter((u) => !entry.members.has(u));
      const left = [...entry.members].filter((u) => !now.has(u));
      for (const u of joined) this.memberChanged(entry.id, u, 'join');
      for (const u of left) this.memberChanged(entry.id, u, 'leave');
      if (joined.length > 0 || left.length > 0) changed.push({ entry, joined, left });
    }
    return changed;
  }

  /** A join or leave made on another node; a room not cached here is read fresh when needed. */
  memberChanged(roomId: string, user: string, op: 'join' | 'leave'): RoomEntry | undefined {
    const entry = this.cache.get(roomId);
    if (entry === undefined) return undefined;
    if (op === 'join') {
      if (entry.members.has(user)) return undefined;
      entry.members.add(user);
      this.index(user, entry);
    } else {
      entry.members.delete(user);
      this.byUser.get(user)?.delete(entry);
    }
    return entry;
  }

  /**
   * The user's rooms, then at most MAX_LISTED_ROOMS group rooms they could join (recognisable by
   * `members`); `more` when there are more of those. Two store calls however many rooms exist.
   */
  async list(user: string): Promise<{ rooms: RoomInfo[]; more: boolean }> {
    const mine = await this.store.roomsOf(user);
    const others = await this.store.joinableRooms(user, MAX_LISTED_ROOMS + 1);
    const more = others.length > MAX_LISTED_ROOMS;
    return { rooms: [...mine, ...others.slice(0, MAX_LISTED_ROOMS)], more };
  }

  async info(roomId: string, user: string): Promise<RoomInfo> {
    const info = await this.store.roomInfo(roomId, user);
    if (info === undefined) throw new ParleyError('NOT_FOUND', 'No such room.');
    return info;
  }

  private load(roomId: string): Promise<RoomEntry | undefined> {
    const cached = this.cache.get(roomId);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.loading.get(roomId);
    if (pending === undefined) {
      pending = this.fetch(roomId).finally(() => this.loading.delete(roomId));
      this.loading.set(roomId, pending);
    }
    return pending;
  }

  private async fetch(roomId: string): Promise<RoomEntry | undefined> {
    // Read first: what is committed after it reaches this node as it is published (or filled).
    const lastSeq = this.onCached === undefined ? 0 : await this.store.lastSeq(roomId);
    const room = await this.store.getRoom(roomId);
    if (room === undefined) return undefined;
    const members = await this.store.members(roomId);
    // A concurrent load or create may have filled the cache meanwhile; keep that one.
    const existing = this.cache.get(roomId);
    if (existing !== undefined) return existing;
    const entry: RoomEntry = { id: roomId, kind: room.kind, members: new Set(members) };
    this.onCached?.(roomId, lastSeq);
    this.remember(entry);
    return entry;
  }
}
