import {
  DEFAULT_LIMITS,
  MIN_PROTOCOL_VERSION,
  ParleyError,
  PROTOCOL_VERSION,
  encodeFrame,
  type ErrorCode,
  type HelloRequest,
  type LoginRequest,
  type LogoutRequest,
  type RegisterRequest,
  type RequestId,
  type ResumeRequest,
} from '../../protocol';
import type { ChatContext } from './context';
import type { Peer } from './peer';
import { isUnopened } from './rooms';

// Replay reads this many messages per store call and waits for the socket between pages.
const REPLAY_PAGE = 256;

export function hello(ctx: ChatContext, peer: Peer, f: HelloRequest): void {
  if (f.v < MIN_PROTOCOL_VERSION || f.v > PROTOCOL_VERSION) {
    peer.conn.sendError(f.id, 'VERSION', `This server speaks protocol versions ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}, not ${f.v}.`);
    return;
  }
  if (f.client !== undefined) peer.client = f.client;
  // A version 1 client is served the same frames: it ignores the frame types it does not know.
  peer.conn.send({ t: 'welcome', id: f.id, v: f.v, server: ctx.serverName, limits: { ...DEFAULT_LIMITS, ...ctx.limits } });
}

export async function register(ctx: ChatContext, peer: Peer, f: RegisterRequest): Promise<void> {
  await ctx.auth.register(f.user, f.password, peer.conn.remoteAddress);
  ctx.presence.addUser(f.user);
  ctx.cluster?.userAdded(f.user);
  ctx.logger.info({ user: f.user, conn: peer.conn.id }, 'user registered');
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function login(ctx: ChatContext, peer: Peer, f: LoginRequest): Promise<void> {
  const opened = await ctx.auth.login(f.user, f.password, { address: peer.conn.remoteAddress, client: peer.client });
  peer.lastSeen = opened.lastSeen;
  await startSession(ctx, peer, opened.user, opened.token, opened.tokenHash, f.id);
}

export async function resume(ctx: ChatContext, peer: Peer, f: ResumeRequest): Promise<void> {
  if (f.transfer === true && f.since !== undefined) throw new ParleyError('INVALID', 'A transfer-only session replays no messages: leave out since.');
  const { user, tokenHash, lastSeen } = await ctx.auth.resume(f.token);
  peer.lastSeen = lastSeen;
  ctx.auth.life.seen(tokenHash, lastSeen, peer.conn.remoteAddress);
  if (f.transfer === true) await startTransferSession(ctx, peer, user, f.token, tokenHash, f.id);
  else await startSession(ctx, peer, user, f.token, tokenHash, f.id, f.since);
}

/** Transfer-only connections by token, per server, so a logout closes them too; they are not in the Hub. */
const transferPeers = new WeakMap<ChatContext, Map<string, Set<Peer>>>();

/**
 * A connection for file transfers only: it is not in the Hub, so no msg, presence, typing or
 * read event is queued on it (and none competes with file bytes for its socket), and it does
 * not count toward the user's presence.
 */
async function startTransferSession(ctx: ChatContext, peer: Peer, user: string, token: string, tokenHash: string, id: RequestId): Promise<void> {
  const rooms = await ctx.store.roomsOf(user);
  if (!peer.conn.isOpen) return;
  signOut(ctx, peer);
  peer.user = user;
  peer.tokenHash = tokenHash;
  peer.transferOnly = true;
  let byToken = transferPeers.get(ctx);
  if (byToken === undefined) {
    byToken = new Map();
    transferPeers.set(ctx, byToken);
  }
  let same = byToken.get(tokenHash);
  if (same === undefined) {
    same = new Set();
    byToken.set(tokenHash, same);
  }
  same.add(peer);
  ctx.logger.debug({ user, conn: peer.conn.id }, 'signed in for transfers');
  peer.conn.send({ t: 'session', id, token, user, rooms });
}

export async function logout(ctx: ChatContext, peer: Peer, f: LogoutRequest): Promise<void> {
  const tokenHash = peer.tokenHash as string;
  await ctx.auth.logout(tokenHash);
  // Every connection that used the token loses it too.
  endSession(ctx, tokenHash, peer, 'UNAUTHENTICATED', 'This session was signed out.');
  signOut(ctx, peer);
  peer.conn.send({ t: 'ok', id: f.id });
}

/** Closes every connection (chat and transfer) signed in with the token, but `except`. */
export function closeSession(ctx: ChatContext, tokenHash: string, except: Peer | undefined, code: ErrorCode, message: string): void {
  for (const other of [...ctx.hub.withToken(tokenHash), ...(transferPeers.get(ctx)?.get(tokenHash) ?? [])]) {
    if (other !== except) other.conn.closeWithError(code, message);
  }
}

/** closeSession here and on every other node of a cluster. */
export function endSession(ctx: ChatContext, tokenHash: string, except: Peer | undefined, code: ErrorCode, message: string): void {
  closeSession(ctx, tokenHash, except, code, message);
  ctx.cluster?.sessionEnded(tokenHash, code, message);
}

/** Detaches a connection from its user (logout, close, or a new login on the same connection). */
export function signOut(ctx: ChatContext, peer: Peer): void {
  const user = peer.user;
  if (user === undefined) return;
  if (peer.transferOnly) {
    const byToken = transferPeers.get(ctx);
    const same = byToken?.get(peer.tokenHash as string);
    same?.delete(peer);
    if (same?.size === 0) byToken?.delete(peer.tokenHash as string);
    peer.transferOnly = undefined;
  } else {
    const last = ctx.hub.remove(peer);
    ctx.presence.disconnected(user, last);
  }
  peer.user = undefined;
  peer.tokenHash = undefined;
  peer.gates = undefined;
  peer.heldBytes = undefined;
}

/**
 * session → presence snapshot → (resume) each listed room's missed messages then its caught_up.
 * Live messages for a room being replayed are held and released after its caught_up, minus
 * those the replay already carried, so nothing arrives twice or out of order.
 */
async function startSession(
  ctx: ChatContext,
  peer: Peer,
  user: string,
  token: string,
  tokenHash: string,
  id: RequestId,
  since?: Record<string, number>,
): Promise<void> {
  const rooms = await ctx.store.roomsOf(user);
  // Presence goes to whoever shares a cached room: every signed-in user's rooms are cached.
  await ctx.rooms.prime(rooms);
  if (!peer.conn.isOpen) return;
  signOut(ctx, peer);
  peer.user = user;
  peer.tokenHash = tokenHash;
  if (since !== undefined) peer.gates = new Map(Object.keys(since).map((room) => [room, []]));
  const first = ctx.hub.add(peer);
  ctx.presence.connected(user, first);
  ctx.logger.debug({ user, conn: peer.conn.id }, 'signed in');
  peer.conn.send({ t: 'session', id, token, user, rooms });
  peer.conn.send({ t: 'presence', users: ctx.presence.snapshot(user) });
  if (since !== undefined) await replay(ctx, peer, user, since);
}

async function replay(ctx: ChatContext, peer: Peer, user: string, since: Record<string, number>): Promise<void> {
  const conn = peer.conn;
  for (const room of Object.keys(since)) {
    let last = since[room];
    try {
      // A DM nobody has written to yet has nothing to replay.
      while (!isUnopened(await ctx.rooms.access(room, user))) {
        const page = await ctx.store.since(room, last, REPLAY_PAGE);
        // Live messages stored before this read wait in the gate, not in the Hub's staging.
        ctx.hub.flushStaged();
        if (peer.user !== user || !conn.isOpen) return;
        for (const message of page) {
          conn.write(encodeFrame({ t: message.change === undefined ? 'msg' : 'change', ...message }));
          last = message.seq;
        }
        if (page.length < REPLAY_PAGE) break;
        await conn.outbound.whenBelow(ctx.outboundBuffer / 2);
      }
    } catch (err) {
      if (!(err instanceof ParleyError) || err.code === 'STORE_UNAVAILABLE') {
        // The client would believe it caught up; make it reconnect and resume again instead.
        ctx.logger.warn({ err, room, conn: conn.id }, 'replay failed');
        conn.closeWithError('STORE_UNAVAILABLE');
        return;
      }
      // A room the user may not read (or that is gone) just reports where the client stands.
    }
    ctx.hub.flushStaged();
    if (peer.user !== user || !conn.isOpen) return;
    conn.send({ t: 'caught_up', room, seq: last });
    const held = peer.gates?.get(room);
    peer.gates?.delete(room);
    if (held !== undefined) {
      for (const h of held) {
        peer.heldBytes = (peer.heldBytes ?? 0) - h.frame.length;
        if (h.seq > last) conn.write(h.frame);
      }
    }
  }
  if (peer.gates?.size === 0) {
    peer.gates = undefined;
    peer.heldBytes = undefined;
  }
}

/** Requests allowed before sign-in. */
export const PUBLIC_TYPES: ReadonlySet<string> = new Set(['hello', 'register', 'login', 'resume', 'ping', 'pong']);
