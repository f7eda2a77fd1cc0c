import { GENERAL_ROOM, MAX_LISTED_ROOMS, ParleyError, ROOM_NAME_PATTERN, dmMembers, type RoomInfo, type RoomVisibility } from '../../protocol';
import type { Store } from '../store/store';

/** Members of one room, kept in memory for access checks and fan-out. `general` is everyone. */
export interface RoomEntry {
  id: string;
  kind: 'group' | 'dm';
  members: Set<string>;
  /** Group rooms: a private room is invisible to everyone outside it. */
  visibility: RoomVisibility;
  /** Only owners and admins post. */
  readOnly: boolean;
  /**
   * A DM whose first message is not sent yet: it is not stored, cached or listed, and answers as
   * an empty room. Only `access(…, { create: true })` (a message being sent) brings it into being.
   */
  unopened?: true;
}

/** A DM nobody has written to yet (see RoomEntry.unopened). */
export function isUnopened(room: RoomEntry | 'general'): boolean {
  return room !== 'general' && room.unopened === true;
}

/** Why a member is out of a room, as `room_left` tells them. */
export type LeaveReason = 'left' | 'removed' | 'banned';

/** What a non-member of a private room hears about it: the same as for no room at all. */
export const NO_SUCH_ROOM = 'No such room.';

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
  /** Asked before a DM comes into being: false when `other` blocks `user` (BLOCKED). */
  mayOpenDm?: (user: string, other: string) => boolean;
  /** With several nodes: told of each room as it is cached, with its lastSeq read before its members. */
  onCached?: (roomId: string, lastSeq: number) => void;
  /** With several nodes: told of every join and leave made here (and why one left), for the other nodes. */
  onMembership?: (roomId: string, user: string, op: 'join' | 'leave', why?: LeaveReason) => void;

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
        this.remember({ id: info.id, kind: info.kind, members: new Set(info.members), visibility: info.visibility ?? 'public', readOnly: info.readOnly === true });
      } else missing.push(info.id);
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
   * an unknown user, or a private room the user is not in: nothing tells it from no room),
   * FORBIDDEN for a public room the user is not in. A DM between two existing users comes into
   * being with its first message (`create`, BLOCKED when the other blocks the user); until then
   * it is an `unopened` entry that nothing stores.
   */
  async access(roomId: string, user: string, options: { create?: boolean } = {}): Promise<RoomEntry | 'general'> {
    const hit = this.cachedAccess(roomId, user);
    if (hit !== undefined) return hit;
    if (roomId.startsWith('dm:')) return this.dmAccess(roomId, user, options.create === true);
    const entry = await this.load(roomId);
    if (entry === undefined) throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
    if (!entry.members.has(user)) {
      if (entry.visibility === 'private') throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
      throw new ParleyError('FORBIDDEN', 'Join the room first.');
    }
    return entry;
  }

  /**
   * A group room (not general) as its owners and admins act on it. A private room the user is not
   * in is NOT_FOUND unless `seeAll` (a server administrator).
   */
  async group(roomId: string, user: string, seeAll: boolean): Promise<RoomEntry> {
    if (roomId === GENERAL_ROOM) throw new ParleyError('INVALID', 'Everyone is in general: it has no invitations, removals or roles.');
    const entry = roomId.startsWith('dm:') ? undefined : await this.load(roomId);
    if (entry === undefined) throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
    if (entry.kind === 'dm') throw new ParleyError('INVALID', 'Direct conversations have no invitations, removals or roles.');
    if (!seeAll && entry.visibility === 'private' && !entry.members.has(user)) throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
    return entry;
  }

  /** The room as cached (loaded when needed), whoever asks; undefined when there is no such room. */
  entry(roomId: string): Promise<RoomEntry | undefined> {
    return this.load(roomId);
  }

  /** Records a new member of a cached room (the store has them already). */
  added(entry: RoomEntry, user: string): void {
    if (entry.members.has(user)) return;
    entry.members.add(user);
    this.index(user, entry);
    this.onMembership?.(entry.id, user, 'join');
    this.onJoined?.(user, entry);
  }

  /** Records that a member left or was removed (the store knows already). */
  removed(entry: RoomEntry, user: string, why: LeaveReason = 'left'): void {
    entry.members.delete(user);
    this.byUser.get(user)?.delete(entry);
    this.onMembership?.(entry.id, user, 'leave', why);
  }

  private async dmAccess(roomId: string, user: string, create: boolean): Promise<RoomEntry> {
    const pair = dmMembers(roomId);
    if (pair === undefined) throw new ParleyError('NOT_FOUND', 'No such room.');
    if (pair[0] !== user && pair[1] !== user) throw new ParleyError('FORBIDDEN', 'That is a private conversation of two other people.');
    const other = pair[0] === user ? pair[1] : pair[0];
    const existing = await this.load(roomId);
    if (existing !== undefined) return existing;
    if (!this.userExists(other)) throw new ParleyError('NOT_FOUND', `There is no user "${other}".`);
    if (!create) return { id: roomId, kind: 'dm', members: new Set(pair), visibility: 'public', readOnly: false, unopened: true };
    if (this.mayOpenDm?.(user, other) === false) throw new ParleyError('BLOCKED', `${other} does not take direct messages from you.`);
    await this.store.createRoom({ id: roomId, kind: 'dm', name: `${pair[0]} & ${pair[1]}`, createdBy: user, createdAt: Date.now() }, pair);
    // Created now or by a concurrent request: either way it exists.
    this.loading.delete(roomId);
    const entry = await this.load(roomId);
    if (entry === undefined) throw new ParleyError('STORE_UNAVAILABLE');
    this.onJoined?.(user, entry);
    return entry;
  }

  /** Creates a group room with its creator as the only member and its owner. */
  async create(name: string, user: string, visibility: RoomVisibility = 'public', topic?: string): Promise<RoomInfo> {
    if (!ROOM_NAME_PATTERN.test(name) || name === GENERAL_ROOM) {
      throw new ParleyError('INVALID', 'Room names are 1 to 64 lower-case letters, digits, "_", "." or "-", and not "general".');
    }
    const record = { id: name, kind: 'group' as const, name, createdBy: user, createdAt: Date.now(), visibility, ...(topic ? { topic } : {}) };
    const created = await this.store.createRoom(record, [user]);
    // A private room's name is not told apart from a public one's: both are taken.
    if (!created) throw new ParleyError('INVALID', 'A room with that name exists already.');
    this.onCached?.(name, 0);
    this.remember({ id: name, kind: 'group', members: new Set([user]), visibility, readOnly: false });
    return this.info(name, user);
  }

  /**
   * Joins a room; returns whether the user was new to it (and the room). A banned user gets
   * BANNED (NOT_FOUND for a private room); a private room takes only the invited (the join
   * accepts the invitation) and server administrators (`seeAll`).
   */
  async join(roomId: string, user: string, seeAll = false): Promise<{ info: RoomInfo; entry?: RoomEntry; joined: boolean }> {
    if (roomId === GENERAL_ROOM) return { info: await this.info(roomId, user), joined: false };
    const entry = await this.load(roomId);
    if (entry === undefined) throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
    if (entry.kind === 'dm') {
      if (!entry.members.has(user)) throw new ParleyError('FORBIDDEN', 'That is a private conversation of two other people.');
      return { info: await this.info(roomId, user), entry, joined: false };
    }
    if (entry.members.has(user)) return { info: await this.info(roomId, user), entry, joined: false };
    const hidden = entry.visibility === 'private' && !seeAll;
    if (await this.store.isBanned(roomId, user)) {
      if (hidden) throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
      throw new ParleyError('BANNED', 'You are banned from this room.');
    }
    if (hidden && !(await this.store.invitationsOf(user)).some((i) => i.room === roomId)) throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
    // An empty room (its last owner left it, alone) is taken over by whoever comes next.
    await this.store.addMember(roomId, user, entry.members.size === 0 ? 'owner' : undefined);
    this.added(entry, user);
    return { info: await this.info(roomId, user), entry, joined: true };
  }

  /** Leaves a group room; returns the room when the user was in it. The last owner cannot leave others behind: LAST_OWNER. */
  async leave(roomId: string, user: string): Promise<RoomEntry | undefined> {
    if (roomId === GENERAL_ROOM) throw new ParleyError('FORBIDDEN', 'Everyone stays in general.');
    const entry = await this.load(roomId);
    if (entry === undefined) throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
    if (entry.kind === 'dm') throw new ParleyError('FORBIDDEN', 'Direct conversations cannot be left.');
    if (!entry.members.has(user)) {
      if (entry.visibility === 'private') throw new ParleyError('NOT_FOUND', NO_SUCH_ROOM);
      return undefined;
    }
    if ((await this.store.roleOf(roomId, user)) === 'owner') {
      const owners = (await this.store.memberRoles(roomId)).filter((m) => m.role === 'owner');
      // Alone in the room, the owner may go: nobody is left without one.
      if (owners.length <= 1 && entry.members.size > 1) {
        throw new ParleyError('LAST_OWNER', `You are the only owner of ${roomId}: hand it over first (parley role ${roomId} USER owner), then leave.`);
      }
    }
    await this.store.removeMember(roomId, user);
    this.removed(entry, user);
    return entry;
  }

  /** A deleted account leaves every cached room (the store removed its memberships). */
  forgetUser(user: string): void {
    for (const entry of this.byUser.get(user) ?? []) entry.members.delete(user);
    this.byUser.delete(user);
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
    const entry: RoomEntry = {
      id: roomId, kind: room.kind, members: new Set(members), visibility: room.visibility ?? 'public', readOnly: room.readOnly === true,
    };
    this.onCached?.(roomId, lastSeq);
    this.remember(entry);
    return entry;
  }
}
