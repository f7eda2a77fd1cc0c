/**
 * Who blocks whom, all of it in memory (blocks are few): read once at start, kept by the `block`
 * and `unblock` requests, so the checks on the send path (DMs, mentions) stay synchronous.
 */
export class Blocks {
  private readonly byBlocker = new Map<string, Set<string>>();

  load(pairs: readonly { user: string; blocked: string }[]): void {
    this.byBlocker.clear();
    for (const { user, blocked } of pairs) this.add(user, blocked);
  }

  add(user: string, blocked: string): void {
    let mine = this.byBlocker.get(user);
    if (mine === undefined) {
      mine = new Set();
      this.byBlocker.set(user, mine);
    }
    mine.add(blocked);
  }

  remove(user: string, blocked: string): void {
    this.byBlocker.get(user)?.delete(blocked);
  }

  /** A deleted account: its blocks both ways go. */
  forget(user: string): void {
    this.byBlocker.delete(user);
    for (const blocked of this.byBlocker.values()) blocked.delete(user);
  }

  /** Whether `user` blocks `other`. */
  blocks(user: string, other: string): boolean {
    return this.byBlocker.get(user)?.has(other) === true;
  }

  /** Whom `user` blocks, sorted. */
  of(user: string): string[] {
    return [...(this.byBlocker.get(user) ?? [])].sort();
  }
}
