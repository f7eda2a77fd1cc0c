import type { Database, Statement } from 'better-sqlite3';
import { GENERAL_ROOM, type ChatMessage } from '../../../protocol';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './rows';

// Text, shared code and its path, and the file name are what people remember and search for.
const BODY = `concat_ws(' ', m.text, json_extract(m.snippet, '$.path'), json_extract(m.snippet, '$.code'), json_extract(m.file, '$.name'))`;

// Walking the index newest first and stopping at the limit keeps the cost bounded by the page,
// not by how many messages match (ranking every match would not be).
const FROM_MATCH = `search_index s JOIN messages m ON m.id = s.rowid WHERE search_index MATCH ?`;

/** The full-text index over messages, kept in the same transaction as the messages themselves. */
export class SearchIndex {
  private readonly insertRange: Statement<[number, number]>;
  private readonly selectMine: Statement<[string, string, number], MessageRow>;
  private readonly selectRoom: Statement<[string, string, number], MessageRow>;

  constructor(db: Database) {
    // One statement per batch: the rows are still hot in the page cache, and no JS round trip per message.
    this.insertRange = db.prepare(
      `INSERT INTO search_index (rowid, body)
       SELECT m.id, ${BODY} FROM messages m WHERE m.id BETWEEN ? AND ?`,
    );
    this.selectMine = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM ${FROM_MATCH}
         AND (m.room = '${GENERAL_ROOM}' OR EXISTS (SELECT 1 FROM members WHERE room = m.room AND user = ?))
       ORDER BY s.rowid DESC LIMIT ?`,
    );
    this.selectRoom = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM ${FROM_MATCH} AND m.room = ? ORDER BY s.rowid DESC LIMIT ?`,
    );
  }

  /** Indexes the messages with ids in [first, last], all written by the current transaction. */
  add(first: number, last: number): void {
    this.insertRange.run(first, last);
  }

  /** Newest first, in every room `user` belongs to; the caller has checked the user exists. */
  inRoomsOf(user: string, match: string, limit: number): ChatMessage[] {
    return this.selectMine.all(match, user, limit).map(toMessage);
  }

  /** Newest first, in one room; the caller has checked membership. */
  inRoom(room: string, match: string, limit: number): ChatMessage[] {
    return this.selectRoom.all(match, room, limit).map(toMessage);
  }
}
