import type { Database, Statement } from 'better-sqlite3';
import { GENERAL_ROOM, type ChatMessage } from '../../../protocol';
import { matchExpression } from './fts-query';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './rows';

// Text, shared code and its path, and the file name are what people remember and search for.
const BODY = `concat_ws(' ', m.text, json_extract(m.snippet, '$.path'), json_extract(m.snippet, '$.code'), json_extract(m.file, '$.name'))`;

/** Past this many rooms the room list is left out of the match and only the join filters. */
const MAX_ROOM_TERMS = 100;

// Newest first and stopping at the limit: the cost follows the page, not the number of matches
// (ranking every match would not). The membership test repeats what the match already narrowed,
// so a wrong room list can never leak a message.
const SELECT_MINE = `SELECT ${MESSAGE_COLUMNS} FROM search_index s JOIN messages m ON m.id = s.rowid
  WHERE search_index MATCH ?
    AND (m.room = '${GENERAL_ROOM}' OR EXISTS (SELECT 1 FROM members WHERE room = m.room AND user = ?))
  ORDER BY s.rowid DESC LIMIT ?`;
const SELECT_ROOM = `SELECT ${MESSAGE_COLUMNS} FROM search_index s JOIN messages m ON m.id = s.rowid
  WHERE search_index MATCH ? AND m.room = ?
  ORDER BY s.rowid DESC LIMIT ?`;

/** The full-text index over messages, kept in the same transaction as the messages themselves. */
export class SearchIndex {
  private readonly insertRange: Statement<[number, number]>;
  private readonly selectMine: Statement<[string, string, number], MessageRow>;
  private readonly selectRoom: Statement<[string, string, number], MessageRow>;
  private readonly selectRoomNum: Statement<[string], number>;
  private readonly selectRoomNumsOf: Statement<[string], number>;

  constructor(db: Database) {
    // One statement per batch: the rows are still hot in the page cache, and no JS round trip per message.
    this.insertRange = db.prepare(
      `INSERT INTO search_index (rowid, body, room)
       SELECT m.id, ${BODY}, 'r' || r.num FROM messages m JOIN rooms r ON r.id = m.room
       WHERE m.id BETWEEN ? AND ?`,
    );
    this.selectMine = db.prepare(SELECT_MINE);
    this.selectRoom = db.prepare(SELECT_ROOM);
    this.selectRoomNum = db.prepare<[string], number>('SELECT num FROM rooms WHERE id = ?').pluck();
    this.selectRoomNumsOf = db
      .prepare<[string], number>(
        `SELECT num FROM rooms WHERE id = '${GENERAL_ROOM}'
         UNION ALL SELECT r.num FROM members me CROSS JOIN rooms r ON r.id = me.room WHERE me.user = ?`,
      )
      .pluck();
  }

  /** Indexes the messages with ids in [first, last], all written by the current transaction. */
  add(first: number, last: number): void {
    this.insertRange.run(first, last);
  }

  /** Newest first, in every room `user` belongs to; the caller has checked the user exists. */
  inRoomsOf(user: string, terms: string, limit: number): ChatMessage[] {
    const nums = this.selectRoomNumsOf.all(user);
    const match = matchExpression(terms, nums.length <= MAX_ROOM_TERMS ? nums : undefined);
    return this.selectMine.all(match, user, limit).map(toMessage);
  }

  /** Newest first, in one room; the caller has checked membership. */
  inRoom(room: string, terms: string, limit: number): ChatMessage[] {
    const num = this.selectRoomNum.get(room);
    if (num === undefined) return [];
    return this.selectRoom.all(matchExpression(terms, [num]), room, limit).map(toMessage);
  }
}
