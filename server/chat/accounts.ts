import { ParleyError, encodeFrame, type AdminRequest, type AdminsRequest, type DeleteAccountRequest, type RoomRole } from '../../protocol';
import { isFixedAdmin, isServerAdmin, type ChatContext } from './context';
import { announce, audit } from './governance';
import { dropAvatarBytes } from './profiles';
import type { Peer } from './peer';
import { endSession, signOut } from './session';

// ACCOUNT RULES:
// - a user deletes their own account with their password (BAD_CREDENTIALS otherwise, INVALID
//   without one); a server administrator deletes anyone else's without (NOT_SERVER_ADMIN for
//   others), but not an administrator named at start (FIXED_ADMIN): those delete their own;
// - server administrators make and unmake others (NOT_SERVER_ADMIN for anyone else); those named
//   at start stay (FIXED_ADMIN).

const RANK: Record<RoomRole, number> = { member: 1, admin: 2, owner: 3 };

/** An existing user, spelled as they registered; NOT_FOUND when there is none. */
function existingUser(ctx: ChatContext, name: string): string {
  const found = ctx.presence.canonical(name);
  if (found === undefined) throw new ParleyError('NOT_FOUND', `There is no user "${name}".`);
  return found;
}

/**
 * Deletes an account: its rooms get new owners, then the store erases it (its messages stay, by
 * DELETED_USER), its sessions end on every node, and every node forgets the name.
 */
export async function deleteAccount(ctx: ChatContext, peer: Peer, f: DeleteAccountRequest): Promise<void> {
  const actor = peer.user as string;
  const target = f.user === undefined ? actor : existingUser(ctx, f.user);
  const own = target === actor;
  if (own) {
    if (f.password === undefined) throw new ParleyError('INVALID', 'Deleting your account takes your password.');
    await ctx.auth.checkPassword(actor, f.password, peer.conn.remoteAddress);
  } else {
    if (!isServerAdmin(ctx, actor)) throw new ParleyError('NOT_SERVER_ADMIN', 'Only a server administrator can delete another account.');
    if (isFixedAdmin(ctx, target)) throw new ParleyError('FIXED_ADMIN', `${target} is a server administrator named in the server configuration: only they can delete their account.`);
  }
  const at = Date.now();
  await handOnRooms(ctx, target, actor);
  const [before] = await ctx.store.getProfiles([target]);
  const ended = await ctx.store.deleteUser(target, at);
  if (ended === undefined) throw new ParleyError('NOT_FOUND', `There is no user "${target}".`);
  // The profile went with the account; the avatar's bytes go too unless something else uses them.
  if (before?.avatar !== undefined) await dropAvatarBytes(ctx, before.avatar.sha256);
  await audit(ctx, { at, actor, action: 'delete_account', target });
  forgetUser(ctx, target);
  ctx.cluster?.userGone(target);
  peer.conn.send({ t: 'ok', id: f.id });
  const message = own ? 'This account was deleted.' : 'This account was deleted by a server administrator.';
  for (const hash of ended) {
    ctx.auth.life.forget(hash);
    // The asking connection stays open, signed out, and has its answer.
    endSession(ctx, hash, own ? peer : undefined, 'ACCOUNT_DELETED', message);
  }
  if (own) signOut(ctx, peer);
  ctx.logger.info({ user: target, by: actor, sessions: ended.length }, 'account deleted');
}

/**
 * A room is never left without an owner: where the account is a group room's only owner and others
 * remain, its highest-ranking other member (an admin before a member, then by name) becomes owner.
 */
async function handOnRooms(ctx: ChatContext, user: string, actor: string): Promise<void> {
  for (const room of await ctx.store.roomsOf(user)) {
    if (room.kind !== 'group' || room.role !== 'owner') continue;
    const roles = await ctx.store.memberRoles(room.id);
    if (roles.some((m) => m.role === 'owner' && m.user !== user)) continue;
    const heir = roles.filter((m) => m.user !== user).sort((a, b) => RANK[b.role] - RANK[a.role] || (a.user < b.user ? -1 : 1))[0];
    if (heir === undefined) continue;
    await ctx.store.setRoles(room.id, [{ user: heir.user, role: 'owner' }]);
    const entry = await ctx.rooms.entry(room.id);
    if (entry !== undefined) await announce(ctx, entry, actor, { kind: 'role', user: heir.user, role: 'owner' });
    await audit(ctx, { at: Date.now(), actor, action: 'role', room: room.id, target: heir.user, detail: 'owner' });
    const info = await ctx.rooms.info(room.id, heir.user);
    ctx.hub.toUser(heir.user, encodeFrame({ t: 'room', room: info }));
    ctx.cluster?.toUser(heir.user, { t: 'room', room: info });
  }
}

/** This node stops knowing a deleted user: names, room members, blocks, administrator mark. */
export function forgetUser(ctx: ChatContext, user: string): void {
  ctx.presence.removeUser(user);
  ctx.rooms.forgetUser(user);
  ctx.blocks.forget(user);
  ctx.runtimeAdmins.delete(user.toLowerCase());
}

/** Server administrators: makes another user one too, or no longer; stored, so it holds after a restart. */
export async function admin(ctx: ChatContext, peer: Peer, f: AdminRequest): Promise<void> {
  const actor = peer.user as string;
  if (!isServerAdmin(ctx, actor)) throw new ParleyError('NOT_SERVER_ADMIN', 'Only a server administrator can name server administrators.');
  const target = existingUser(ctx, f.user);
  if (!f.admin && isFixedAdmin(ctx, target)) {
    throw new ParleyError('FIXED_ADMIN', `${target} is a server administrator named in the server configuration (--admin): only the configuration changes that.`);
  }
  const key = target.toLowerCase();
  if (f.admin === ctx.runtimeAdmins.has(key) || (f.admin && isFixedAdmin(ctx, target))) {
    peer.conn.send({ t: 'ok', id: f.id });
    return;
  }
  const at = Date.now();
  await ctx.store.setServerAdmin(target, f.admin ? at : undefined);
  if (f.admin) ctx.runtimeAdmins.add(key);
  else ctx.runtimeAdmins.delete(key);
  ctx.cluster?.adminChanged(target, f.admin);
  await audit(ctx, { at, actor, action: f.admin ? 'admin_add' : 'admin_remove', target });
  peer.conn.send({ t: 'ok', id: f.id });
}

/** Server administrators: who they all are, and which of them the configuration names. */
export async function admins(ctx: ChatContext, peer: Peer, f: AdminsRequest): Promise<void> {
  if (!isServerAdmin(ctx, peer.user as string)) throw new ParleyError('NOT_SERVER_ADMIN', 'Only a server administrator can list the server administrators.');
  const spelled = (key: string) => ctx.presence.canonical(key) ?? key;
  const fixed = [...ctx.admins].map(spelled).sort();
  const users = [...new Set([...fixed, ...[...ctx.runtimeAdmins].map(spelled)])].sort();
  peer.conn.send({ t: 'admins', id: f.id, users, fixed });
}
