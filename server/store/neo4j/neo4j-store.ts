import neo4j, { type Driver, type ManagedTransaction } from 'neo4j-driver';
import { randomBytes } from 'node:crypto';
import {
  DELETED_USER,
  GENERAL_ROOM,
  MAX_LISTED_MEMBERS,
  SEARCH_SCAN_LIMIT,
  UNREAD_LIMIT,
  type AuditEntry,
  type BanEntry,
  type ChatMessage,
  type DirectoryEntry,
  type Invitation,
  type MemberEntry,
  type Revision,
  type RoomInfo,
  type RoomRole,
  type ThreadState,
} from '../../../protocol';
import * as A from './accounts';
import * as G from './governance';
import { AVATAR_BY_FILE_ID, CONTENT_IN_USE, EXPORT_PROFILES, GET_PROFILES, profileOf, setProfileInTx } from './profiles';
import type { AvatarRecord, ProfilePatch, ProfileRecord, ProfileUpdate } from '../profiles';
import type {
  AppendResult, FileRecord, HistoryPage, NewAuditEntry, NewMessage, NewRoomEvent, NewSession, ReadMark, RoomPatch, RoomRecord, SearchOptions, SessionRecord, Store, ThreadPage,
  UserRecord,
} from '../store';
import { appendInTx, appendPlans, newMessageIds } from './append';
import { AppendQueue } from './append-queue';
import { NEO4J_DEFAULTS, describeNeo4j, type Neo4jStoreConfig } from './config';
import { isConstraintFailure, isUnavailable, storeError, unavailable } from './errors';
import { toLuceneQuery } from './lucene-query';
import {
  CURRENT_FIELDS,
  MESSAGE_FIELDS,
  currentMessage,
  int,
  logMessage,
  toFile,
  toRoom,
  toUser,
  type CurrentColumns,
  type FileProps,
  type LogColumns,
  type RoomProps,
  type UserProps,
} from './records';
import { SET_PASSWORD_HASH } from './password-hash';
import {
  CREATE_SESSION,
  GET_SESSION,
  PURGE_SESSIONS,
  REVOKE_OTHER_SESSIONS,
  REVOKE_SESSION,
  REVOKE_SESSION_BY_ID,
  TOUCH_SESSION,
  USER_SESSIONS,
  toSession,
  type SessionProps,
} from './sessions';
import { FULLTEXT_INDEX, ensureSchema, migrate } from './schema';
import { EXPORT_READ_MARKS, EXPORT_ROOMS, EXPORT_USERS, importInTx } from './transfer';

const ENSURE_GENERAL = `
  MERGE (g:Room {id: $general})
    ON CREATE SET g.kind = 'group', g.name = $general, g.lastSeq = 0, g.createdAt = $now`;

// A deleted account (copied by copy-store) keeps its name taken and is in no room.
// Every user is a member of general, with the read mark on that membership like any other room.
// Mentions of the name from before the user existed move from its (:MentionedName) to the user.
const CREATE_USER = `
  CREATE (u:User {name: $name, nameKey: CASE WHEN $name = $tomb THEN null ELSE toLower($name) END, passwordHash: $passwordHash,
                  createdAt: $createdAt, disabledAt: $disabledAt, adminAt: $adminAt, deletedAt: $deletedAt})
  MERGE (g:Room {id: $general})
    ON CREATE SET g.kind = 'group', g.name = $general, g.lastSeq = 0, g.createdAt = $createdAt
  FOREACH (_ IN CASE WHEN u.deletedAt IS NULL THEN [1] ELSE [] END | CREATE (u)-[:MEMBER_OF {lastRead: 0}]->(g))
  WITH u
  OPTIONAL MATCH (p:MentionedName {name: $name})
  CALL (u, p) {
    MATCH (m:Message)-[n:MENTIONS]->(p)
    CREATE (m)-[:MENTIONS {seq: n.seq}]->(u)
    DELETE n
  }
  DETACH DELETE p`;

const CREATE_ROOM = `
  CREATE (r:Room {id: $id, kind: $kind, name: $name, createdBy: $createdBy, createdAt: $createdAt, lastSeq: 0,
                  visibility: $visibility, topic: $topic, description: $description, readOnly: $readOnly})
  WITH r
  UNWIND $members AS member
  MATCH (u:User {name: member})
  CREATE (u)-[:MEMBER_OF {lastRead: 0, role: CASE WHEN r.kind = 'group' AND member = $createdBy THEN 'owner' ELSE 'member' END}]->(r)
  RETURN count(u) AS added`;

// General lists no members: everyone is in it. Unread mentions: messages after the read mark, not
// the user's own, that mention the user or the room (@room); a message naming both counts once.
// A mention written while the user was being created may still point at the name's (:MentionedName).
// Unread: the messages the timeline shows and that are not deleted carry shownSeq, so the
// (room, shownSeq) index holds only those; read from the mark on, others' only, at most
// UNREAD_LIMIT + 1. The rooms `rooms` offers to join are listed with 0, without counting.
const UNREAD = `size(COLLECT {
    MATCH (m:Message) WHERE m.room = r.id AND m.shownSeq > coalesce(mo.lastRead, 0) AND m.from <> $user
    RETURN m.seq LIMIT ${UNREAD_LIMIT + 1}
  })`;

// Thread-only replies after the user's mark in the threads of this room they take part in (their
// FOLLOWS marks), by others, not deleted; replies also sent to the room are in unread already.
const THREAD_UNREAD = `size(COLLECT {
    MATCH (:User {name: $user})-[f:FOLLOWS]->(root:Message)<-[:REPLY_TO]-(x:Message)
    WHERE f.room = r.id AND x.seq > f.seq AND x.from <> $user AND x.inRoom IS NULL AND x.deleted IS NULL
    RETURN x.seq LIMIT ${UNREAD_LIMIT + 1}
  })`;

const roomInfoFields = (unread: string, threadUnread: string) => `r {.*} AS r, coalesce(mo.lastRead, 0) AS lastRead, mo IS NOT NULL AS member, mo.role AS role,
  CASE WHEN r.id = $general THEN null
       ELSE COLLECT { MATCH (x:User)-[:MEMBER_OF]->(r) RETURN x.name ORDER BY x.name LIMIT ${MAX_LISTED_MEMBERS} } END AS members,
  COUNT { (:User)-[:MEMBER_OF]->(r) } AS memberCount,
  size(COLLECT {
    MATCH (m:Message)-[n:MENTIONS]->(me:User {name: $user})
    WHERE m.room = r.id AND n.seq > coalesce(mo.lastRead, 0) AND m.from <> $user
    RETURN m
    UNION
    MATCH (m:Message)-[n:MENTIONS]->(:MentionedName {name: $user})
    WHERE m.room = r.id AND n.seq > coalesce(mo.lastRead, 0) AND m.from <> $user
    RETURN m
    UNION
    MATCH (m:Message)-[n:MENTIONS]->(r)
    WHERE n.seq > coalesce(mo.lastRead, 0) AND m.from <> $user
    RETURN m
  }) AS mentions,
  ${unread} AS unread,
  ${threadUnread} AS threadUnread`;
const ROOM_INFO_FIELDS = roomInfoFields(UNREAD, THREAD_UNREAD);
const JOINABLE_FIELDS = roomInfoFields('0', '0');

/** The room list; without unread counts only for bench/unread-count.ts. */
export const roomsOfQuery = (withUnread: boolean) =>
  `MATCH (:User {name: $user})-[mo:MEMBER_OF]->(r:Room) RETURN ${withUnread ? ROOM_INFO_FIELDS : JOINABLE_FIELDS}`;
/** The room list (exported for the test that checks its plan). */
export const ROOMS_OF = roomsOfQuery(true);

// Lock the membership before reading the mark, so two concurrent marks cannot move it back.
const SET_READ_MARK = `
  MATCH (r:Room {id: $room})
  OPTIONAL MATCH (:User {name: $user})-[mo:MEMBER_OF]->(r)
  SET mo._lock = true
  REMOVE mo._lock
  WITH r, mo, CASE WHEN $seq > r.lastSeq THEN r.lastSeq ELSE $seq END AS capped
  SET mo.lastRead = CASE WHEN capped > mo.lastRead THEN capped ELSE mo.lastRead END
  RETURN CASE WHEN mo IS NULL THEN capped ELSE mo.lastRead END AS mark`;

// Per thread: the user's unread replies in those of $roots they take part in.
const THREAD_MARK_UNREAD = `
  MATCH (:User {name: $user})-[f:FOLLOWS]->(root:Message)
  WHERE f.room = $room AND root.room = $room AND root.seq IN $roots
  RETURN root.seq AS root, size(COLLECT {
    MATCH (x:Message)-[:REPLY_TO]->(root) WHERE x.seq > f.seq AND x.from <> $user AND x.deleted IS NULL
    RETURN x.seq LIMIT ${UNREAD_LIMIT + 1}
  }) AS unread`;

// Locks the mark before reading it, as SET_READ_MARK does.
const SET_THREAD_MARK = `
  MATCH (:User {name: $user})-[f:FOLLOWS]->(:Message {room: $room, seq: $root})
  SET f._lock = true
  REMOVE f._lock
  SET f.seq = CASE WHEN $seq > f.seq THEN $seq ELSE f.seq END
  RETURN f.seq AS mark`;

// Index-ordered: with both index properties in ORDER BY, the planner reads the (room, seq)
// index backwards and stops at the limit instead of sorting the whole room. Thread-only replies
// are skipped on the way (change events are :Change nodes, not in this index). Reactions come
// in the same statement (CURRENT_FIELDS).
const HISTORY = `
  MATCH (m:Message) WHERE m.room = $room AND m.seq < $before AND (m.root IS NULL OR m.inRoom = true)
  WITH m ORDER BY m.room DESC, m.seq DESC LIMIT $limit
  OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
  RETURN ${CURRENT_FIELDS}`;

// The log: messages and change events, each read along its own (room, seq) index, merged.
const SINCE = `
  CALL () {
    MATCH (m:Message) WHERE m.room = $room AND m.seq > $after
    WITH m ORDER BY m.room, m.seq LIMIT $limit
    OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
    RETURN ${MESSAGE_FIELDS}, null AS kind, null AS target, null AS emoji
    UNION ALL
    MATCH (c:Change) WHERE c.room = $room AND c.seq > $after
    WITH c ORDER BY c.room, c.seq LIMIT $limit
    RETURN c.id AS id, c.room AS room, c.seq AS seq, c.ts AS ts, c.from AS sender, c.cid AS cid, c.text AS text,
           null AS snippet, null AS f, null AS root, null AS inRoom, null AS edited, null AS deleted, null AS event,
           c.kind AS kind, c.target AS target, c.emoji AS emoji
  }
  RETURN * ORDER BY seq LIMIT $limit`;

const MESSAGE = `
  MATCH (m:Message {room: $room, seq: $seq})
  OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
  RETURN ${CURRENT_FIELDS}`;

// The root first, then its replies after $after (one past the page tells whether more exist).
const THREAD = `
  MATCH (top:Message {room: $room, seq: $root})
  CALL (top) {
    WITH top AS m
    OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
    RETURN ${CURRENT_FIELDS}, 0 AS part
    UNION ALL
    MATCH (x:Message)-[:REPLY_TO]->(top) WHERE x.seq > $after
    WITH x AS m ORDER BY m.seq LIMIT $limit
    OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
    RETURN ${CURRENT_FIELDS}, 1 AS part
  }
  RETURN id, room, seq, ts, sender, cid, text, snippet, f, root, inRoom, edited, deleted, pinned, resolvedBy, replies,
         repliers, lastReply, reactions, part
  ORDER BY part, seq`;

// Thread roots carry threadSeq (= their seq) once they have a reply; the (room, threadSeq) index
// holds only them, read backwards.
const THREADS = `
  MATCH (m:Message) WHERE m.room = $room AND m.threadSeq < $before
    AND ($state = 'all' OR ($state = 'open') = (m.resolvedBy IS NULL))
  WITH m ORDER BY m.room DESC, m.threadSeq DESC LIMIT $limit
  OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
  RETURN ${CURRENT_FIELDS}`;

// pinSeq is the seq of the pin event; the (room, pinSeq) index holds only pinned messages.
const PINS = `
  MATCH (m:Message) WHERE m.room = $room AND m.pinSeq > 0
  WITH m ORDER BY m.room DESC, m.pinSeq DESC LIMIT $limit
  OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
  RETURN ${CURRENT_FIELDS}`;

const REVISIONS = `
  MATCH (:Message {room: $room, seq: $seq})-[:REVISION]->(v:Revision)
  RETURN v.text AS text, v.ts AS ts ORDER BY v.seq`;

// The rooms searched: the one given (if the user is in it) or all of the user's.
const SEARCH_ROOMS = `
  MATCH (:User {name: $user})-[:MEMBER_OF]->(r:Room)
  WHERE $room IS NULL OR r.id = $room
  WITH collect(r.id) AS rooms
  WHERE size(rooms) > 0`;

/** Cypher conditions on `m` for the search filters given. */
function filterCypher(filters: SearchFilters): string {
  const where: string[] = ['m.deleted IS NULL'];
  if (filters.from !== undefined) where.push('m.from = $from');
  if (filters.hasFile !== undefined) where.push(`${filters.hasFile ? '' : 'NOT '}EXISTS { (m)-[:ATTACHES]->(:File) }`);
  if (filters.hasSnippet !== undefined) where.push(`m.snippet IS ${filters.hasSnippet ? 'NOT ' : ''}NULL`);
  if (filters.isThread !== undefined) where.push(`${filters.isThread ? '' : 'NOT '}(m.root IS NOT NULL OR m.threadSeq IS NOT NULL)`);
  if (filters.isPinned !== undefined) where.push(`m.pinSeq IS ${filters.isPinned ? 'NOT ' : ''}NULL`);
  if (filters.before !== undefined) where.push('m.ts < $before');
  if (filters.after !== undefined) where.push('m.ts >= $after');
  return where.join(' AND ');
}

// Words: the full-text index, which is eventually consistent (schema.ts): first wait for the
// updates of transactions committed before this one, so every acknowledged message can be found.
// queryNodes reads at most $scan hits (best scored first), so a common word costs a bounded read.
function searchWords(filters: SearchFilters): string {
  return `
  CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()
  ${SEARCH_ROOMS}
  CALL db.index.fulltext.queryNodes($index, $query, {limit: $scan}) YIELD node AS m
  WITH m WHERE m.room IN rooms AND ${filterCypher(filters)}
  WITH m ORDER BY m.ts DESC, m.seq DESC LIMIT $limit
  OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
  RETURN ${CURRENT_FIELDS}`;
}

// Filters alone: each room newest first along its (room, seq) index, at most $limit each, merged.
function searchFilters(filters: SearchFilters): string {
  return `
  ${SEARCH_ROOMS}
  UNWIND rooms AS id
  CALL (id) {
    MATCH (m:Message) WHERE m.room = id AND m.seq > 0 AND ${filterCypher(filters)}
    WITH m ORDER BY m.room DESC, m.seq DESC LIMIT $limit
    RETURN m
  }
  WITH m ORDER BY m.ts DESC, m.seq DESC LIMIT $limit
  OPTIONAL MATCH (m)-[:ATTACHES]->(f:File)
  RETURN ${CURRENT_FIELDS}`;
}

type SearchFilters = Omit<SearchOptions, 'room' | 'limit'>;

type Row<T> = { get<K extends keyof T>(key: K): T[K]; toObject(): T };

/**
 * The production Store: Neo4j through neo4j-driver, with users, rooms and messages as a graph
 * (see docs/architecture.md). Each call is one managed transaction, which the driver retries on
 * transient failures for up to `retryTimeMs`; after that, or when no connection can be had within
 * `acquireTimeoutMs`, the call rejects with STORE_UNAVAILABLE and nothing of it is stored. No state
 * survives a failed call, so the store works again as soon as Neo4j answers.
 */
export class Neo4jStore implements Store {
  readonly kind = 'neo4j';
  readonly description: string;
  private driver: Driver | undefined;
  private closed = false;
  private readonly appends = new AppendQueue((batch) => this.appendNow(batch));

  constructor(private readonly config: Neo4jStoreConfig) {
    this.description = describeNeo4j(config);
  }

  async init(): Promise<void> {
    if (this.closed) throw unavailable(new Error('closed'));
    const driver = this.connect();
    try {
      await ensureSchema(driver, this.config.database);
      await migrate(driver, this.config.database);
      await this.write((tx) => tx.run(ENSURE_GENERAL, { general: GENERAL_ROOM, now: int(Date.now()) }));
      await this.planAhead();
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      const cause = (err as { cause?: unknown }).cause ?? err;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw unavailable(cause, `The message store (${this.description}) could not be opened: ${reason}`);
    }
  }

  /**
   * EXPLAIN plans a statement and keeps the plan in Neo4j's query cache without running it, so the
   * first posts, pages and room lists after a (Neo4j or Parley) start do not wait for planning.
   * The parameters have the types the real calls pass (the cache is keyed by them too). The reply
   * and change statements are left out: planned this way they were planned again on first use.
   */
  private async planAhead(): Promise<void> {
    const room = GENERAL_ROOM;
    const plans: [string, Record<string, unknown>][] = [
      ...appendPlans(),
      [HISTORY, { room, before: int(Number.MAX_SAFE_INTEGER), limit: int(51) }],
      [SINCE, { room, after: int(0), limit: int(100) }],
      [MESSAGE, { room, seq: int(1) }],
      [ROOMS_OF, { user: '', general: room }],
      [SET_READ_MARK, { room, user: '', seq: int(0) }],
    ];
    await this.write(async (tx) => {
      for (const [query, params] of plans) await tx.run(`EXPLAIN ${query}`, params);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const driver = this.driver;
    this.driver = undefined;
    await driver?.close();
  }

  // ---- users and sessions ---------------------------------------------------

  async createUser(user: UserRecord): Promise<boolean> {
    try {
      await this.write((tx) =>
        tx.run(CREATE_USER, {
          name: user.name,
          passwordHash: user.passwordHash,
          createdAt: int(user.createdAt),
          disabledAt: optionalInt(user.disabledAt),
          adminAt: optionalInt(user.adminAt),
          deletedAt: optionalInt(user.deletedAt),
          tomb: DELETED_USER,
          general: GENERAL_ROOM,
        }),
      );
      return true;
    } catch (err) {
      if (isConstraintFailure(err)) return false;
      throw err;
    }
  }

  async getUser(name: string): Promise<UserRecord | undefined> {
    const rows = await this.readRows<{ u: UserProps }>('MATCH (u:User {nameKey: $key}) WHERE u.deletedAt IS NULL RETURN u {.*} AS u', { key: name.toLowerCase() });
    return rows[0] && toUser(rows[0].get('u'));
  }

  async setPasswordHash(name: string, passwordHash: string): Promise<void> {
    await this.writeRows(SET_PASSWORD_HASH, { name, passwordHash });
  }

  async listUserNames(): Promise<string[]> {
    const rows = await this.readRows<{ name: string }>('MATCH (u:User) WHERE u.nameKey IS NOT NULL AND u.deletedAt IS NULL RETURN u.name AS name ORDER BY name');
    return rows.map((r) => r.get('name'));
  }

  async createSession(session: NewSession): Promise<void> {
    const rows = await this.writeRows<{ n: number }>(CREATE_SESSION, {
      tokenHash: session.tokenHash,
      id: session.id,
      user: session.user,
      createdAt: int(session.createdAt),
      client: session.client ?? null,
      address: session.address ?? null,
    });
    if (rows[0]?.get('n') !== 1) throw new Error(`session for unknown user ${session.user}`);
  }

  async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const rows = await this.readRows<{ s: SessionProps }>(GET_SESSION, { tokenHash });
    return rows[0] && toSession(rows[0].get('s'));
  }

  async touchSession(tokenHash: string, lastSeen: number, address?: string): Promise<void> {
    await this.writeRows(TOUCH_SESSION, { tokenHash, lastSeen: int(lastSeen), address: address ?? null });
  }

  async userSessions(user: string): Promise<SessionRecord[]> {
    return (await this.readRows<{ s: SessionProps }>(USER_SESSIONS, { user })).map((row) => toSession(row.get('s')));
  }

  async revokeSession(tokenHash: string, at: number): Promise<void> {
    await this.writeRows(REVOKE_SESSION, { tokenHash, at: int(at) });
  }

  async revokeSessionById(user: string, id: string, at: number): Promise<string | undefined> {
    const rows = await this.writeRows<{ tokenHash: string }>(REVOKE_SESSION_BY_ID, { user, id, at: int(at) });
    return rows[0]?.get('tokenHash');
  }

  async revokeOtherSessions(user: string, keepTokenHash: string, at: number): Promise<string[]> {
    const rows = await this.writeRows<{ tokenHash: string }>(REVOKE_OTHER_SESSIONS, { user, keep: keepTokenHash, at: int(at) });
    return rows.map((row) => row.get('tokenHash'));
  }

  async purgeSessions(lastSeenBefore: number): Promise<number> {
    const rows = await this.writeRows<{ n: number }>(PURGE_SESSIONS, { before: int(lastSeenBefore) });
    return rows[0]?.get('n') ?? 0;
  }

  // ---- rooms ----------------------------------------------------------------

  async createRoom(room: RoomRecord, members: string[]): Promise<boolean> {
    const unique = room.id === GENERAL_ROOM ? [] : [...new Set(members)];
    try {
      await this.write(async (tx) => {
        const result = await tx.run(CREATE_ROOM, {
          id: room.id,
          kind: room.kind,
          name: room.name,
          createdBy: room.createdBy ?? null,
          createdAt: int(room.createdAt),
          members: unique,
          visibility: room.kind === 'group' ? (room.visibility ?? 'public') : null,
          topic: room.topic || null,
          description: room.description || null,
          readOnly: room.readOnly === true ? true : null,
        });
        const added = result.records[0]?.get('added') as number | undefined;
        if ((added ?? 0) !== unique.length) throw new Error(`room ${room.id}: unknown member among ${unique.join(', ')}`);
      });
      return true;
    } catch (err) {
      if (isConstraintFailure(err)) return false;
      throw err;
    }
  }

  async getRoom(id: string): Promise<RoomRecord | undefined> {
    const rows = await this.readRows<{ r: RoomProps }>('MATCH (r:Room {id: $id}) RETURN r {.*} AS r', { id });
    return rows[0] && toRoom(rows[0].get('r'));
  }

  async listGroupRooms(): Promise<RoomRecord[]> {
    const rows = await this.readRows<{ r: RoomProps }>(
      "MATCH (r:Room) WHERE r.kind = 'group' RETURN r {.*} AS r ORDER BY r.id",
    );
    return rows.map((row) => toRoom(row.get('r')));
  }

  async joinableRooms(user: string, limit: number): Promise<RoomInfo[]> {
    const rows = await this.readRows<RoomInfoRow>(
      `MATCH (r:Room) WHERE r.kind = 'group' AND r.id <> $general AND coalesce(r.visibility, 'public') = 'public'
         AND NOT EXISTS { (:User {name: $user})-[:MEMBER_OF]->(r) }
       WITH r ORDER BY r.id LIMIT $limit
       OPTIONAL MATCH (:User {name: $user})-[mo:MEMBER_OF]->(r) RETURN ${JOINABLE_FIELDS}`,
      { user, general: GENERAL_ROOM, limit: int(Math.max(0, Math.floor(limit))) },
    );
    return rows.map(toInfo);
  }

  /** General first, then the user's other rooms by id. */
  async roomsOf(user: string): Promise<RoomInfo[]> {
    const rows = await this.readRows<RoomInfoRow>(ROOMS_OF, { user, general: GENERAL_ROOM });
    const infos = rows.map(toInfo);
    return infos.sort((a, b) => (a.id === GENERAL_ROOM ? -1 : b.id === GENERAL_ROOM ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async roomInfo(roomId: string, user: string): Promise<RoomInfo | undefined> {
    const rows = await this.readRows<RoomInfoRow>(
      `MATCH (r:Room {id: $room}) OPTIONAL MATCH (:User {name: $user})-[mo:MEMBER_OF]->(r) RETURN ${ROOM_INFO_FIELDS}`,
      { room: roomId, user, general: GENERAL_ROOM },
    );
    return rows[0] && toInfo(rows[0]);
  }

  async addMember(roomId: string, user: string, role: RoomRole = 'member'): Promise<void> {
    if (roomId === GENERAL_ROOM) return;
    await this.writeRows(G.ADD_MEMBER, { room: roomId, user, role });
  }

  // ---- rooms people run -----------------------------------------------------

  async roleOf(roomId: string, user: string): Promise<RoomRole | undefined> {
    const rows = await this.readRows<{ kind: string; member: boolean; role: string | null }>(G.ROLE_OF, { room: roomId, user });
    const row = rows[0];
    if (row === undefined || row.get('kind') !== 'group' || row.get('member') !== true) return undefined;
    return roomId === GENERAL_ROOM ? 'member' : ((row.get('role') ?? 'member') as RoomRole);
  }

  async memberRoles(roomId: string): Promise<MemberEntry[]> {
    const rows = await this.readRows<MemberEntry>(G.MEMBER_ROLES, { room: roomId, general: GENERAL_ROOM });
    return rows.map((r) => ({ user: r.get('user'), role: (roomId === GENERAL_ROOM ? 'member' : r.get('role')) as RoomRole }));
  }

  async setRoles(roomId: string, roles: MemberEntry[]): Promise<number> {
    if (roomId === GENERAL_ROOM || roles.length === 0) return 0;
    const rows = await this.writeRows<{ changed: number }>(G.SET_ROLES, { room: roomId, roles });
    return rows[0]?.get('changed') ?? 0;
  }

  async updateRoom(roomId: string, patch: RoomPatch): Promise<boolean> {
    const rows = await this.writeRows<{ n: number }>(G.UPDATE_ROOM, {
      room: roomId,
      name: patch.name ?? null,
      topic: patch.topic ?? null,
      description: patch.description ?? null,
      readOnly: patch.readOnly ?? null,
    });
    return (rows[0]?.get('n') ?? 0) > 0;
  }

  async directory(user: string, query: string, options: { after?: string; limit: number }): Promise<DirectoryEntry[]> {
    const rows = await this.readRows<{ id: string; name: string; topic: string | null; memberCount: number; member: boolean }>(G.DIRECTORY, {
      user,
      query: query.toLowerCase(),
      after: options.after ?? '',
      limit: int(Math.max(0, Math.floor(options.limit))),
      general: GENERAL_ROOM,
    });
    return rows.map((r) => {
      const entry: DirectoryEntry = { id: r.get('id'), name: r.get('name'), memberCount: Number(r.get('memberCount')) };
      const topic = r.get('topic');
      if (topic !== null) entry.topic = topic;
      if (r.get('member') === true) entry.member = true;
      return entry;
    });
  }

  async invite(invitation: Omit<Invitation, 'name'>): Promise<boolean> {
    const rows = await this.writeRows<{ n: number }>(G.INVITE, { room: invitation.room, user: invitation.user, by: invitation.by, at: int(invitation.at) });
    return (rows[0]?.get('n') ?? 0) > 0;
  }

  async removeInvitation(roomId: string, user: string): Promise<boolean> {
    const rows = await this.writeRows<{ n: number }>(G.REMOVE_INVITATION, { room: roomId, user });
    return (rows[0]?.get('n') ?? 0) > 0;
  }

  async invitationsOf(user: string): Promise<Invitation[]> {
    return (await this.readRows<G.InvitationRow>(G.INVITATIONS_OF, { user })).map((r) => G.toInvitation(r.toObject()));
  }

  async invitationsTo(roomId: string): Promise<Invitation[]> {
    return (await this.readRows<G.InvitationRow>(G.INVITATIONS_TO, { room: roomId })).map((r) => G.toInvitation(r.toObject()));
  }

  async ban(roomId: string, user: string, by: string, at: number): Promise<void> {
    if (roomId === GENERAL_ROOM) return;
    await this.writeRows(G.BAN, { room: roomId, user, by, at: int(at) });
  }

  async unban(roomId: string, user: string): Promise<boolean> {
    const rows = await this.writeRows<{ n: number }>(G.UNBAN, { room: roomId, user });
    return (rows[0]?.get('n') ?? 0) > 0;
  }

  async isBanned(roomId: string, user: string): Promise<boolean> {
    const rows = await this.readRows<{ banned: boolean }>(G.IS_BANNED, { room: roomId, user });
    return rows[0]?.get('banned') === true;
  }

  async bans(roomId: string): Promise<BanEntry[]> {
    return (await this.readRows<BanEntry>(G.BANS, { room: roomId })).map((r) => G.toBan(r.toObject()));
  }

  async appendRoomEvent(e: NewRoomEvent): Promise<ChatMessage> {
    const id = randomBytes(12).toString('base64url');
    const cid = `event:${id}`;
    const rows = await this.writeRows<{ seq: number }>(G.APPEND_ROOM_EVENT, {
      room: e.room, from: e.from, ts: int(e.ts), id, cid, event: G.eventJson(e.event), kind: e.event.kind, subject: e.event.user ?? null,
    });
    const seq = rows[0]?.get('seq');
    if (seq === undefined) throw new Error(`room event for unknown room ${e.room} or user ${e.from}`);
    return { room: e.room, seq, ts: e.ts, msgId: id, from: e.from, cid, event: e.event };
  }

  async setDisabled(user: string, at: number | undefined): Promise<void> {
    await this.writeRows(G.SET_DISABLED, { user, at: at === undefined ? null : int(at) });
  }

  async deleteUser(name: string, at: number): Promise<string[] | undefined> {
    return this.write(async (tx) => {
      const found = (await tx.run(A.LIVE_SESSIONS, { name })).records[0];
      if (name === DELETED_USER || found === undefined || Number(found.get('found')) === 0) return undefined;
      const ended = found.get('ended') as string[];
      const params = { name, tomb: DELETED_USER, nameJson: JSON.stringify(name), tombJson: JSON.stringify(DELETED_USER), at: int(at) };
      for (const step of A.DELETE_USER_STEPS) await tx.run(step, params);
      return ended;
    });
  }

  async setServerAdmin(user: string, at: number | undefined): Promise<void> {
    await this.writeRows(A.SET_ADMIN, { user, at: optionalInt(at) });
  }

  async serverAdmins(): Promise<string[]> {
    return (await this.readRows<{ name: string }>(A.SERVER_ADMINS)).map((r) => r.get('name'));
  }

  async setBlock(user: string, other: string, at: number | undefined): Promise<void> {
    if (at === undefined) await this.writeRows(G.UNBLOCK, { user, other });
    else await this.writeRows(G.BLOCK, { user, other, at: int(at) });
  }

  async allBlocks(): Promise<{ user: string; blocked: string; at: number }[]> {
    const rows = await this.readRows<{ user: string; blocked: string; at: number }>(G.ALL_BLOCKS);
    return rows.map((r) => ({ user: r.get('user'), blocked: r.get('blocked'), at: r.get('at') }));
  }

  async addAudit(entry: NewAuditEntry): Promise<number> {
    const rows = await this.writeRows<{ seq: number }>(G.ADD_AUDIT, {
      at: int(entry.at), actor: entry.actor, action: entry.action, room: entry.room ?? null, target: entry.target ?? null, detail: entry.detail ?? null,
    });
    return rows[0]?.get('seq') ?? 0;
  }

  async audit(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
    const rows = await this.readRows<{ a: Parameters<typeof G.toAudit>[0] }>(G.AUDIT, {
      before: int(Math.floor(options.before ?? Number.MAX_SAFE_INTEGER)),
      limit: int(Math.max(0, Math.floor(options.limit))),
    });
    return rows.map((r) => G.toAudit(r.get('a')));
  }

  async removeMember(roomId: string, user: string): Promise<void> {
    if (roomId === GENERAL_ROOM) return;
    await this.writeRows('MATCH (:User {name: $user})-[mo:MEMBER_OF]->(:Room {id: $room}) DELETE mo', { room: roomId, user });
  }

  async isMember(roomId: string, user: string): Promise<boolean> {
    const rows = await this.readRows<{ member: boolean }>(
      'RETURN EXISTS { (:User {name: $user})-[:MEMBER_OF]->(:Room {id: $room}) } AS member',
      { room: roomId, user },
    );
    return rows[0]?.get('member') === true;
  }

  async members(roomId: string): Promise<string[]> {
    const rows = await this.readRows<{ name: string }>(
      'MATCH (u:User)-[:MEMBER_OF]->(:Room {id: $room}) RETURN u.name AS name ORDER BY name',
      { room: roomId },
    );
    return rows.map((r) => r.get('name'));
  }

  // ---- messages -------------------------------------------------------------

  async append(batch: NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    if (this.closed) throw unavailable(new Error('closed'));
    return this.appends.append(batch);
  }

  private async appendNow(batch: NewMessage[]): Promise<AppendResult[]> {
    const ids = newMessageIds(batch.length);
    // The first attempt does not look for earlier copies of (from, cid): a resend, or the same
    // (from, cid) racing in from another transaction, trips the uniqueness constraint instead, and
    // the next attempt finds it as the duplicate it is.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write((tx) => appendInTx(tx, batch, ids, attempt > 1));
      } catch (err) {
        if (!isConstraintFailure(err) || attempt === 4) throw err;
      }
    }
  }

  async history(roomId: string, options: { before?: number; limit: number }): Promise<HistoryPage> {
    const take = Math.max(0, Math.floor(options.limit));
    // One row past the page tells whether older messages exist.
    const rows = await this.readRows<CurrentColumns>(HISTORY, {
      room: roomId,
      before: int(Math.floor(options.before ?? Number.MAX_SAFE_INTEGER)),
      limit: int(take + 1),
    });
    const messages = rows.map(rowCurrent);
    const more = messages.length > take;
    if (more) messages.pop();
    return { messages: messages.reverse(), more };
  }

  async since(roomId: string, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const rows = await this.readRows<LogColumns>(SINCE, {
      room: roomId,
      after: int(Math.floor(afterSeq)),
      limit: int(Math.max(0, Math.floor(limit))),
    });
    return rows.map((row) => logMessage(row.toObject()));
  }

  async ping(): Promise<void> {
    if (this.closed) throw unavailable(new Error('closed'));
    await this.readRows('RETURN 1 AS one');
  }

  async lastSeq(roomId: string): Promise<number> {
    const rows = await this.readRows<{ lastSeq: number }>(
      'OPTIONAL MATCH (r:Room {id: $room}) RETURN coalesce(r.lastSeq, 0) AS lastSeq',
      { room: roomId },
    );
    return rows[0]?.get('lastSeq') ?? 0;
  }

  async message(roomId: string, seq: number): Promise<ChatMessage | undefined> {
    if (!Number.isSafeInteger(seq)) return undefined;
    const rows = await this.readRows<CurrentColumns>(MESSAGE, { room: roomId, seq: int(seq) });
    return rows[0] && rowCurrent(rows[0]);
  }

  async thread(roomId: string, root: number, options: { after?: number; limit: number }): Promise<ThreadPage | undefined> {
    if (!Number.isSafeInteger(root)) return undefined;
    const take = Math.max(0, Math.floor(options.limit));
    const rows = await this.readRows<CurrentColumns & { part: number }>(THREAD, {
      room: roomId,
      root: int(root),
      after: int(Math.floor(options.after ?? 0)),
      limit: int(take + 1),
    });
    if (rows.length === 0 || rows[0].get('part') !== 0) return undefined;
    const [current, ...replies] = rows.map(rowCurrent);
    if (current.root !== undefined) return undefined;
    const more = replies.length > take;
    if (more) replies.pop();
    return { root: current, replies, more };
  }

  async threads(roomId: string, options: { state: ThreadState; before?: number; limit: number }): Promise<HistoryPage> {
    const take = Math.max(0, Math.floor(options.limit));
    const rows = await this.readRows<CurrentColumns>(THREADS, {
      room: roomId,
      state: options.state,
      before: int(Math.floor(options.before ?? Number.MAX_SAFE_INTEGER)),
      limit: int(take + 1),
    });
    const messages = rows.map(rowCurrent);
    const more = messages.length > take;
    if (more) messages.pop();
    return { messages, more };
  }

  async pins(roomId: string, limit: number): Promise<ChatMessage[]> {
    const rows = await this.readRows<CurrentColumns>(PINS, { room: roomId, limit: int(Math.max(0, Math.floor(limit))) });
    return rows.map(rowCurrent);
  }

  async revisions(roomId: string, seq: number): Promise<Revision[]> {
    if (!Number.isSafeInteger(seq)) return [];
    const rows = await this.readRows<Revision>(REVISIONS, { room: roomId, seq: int(seq) });
    return rows.map((row) => ({ text: row.get('text'), ts: row.get('ts') }));
  }

  async search(user: string, query: string, options: SearchOptions): Promise<ChatMessage[]> {
    const { room, limit: asked, ...filters } = options;
    const lucene = toLuceneQuery(query);
    const limit = Math.max(0, Math.floor(asked));
    const filtered = Object.values(filters).some((v) => v !== undefined);
    if ((lucene === undefined && !filtered) || limit === 0) return [];
    const params: Record<string, unknown> = { user, room: room ?? null, limit: int(limit) };
    if (filters.from !== undefined) params.from = filters.from;
    if (filters.before !== undefined) params.before = int(Math.floor(filters.before));
    if (filters.after !== undefined) params.after = int(Math.floor(filters.after));
    let cypher: string;
    if (lucene !== undefined) {
      params.index = FULLTEXT_INDEX;
      params.query = lucene;
      params.scan = int(SEARCH_SCAN_LIMIT);
      cypher = searchWords(filters);
    } else {
      cypher = searchFilters(filters);
    }
    return (await this.readRows<CurrentColumns>(cypher, params)).map(rowCurrent);
  }

  async setReadMark(roomId: string, user: string, seq: number): Promise<number> {
    const rows = await this.writeRows<{ mark: number }>(SET_READ_MARK, {
      room: roomId,
      user,
      seq: int(Math.max(0, Math.floor(seq))),
    });
    return rows[0]?.get('mark') ?? 0;
  }

  async threadUnread(roomId: string, user: string, roots: readonly number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (roots.length === 0) return out;
    const rows = await this.readRows<{ root: number; unread: number }>(THREAD_MARK_UNREAD, { room: roomId, user, roots: roots.map((r) => int(r)) });
    for (const row of rows) out.set(Number(row.get('root')), Number(row.get('unread')));
    return out;
  }

  async setThreadReadMark(roomId: string, root: number, user: string, seq: number): Promise<number | undefined> {
    const rows = await this.writeRows<{ mark: number }>(SET_THREAD_MARK, { room: roomId, root: int(root), user, seq: int(Math.max(0, Math.floor(seq))) });
    return rows.length === 0 ? undefined : Number(rows[0].get('mark'));
  }

  async getFile(fileId: string): Promise<FileRecord | undefined> {
    const rows = await this.readRows<{ f: FileProps }>('MATCH (f:File {fileId: $fileId}) RETURN f {.*} AS f', { fileId });
    return rows[0] && toFile(rows[0].get('f'));
  }

  // ---- profiles ------------------------------------------------------------

  async getProfiles(names: readonly string[]): Promise<ProfileRecord[]> {
    const rows = await this.readRows<ProfileColumns>(GET_PROFILES, { keys: names.map((n) => n.toLowerCase()) });
    const seen = new Set<string>();
    const out: ProfileRecord[] = [];
    for (const row of rows) {
      const profile = profileOf(row.toObject());
      if (seen.has(profile.user)) continue;
      seen.add(profile.user);
      out.push(profile);
    }
    return out;
  }

  async setProfile(user: string, patch: ProfilePatch): Promise<ProfileUpdate | undefined> {
    return this.write((tx) => setProfileInTx(tx, user, patch));
  }

  async avatarByFileId(fileId: string): Promise<{ user: string; avatar: AvatarRecord } | undefined> {
    const rows = await this.readRows<ProfileColumns>(AVATAR_BY_FILE_ID, { fileId });
    const profile = rows[0] && profileOf(rows[0].toObject());
    return profile?.avatar === undefined ? undefined : { user: profile.user, avatar: profile.avatar };
  }

  async contentInUse(sha256: string): Promise<boolean> {
    const rows = await this.readRows<{ used: boolean }>(CONTENT_IN_USE, { sha256 });
    return rows[0]?.get('used') === true;
  }

  async exportProfiles(): Promise<ProfileRecord[]> {
    return (await this.readRows<ProfileColumns>(EXPORT_PROFILES)).map((row) => profileOf(row.toObject()));
  }

  // ---- copying between backends ---------------------------------------------

  async exportUsers(): Promise<UserRecord[]> {
    return (await this.readRows<{ u: UserProps }>(EXPORT_USERS)).map((row) => toUser(row.get('u')));
  }

  async exportRooms(): Promise<RoomRecord[]> {
    return (await this.readRows<{ r: RoomProps }>(EXPORT_ROOMS)).map((row) => toRoom(row.get('r')));
  }

  async exportReadMarks(): Promise<ReadMark[]> {
    const rows = await this.readRows<ReadMark>(EXPORT_READ_MARKS);
    return rows.map((row) => ({ room: row.get('room'), user: row.get('user'), seq: row.get('seq') }));
  }

  async importMessages(messages: ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.write((tx) => importInTx(tx, messages));
  }

  // ---- plumbing -------------------------------------------------------------

  private connect(): Driver {
    if (this.driver) return this.driver;
    const { uri, user, password } = this.config;
    const auth = user !== undefined ? neo4j.auth.basic(user, password ?? '') : undefined;
    this.driver = neo4j.driver(uri, auth, {
      maxConnectionPoolSize: this.config.maxPoolSize ?? NEO4J_DEFAULTS.maxPoolSize,
      connectionAcquisitionTimeout: this.config.acquireTimeoutMs ?? NEO4J_DEFAULTS.acquireTimeoutMs,
      connectionTimeout: NEO4J_DEFAULTS.connectTimeoutMs,
      maxTransactionRetryTime: this.config.retryTimeMs ?? NEO4J_DEFAULTS.retryTimeMs,
      disableLosslessIntegers: true,
      ...(this.config.caFile !== undefined
        ? { encrypted: 'ENCRYPTION_ON' as const, trust: 'TRUST_CUSTOM_CA_SIGNED_CERTIFICATES' as const, trustedCertificates: [this.config.caFile] }
        : {}),
    });
    return this.driver;
  }

  private session(mode: 'READ' | 'WRITE') {
    if (this.closed) throw unavailable(new Error('closed'));
    const driver = this.driver;
    if (!driver) throw unavailable(new Error('not initialised'));
    return driver.session({
      database: this.config.database,
      defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE,
    });
  }

  private async write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.session('WRITE');
    try {
      return await session.executeWrite(work);
    } catch (err) {
      throw storeError(err);
    } finally {
      // A session on a dead connection can fail to close; the pool drops that connection anyway.
      await session.close().catch(() => {});
    }
  }

  private async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.session('READ');
    try {
      return await session.executeRead(work);
    } catch (err) {
      throw storeError(err);
    } finally {
      await session.close().catch(() => {});
    }
  }

  private async readRows<T extends object>(query: string, params: Record<string, unknown> = {}): Promise<Row<T>[]> {
    return this.read(async (tx) => (await tx.run(query, params)).records as unknown as Row<T>[]);
  }

  private async writeRows<T extends object>(query: string, params: Record<string, unknown> = {}): Promise<Row<T>[]> {
    return this.write(async (tx) => (await tx.run(query, params)).records as unknown as Row<T>[]);
  }
}

type ProfileColumns = Parameters<typeof profileOf>[0];

/** An optional time as Neo4j stores it: null leaves the property out. */
function optionalInt(value: number | undefined): ReturnType<typeof int> | null {
  return value === undefined ? null : int(value);
}

function rowCurrent(row: Row<CurrentColumns>): ChatMessage {
  return currentMessage(row.toObject());
}

interface RoomInfoRow {
  r: RoomProps;
  member: boolean;
  role: string | null;
  lastRead: number;
  members: string[] | null;
  mentions: number;
  memberCount: number;
  unread: number;
  threadUnread: number;
}

function toInfo(row: Row<RoomInfoRow>): RoomInfo {
  const r = row.get('r');
  const info: RoomInfo = {
    id: r.id, kind: r.kind as RoomInfo['kind'], name: r.name, lastSeq: r.lastSeq, lastRead: row.get('lastRead'), unread: Number(row.get('unread')),
  };
  const members = row.get('members');
  if (members !== null) {
    info.members = members;
    const count = Number(row.get('memberCount'));
    if (count > members.length) info.memberCount = count;
  }
  const mentions = row.get('mentions');
  if (mentions > 0) info.mentions = mentions;
  const threadUnread = Number(row.get('threadUnread'));
  if (threadUnread > 0) info.threadUnread = threadUnread;
  if (r.kind === 'group') {
    info.visibility = r.visibility === 'private' ? 'private' : 'public';
    if (row.get('member') === true) info.role = r.id === GENERAL_ROOM ? 'member' : ((row.get('role') ?? 'member') as RoomRole);
    if (r.topic) info.topic = r.topic;
    if (r.description) info.description = r.description;
    if (r.readOnly === true) info.readOnly = true;
  }
  return info;
}

