import { encodeFrame, type CreateRequest, type JoinRequest, type LeaveRequest, type RoomInfo, type RoomsRequest } from '../../protocol';
import { isServerAdmin, type ChatContext } from './context';
import { announce } from './governance';
import type { Peer } from './peer';

// The requesting connection gets the reply; the user's other connections learn of the change.

export async function create(ctx: ChatContext, peer: Peer, f: CreateRequest): Promise<void> {
  const user = peer.user as string;
  const room = await ctx.rooms.create(f.name, user, f.visibility ?? 'public', f.topic);
  peer.conn.send({ t: 'room', id: f.id, room });
  ctx.hub.toUser(user, encodeRoom(room), peer);
}

/** Joins a public room, a private one the user is invited to (accepting the invitation), or any as a server administrator. */
export async function join(ctx: ChatContext, peer: Peer, f: JoinRequest): Promise<void> {
  const user = peer.user as string;
  const { info, entry, joined } = await ctx.rooms.join(f.room, user, isServerAdmin(ctx, user));
  if (joined && entry !== undefined) await announce(ctx, entry, user, { kind: 'joined', user });
  const room = joined ? await ctx.rooms.info(f.room, user) : info;
  peer.conn.send({ t: 'room', id: f.id, room });
  ctx.hub.toUser(user, encodeRoom(room), peer);
}

export async function leave(ctx: ChatContext, peer: Peer, f: LeaveRequest): Promise<void> {
  const user = peer.user as string;
  const entry = await ctx.rooms.leave(f.room, user);
  if (entry !== undefined) await announce(ctx, entry, user, { kind: 'left', user });
  peer.conn.send({ t: 'ok', id: f.id });
  ctx.hub.toUser(user, encodeFrame({ t: 'room_left', room: f.room, reason: 'left' }), peer);
}

export async function rooms(ctx: ChatContext, peer: Peer, f: RoomsRequest): Promise<void> {
  const { rooms: list, more } = await ctx.rooms.list(peer.user as string);
  peer.conn.send(more ? { t: 'rooms', id: f.id, rooms: list, more } : { t: 'rooms', id: f.id, rooms: list });
}

function encodeRoom(room: RoomInfo): Buffer {
  return encodeFrame({ t: 'room', room });
}
