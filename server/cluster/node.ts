import { GENERAL_ROOM, dmMembers, encodeFrame, type ErrorCode } from '../../protocol';
import { forgetUser } from '../chat/accounts';
import type { ChatContext } from '../chat/context';
import type { Peer } from '../chat/peer';
import { closeSession } from '../chat/session';
import type { Logger } from '../log';
import type { Store } from '../store/store';
import { Cluster, type ClusterNote, type NodePresence } from './cluster';
import { RoomOrder, type OrderedEvent } from './room-order';

/** A hole in a room's seqs waits this long for its late publication before the store fills it. */
export const GAP_WAIT_MS = 150;
const FILL_PAGE = 256;

/** The frame of an event whose header JSON is at hand (no body). */
export function frameOfJson(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(8 + length);
  out.writeUInt32BE(4 + length, 0);
  out.writeUInt32BE(length, 4);
  out.write(json, 8, 'utf8');
  return out;
}

/**
 * The chat server's side of the cluster: sequenced room events (messages, replies, changes)
 * committed here go to this node's members through the room order and to the other nodes
 * through Redis; theirs come back the same way. Typing, read marks, presence, joins and leaves,
 * new users, changed profiles and ended sessions are told to every node.
 */
export class ClusterNode {
  readonly order: RoomOrder<Peer>;
  private ctx?: ChatContext;

  constructor(
    readonly cluster: Cluster,
    private readonly store: Store,
    private readonly logger: Logger,
  ) {
    this.order = new RoomOrder<Peer>({
      deliver: (room, event) => this.deliver(room, event),
      fill: async (room, after) =>
        (await this.store.since(room, after, FILL_PAGE)).map((m) => ({
          seq: m.seq,
          frame: encodeFrame({ t: m.change === undefined ? 'msg' : 'change', ...m }),
        })),
      gapWaitMs: GAP_WAIT_MS,
      page: FILL_PAGE,
      onGapFill: (room, events) => this.logger.info({ room, events }, 'filled a gap in a room from the store'),
      onError: (err, room) => this.logger.warn({ err, room }, 'gap fill failed; tried again with the next event'),
    });
  }

  /** Wires the chat services to the cluster and joins it. */
  async start(ctx: ChatContext): Promise<void> {
    this.ctx = ctx;
    const { rooms, presence } = ctx;
    this.order.track(GENERAL_ROOM, await this.store.lastSeq(GENERAL_ROOM));
    rooms.onCached = (room, lastSeq) => this.order.track(room, lastSeq);
    rooms.onMembership = (room, user, op, why) =>
      this.cluster.publish(why === undefined ? { k: 'member', n: this.cluster.nodeId, r: room, u: user, op } : { k: 'member', n: this.cluster.nodeId, r: room, u: user, op, why });
    presence.onLocal = (user, state) => this.cluster.presence(user, state === null ? null : toNodePresence(state));
    await this.cluster.start({
      note: (note) => this.onNote(note),
      // Now, and once more when the resubscription has surely settled.
      resync: () => {
        this.order.fillAll();
        setTimeout(() => this.order.fillAll(), 500).unref();
        void this.refreshMembers();
      },
      // A node that died may have committed events it never published: read them from the store.
      nodeGone: (node) => {
        presence.nodeGone(node);
        this.order.fillAll();
      },
      nodeSeen: (node, users) => {
        for (const [user, state] of users) presence.remoteChanged(node, user, state);
      },
    });
    for (const [node, users] of await this.cluster.remotePresence()) for (const [user, state] of users) presence.remoteChanged(node, user, state);
  }

  /**
   * A room event committed here: the sender (if any; a room event has none) got its ack; the
   * members here get it in order, the other nodes through Redis.
   */
  committed(room: string, seq: number, json: string, sender?: Peer): void {
    this.cluster.publish({ k: 'ev', n: this.cluster.nodeId, r: room, s: seq, j: json });
    this.order.offer(room, { seq, frame: frameOfJson(json), except: sender });
  }

  typing(room: string, user: string): void {
    this.cluster.publish({ k: 'typing', n: this.cluster.nodeId, r: room, u: user });
  }

  read(room: string, user: string, seq: number): void {
    this.cluster.publish({ k: 'read', n: this.cluster.nodeId, r: room, u: user, s: seq });
  }

  /** A frame (header only) for the user's connections on the other nodes, e.g. an invitation. */
  toUser(user: string, header: object): void {
    this.cluster.publish({ k: 'frame', n: this.cluster.nodeId, u: user, h: JSON.stringify(header) });
  }

  /** A changed profile (header only), for everyone connected to the other nodes: all share general. */
  profileChanged(header: object): void {
    this.cluster.publish({ k: 'profile', n: this.cluster.nodeId, h: JSON.stringify(header) });
  }

  userAdded(user: string): void {
    this.cluster.publish({ k: 'user', n: this.cluster.nodeId, u: user });
  }

  /** An account deleted here: every node forgets the name. */
  userGone(user: string): void {
    this.cluster.publish({ k: 'gone', n: this.cluster.nodeId, u: user });
  }

  /** A server administrator named or unnamed here. */
  adminChanged(user: string, admin: boolean): void {
    this.cluster.publish({ k: 'admin', n: this.cluster.nodeId, u: user, on: admin });
  }

  /** A session ended here (logout, revoke, password change, a disabled account): its connections on every node close. */
  sessionEnded(tokenHash: string, code: ErrorCode, message: string): void {
    this.cluster.publish({ k: 'close', n: this.cluster.nodeId, token: tokenHash, code, msg: message });
  }

  /** For a health check (/healthz): both Redis links are up. The store's health is the caller's to add. */
  isHealthy(): boolean {
    return this.cluster.isHealthy();
  }

  /** For metrics: the Redis links, peers and publications, and the rooms' order (holes, held events, gap fills). */
  stats(): ReturnType<Cluster['stats']> & { order: ReturnType<RoomOrder<Peer>['stats']> } {
    return { ...this.cluster.stats(), order: this.order.stats() };
  }

  async close(): Promise<void> {
    this.order.close();
    await this.cluster.close();
  }

  private deliver(room: string, event: OrderedEvent<Peer>): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    if (room === GENERAL_ROOM) {
      ctx.hub.toRoom(room, undefined, event.seq, event.frame, event.except);
      return;
    }
    const entry = ctx.rooms.peek(room);
    if (entry !== undefined) ctx.hub.toRoom(room, entry.members, event.seq, event.frame, event.except);
    else {
      // A DM being read from the store for the first time here: its members are in its id.
      const pair = dmMembers(room);
      if (pair !== undefined) ctx.hub.toRoom(room, new Set(pair), event.seq, event.frame, event.except);
    }
  }

  private onNote(note: ClusterNote): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    switch (note.k) {
      case 'ev':
        return this.remoteEvent(note.r, note.s, note.j);
      case 'fill':
        this.order.fillAll();
        void this.refreshMembers();
        return;
      case 'typing': {
        const members = note.r === GENERAL_ROOM ? undefined : ctx.rooms.peek(note.r)?.members;
        if (note.r !== GENERAL_ROOM && members === undefined) return;
        ctx.hub.toOthers(members, encodeFrame({ t: 'typing', room: note.r, user: note.u }), note.u);
        return;
      }
      case 'read': {
        const frame = encodeFrame({ t: 'read', room: note.r, user: note.u, seq: note.s });
        const entry = ctx.rooms.peek(note.r);
        if (entry !== undefined && entry.kind === 'dm') ctx.hub.toMembers(entry.members, frame);
        else ctx.hub.toUser(note.u, frame);
        return;
      }
      case 'presence':
        ctx.presence.remoteChanged(note.n, note.u, note.p);
        return;
      case 'user':
        ctx.presence.addUser(note.u);
        return;
      case 'gone':
        forgetUser(ctx, note.u);
        return;
      case 'admin':
        if (note.on) ctx.runtimeAdmins.add(note.u.toLowerCase());
        else ctx.runtimeAdmins.delete(note.u.toLowerCase());
        return;
      case 'frame':
        if (ctx.hub.hasUser(note.u)) ctx.hub.toUser(note.u, frameOfJson(note.h));
        return;
      case 'profile':
        ctx.hub.toAll(frameOfJson(note.h));
        return;
      case 'close':
        ctx.auth.life.forget(note.token);
        closeSession(ctx, note.token, undefined, note.code as ErrorCode, note.msg);
        return;
      case 'member': {
        const entry = ctx.rooms.memberChanged(note.r, note.u, note.op);
        if (entry !== undefined && note.op === 'join') ctx.presence.introduce(note.u, entry.members);
        // The leaver's connections here learn it, and why, as those on the node that served the leave do.
        if (note.op === 'leave') ctx.hub.toUser(note.u, encodeFrame(note.why === undefined ? { t: 'room_left', room: note.r } : { t: 'room_left', room: note.r, reason: note.why }));
        // The joiner's connections here learn of the room as those on the joining node do (a
        // `room` frame), once this node caches and tracks it. The room's order holds its events
        // from before the load reads its lastSeq until that frame is sent: an event published
        // meanwhile is neither dropped (the room not tracked yet) nor sent ahead of the frame.
        if (note.op === 'join' && ctx.hub.hasUser(note.u)) {
          this.order.pause(note.r);
          void (async () => {
            if (entry === undefined && ctx.rooms.peek(note.r) === undefined) await ctx.rooms.ensure(note.r);
            ctx.hub.toUser(note.u, encodeFrame({ t: 'room', room: await ctx.rooms.info(note.r, note.u) }));
          })()
            .catch((err: unknown) => this.logger.warn({ err, room: note.r }, 'could not read a room joined on another node'))
            .finally(() => this.order.resume(note.r));
        }
        return;
      }
      default:
        return;
    }
  }

  /** Joins and leaves told while Redis was away were lost: the store has the members. */
  private async refreshMembers(): Promise<void> {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    try {
      for (const { entry, left } of await ctx.rooms.refreshMembers()) {
        for (const user of left) ctx.hub.toUser(user, encodeFrame({ t: 'room_left', room: entry.id }));
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not read room members again after a Redis outage');
    }
  }

  private remoteEvent(room: string, seq: number, json: string): void {
    const event = { seq, frame: frameOfJson(json) };
    if (this.order.offer(room, event)) return;
    // A DM that one of its two members, connected here, has not opened on this node yet.
    const pair = dmMembers(room);
    const ctx = this.ctx;
    if (pair === undefined || ctx === undefined || !(ctx.hub.hasUser(pair[0]) || ctx.hub.hasUser(pair[1]))) return;
    this.order.track(room, seq - 1);
    this.order.offer(room, event);
    void ctx.rooms.ensure(room).catch((err: unknown) => this.logger.warn({ err, room }, 'could not read a DM room'));
  }
}

function toNodePresence(state: { status: 'online' | 'away'; context?: string }): NodePresence {
  return state.context === undefined ? { status: state.status } : { status: state.status, context: state.context };
}
