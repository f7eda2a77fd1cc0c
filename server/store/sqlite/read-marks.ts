import type { Database, Statement } from 'better-sqlite3';
import { DELETED_USER } from '../../../protocol';

/**
 * "Posting reads the room" (Store.append): a post, or a reply also sent to the room, moves its
 * sender's read mark up to its seq. Not one upsert per message in the append transaction: the
 * search index's batches (search.ts) carry it, one statement per batch over the batch's row
 * range, in the same transaction that indexes those rows. The rows waiting are the newest ones,
 * and every read of marks (room listings, setReadMark, export) catches up first, so nobody ever
 * sees a mark behind a post; after a crash the index's recovery (rows the index lacks) applies
 * them again. Moving a mark is idempotent (never back), so applying a range twice is harmless.
 * Deleted messages count too: they moved the mark when they were posted. Room events (a join, a
 * kick) are not posts and move no mark. DELETED_USER, whose messages a deleted account left, reads nothing.
 */
export class PostedMarks {
  private readonly applyRange: Statement<[number, number]>;

  constructor(db: Database) {
    this.applyRange = db.prepare(
      `INSERT INTO read_marks (room, user, seq)
       SELECT room, from_user, max(seq) FROM messages
       WHERE id BETWEEN ? AND ? AND change_kind IS NULL AND (root IS NULL OR in_room IS NOT NULL) AND event IS NULL
         AND from_user <> '${DELETED_USER}'
       GROUP BY room, from_user
       ON CONFLICT (room, user) DO UPDATE SET seq = max(seq, excluded.seq)`,
    );
  }

  /** The messages with ids in [first, last] were posted: their senders have read up to them. */
  apply(first: number, last: number): void {
    this.applyRange.run(first, last);
  }
}
