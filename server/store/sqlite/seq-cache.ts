import type { Database, Statement } from 'better-sqlite3';

/**
 * The last seq of each room, read once from the table and then kept in memory. This process is
 * the only writer of its file, so the cache stays exact; a second writer would be caught by the
 * UNIQUE (room, seq) constraint rather than produce a gap or a repeat.
 */
export class SeqCache {
  private readonly last = new Map<string, number>();
  private readonly selectMax: Statement<[string], number>;

  constructor(db: Database) {
    this.selectMax = db.prepare<[string], number>('SELECT coalesce(max(seq), 0) FROM messages WHERE room = ?').pluck();
  }

  get(room: string): number {
    let seq = this.last.get(room);
    if (seq === undefined) {
      seq = this.selectMax.get(room) ?? 0;
      this.last.set(room, seq);
    }
    return seq;
  }

  /** Called only after the transaction that wrote these seqs has committed. */
  commit(updates: Map<string, number>): void {
    for (const [room, seq] of updates) this.last.set(room, seq);
  }
}
