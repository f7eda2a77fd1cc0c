import type { Database, Statement } from 'better-sqlite3';
import { GENERAL_ROOM, SEARCH_SCAN_LIMIT } from '../../../protocol';
import type { SearchOptions } from '../store';
import { INDEXED_BODY } from './body';
import { matchExpression } from './fts-query';
import { READ_COLUMNS, type ReadRow } from './rows';

/** Past this many rooms the room list is left out of the match and only the join filters. */
const MAX_ROOM_TERMS = 100;

/** The filters of a search, as SearchOptions gives them (room and limit aside). */
export type SearchFilters = Omit<SearchOptions, 'room' | 'limit'>;

/** Where a search looks: one room (membership checked by the caller) or every room of a user. */
export type SearchScope = { room: string } | { user: string };

// Only messages: change events are never indexed, deleted messages are taken out; the conditions
// repeat that so a scan without words sees the same.
const MESSAGES_ONLY = 'm.change_kind IS NULL AND m.deleted IS NULL AND m.event IS NULL';

/** SQL conditions on `messages m` for the filters given, with their @parameters. */
function filterSql(filters: SearchFilters): string {
  const where: string[] = [];
  if (filters.from !== undefined) where.push('m.from_user = @from');
  if (filters.hasFile !== undefined) where.push(`m.file IS ${filters.hasFile ? 'NOT ' : ''}NULL`);
  if (filters.hasSnippet !== undefined) where.push(`m.snippet IS ${filters.hasSnippet ? 'NOT ' : ''}NULL`);
  if (filters.isThread !== undefined) where.push(`${filters.isThread ? '' : 'NOT '}(m.root IS NOT NULL OR coalesce(m.reply_count, 0) > 0)`);
  if (filters.isPinned !== undefined) where.push(`m.pin_seq IS ${filters.isPinned ? 'NOT ' : ''}NULL`);
  if (filters.before !== undefined) where.push('m.ts < @before');
  if (filters.after !== undefined) where.push('m.ts >= @after');
  return where.map((w) => ` AND ${w}`).join('');
}

/** Whether any filter narrows the search, so that it may run without words. */
export function hasFilters(filters: SearchFilters): boolean {
  return (
    filters.from !== undefined ||
    filters.hasFile !== undefined ||
    filters.hasSnippet !== undefined ||
    filters.isThread !== undefined ||
    filters.isPinned !== undefined ||
    filters.before !== undefined ||
    filters.after !== undefined
  );
}

// Newest first and stopping at the limit: the cost follows the page, not the number of matches
// (ranking every match would not). The membership test repeats what the match already narrowed,
// so a wrong room list can never leak a message.
const MINE = `(m.room = '${GENERAL_ROOM}' OR EXISTS (SELECT 1 FROM members WHERE room = m.room AND user = @user))`;

function searchSql(scope: 'room' | 'mine', words: boolean, filters: SearchFilters): string {
  const inScope = scope === 'room' ? 'm.room = @room' : MINE;
  if (words) {
    // At most @scan index hits, newest first, are looked at: a common word with a filter that
    // matches nothing would otherwise join every message that has the word.
    return `SELECT ${READ_COLUMNS} FROM
      (SELECT rowid FROM search_index WHERE search_index MATCH @match ORDER BY rowid DESC LIMIT @scan) s
      JOIN messages m ON m.id = s.rowid
      WHERE ${inScope} AND ${MESSAGES_ONLY}${filterSql(filters)}
      ORDER BY s.rowid DESC LIMIT @limit`;
  }
  // Filters alone: newest rows first (a room's own seq order inside one room), at most @scan of them.
  // Seqs and ids have no gaps worth counting, so a range on the key is the newest @scan rows.
  if (scope === 'room') {
    return `SELECT ${READ_COLUMNS} FROM messages m
      WHERE m.room = @room AND m.seq > (SELECT coalesce(max(seq), 0) FROM messages WHERE room = @room) - @scan
        AND ${MESSAGES_ONLY}${filterSql(filters)} ORDER BY m.seq DESC LIMIT @limit`;
  }
  return `SELECT ${READ_COLUMNS} FROM messages m
    WHERE m.id > (SELECT coalesce(max(id), 0) FROM messages) - @scan
      AND ${MINE} AND ${MESSAGES_ONLY}${filterSql(filters)} ORDER BY m.id DESC LIMIT @limit`;
}

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
  private readonly deleteRow: Statement<[number]>;
  private readonly db: Database;
  /** Search statements by scope, words and filters: a few dozen shapes at most. */
  private readonly statements = new Map<string, Statement<[SearchParams], ReadRow>>();
  private readonly selectRoomNum: Statement<[string], number>;
  private readonly selectRoomNumsOf: Statement<[string], number>;

  /**
   * `onBatch` runs with every batch of appended rows the index takes (in the same transaction):
   * the rows' other deferred bookkeeping (read-marks.ts) rides on the same batches and recovery.
   */
  constructor(db: Database, private readonly onBatch: (first: number, last: number) => void = () => undefined) {
    // One statement per batch: the rows are still hot in the page cache, and no JS round trip per message.
    this.insertRange = db.prepare(
      `INSERT INTO search_index (rowid, body, room)
       SELECT m.id, ${INDEXED_BODY}, 'r' || r.num FROM messages m JOIN rooms r ON r.id = m.room
       WHERE m.id BETWEEN ? AND ? AND ${MESSAGES_ONLY}`,
    );
    // Contentless, the index can only forget words it is told again: the row's body as indexed.
    // With secure-delete on (schema.ts) they leave the index pages, not just the results.
    this.deleteRow = db.prepare(
      `INSERT INTO search_index (search_index, rowid, body, room)
       SELECT 'delete', m.id, ${INDEXED_BODY}, 'r' || r.num FROM messages m JOIN rooms r ON r.id = m.room
       WHERE m.id = ? AND ${MESSAGES_ONLY}`,
    );
    // search_index_docsize has one row per indexed message, keyed by its id.
    this.selectIndexedMax = db.prepare<[], number | null>('SELECT max(id) FROM search_index_docsize').pluck();
    this.selectMessagesMax = db.prepare<[], number | null>('SELECT max(id) FROM messages').pluck();
    this.db = db;
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
    const from = this.pendingFirst === 0 ? first : this.pendingFirst;
    this.insertRange.run(from, last);
    this.onBatch(from, last);
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
    this.onBatch(this.pendingFirst, this.pendingLast);
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

  /**
   * The first row id an append's transaction may not find in the index: the oldest row
   * waiting, or the transaction's own first row `batchFirst` (0 when none). Rows below it are
   * indexed (messages) or never will be (change events, erased messages).
   */
  unindexedFrom(batchFirst: number): number {
    const from = this.pendingFirst === 0 ? Number.MAX_SAFE_INTEGER : this.pendingFirst;
    return batchFirst === 0 ? from : Math.min(from, batchFirst);
  }

  /**
   * Inside a transaction, before row `id` (a message) changes its indexed words or is erased:
   * takes its words out of the index, unless the row still waits to be indexed (id at or past
   * `unindexedFrom`), in which case its batch indexes what the row holds by then.
   */
  forget(id: number, unindexedFrom: number): void {
    if (id < unindexedFrom) this.deleteRow.run(id);
  }

  /** After forget() and the change to row `id`: indexes it again, as it is now (nothing when erased). */
  reindex(id: number, unindexedFrom: number): void {
    if (id < unindexedFrom) this.insertRange.run(id, id);
  }

  /**
   * Newest first, at most `limit`: messages matching the terms (or, with terms undefined, any
   * message) that pass the filters, in the scope (membership checked by the caller).
   */
  find(scope: SearchScope, terms: string | undefined, filters: SearchFilters, limit: number): ReadRow[] {
    const params: SearchParams = { limit, scan: SEARCH_SCAN_LIMIT };
    if ('room' in scope) {
      params.room = scope.room;
      if (terms !== undefined) {
        const num = this.selectRoomNum.get(scope.room);
        if (num === undefined) return [];
        params.match = matchExpression(terms, [num]);
      }
    } else {
      params.user = scope.user;
      if (terms !== undefined) {
        const nums = this.selectRoomNumsOf.all(scope.user);
        params.match = matchExpression(terms, nums.length <= MAX_ROOM_TERMS ? nums : undefined);
      }
    }
    if (filters.from !== undefined) params.from = filters.from;
    if (filters.before !== undefined) params.before = filters.before;
    if (filters.after !== undefined) params.after = filters.after;
    return this.statement('room' in scope ? 'room' : 'mine', terms !== undefined, filters).all(params);
  }

  private statement(scope: 'room' | 'mine', words: boolean, filters: SearchFilters): Statement<[SearchParams], ReadRow> {
    const sql = searchSql(scope, words, filters);
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<[SearchParams], ReadRow>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

interface SearchParams {
  limit: number;
  scan: number;
  match?: string;
  room?: string;
  user?: string;
  from?: string;
  before?: number;
  after?: number;
}
