import { DEFAULT_ERROR_MESSAGES, ParleyError, encodeFrame, type Limits, type RequestId, type ServerFrame } from '../../protocol';
import type { ClusterNode } from '../cluster/node';
import type { SharedBudgets } from '../cluster/shared-budgets';
import type { Logger } from '../log';
import type { MediaStore } from '../media/media-store';
import type { OpsCounters } from '../ops/counters';
import type { Store } from '../store/store';
import type { Auth } from './auth';
import type { Blocks } from './blocks';
import type { RequestBudgets } from './budgets';
import type { Hub } from './fanout';
import type { GroupCommit } from './group-commit';
import type { Peer } from './peer';
import type { Presence } from './presence';
import type { Rooms } from './rooms';

/** The services every request handler uses. */
export interface ChatContext {
  readonly store: Store;
  /** Uploaded bytes; used by the transfer handlers registered through ChatHandlers.register. */
  readonly media?: MediaStore;
  readonly hub: Hub;
  readonly presence: Presence;
  readonly rooms: Rooms;
  readonly auth: Auth;
  readonly commits: GroupCommit;
  readonly limits: Limits;
  readonly outboundBuffer: number;
  /** Per-kind request budgets per user and address; charged in ChatHandlers, sends in post(). */
  readonly budgets: RequestBudgets;
  readonly logger: Logger;
  readonly serverName: string;
  /** What the metrics count (server/ops): plain fields the hot path increments. */
  readonly counters: OpsCounters;
  /** Server administrators' names, lower-cased (`--admin`, PARLEY_ADMINS): always administrators. */
  readonly admins: ReadonlySet<string>;
  /** Server administrators named at runtime (the `admin` request, kept by the store), lower-cased. */
  readonly runtimeAdmins: Set<string>;
  /** Who blocks whom (server/chat/blocks.ts). */
  readonly blocks: Blocks;
  /** Set when this server is one node of several (--cluster). */
  readonly cluster?: ClusterNode;
  /** With a cluster: the request budgets, kept in Redis so they hold across the nodes. */
  readonly sharedBudgets?: SharedBudgets;
}

/** Whether `user` is a server administrator (named at start or at runtime). */
export function isServerAdmin(ctx: ChatContext, user: string): boolean {
  const key = user.toLowerCase();
  return ctx.admins.has(key) || ctx.runtimeAdmins.has(key);
}

/** Whether `user` is a server administrator named at start (`--admin`), whom no request unmakes. */
export function isFixedAdmin(ctx: ChatContext, user: string): boolean {
  return ctx.admins.has(user.toLowerCase());
}

/** Answers a failed request: protocol errors as they are, anything else as INTERNAL (and logged). */
export function replyError(ctx: ChatContext, peer: Peer, id: RequestId | undefined, err: unknown): void {
  if (err instanceof ParleyError) {
    peer.conn.sendError(id, err.code, err.message);
    return;
  }
  ctx.logger.error({ err, conn: peer.conn.id }, 'request failed');
  peer.conn.sendError(id, 'INTERNAL', DEFAULT_ERROR_MESSAGES.INTERNAL);
}

/** Frames without an id get no reply; their failures are only logged when unexpected. */
export function dropError(ctx: ChatContext, peer: Peer, err: unknown): void {
  if (!(err instanceof ParleyError)) ctx.logger.error({ err, conn: peer.conn.id }, 'request failed');
}

/** A frame for every connection of `user`: on this node and, with a cluster, on the others. */
export function toUserEverywhere(ctx: ChatContext, user: string, frame: ServerFrame): void {
  ctx.hub.toUser(user, encodeFrame(frame));
  ctx.cluster?.toUser(user, frame);
}
