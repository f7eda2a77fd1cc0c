import { ParleyError, type PasswordRequest, type RevokeRequest, type SessionListing, type SessionsRequest } from '../../protocol';
import type { ChatContext } from './context';
import type { Peer } from './peer';
import { endSession, signOut } from './session';

const REVOKED_MESSAGE = 'This session was ended from another device; sign in again.';

/** The user's live sessions, most recently seen first; ids name them, tokens never appear. */
export async function sessions(ctx: ChatContext, peer: Peer, f: SessionsRequest): Promise<void> {
  const life = ctx.auth.life;
  const listed: SessionListing[] = [];
  for (const s of await ctx.store.userSessions(peer.user as string)) {
    const lastSeen = life.lastTouched(s.tokenHash, s.lastSeen);
    if (life.expired({ lastSeen })) continue;
    const entry: SessionListing = { id: s.id, createdAt: s.createdAt, lastSeen, expiresAt: life.expiresAt({ lastSeen }) };
    if (s.client !== undefined) entry.client = s.client;
    if (s.address !== undefined) entry.address = s.address;
    if (s.tokenHash === peer.tokenHash) entry.current = true;
    listed.push(entry);
  }
  peer.conn.send({ t: 'sessions', id: f.id, sessions: listed });
}

/**
 * Ends one session by id, or with `all` every other one. Their connections close at once with
 * SESSION_REVOKED, and their tokens resume no more. Ending one's own session is a logout.
 */
export async function revoke(ctx: ChatContext, peer: Peer, f: RevokeRequest): Promise<void> {
  const user = peer.user as string;
  const mine = peer.tokenHash as string;
  if ((f.session === undefined) === (f.all !== true)) throw new ParleyError('INVALID', '"revoke" takes either a "session" id or "all": true.');
  const now = Date.now();
  let ended: string[];
  if (f.all === true) ended = await ctx.store.revokeOtherSessions(user, mine, now);
  else {
    const hash = await ctx.store.revokeSessionById(user, f.session as string, now);
    if (hash === undefined) throw new ParleyError('NOT_FOUND', 'You have no such session.');
    ended = [hash];
  }
  for (const hash of ended) {
    ctx.auth.life.forget(hash);
    endSession(ctx, hash, peer, 'SESSION_REVOKED', REVOKED_MESSAGE);
  }
  ctx.logger.info({ user, revoked: ended.length, conn: peer.conn.id }, 'sessions revoked');
  peer.conn.send({ t: 'revoked', id: f.id, count: ended.length });
  if (ended.includes(mine)) signOut(ctx, peer);
}

/** A new password (the old one proves it is the user); every other session ends. */
export async function password(ctx: ChatContext, peer: Peer, f: PasswordRequest): Promise<void> {
  const user = peer.user as string;
  const ended = await ctx.auth.changePassword(user, peer.tokenHash as string, f.old, f.new, peer.conn.remoteAddress);
  for (const hash of ended) endSession(ctx, hash, peer, 'SESSION_REVOKED', 'The password was changed; sign in again with the new one.');
  ctx.logger.info({ user, revoked: ended.length, conn: peer.conn.id }, 'password changed');
  peer.conn.send({ t: 'revoked', id: f.id, count: ended.length });
}
