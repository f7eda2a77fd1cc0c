import type { Database, Statement } from 'better-sqlite3';
import { GENERAL_ROOM, MAX_LISTED_MEMBERS, ROOM_MENTION, UNREAD_LIMIT, type DirectoryEntry, type MemberEntry, type RoomInfo, type RoomRole } from '../../../protocol';
import type { RoomPatch, RoomRecord } from '../store';
import { ROOM_COLUMNS, toRoom, type RoomRow } from './rows';
import { ROOM_THREAD_UNREAD } from './thread-marks';
import type { Users } from './users';

interface RoomInfoRow extends RoomRow {
  members: string;
  member_count: number;
  last_read: number;
  mentions: number;
  unread: number;
  thread_unread: number;
  role: string | null;
}

interface DirectoryRow {
  id: string;
  name: string;
  topic: string | null;
  memberCount: number;
  member: number | null;
}

const LAST_READ = 'coalesce((SELECT seq FROM read_marks WHERE room = r.id AND user = @user), 0)';

/** What the timeline does not show: the WHERE of the messages_hidden index (schema.ts), word for word. */
export const HIDDEN = 'h.change_kind IS NOT NULL OR (h.root IS NOT NULL AND h.in_room IS NULL) OR h.deleted IS NOT NULL OR h.event IS NOT NULL';

// Unread messages: the room's seqs are gap-free, so the events after the read mark less those the
// timeline does not show (along messages_hidden, which plain posts never enter). One's own shown
// messages after one's mark are none: posting moves the mark (read-marks.ts, caught up before any
// listing). Shown as at most UNREAD_LIMIT + 1.
const UNREAD = `(SELECT min(${UNREAD_LIMIT + 1}, max(0,
      coalesce((SELECT max(seq) FROM messages WHERE room = r.id), 0) - ${LAST_READ}
      - (SELECT count(*) FROM messages h WHERE h.room = r.id AND h.seq > ${LAST_READ} AND (${HIDDEN})))))`;

// Unread mentions in the same statement as the rest, so roomsOf stays one query however many
// rooms: two short ranges of the mentions key (the user's name, and 'room') past the read mark.
// Messages are counted, not mentions: "@bob, @room" is one message for bob.
const roomInfoColumns = (unread: string, threadUnread: string) => `${ROOM_COLUMNS},
    (SELECT role FROM members WHERE room = r.id AND user = @user) AS role,
    (SELECT json_group_array(user) FROM (SELECT user FROM members WHERE room = r.id ORDER BY user LIMIT ${MAX_LISTED_MEMBERS})) AS members,
    (SELECT count(*) FROM members WHERE room = r.id) AS member_count,
    ${LAST_READ} AS last_read,
    (SELECT count(DISTINCT n.msg) FROM mentions n
      WHERE n.room = r.id AND n.user IN (@user, '${ROOM_MENTION}') AND n.seq > ${LAST_READ} AND n.from_user <> @user) AS mentions,
    ${unread} AS unread,
    ${threadUnread} AS thread_unread`;
const ROOM_INFO_COLUMNS = roomInfoColumns(UNREAD, ROOM_THREAD_UNREAD);
// Rooms the user could join: nothing is unread for someone who is not in the room.
const JOINABLE_COLUMNS = roomInfoColumns('0', '0');

/**
 * The user's rooms but general. CROSS JOIN fixes the order: from the user's few member rows, never
 * a scan of every room (DMs add up). Without unread counts only for bench/unread-count.ts.
 */
export function roomsOfQuery(withUnread: boolean): string {
  const columns = withUnread ? ROOM_INFO_COLUMNS : JOINABLE_COLUMNS;
  return `SELECT ${columns} FROM members me CROSS JOIN rooms r ON r.id = me.room WHERE me.user = @user ORDER BY r.id`;
}

/**
 * Rooms, membership and read marks. `general` has no member rows: every user is in it, so it
 * never needs a write when someone registers.
 */
export class Rooms {
  private readonly insertRoom: Statement<[string, string, string, string | null, number, string | null, string | null, string | null, number | null]>;
  private readonly insertMember: Statement<[string, string, string]>;
  private readonly deleteInvitation: Statement<[string, string]>;
  private readonly selectRole: Statement<[string, string], string>;
  private readonly selectMemberRoles: Statement<[string], MemberEntry>;
  private readonly updateRole: Statement<[string, string, string, string]>;
  private readonly updateRoomTx: (roomId: string, patch: RoomPatch) => boolean;
  private readonly setRolesTx: (roomId: string, roles: MemberEntry[]) => number;
  private readonly selectDirectory: Statement<[{ user: string; query: string; after: string; limit: number }], DirectoryRow>;
  private readonly deleteMember: Statement<[string, string]>;
  private readonly selectRoom: Statement<[string], RoomRow>;
  private readonly selectGroups: Statement<[], RoomRow>;
  private readonly selectInfo: Statement<[{ room: string; user: string }], RoomInfoRow>;
  private readonly selectRoomsOf: Statement<[{ user: string }], RoomInfoRow>;
  private readonly selectJoinable: Statement<[{ user: string; limit: number }], RoomInfoRow>;
  private readonly selectIsMember: Statement<[string, string], number>;
  private readonly selectMembers: Statement<[string], string>;
  private readonly upsertReadMark: Statement<[string, string, number], number>;
  private readonly createWithMembers: (room: RoomRecord, members: string[]) => boolean;

  constructor(
    db: Database,
    private readonly users: Users,
    private readonly lastSeq: (room: string) => number,
  ) {
    this.insertRoom = db.prepare(
      `INSERT INTO rooms (id, kind, name, created_by, created_at, visibility, topic, description, read_only)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    this.insertMember = db.prepare('INSERT INTO members (room, user, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.deleteInvitation = db.prepare('DELETE FROM invitations WHERE room = ? AND user = ?');
    this.selectRole = db.prepare<[string, string], string>('SELECT role FROM members WHERE room = ? AND user = ?').pluck();
    this.selectMemberRoles = db.prepare<[string], MemberEntry>('SELECT user, role FROM members WHERE room = ? ORDER BY user');
    this.updateRole = db.prepare('UPDATE members SET role = ? WHERE room = ? AND user = ? AND role <> ?');
    this.setRolesTx = db.transaction((roomId: string, roles: MemberEntry[]) => {
      let changed = 0;
      for (const { user, role } of roles) changed += this.updateRole.run(role, roomId, user, role).changes;
      return changed;
    });
    const update = {
      name: db.prepare<[string, string]>('UPDATE rooms SET name = ? WHERE id = ?'),
      topic: db.prepare<[string | null, string]>('UPDATE rooms SET topic = ? WHERE id = ?'),
      description: db.prepare<[string | null, string]>('UPDATE rooms SET description = ? WHERE id = ?'),
      readOnly: db.prepare<[number | null, string]>('UPDATE rooms SET read_only = ? WHERE id = ?'),
    };
    const exists = db.prepare<[string], number>('SELECT 1 FROM rooms WHERE id = ?').pluck();
    this.updateRoomTx = db.transaction((roomId: string, patch: RoomPatch) => {
      if (exists.get(roomId) === undefined) return false;
      if (patch.name !== undefined) update.name.run(patch.name, roomId);
      if (patch.topic !== undefined) update.topic.run(patch.topic === '' ? null : patch.topic, roomId);
      if (patch.description !== undefined) update.description.run(patch.description === '' ? null : patch.description, roomId);
      if (patch.readOnly !== undefined) update.readOnly.run(patch.readOnly ? 1 : null, roomId);
      return true;
    });
    // instr on lower(): the query is plain text, never a pattern. General's members are every user.
    this.selectDirectory = db.prepare<[{ user: string; query: string; after: string; limit: number }], DirectoryRow>(
      `SELECT r.id, r.name, r.topic,
         CASE WHEN r.id = '${GENERAL_ROOM}' THEN (SELECT count(*) FROM users WHERE name_key IS NOT NULL AND deleted_at IS NULL)
              ELSE (SELECT count(*) FROM members WHERE room = r.id) END AS memberCount,
         CASE WHEN r.id = '${GENERAL_ROOM}' OR EXISTS (SELECT 1 FROM members WHERE room = r.id AND user = @user) THEN 1 END AS member
       FROM rooms r
       WHERE r.kind = 'group' AND r.visibility IS NOT 'private' AND r.id > @after
         AND (@query = '' OR instr(lower(r.id), @query) > 0 OR instr(lower(r.name), @query) > 0 OR instr(lower(coalesce(r.topic, '')), @query) > 0)
       ORDER BY r.id LIMIT @limit`,
    );
    this.deleteMember = db.prepare('DELETE FROM members WHERE room = ? AND user = ?');
    this.selectRoom = db.prepare(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = ?`);
    this.selectGroups = db.prepare(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.kind = 'group' ORDER BY r.id`);
    this.selectInfo = db.prepare<[{ room: string; user: string }], RoomInfoRow>(`SELECT ${ROOM_INFO_COLUMNS} FROM rooms r WHERE r.id = @room`);
    this.selectRoomsOf = db.prepare<[{ user: string }], RoomInfoRow>(roomsOfQuery(true));
    this.selectJoinable = db.prepare<[{ user: string; limit: number }], RoomInfoRow>(
      `SELECT ${JOINABLE_COLUMNS} FROM rooms r
       WHERE r.kind = 'group' AND r.id <> '${GENERAL_ROOM}' AND r.visibility IS NOT 'private' AND NOT EXISTS (SELECT 1 FROM members WHERE room = r.id AND user = @user)
       ORDER BY r.id LIMIT @limit`,
    );
    this.selectIsMember = db.prepare<[string, string], number>('SELECT 1 FROM members WHERE room = ? AND user = ?').pluck();
    this.selectMembers = db.prepare<[string], string>('SELECT user FROM members WHERE room = ? ORDER BY user').pluck();
    this.upsertReadMark = db
      .prepare<[string, string, number], number>(
        `INSERT INTO read_marks (room, user, seq) VALUES (?, ?, ?)
         ON CONFLICT (room, user) DO UPDATE SET seq = max(seq, excluded.seq)
         RETURNING seq`,
      )
      .pluck();
    this.createWithMembers = db.transaction((room: RoomRecord, members: string[]) => {
      const visibility = room.kind === 'group' ? (room.visibility ?? 'public') : null;
      const inserted = this.insertRoom.run(
        room.id, room.kind, room.name, room.createdBy ?? null, room.createdAt, visibility, room.topic || null, room.description || null, room.readOnly === true ? 1 : null,
      );
      if (inserted.changes === 0) return false;
      for (const user of members) this.insertMember.run(room.id, user, room.kind === 'group' && user === room.createdBy ? 'owner' : 'member');
      return true;
    });
  }

  ensureGeneral(): void {
    this.insertRoom.run(GENERAL_ROOM, 'group', GENERAL_ROOM, null, Date.now(), 'public', null, null, null);
  }

  create(room: RoomRecord, members: string[]): boolean {
    return this.createWithMembers(room, members);
  }

  get(id: string): RoomRecord | undefined {
    const row = this.selectRoom.get(id);
    return row === undefined ? undefined : toRoom(row);
  }

  groups(): RoomRecord[] {
    return this.selectGroups.all().map(toRoom);
  }

  info(roomId: string, user: string): RoomInfo | undefined {
    const row = this.selectInfo.get({ room: roomId, user });
    return row === undefined ? undefined : this.toInfo(row);
  }

  /** General first, then the user's other rooms by id. */
  roomsOf(user: string): RoomInfo[] {
    const general = this.info(GENERAL_ROOM, user);
    const rest = this.selectRoomsOf.all({ user }).map((row) => this.toInfo(row));
    return general === undefined ? rest : [general, ...rest];
  }

  joinable(user: string, limit: number): RoomInfo[] {
    return this.selectJoinable.all({ user, limit }).map((row) => this.toInfo(row));
  }

  addMember(roomId: string, user: string, role: RoomRole = 'member'): void {
    if (roomId === GENERAL_ROOM) return;
    this.insertMember.run(roomId, user, role);
    this.deleteInvitation.run(roomId, user);
  }

  roleOf(roomId: string, user: string, kind: string | undefined): RoomRole | undefined {
    if (kind !== 'group') return undefined;
    if (roomId === GENERAL_ROOM) return this.users.exists(user) ? 'member' : undefined;
    return this.selectRole.get(roomId, user) as RoomRole | undefined;
  }

  memberRoles(roomId: string): MemberEntry[] {
    if (roomId === GENERAL_ROOM) return this.users.names().map((user) => ({ user, role: 'member' }));
    return this.selectMemberRoles.all(roomId);
  }

  setRoles(roomId: string, roles: MemberEntry[]): number {
    return roomId === GENERAL_ROOM ? 0 : this.setRolesTx(roomId, roles);
  }

  update(roomId: string, patch: RoomPatch): boolean {
    return this.updateRoomTx(roomId, patch);
  }

  directory(user: string, query: string, after: string | undefined, limit: number): DirectoryEntry[] {
    const rows = this.selectDirectory.all({ user, query: query.toLowerCase(), after: after ?? '', limit: Math.max(0, Math.floor(limit)) });
    return rows.map((row) => {
      const entry: DirectoryEntry = { id: row.id, name: row.name, memberCount: row.memberCount };
      if (row.topic !== null) entry.topic = row.topic;
      if (row.member !== null) entry.member = true;
      return entry;
    });
  }

  removeMember(roomId: string, user: string): void {
    if (roomId !== GENERAL_ROOM) this.deleteMember.run(roomId, user);
  }

  isMember(roomId: string, user: string): boolean {
    if (roomId === GENERAL_ROOM) return this.users.exists(user);
    return this.selectIsMember.get(roomId, user) !== undefined;
  }

  members(roomId: string): string[] {
    return roomId === GENERAL_ROOM ? this.users.names() : this.selectMembers.all(roomId);
  }

  /** Forward only, and never past the last message, so a bogus seq cannot hide future messages. */
  setReadMark(roomId: string, user: string, seq: number): number {
    const capped = Math.min(Math.max(0, Math.floor(seq)), this.lastSeq(roomId));
    return this.upsertReadMark.get(roomId, user, capped) ?? capped;
  }

  private toInfo(row: RoomInfoRow): RoomInfo {
    const info: RoomInfo = {
      id: row.id, kind: row.kind as RoomInfo['kind'], name: row.name, lastSeq: this.lastSeq(row.id), lastRead: row.last_read, unread: row.unread,
    };
    if (row.id !== GENERAL_ROOM) {
      info.members = JSON.parse(row.members) as string[];
      if (row.member_count > info.members.length) info.memberCount = row.member_count;
    }
    if (row.mentions > 0) info.mentions = row.mentions;
    if (row.thread_unread > 0) info.threadUnread = row.thread_unread;
    if (row.kind === 'group') {
      info.visibility = row.visibility === 'private' ? 'private' : 'public';
      if (row.id === GENERAL_ROOM) info.role = 'member';
      else if (row.role !== null) info.role = row.role as RoomRole;
      if (row.topic !== null) info.topic = row.topic;
      if (row.description !== null) info.description = row.description;
      if (row.read_only !== null) info.readOnly = true;
    }
    return info;
  }
}
