import {
  AUDIT_MAX_LIMIT,
  DIRECTORY_MAX_LIMIT,
  ParleyError,
  encodeFrame,
  type AcceptRequest,
  type AuditRequest,
  type BanRequest,
  type BlockRequest,
  type BlocksRequest,
  type DeclineRequest,
  type DirectoryRequest,
  type DisableRequest,
  type InvitationsRequest,
  type InviteRequest,
  type KickRequest,
  type MembersRequest,
  type RoleRequest,
  type RoomEvent,
  type RoomRole,
  type RoomSetRequest,
  type UnbanRequest,
  type UnblockRequest,
  type UninviteRequest,
} from '../../protocol';
import type { NewAuditEntry } from '../store/store';
import { isServerAdmin, toUserEverywhere, type ChatContext } from './context';
import type { Peer } from './peer';
import type { RoomEntry } from './rooms';
import { endSession } from './session';

// ROOM RULES, enforced here for every request (the store keeps what they decide):
// - owners and admins (and server administrators, in any room) rename a room, set its topic,
//   description and read-only flag, invite and withdraw invitations, kick, ban and unban: else
//   NOT_ROOM_ADMIN;
// - nobody acts on a member whose role is as high as their own (OUTRANKED): admins act on members,
//   owners on admins and members, server administrators on everyone;
// - only an owner hands over ownership (NOT_OWNER); a room always keeps an owner (LAST_OWNER);
// - a banned user cannot join or be invited (BANNED) until unbanned; invite checks ALREADY_MEMBER
//   and ALREADY_INVITED, accept/decline/uninvite NOT_INVITED, kick and role NOT_MEMBER;
// - outside a private room nothing tells it from no room: NOT_FOUND;
// - disable and audit are for server administrators only (NOT_SERVER_ADMIN).

const RANK: Record<RoomRole, number> = { member: 1, admin: 2, owner: 3 };
/** A server administrator outranks every role. */
const SERVER_ADMIN_RANK = 4;

interface Actor {
  user: string;
  role: RoomRole | undefined;
  serverAdmin: boolean;
  rank: number;
}

async function actorIn(ctx: ChatContext, entry: RoomEntry, user: string): Promise<Actor> {
  const serverAdmin = isServerAdmin(ctx, user);
  const role = entry.members.has(user) ? await ctx.store.roleOf(entry.id, user) : undefined;
  return { user, role, serverAdmin, rank: serverAdmin ? SERVER_ADMIN_RANK : role === undefined ? 0 : RANK[role] };
}

/** The room and the acting owner or admin (or server administrator); NOT_ROOM_ADMIN for anyone else. */
async function staff(ctx: ChatContext, peer: Peer, roomId: string): Promise<{ entry: RoomEntry; actor: Actor }> {
  const user = peer.user as string;
  const entry = await ctx.rooms.group(roomId, user, isServerAdmin(ctx, user));
  const actor = await actorIn(ctx, entry, user);
  if (actor.rank < RANK.admin) throw new ParleyError('NOT_ROOM_ADMIN', `Only the owners and admins of ${roomId} can do that.`);
  return { entry, actor };
}

/** An existing user, spelled as they registered; NOT_FOUND when there is none. */
function existingUser(ctx: ChatContext, name: string): string {
  const found = ctx.presence.canonical(name);
  if (found === undefined) throw new ParleyError('NOT_FOUND', `There is no user "${name}".`);
  return found;
}

/**
 * Stores a room event as the room's next seq and delivers it to the room's members (and to
 * `also`, such as a member being removed, who sees why). Resume and history carry it like a message.
 */
export async function announce(ctx: ChatContext, entry: RoomEntry, from: string, event: RoomEvent, also: string[] = []): Promise<void> {
  const stored = await ctx.store.appendRoomEvent({ room: entry.id, from, ts: Date.now(), event });
  if (ctx.cluster === undefined) {
    const audience = also.length === 0 ? entry.members : new Set([...entry.members, ...also]);
    ctx.hub.toRoom(entry.id, audience, stored.seq, encodeFrame({ t: 'msg', ...stored }));
    return;
  }
  // Several nodes: through the room's order like any event, so every node delivers it in its
  // place (a room event taken around the order would be a hole to fill, and then a repeat).
  ctx.cluster.committed(entry.id, stored.seq, JSON.stringify({ t: 'msg', ...stored }));
  for (const user of also) if (!entry.members.has(user)) toUserEverywhere(ctx, user, { t: 'msg', ...stored });
}

export async function audit(ctx: ChatContext, entry: NewAuditEntry): Promise<void> {
  await ctx.store.addAudit(entry);
  ctx.logger.info({ actor: entry.actor, action: entry.action, room: entry.room, target: entry.target }, 'moderation');
}

/** Tells every connection of `user` that they are out of the room. */
function ejected(ctx: ChatContext, user: string, room: string, reason: 'removed' | 'banned'): void {
  ctx.hub.toUser(user, encodeFrame({ t: 'room_left', room, reason }));
}

/** A member's removal (kick or ban) may not take a room's last owner. */
async function keepsAnOwner(ctx: ChatContext, room: string, target: string, targetRole: RoomRole | undefined): Promise<void> {
  if (targetRole !== 'owner') return;
  const owners = (await ctx.store.memberRoles(room)).filter((m) => m.role === 'owner');
  if (owners.length <= 1) throw new ParleyError('LAST_OWNER', `${target} is the only owner of ${room}: make someone else owner first.`);
}

export async function directory(ctx: ChatContext, peer: Peer, f: DirectoryRequest): Promise<void> {
  const limit = Math.min(f.limit ?? DIRECTORY_MAX_LIMIT, DIRECTORY_MAX_LIMIT);
  const rooms = await ctx.store.directory(peer.user as string, (f.query ?? '').trim(), { after: f.after, limit: limit + 1 });
  const more = rooms.length > limit;
  if (more) rooms.pop();
  peer.conn.send({ t: 'directory', id: f.id, rooms, more });
}

export async function roomSet(ctx: ChatContext, peer: Peer, f: RoomSetRequest): Promise<void> {
  const { entry, actor } = await staff(ctx, peer, f.room);
  if (f.name === undefined && f.topic === undefined && f.description === undefined && f.readOnly === undefined) {
    throw new ParleyError('INVALID', '"room_set" needs at least one of name, topic, description or readOnly.');
  }
  const name = f.name?.trim();
  if (name !== undefined && name === '') throw new ParleyError('INVALID', 'A room name cannot be blank.');
  const before = await ctx.rooms.info(entry.id, actor.user);
  await ctx.store.updateRoom(entry.id, { name, topic: f.topic, description: f.description, readOnly: f.readOnly });
  const events: RoomEvent[] = [];
  if (name !== undefined && name !== before.name) events.push({ kind: 'renamed', text: name });
  if (f.topic !== undefined && f.topic !== (before.topic ?? '')) events.push({ kind: 'topic', text: f.topic });
  if (f.description !== undefined && f.description !== (before.description ?? '')) events.push({ kind: 'description', text: f.description });
  if (f.readOnly !== undefined && f.readOnly !== (before.readOnly === true)) {
    entry.readOnly = f.readOnly;
    events.push({ kind: 'readonly', on: f.readOnly });
  }
  for (const event of events) {
    await announce(ctx, entry, actor.user, event);
    await audit(ctx, { at: Date.now(), actor: actor.user, action: 'room_set', room: entry.id, detail: `${event.kind}${event.text !== undefined ? ` ${event.text}` : ''}${event.on !== undefined ? ` ${event.on ? 'on' : 'off'}` : ''}` });
  }
  const info = await ctx.rooms.info(entry.id, actor.user);
  peer.conn.send({ t: 'room', id: f.id, room: info });
  // Every member's room list shows the new name, topic and flag.
  for (const member of entry.members) if (member !== actor.user) ctx.hub.toUser(member, encodeFrame({ t: 'room', room: await ctx.rooms.info(entry.id, member) }));
  ctx.hub.toUser(actor.user, encodeFrame({ t: 'room', room: info }), peer);
}

export async function invite(ctx: ChatContext, peer: Peer, f: InviteRequest): Promise<void> {
  const { entry, actor } = await staff(ctx, peer, f.room);
  const target = existingUser(ctx, f.user);
  if (entry.members.has(target)) throw new ParleyError('ALREADY_MEMBER', `${target} is a member of ${entry.id} already.`);
  if (await ctx.store.isBanned(entry.id, target)) throw new ParleyError('BANNED', `${target} is banned from ${entry.id}; unban them first.`);
  if (ctx.blocks.blocks(target, actor.user)) throw new ParleyError('BLOCKED', `${target} has blocked you: you cannot invite them.`);
  const at = Date.now();
  if (!(await ctx.store.invite({ room: entry.id, user: target, by: actor.user, at }))) {
    throw new ParleyError('ALREADY_INVITED', `${target} is invited to ${entry.id} already.`);
  }
  await announce(ctx, entry, actor.user, { kind: 'invited', user: target });
  await audit(ctx, { at, actor: actor.user, action: 'invite', room: entry.id, target });
  const name = (await ctx.rooms.info(entry.id, actor.user)).name;
  toUserEverywhere(ctx, target, { t: 'invited', invitation: { room: entry.id, name, user: target, by: actor.user, at } });
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function uninvite(ctx: ChatContext, peer: Peer, f: UninviteRequest): Promise<void> {
  const { entry, actor } = await staff(ctx, peer, f.room);
  const target = existingUser(ctx, f.user);
  if (!(await ctx.store.removeInvitation(entry.id, target))) throw new ParleyError('NOT_INVITED', `${target} has no pending invitation to ${entry.id}.`);
  await announce(ctx, entry, actor.user, { kind: 'uninvited', user: target });
  await audit(ctx, { at: Date.now(), actor: actor.user, action: 'uninvite', room: entry.id, target });
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function invitations(ctx: ChatContext, peer: Peer, f: InvitationsRequest): Promise<void> {
  peer.conn.send({ t: 'invitations', id: f.id, invitations: await ctx.store.invitationsOf(peer.user as string) });
}

/** The invitation's room, as the invitee may see it; NOT_FOUND / NOT_INVITED when there is none. */
async function invitedTo(ctx: ChatContext, user: string, roomId: string): Promise<RoomEntry> {
  const entry = await ctx.rooms.entry(roomId);
  const invited = entry !== undefined && (await ctx.store.invitationsOf(user)).some((i) => i.room === roomId);
  if (entry === undefined || (!invited && entry.visibility === 'private' && !entry.members.has(user))) throw new ParleyError('NOT_FOUND', 'No such room.');
  if (!invited) throw new ParleyError('NOT_INVITED', `You have no pending invitation to ${roomId}.`);
  return entry;
}

export async function accept(ctx: ChatContext, peer: Peer, f: AcceptRequest): Promise<void> {
  const user = peer.user as string;
  await invitedTo(ctx, user, f.room);
  const { info, entry, joined } = await ctx.rooms.join(f.room, user);
  if (joined && entry !== undefined) await announce(ctx, entry, user, { kind: 'joined', user });
  peer.conn.send({ t: 'room', id: f.id, room: await ctx.rooms.info(f.room, user).catch(() => info) });
  ctx.hub.toUser(user, encodeFrame({ t: 'room', room: info }), peer);
}

export async function decline(ctx: ChatContext, peer: Peer, f: DeclineRequest): Promise<void> {
  const user = peer.user as string;
  const entry = await invitedTo(ctx, user, f.room);
  await ctx.store.removeInvitation(f.room, user);
  await announce(ctx, entry, user, { kind: 'declined', user });
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function kick(ctx: ChatContext, peer: Peer, f: KickRequest): Promise<void> {
  const { entry, actor } = await staff(ctx, peer, f.room);
  const target = existingUser(ctx, f.user);
  if (target === actor.user) throw new ParleyError('INVALID', 'To leave a room, leave it.');
  if (!entry.members.has(target)) throw new ParleyError('NOT_MEMBER', `${target} is not a member of ${entry.id}.`);
  const role = await ctx.store.roleOf(entry.id, target);
  if (RANK[role ?? 'member'] >= actor.rank) throw new ParleyError('OUTRANKED', `${target} is ${role === 'owner' ? 'an owner' : 'an admin'} of ${entry.id}; you cannot remove them.`);
  await keepsAnOwner(ctx, entry.id, target, role);
  await announce(ctx, entry, actor.user, { kind: 'removed', user: target });
  await ctx.store.removeMember(entry.id, target);
  ctx.rooms.removed(entry, target, 'removed');
  ejected(ctx, target, entry.id, 'removed');
  await audit(ctx, { at: Date.now(), actor: actor.user, action: 'kick', room: entry.id, target });
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function ban(ctx: ChatContext, peer: Peer, f: BanRequest): Promise<void> {
  const { entry, actor } = await staff(ctx, peer, f.room);
  const target = existingUser(ctx, f.user);
  if (target === actor.user) throw new ParleyError('INVALID', 'You cannot ban yourself.');
  const member = entry.members.has(target);
  const role = member ? await ctx.store.roleOf(entry.id, target) : undefined;
  if (member && RANK[role ?? 'member'] >= actor.rank) throw new ParleyError('OUTRANKED', `${target} is ${role === 'owner' ? 'an owner' : 'an admin'} of ${entry.id}; you cannot ban them.`);
  await keepsAnOwner(ctx, entry.id, target, role);
  const at = Date.now();
  // Announced while they are still a member: they see why they are out.
  await announce(ctx, entry, actor.user, { kind: 'banned', user: target }, [target]);
  await ctx.store.ban(entry.id, target, actor.user, at);
  if (member) {
    ctx.rooms.removed(entry, target, 'banned');
    ejected(ctx, target, entry.id, 'banned');
  }
  await audit(ctx, { at, actor: actor.user, action: 'ban', room: entry.id, target });
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function unban(ctx: ChatContext, peer: Peer, f: UnbanRequest): Promise<void> {
  const { entry, actor } = await staff(ctx, peer, f.room);
  const target = existingUser(ctx, f.user);
  if (!(await ctx.store.unban(entry.id, target))) throw new ParleyError('NOT_BANNED', `${target} is not banned from ${entry.id}.`);
  await announce(ctx, entry, actor.user, { kind: 'unbanned', user: target });
  await audit(ctx, { at: Date.now(), actor: actor.user, action: 'unban', room: entry.id, target });
  peer.conn.send({ t: 'ok', id: f.id });
}

/**
 * Sets a member's role. `owner` hands the room over: only an owner (or a server administrator)
 * may, and an owner who does becomes an admin. Admins promote members and demote no one of their
 * own rank; a room's last owner keeps the role until someone else has it.
 */
export async function role(ctx: ChatContext, peer: Peer, f: RoleRequest): Promise<void> {
  const { entry, actor } = await staff(ctx, peer, f.room);
  const target = existingUser(ctx, f.user);
  if (!entry.members.has(target)) throw new ParleyError('NOT_MEMBER', `${target} is not a member of ${entry.id}.`);
  const current = (await ctx.store.roleOf(entry.id, target)) ?? 'member';
  if (current === f.role) {
    peer.conn.send({ t: 'ok', id: f.id });
    return;
  }
  const changes: { user: string; role: RoomRole }[] = [];
  if (f.role === 'owner') {
    if (actor.role !== 'owner' && !actor.serverAdmin) throw new ParleyError('NOT_OWNER', `Only an owner of ${entry.id} can hand over ownership.`);
    changes.push({ user: target, role: 'owner' });
    if (actor.role === 'owner' && target !== actor.user) changes.push({ user: actor.user, role: 'admin' });
  } else {
    const self = target === actor.user;
    if (!self && RANK[current] >= actor.rank) throw new ParleyError('OUTRANKED', `${target} is ${current === 'owner' ? 'an owner' : 'an admin'} of ${entry.id}; you cannot change their role.`);
    if (current === 'owner') await keepsAnOwner(ctx, entry.id, target, current);
    changes.push({ user: target, role: f.role });
  }
  await ctx.store.setRoles(entry.id, changes);
  for (const change of changes) {
    await announce(ctx, entry, actor.user, { kind: 'role', user: change.user, role: change.role });
    await audit(ctx, { at: Date.now(), actor: actor.user, action: 'role', room: entry.id, target: change.user, detail: change.role });
  }
  for (const change of changes) ctx.hub.toUser(change.user, encodeFrame({ t: 'room', room: await ctx.rooms.info(entry.id, change.user) }));
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function members(ctx: ChatContext, peer: Peer, f: MembersRequest): Promise<void> {
  const user = peer.user as string;
  const seeAll = isServerAdmin(ctx, user);
  const entry = await ctx.rooms.entry(f.room);
  const dm = f.room.startsWith('dm:');
  if (entry === undefined || ((entry.visibility === 'private' || dm) && !entry.members.has(user) && !seeAll)) throw new ParleyError('NOT_FOUND', 'No such room.');
  const list = await ctx.store.memberRoles(f.room);
  const reply: { t: 'members'; id: typeof f.id; room: string; members: typeof list; invited?: Awaited<ReturnType<typeof ctx.store.invitationsTo>>; banned?: Awaited<ReturnType<typeof ctx.store.bans>> } = {
    t: 'members', id: f.id, room: f.room, members: list,
  };
  const mine = list.find((m) => m.user === user)?.role;
  if (seeAll || mine === 'owner' || mine === 'admin') {
    reply.invited = await ctx.store.invitationsTo(f.room);
    reply.banned = await ctx.store.bans(f.room);
  }
  peer.conn.send(reply);
}

/** Server administrators: disables (or enables) an account; a disabled one's sessions end at once. */
export async function disable(ctx: ChatContext, peer: Peer, f: DisableRequest): Promise<void> {
  const user = peer.user as string;
  if (!isServerAdmin(ctx, user)) throw new ParleyError('NOT_SERVER_ADMIN', 'Only a server administrator can disable accounts.');
  const target = existingUser(ctx, f.user);
  const disabled = f.disabled !== false;
  if (disabled && target === user) throw new ParleyError('INVALID', 'You cannot disable your own account.');
  const at = Date.now();
  await ctx.store.setDisabled(target, disabled ? at : undefined);
  if (disabled) {
    const ended = await ctx.store.revokeOtherSessions(target, '', at);
    for (const hash of ended) {
      ctx.auth.life.forget(hash);
      // On every node: the account may be signed in on another one.
      endSession(ctx, hash, undefined, 'ACCOUNT_DISABLED', 'This account was disabled by a server administrator.');
    }
  }
  await audit(ctx, { at, actor: user, action: disabled ? 'disable' : 'enable', target });
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function auditLog(ctx: ChatContext, peer: Peer, f: AuditRequest): Promise<void> {
  if (!isServerAdmin(ctx, peer.user as string)) throw new ParleyError('NOT_SERVER_ADMIN', 'Only a server administrator can read the audit log.');
  const limit = Math.min(f.limit ?? AUDIT_MAX_LIMIT, AUDIT_MAX_LIMIT);
  const entries = await ctx.store.audit({ before: f.before, limit: limit + 1 });
  const more = entries.length > limit;
  if (more) entries.pop();
  peer.conn.send({ t: 'audit', id: f.id, entries, more });
}

export async function block(ctx: ChatContext, peer: Peer, f: BlockRequest): Promise<void> {
  const user = peer.user as string;
  const target = existingUser(ctx, f.user);
  if (target === user) throw new ParleyError('INVALID', 'You cannot block yourself.');
  await ctx.store.setBlock(user, target, Date.now());
  ctx.blocks.add(user, target);
  peer.conn.send({ t: 'ok', id: f.id });
}

export async function unblock(ctx: ChatContext, peer: Peer, f: UnblockRequest): Promise<void> {
  const user = peer.user as string;
  const target = existingUser(ctx, f.user);
  await ctx.store.setBlock(user, target, undefined);
  ctx.blocks.remove(user, target);
  peer.conn.send({ t: 'ok', id: f.id });
}

export function blocks(ctx: ChatContext, peer: Peer, f: BlocksRequest): void {
  peer.conn.send({ t: 'blocks', id: f.id, users: ctx.blocks.of(peer.user as string) });
}

/** Records a moderator's delete of someone else's message. */
export function auditDelete(ctx: ChatContext, actor: string, room: string, seq: number, author: string): Promise<void> {
  return audit(ctx, { at: Date.now(), actor, action: 'delete', room, target: author, detail: `message ${seq}` });
}

/** Whether `user` may delete others' messages in `room`: its owners and admins, and server administrators. */
export async function moderates(ctx: ChatContext, room: string, user: string): Promise<boolean> {
  if (isServerAdmin(ctx, user)) return true;
  const role = await ctx.store.roleOf(room, user);
  return role === 'owner' || role === 'admin';
}

/** READ_ONLY unless `user` may post in the read-only room (an owner, admin or server administrator). */
export async function checkMayPost(ctx: ChatContext, entry: RoomEntry, user: string): Promise<void> {
  if (!entry.readOnly || (await moderates(ctx, entry.id, user))) return;
  throw new ParleyError('READ_ONLY', `${entry.id} is read-only: only its owners and admins post there.`);
}
