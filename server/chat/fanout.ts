import type { Peer } from './peer';

/**
 * Who is connected as whom, and delivery of one encoded frame to many connections.
 * Callers encode once; every recipient's queue holds the same buffer.
 */
export class Hub {
  /** `heldLimit`: bytes a resuming connection may have waiting behind its replay. */
  constructor(private readonly heldLimit = Infinity) {}

  /** Every signed-in connection: the members of `general`. */
  readonly peers = new Set<Peer>();
  private readonly byUser = new Map<string, Set<Peer>>();
  private readonly byToken = new Map<string, Set<Peer>>();

  /** Returns true when this is the user's first connection. */
  add(peer: Peer): boolean {
    const user = peer.user as string;
    this.peers.add(peer);
    let mine = this.byUser.get(user);
    const first = mine === undefined;
    if (mine === undefined) {
      mine = new Set();
      this.byUser.set(user, mine);
    }
    mine.add(peer);
    if (peer.tokenHash !== undefined) {
      let same = this.byToken.get(peer.tokenHash);
      if (same === undefined) {
        same = new Set();
        this.byToken.set(peer.tokenHash, same);
      }
      same.add(peer);
    }
    return first;
  }

  /** Returns true when this was the user's last connection. */
  remove(peer: Peer): boolean {
    if (!this.peers.delete(peer)) return false;
    const user = peer.user as string;
    const mine = this.byUser.get(user);
    mine?.delete(peer);
    if (peer.tokenHash !== undefined) {
      const same = this.byToken.get(peer.tokenHash);
      same?.delete(peer);
      if (same?.size === 0) this.byToken.delete(peer.tokenHash);
    }
    if (mine === undefined || mine.size > 0) return false;
    this.byUser.delete(user);
    return true;
  }

  withToken(tokenHash: string): Peer[] {
    return [...(this.byToken.get(tokenHash) ?? [])];
  }

  toAll(frame: Buffer, except?: Peer): void {
    for (const peer of this.peers) if (peer !== except) peer.conn.write(frame);
  }

  toUser(user: string, frame: Buffer, except?: Peer): void {
    const mine = this.byUser.get(user);
    if (mine === undefined) return;
    for (const peer of mine) if (peer !== except) peer.conn.write(frame);
  }

  /** Delivers a room message; `members` undefined means general (everyone). */
  toRoom(room: string, members: ReadonlySet<string> | undefined, seq: number, frame: Buffer, except?: Peer): void {
    if (members === undefined) {
      for (const peer of this.peers) if (peer !== except) this.deliver(peer, room, seq, frame);
      return;
    }
    for (const user of members) {
      const mine = this.byUser.get(user);
      if (mine === undefined) continue;
      for (const peer of mine) if (peer !== except) this.deliver(peer, room, seq, frame);
    }
  }

  /** Room events from `user` that the user's own connections need not see (typing). */
  toOthers(members: ReadonlySet<string> | undefined, frame: Buffer, user: string): void {
    if (members === undefined) {
      for (const peer of this.peers) if (peer.user !== user) peer.conn.write(frame);
      return;
    }
    for (const member of members) if (member !== user) this.toUser(member, frame);
  }

  /** Room events without a seq (typing, read): straight to members. */
  toMembers(members: ReadonlySet<string> | undefined, frame: Buffer, except?: Peer): void {
    if (members === undefined) return this.toAll(frame, except);
    for (const user of members) this.toUser(user, frame, except);
  }

  private deliver(peer: Peer, room: string, seq: number, frame: Buffer): void {
    if (peer.gates !== undefined) {
      const held = peer.gates.get(room);
      if (held !== undefined) {
        held.push({ seq, frame });
        peer.heldBytes = (peer.heldBytes ?? 0) + frame.length;
        if (peer.heldBytes > this.heldLimit) {
          peer.gates = undefined;
          peer.heldBytes = undefined;
          peer.conn.closeWithError('SLOW_CONSUMER');
        }
        return;
      }
    }
    peer.conn.write(frame);
  }
}
