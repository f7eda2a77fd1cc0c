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

/**
 * Messages indexed together: a transaction that adds to the index writes a new index segment,
 * which costs about as much as the messages themselves when a transaction holds only one.
 */
export const INDEX_BATCH = 256;

/**
 * The full-text index over messages. Appends leave their rows to be indexed later, in batches:
 * inside a later append's transaction once INDEX_BATCH rows wait, or by the store shortly after
 * (catchUp), and always before a search runs, so a search sees every stored message. The rows
 * waiting are always the newest ones; after a crash, open() indexes whatever the index lacks.
 */
export class SearchIndex {
  /** Rows appended but not indexed yet: ids pendingFirst … pendingLast (0 when none). */
  private pendingFirst = 0;
  private pendingLast = 0;
  private readonly insertRange: Statement<[number, number]>;
  private readonly selectIndexedMax: Statement<[], number | null>;
  private readonly selectMessagesMax: Statement<[], number | null>;
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
    // search_index_docsize has one row per indexed message, keyed by its id.
    this.selectIndexedMax = db.prepare<[], number | null>('SELECT max(id) FROM search_index_docsize').pluck();
    this.selectMessagesMax = db.prepare<[], number | null>('SELECT max(id) FROM messages').pluck();
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

  /** Indexes the messages with ids in [first, last], within the caller's transaction. */
  add(first: number, last: number): void {
    this.insertRange.run(first, last);
  }

  /** Rows waiting to be indexed. */
  get pending(): number {
    return this.pendingFirst === 0 ? 0 : this.pendingLast - this.pendingFirst + 1;
  }

  /**
   * Inside an append's transaction that wrote rows first … last: indexes them together with the
   * rows waiting, once that makes a batch. Returns true when it did; tell committed() afterwards.
   */
  addOrDefer(first: number, last: number): boolean {
    if (this.pending + (last - first + 1) < INDEX_BATCH) return false;
    this.insertRange.run(this.pendingFirst === 0 ? first : this.pendingFirst, last);
    return true;
  }

  /** After the append's COMMIT: what addOrDefer() left waiting waits; what it indexed is done. */
  committed(first: number, last: number, indexed: boolean): void {
    if (indexed) {
      this.pendingFirst = 0;
      this.pendingLast = 0;
    } else {
      if (this.pendingFirst === 0) this.pendingFirst = first;
      this.pendingLast = last;
    }
  }

  /** Indexes every row waiting; call inside a transaction, and call caughtUp() after its COMMIT. */
  catchUp(): boolean {
    if (this.pendingFirst === 0) return false;
    this.insertRange.run(this.pendingFirst, this.pendingLast);
    return true;
  }

  caughtUp(): void {
    this.pendingFirst = 0;
    this.pendingLast = 0;
  }

  /** At open: messages stored but never indexed (the process ended before their batch) wait again. */
  recover(): void {
    const indexed = this.selectIndexedMax.get() ?? 0;
    const stored = this.selectMessagesMax.get() ?? 0;
    if (stored > indexed) {
      this.pendingFirst = indexed + 1;
      this.pendingLast = stored;
    }
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
