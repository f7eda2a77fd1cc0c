import { OpsCounters } from '../ops/counters';
import type { HeldFrame, Peer } from './peer';

/** A stored message waiting for its batch to go out: the sender's ack and, unless a repeat, the room's msg. */
interface StagedMessage {
  room: string;
  members: ReadonlySet<string> | undefined;
  seq: number;
  /** The msg header as JSON; undefined for a repeated cid, which only gets its ack. */
  json: string | undefined;
  sender: Peer;
  /** The sender's ack header as JSON. */
  ack: string;
}

const EMPTY = Buffer.alloc(0);

/** The acks of `sender`'s messages among list[from … to), as frames in one buffer. */
function encodeAcks(list: StagedMessage[], sender: Peer, from: number, to: number): Buffer {
  let total = 0;
  for (let i = from; i < to; i++) if (list[i].sender === sender) total += 8 + Buffer.byteLength(list[i].ack);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = from; i < to; i++) {
    if (list[i].sender !== sender) continue;
    const written = out.write(list[i].ack, at + 8, 'utf8');
    out.writeUInt32BE(4 + written, at);
    out.writeUInt32BE(written, at + 4);
    at += 8 + written;
  }
  return out;
}

/**
 * Who is connected as whom, and delivery of one encoded frame to many connections.
 * Callers encode once; every recipient's queue holds the same buffer.
 */
export class Hub {
  /** `heldLimit`: bytes a resuming connection may have waiting behind its replay; `counters` counts deliveries. */
  constructor(
    private readonly heldLimit = Infinity,
    private readonly counters: OpsCounters = new OpsCounters(),
  ) {}

  /** Every signed-in connection: the members of `general`. */
  readonly peers = new Set<Peer>();
  private readonly byUser = new Map<string, Set<Peer>>();
  private readonly byToken = new Map<string, Set<Peer>>();
  private staged: StagedMessage[] = [];
  private flushQueued = false;

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

  /** True while the user has a connection signed in here. */
  hasUser(user: string): boolean {
    return this.byUser.has(user);
  }

  withToken(tokenHash: string): Peer[] {
    return [...(this.byToken.get(tokenHash) ?? [])];
  }

  toAll(frame: Buffer, except?: Peer): void {
    if (this.staged.length > 0) this.flushStaged();
    for (const peer of this.peers) if (peer !== except) peer.conn.write(frame);
  }

  toUser(user: string, frame: Buffer, except?: Peer): void {
    if (this.staged.length > 0) this.flushStaged();
    const mine = this.byUser.get(user);
    if (mine === undefined) return;
    for (const peer of mine) if (peer !== except) peer.conn.write(frame);
  }

  /** Delivers a room message; `members` undefined means general (everyone). */
  toRoom(room: string, members: ReadonlySet<string> | undefined, seq: number, frame: Buffer, except?: Peer): void {
    if (this.staged.length > 0) this.flushStaged();
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
    if (this.staged.length > 0) this.flushStaged();
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

  /**
   * Acks a stored message to its sender and delivers it to the room, later in this turn: the
   * messages of one commit batch go out together, as one buffer shared by every member (the
   * sender's own connection gets its acks in their places instead of its messages). `json` is
   * the msg header, or undefined for a repeated cid, which gets only its ack.
   */
  stage(room: string, members: ReadonlySet<string> | undefined, seq: number, json: string | undefined, sender: Peer, ack: string): void {
    this.staged.push({ room, members, seq, json, sender, ack });
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flushStaged();
      });
    }
  }

  /** Delivers whatever stage() holds now; every other way out of the Hub calls this first, so order holds. */
  flushStaged(): void {
    const list = this.staged;
    if (list.length === 0) return;
    this.staged = [];
    const room = list[0].room;
    let oneRoom = true;
    for (let i = 1; i < list.length && oneRoom; i++) oneRoom = list[i].room === room;
    if (oneRoom) {
      this.deliverBatch(list);
      return;
    }
    const byRoom = new Map<string, StagedMessage[]>();
    for (const m of list) {
      const same = byRoom.get(m.room);
      if (same === undefined) byRoom.set(m.room, [m]);
      else same.push(m);
    }
    for (const batch of byRoom.values()) this.deliverBatch(batch);
  }

  /** One room's staged messages, in seq order: encoded into one buffer, queued once per member. */
  private deliverBatch(list: StagedMessage[]): void {
    const n = list.length;
    const { room, members } = list[0];
    const bounds = new Int32Array(n + 1);
    let total = 0;
    let shown = 0;
    const lengths = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const json = list[i].json;
      if (json !== undefined) {
        lengths[i] = Buffer.byteLength(json);
        total += 8 + lengths[i];
        shown++;
      }
    }
    const counters = this.counters;
    const frames = total === 0 ? EMPTY : Buffer.allocUnsafe(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      bounds[i] = at;
      const json = list[i].json;
      if (json === undefined) continue;
      frames.writeUInt32BE(4 + lengths[i], at);
      frames.writeUInt32BE(lengths[i], at + 4);
      frames.write(json, at + 8, 'utf8');
      at += 8 + lengths[i];
    }
    bounds[n] = at;

    // Senders get a stream of their own: others' messages with their acks in between.
    const senders = new Map<Peer, boolean>();
    for (let i = 0; i < n; i++) senders.set(list[i].sender, false);
    const visit = (peer: Peer) => {
      if (senders.has(peer)) {
        senders.set(peer, true);
        // its acks and the others' events, one delivery each
        counters.deliveries += n;
        this.deliverToSender(peer, list, frames, bounds, true);
        return;
      }
      if (total === 0) return;
      counters.deliveries += shown;
      const held = peer.gates?.get(room);
      if (held === undefined) {
        peer.conn.write(frames);
        return;
      }
      for (let i = 0; i < n && peer.gates !== undefined; i++) {
        if (list[i].json !== undefined) this.hold(peer, held, list[i].seq, frames.subarray(bounds[i], bounds[i + 1]));
      }
    };
    if (members === undefined) {
      for (const peer of this.peers) visit(peer);
    } else {
      for (const user of members) {
        const mine = this.byUser.get(user);
        if (mine !== undefined) for (const peer of mine) visit(peer);
      }
    }
    // A sender that is no longer a member (or signed out) still gets its acks.
    for (const [peer, visited] of senders) {
      if (visited) continue;
      counters.deliveries += n;
      this.deliverToSender(peer, list, frames, bounds, false);
    }
  }

  private deliverToSender(peer: Peer, list: StagedMessage[], frames: Buffer, bounds: Int32Array, member: boolean): void {
    const room = list[0].room;
    const held = member ? peer.gates?.get(room) : undefined;
    // Runs of others' messages go out as slices of the batch's buffer, runs of acks encoded together.
    let runStart = -1;
    let runEnd = -1;
    let acksFrom = -1;
    for (let i = 0; i < list.length; i++) {
      const m = list[i];
      if (m.sender === peer) {
        if (runStart >= 0) peer.conn.write(frames.subarray(runStart, runEnd));
        runStart = -1;
        if (acksFrom < 0) acksFrom = i;
      } else if (member && m.json !== undefined) {
        if (acksFrom >= 0) peer.conn.write(encodeAcks(list, peer, acksFrom, i));
        acksFrom = -1;
        if (held !== undefined) {
          if (peer.gates !== undefined) this.hold(peer, held, m.seq, frames.subarray(bounds[i], bounds[i + 1]));
        } else {
          if (runStart < 0) runStart = bounds[i];
          runEnd = bounds[i + 1];
        }
      }
    }
    if (acksFrom >= 0) peer.conn.write(encodeAcks(list, peer, acksFrom, list.length));
    if (runStart >= 0) peer.conn.write(frames.subarray(runStart, runEnd));
  }

  private deliver(peer: Peer, room: string, seq: number, frame: Buffer): void {
    this.counters.deliveries++;
    if (peer.gates !== undefined) {
      const held = peer.gates.get(room);
      if (held !== undefined) {
        this.hold(peer, held, seq, frame);
        return;
      }
    }
    peer.conn.write(frame);
  }

  /** A live message for a room the peer's resume is still replaying waits until the replay ends. */
  private hold(peer: Peer, held: HeldFrame[], seq: number, frame: Buffer): void {
    held.push({ seq, frame });
    peer.heldBytes = (peer.heldBytes ?? 0) + frame.length;
    if (peer.heldBytes > this.heldLimit) {
      peer.gates = undefined;
      peer.heldBytes = undefined;
      peer.conn.closeWithError('SLOW_CONSUMER');
    }
  }
}
