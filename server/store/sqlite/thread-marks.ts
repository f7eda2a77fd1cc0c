import type { Database, Statement } from 'better-sqlite3';
import { ROOM_MENTION, UNREAD_LIMIT } from '../../../protocol';

// A thread's unread replies for one participant: after their mark, by someone else, not deleted.
// Along messages_by_root (room, root, seq), at most UNREAD_LIMIT + 1 of them.
const THREAD_UNREAD = `SELECT count(*) FROM (SELECT 1 FROM messages x
  WHERE x.room = t.room AND x.root = t.root AND x.seq > t.seq AND x.from_user <> t.user AND x.deleted IS NULL
  LIMIT ${UNREAD_LIMIT + 1})`;

/**
 * For RoomInfo.threadUnread (rooms.ts): the user's thread-only unread replies in the room, summed
 * over the threads they take part in, at most UNREAD_LIMIT + 1. Replies also sent to the room are
 * left out: `unread` counts them already. CROSS JOIN keeps the user's few marks the outer loop:
 * driven from the room's replies instead, a room of many replies was read whole.
 */
export const ROOM_THREAD_UNREAD = `(SELECT count(*) FROM (SELECT 1 FROM thread_marks t
    CROSS JOIN messages x ON x.room = t.room AND x.root = t.root AND x.seq > t.seq
    WHERE t.room = r.id AND t.user = @user AND x.from_user <> @user AND x.in_room IS NULL AND x.deleted IS NULL
    LIMIT ${UNREAD_LIMIT + 1}))`;

interface MarkParams {
  room: string;
  user: string;
  root: number;
  seq: number;
}

/**
 * Per-thread read marks (schema 7, `thread_marks`). A user takes part in a thread once they wrote
 * its root or a reply, or the root or a reply mentions them by name; only participants have a
 * mark, and only they get per-thread unread counts.
 */
export class ThreadMarks {
  private readonly join: Statement<[MarkParams]>;
  private readonly joinRootMentions: Statement<[{ room: string; root: number }]>;
  private readonly move: Statement<[MarkParams], number>;
  private readonly selectUnread: Statement<[{ room: string; user: string; roots: string }], { root: number; unread: number }>;

  constructor(db: Database) {
    // A participant joins with a mark (never lowered when they already take part).
    this.join = db.prepare<[MarkParams]>(
      `INSERT INTO thread_marks (room, user, root, seq) SELECT @room, name, @root, @seq FROM users WHERE name = @user
       ON CONFLICT (room, user, root) DO NOTHING`,
    );
    this.joinRootMentions = db.prepare<[{ room: string; root: number }]>(
      `INSERT INTO thread_marks (room, user, root, seq)
       SELECT n.room, n.user, @root, @root FROM mentions n
       WHERE n.room = @room AND n.msg = @root AND n.user <> '${ROOM_MENTION}' AND n.user IN (SELECT name FROM users)
       ON CONFLICT (room, user, root) DO NOTHING`,
    );
    this.move = db
      .prepare<[MarkParams], number>('UPDATE thread_marks SET seq = max(seq, @seq) WHERE room = @room AND user = @user AND root = @root RETURNING seq')
      .pluck();
    this.selectUnread = db.prepare<[{ room: string; user: string; roots: string }], { root: number; unread: number }>(
      `SELECT t.root AS root, (${THREAD_UNREAD}) AS unread FROM thread_marks t
       WHERE t.room = @room AND t.user = @user AND t.root IN (SELECT value FROM json_each(@roots))`,
    );
  }

  /**
   * A reply `seq` by `from` in `root`'s thread (root written by `rootAuthor`), mentioning
   * `mentions`: the replier has read the thread up to it; the root's author and whoever the root
   * mentions join at the root (the thread's replies are all unread to them); whoever the reply
   * mentions joins just before it. Inside the append transaction.
   */
  replied(room: string, root: number, rootAuthor: string, seq: number, from: string, mentions: readonly string[] | undefined): void {
    this.join.run({ room, user: from, root, seq });
    this.move.get({ room, user: from, root, seq });
    this.join.run({ room, user: rootAuthor, root, seq: root });
    this.joinRootMentions.run({ room, root });
    if (mentions !== undefined) {
      for (const name of mentions) if (name !== ROOM_MENTION && name !== from) this.join.run({ room, user: name, root, seq: seq - 1 });
    }
  }

  /** Moves `user`'s mark in `root`'s thread forward; undefined when they take no part in it. */
  setMark(room: string, root: number, user: string, seq: number): number | undefined {
    return this.move.get({ room, user, root, seq });
  }

  /** Unread replies per root, for the given roots that `user` takes part in. */
  unread(room: string, user: string, roots: readonly number[]): Map<number, number> {
    const out = new Map<number, number>();
    if (roots.length === 0) return out;
    for (const row of this.selectUnread.all({ room, user, roots: JSON.stringify(roots) })) out.set(row.root, row.unread);
    return out;
  }
}
