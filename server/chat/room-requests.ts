import { encodeFrame, type CreateRequest, type JoinRequest, type LeaveRequest, type RoomInfo, type RoomsRequest } from '../../protocol';
import type { ChatContext } from './context';
import type { Peer } from './peer';

// The requesting connection gets the reply; the user's other connections learn of the change.

export async function create(ctx: ChatContext, peer: Peer, f: CreateRequest): Promise<void> {
  const user = peer.user as string;
  const room = await ctx.rooms.create(f.name, user);
  peer.conn.send({ t: 'room', id: f.id, room });
  ctx.hub.toUser(user, encodeRoom(room), peer);
}

export async function join(ctx: ChatContext, peer: Peer, f: JoinRequest): Promise<void> {
  const user = peer.user as string;
  const room = await ctx.rooms.join(f.room, user);
  peer.conn.send({ t: 'room', id: f.id, room });
  ctx.hub.toUser(user, encodeRoom(room), peer);
}

export async function leave(ctx: ChatContext, peer: Peer, f: LeaveRequest): Promise<void> {
  const user = peer.user as string;
  await ctx.rooms.leave(f.room, user);
  peer.conn.send({ t: 'ok', id: f.id });
  ctx.hub.toUser(user, encodeFrame({ t: 'room_left', room: f.room }), peer);
}

export async function rooms(ctx: ChatContext, peer: Peer, f: RoomsRequest): Promise<void> {
  const { rooms: list, more } = await ctx.rooms.list(peer.user as string);
  peer.conn.send(more ? { t: 'rooms', id: f.id, rooms: list, more } : { t: 'rooms', id: f.id, rooms: list });
}

function encodeRoom(room: RoomInfo): Buffer {
  return encodeFrame({ t: 'room', room });
}
