// One room's unread count, as a client (the extension host, the webview) keeps it between room
// listings. Shared by both, like apply-change.ts; no DOM, no vscode.
import { UNREAD_LIMIT } from './limits';

/**
 * The server's count from the last listing (`RoomInfo.unread`, which covers the room up to that
 * listing's lastSeq) plus the live messages since: others' messages the timeline shows, each
 * counted once by its seq. Own messages, change events and thread-only replies never reach it.
 * Messages replayed after a reconnect that the listing already covered are not counted again.
 */
export class UnreadCount {
  /** The seq up to which `base` counts (the listing's lastSeq). */
  private baseSeq = 0;
  private base = 0;
  /** Seqs past baseSeq of others' shown messages, not read yet. */
  private readonly live = new Set<number>();

  /** A room listing: its count, and the seq it is counted up to. An older listing than the one held changes nothing. */
  listed(lastSeq: number, unread: number): void {
    if (lastSeq < this.baseSeq) return;
    this.baseSeq = lastSeq;
    this.base = Math.max(0, unread);
    for (const seq of this.live) if (seq <= lastSeq) this.live.delete(seq);
  }

  /** Whether an event with this seq came after the last listing (which counted everything up to it). */
  isNew(seq: number): boolean {
    return seq > this.baseSeq;
  }

  /** Someone else's message the timeline shows, after the read mark `lastRead`. */
  add(seq: number, lastRead: number): void {
    if (seq > this.baseSeq && seq > lastRead) this.live.add(seq);
  }

  /**
   * A message was deleted. Counted live, it simply goes; within the listing's range (and after
   * the read mark, by someone else) the listing counted it, so its count loses one.
   */
  deleted(seq: number, lastRead: number, byOther: boolean): void {
    if (this.live.delete(seq)) return;
    if (byOther && seq > lastRead && seq <= this.baseSeq && this.base > 0) this.base--;
  }

  /** The read mark moved to `lastRead`. */
  read(lastRead: number): void {
    if (lastRead >= this.baseSeq) this.base = 0;
    for (const seq of this.live) if (seq <= lastRead) this.live.delete(seq);
  }

  /** Nothing is unread (a room left, or no longer joined). */
  clear(): void {
    this.base = 0;
    this.live.clear();
  }

  get value(): number {
    return this.base + this.live.size;
  }
}

/** How a count is shown: exact up to UNREAD_LIMIT, then "999+". */
export function formatUnread(n: number): string {
  return n > UNREAD_LIMIT ? `${UNREAD_LIMIT}+` : String(n);
}
