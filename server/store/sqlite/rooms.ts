import type { Database, Statement } from 'better-sqlite3';
import { GENERAL_ROOM, MAX_LISTED_MEMBERS, ROOM_MENTION, UNREAD_LIMIT, type RoomInfo } from '../../../protocol';
import type { RoomRecord } from '../store';
import { toRoom, type RoomRow } from './rows';
import { ROOM_THREAD_UNREAD } from './thread-marks';
import type { Users } from './users';

interface RoomInfoRow extends RoomRow {
  members: string;
  member_count: number;
  last_read: number;
  mentions: number;
  unread: number;
  thread_unread: number;
}

const LAST_READ = 'coalesce((SELECT seq FROM read_marks WHERE room = r.id AND user = @user), 0)';

/** What the timeline does not show: the WHERE of the messages_hidden index (schema.ts), word for word. */
export const HIDDEN = 'h.change_kind IS NOT NULL OR (h.root IS NOT NULL AND h.in_room IS NULL) OR h.deleted IS NOT NULL';

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
const roomInfoColumns = (unread: string, threadUnread: string) => `r.id, r.kind, r.name, r.created_by, r.created_at,
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
  private readonly insertRoom: Statement<[string, string, string, string | null, number]>;
  private readonly insertMember: Statement<[string, string]>;
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
      'INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.insertMember = db.prepare('INSERT INTO members (room, user) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.deleteMember = db.prepare('DELETE FROM members WHERE room = ? AND user = ?');
    this.selectRoom = db.prepare('SELECT id, kind, name, created_by, created_at FROM rooms WHERE id = ?');
    this.selectGroups = db.prepare("SELECT id, kind, name, created_by, created_at FROM rooms WHERE kind = 'group' ORDER BY id");
    this.selectInfo = db.prepare<[{ room: string; user: string }], RoomInfoRow>(`SELECT ${ROOM_INFO_COLUMNS} FROM rooms r WHERE r.id = @room`);
    this.selectRoomsOf = db.prepare<[{ user: string }], RoomInfoRow>(roomsOfQuery(true));
    this.selectJoinable = db.prepare<[{ user: string; limit: number }], RoomInfoRow>(
      `SELECT ${JOINABLE_COLUMNS} FROM rooms r
       WHERE r.kind = 'group' AND r.id <> '${GENERAL_ROOM}' AND NOT EXISTS (SELECT 1 FROM members WHERE room = r.id AND user = @user)
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
      if (this.insertRoom.run(room.id, room.kind, room.name, room.createdBy ?? null, room.createdAt).changes === 0) return false;
      for (const user of members) this.insertMember.run(room.id, user);
      return true;
    });
  }

  ensureGeneral(): void {
    this.insertRoom.run(GENERAL_ROOM, 'group', GENERAL_ROOM, null, Date.now());
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

  addMember(roomId: string, user: string): void {
    if (roomId !== GENERAL_ROOM) this.insertMember.run(roomId, user);
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
    return info;
  }
}
