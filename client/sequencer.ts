import type { ChatMessage } from '../protocol';

export interface Gap {
  room: string;
  /** First missing seq. */
  from: number;
  /** Last missing seq. */
  to: number;
}

/**
 * Per-room ordering and dedupe: hands out each message exactly once, in seq order.
 * Messages that arrive past a hole are held until the hole is filled (or skipped).
 */
export class Sequencer {
  private readonly last = new Map<string, number>();
  private readonly known = new Map<string, number>();
  private readonly held = new Map<string, Map<number, ChatMessage>>();

  /** Last seq handed out for `room`, or undefined when the room is not tracked. */
  lastSeq(room: string): number | undefined {
    return this.last.get(room);
  }

  isTracked(room: string): boolean {
    return this.last.has(room);
  }

  /**
   * Starts tracking `room` from `seq` (messages up to it count as seen); never moves backwards.
   * Returns held messages that this unblocks.
   */
  track(room: string, seq: number): ChatMessage[] {
    const current = this.last.get(room);
    const out: ChatMessage[] = [];
    if (current === undefined || seq > current) {
      this.last.set(room, seq);
      this.releaseHeld(room, out);
    }
    return out;
  }

  /** Records that messages up to `seq` exist in `room`, so anything missing below it is a gap. */
  expect(room: string, seq: number): void {
    if (seq > (this.known.get(room) ?? 0)) this.known.set(room, seq);
  }

  untrack(room: string): void {
    this.last.delete(room);
    this.known.delete(room);
    this.held.delete(room);
  }

  rooms(): string[] {
    return [...this.last.keys()];
  }

  /** What `resume` sends: the last seq seen of every tracked room. */
  since(): Record<string, number> {
    return Object.fromEntries(this.last);
  }

  /** Takes one message; returns those now deliverable, in order (possibly none). */
  push(msg: ChatMessage): ChatMessage[] {
    const last = this.last.get(msg.room);
    // An untracked room (say, a DM someone just opened) starts at its first message seen.
    if (last === undefined) this.last.set(msg.room, msg.seq - 1);
    const current = this.last.get(msg.room) as number;
    if (msg.seq <= current) return [];
    if (msg.seq > current + 1) {
      let held = this.held.get(msg.room);
      if (!held) this.held.set(msg.room, (held = new Map()));
      held.set(msg.seq, msg);
      return [];
    }
    const out = [msg];
    this.last.set(msg.room, msg.seq);
    this.releaseHeld(msg.room, out);
    return out;
  }

  /** The lowest hole of `room`, if any. */
  gap(room: string): Gap | undefined {
    const last = this.last.get(room);
    if (last === undefined) return undefined;
    const held = this.held.get(room);
    let upper = this.known.get(room) ?? 0;
    if (held && held.size > 0) upper = Math.min(...held.keys()) - 1;
    return upper > last ? { room, from: last + 1, to: upper } : undefined;
  }

  /** Gives up on a hole that cannot be filled; returns the held messages it unblocks. */
  skip(room: string, to: number): ChatMessage[] {
    return this.track(room, to);
  }

  private releaseHeld(room: string, out: ChatMessage[]): void {
    const held = this.held.get(room);
    if (!held) return;
    let next = (this.last.get(room) as number) + 1;
    while (held.has(next)) {
      out.push(held.get(next) as ChatMessage);
      held.delete(next);
      this.last.set(room, next);
      next++;
    }
    this.dropHeldUpTo(room, next - 1);
  }

  private dropHeldUpTo(room: string, seq: number): void {
    const held = this.held.get(room);
    if (!held) return;
    for (const s of held.keys()) if (s <= seq) held.delete(s);
    if (held.size === 0) this.held.delete(room);
  }
}
