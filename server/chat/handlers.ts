import { encodeFrame, type ClientFrame, type ClientFrameType, type RequestId } from '../../protocol';
import { validateClientFrame } from '../../protocol/validate';
import type { Connection, ConnectionHandler } from '../net/connection';
import { budgetKind, costOf, type BudgetKind } from './budgets';
import * as accounts from './accounts';
import { dropError, replyError, type ChatContext } from './context';
import * as conversation from './conversation';
import * as governance from './governance';
import * as messaging from './messaging';
import * as profiles from './profiles';
import { canonicalDmRoom } from './names';
import type { Peer } from './peer';
import * as roomRequests from './room-requests';
import * as session from './session';
import * as sessionRequests from './session-requests';

/** A handler for one frame type; may return a promise, and the connection's next frame waits for it. */
export type FrameHandler<T extends ClientFrame = ClientFrame> = (ctx: ChatContext, peer: Peer, frame: T, body: Buffer) => void | Promise<void>;

type HandlerTable = { [K in ClientFrameType]?: FrameHandler<Extract<ClientFrame, { t: K }>> };

const PONG = encodeFrame({ t: 'pong' });

/** Refusals in a row a connection gets at full speed; after them each waits REFUSAL_DELAY_MS. */
const REFUSALS_BEFORE_SLOWDOWN = 16;
const REFUSAL_DELAY_MS = 10;

const TRANSFER_TYPES: ClientFrameType[] = ['upload', 'avatar', 'chunk', 'upload_end', 'upload_abort', 'download'];

/** Routes validated frames to their handlers; every connection's state lives in its Peer. */
export class ChatHandlers implements ConnectionHandler<Peer> {
  private readonly table: HandlerTable = {
    hello: session.hello,
    register: session.register,
    login: session.login,
    resume: session.resume,
    logout: session.logout,
    sessions: sessionRequests.sessions,
    revoke: sessionRequests.revoke,
    password: sessionRequests.password,
    send: messaging.send,
    change: conversation.change,
    thread: conversation.thread,
    threads: conversation.threads,
    pins: conversation.pins,
    revisions: conversation.revisions,
    events: conversation.events,
    typing: messaging.typing,
    read: messaging.read,
    history: messaging.history,
    search: messaging.search,
    create: roomRequests.create,
    join: roomRequests.join,
    leave: roomRequests.leave,
    rooms: roomRequests.rooms,
    directory: governance.directory,
    room_set: governance.roomSet,
    invite: governance.invite,
    uninvite: governance.uninvite,
    invitations: governance.invitations,
    accept: governance.accept,
    decline: governance.decline,
    kick: governance.kick,
    ban: governance.ban,
    unban: governance.unban,
    role: governance.role,
    members: governance.members,
    disable: governance.disable,
    audit: governance.auditLog,
    block: governance.block,
    unblock: governance.unblock,
    blocks: governance.blocks,
    profile_set: profiles.profileSet,
    profiles: profiles.profiles,
    delete_account: accounts.deleteAccount,
    admin: accounts.admin,
    admins: accounts.admins,
    status: (ctx, peer, f) => ctx.presence.setStatus(peer.user as string, f.status, f.context),
  };

  constructor(private readonly ctx: ChatContext) {}

  /**
   * Extension point for frame types served elsewhere (file transfers). Until one is
   * registered, those requests get MEDIA_UNAVAILABLE.
   */
  register<K extends ClientFrameType>(type: K, handler: FrameHandler<Extract<ClientFrame, { t: K }>>): void {
    (this.table as Record<string, unknown>)[type] = handler;
  }

  open(conn: Connection<Peer>): Peer {
    // Every field from the start: one shape for all peers (the fan-out reads them for each
    // recipient), and no property array grown on the side when a field is first set.
    return { conn, user: undefined, tokenHash: undefined, client: undefined, lastSeen: undefined, gates: undefined, heldBytes: undefined, transferOnly: undefined, refusedInRow: undefined };
  }

  close(conn: Connection<Peer>): void {
    session.signOut(this.ctx, conn.context);
  }

  frame(conn: Connection<Peer>, header: Record<string, unknown>, body: Buffer): void | Promise<void> {
    const checked = validateClientFrame(header);
    if (!checked.ok) {
      conn.sendError(checked.id, checked.code, checked.message);
      return;
    }
    const f = checked.frame;
    const peer = conn.context;
    // Any frame, pings included, is a use of the session: its expiry slides (written now and then).
    if (peer.tokenHash !== undefined) this.ctx.auth.life.seen(peer.tokenHash, peer.lastSeen ?? 0, conn.remoteAddress);
    // `~ALICE01` names alice01: DM room ids are spelled as the users spell their names.
    if ('room' in f && typeof f.room === 'string' && f.room.startsWith('dm:')) f.room = canonicalDmRoom(f.room, (n) => this.ctx.presence.canonical(n));
    if (f.t === 'ping') {
      conn.write(f.id === undefined ? PONG : encodeFrame({ t: 'pong', id: f.id }));
      return;
    }
    if (f.t === 'pong') return;
    const id = 'id' in f ? f.id : undefined;
    if (peer.user === undefined && !session.PUBLIC_TYPES.has(f.t)) {
      conn.sendError(id, 'UNAUTHENTICATED');
      return;
    }
    if (peer.transferOnly && !TRANSFER_TYPES.includes(f.t) && f.t !== 'logout' && !session.PUBLIC_TYPES.has(f.t)) {
      if (id !== undefined) conn.sendError(id, 'FORBIDDEN', 'This connection carries file transfers only.');
      return;
    }
    const kind = budgetKind(f.t);
    if (kind !== undefined) {
      const cost = costOf(kind, f as { limit?: unknown });
      const shared = this.ctx.sharedBudgets;
      if (shared !== undefined) {
        // Several nodes: the budget is in Redis; the connection's next frame waits for the answer, so order holds.
        return shared.take(kind, peer.user, conn.remoteAddress, cost).then((ok) => {
          if (!ok) return this.refuse(peer, id, kind);
          peer.refusedInRow = undefined;
          return this.run(peer, f, body, id);
        });
      }
      if (!this.ctx.budgets.take(kind, peer.user, conn.remoteAddress, cost)) return this.refuse(peer, id, kind);
      peer.refusedInRow = undefined;
    }
    return this.run(peer, f, body, id);
  }

  private run(peer: Peer, f: ClientFrame, body: Buffer, id: RequestId | undefined): void | Promise<void> {
    const conn = peer.conn;
    const handler = this.table[f.t] as FrameHandler | undefined;
    if (handler === undefined) {
      if (TRANSFER_TYPES.includes(f.t) && id !== undefined) conn.sendError(id, 'MEDIA_UNAVAILABLE', 'File transfer is not available on this server yet.');
      return;
    }
    let result: void | Promise<void>;
    try {
      result = handler(this.ctx, peer, f, body);
    } catch (err) {
      this.fail(peer, id, err);
      return;
    }
    if (result !== undefined) return result.catch((err) => this.fail(peer, id, err));
  }

  /**
   * Over budget nothing happens but the answer; frames without an id (status, typing, read) are
   * dropped. A connection that keeps being refused has its next frame wait a moment: the frames
   * behind it queue up, the connection stops being read, and TCP holds the flood back at the
   * client instead of the server spending its event loop on refusals.
   */
  private refuse(peer: Peer, id: RequestId | undefined, kind: BudgetKind): void | Promise<void> {
    if (id !== undefined) peer.conn.sendError(id, 'RATE_LIMITED', this.ctx.budgets.refusal(kind));
    peer.refusedInRow = (peer.refusedInRow ?? 0) + 1;
    if (peer.refusedInRow <= REFUSALS_BEFORE_SLOWDOWN) return;
    return new Promise((resolve) => setTimeout(resolve, REFUSAL_DELAY_MS));
  }

  private fail(peer: Peer, id: RequestId | undefined, err: unknown): void {
    if (id === undefined) dropError(this.ctx, peer, err);
    else replyError(this.ctx, peer, id, err);
  }
}
