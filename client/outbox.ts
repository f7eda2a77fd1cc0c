// What waits in ParleyClient's outbox: posts, thread replies and changes. Each keeps its cid
// across reconnects, so the server's dedupe makes a resend harmless.
import type { AckReply, Change, ChatMessage, Snippet } from '../protocol';
import type { Connection, OutgoingFrame } from './connection';

export interface MessageContent {
  text?: string;
  snippet?: Snippet;
}

/** Where a post goes: the room, or a thread (also shown in the room with `inRoom`). */
export interface PostTarget {
  root?: number;
  inRoom?: boolean;
}

export type OutboxItem =
  | { kind: 'post'; content: MessageContent; target: PostTarget }
  | { kind: 'change'; change: Change };

export interface OutboxEntry {
  cid: string;
  room: string;
  item: OutboxItem;
  /** The ack, or undefined when a change changed nothing (`ok`). */
  resolve: (ack: AckReply | undefined) => void;
  reject: (err: Error) => void;
  /** The connection the request is in flight on, if any. */
  inFlight?: Connection;
}

export function outboxFrame(entry: OutboxEntry): OutgoingFrame {
  const { item } = entry;
  if (item.kind === 'change') {
    const frame: OutgoingFrame = { t: 'change', room: entry.room, cid: entry.cid, kind: item.change.kind, target: item.change.target };
    if (item.change.emoji !== undefined) frame.emoji = item.change.emoji;
    if (item.change.text !== undefined) frame.text = item.change.text;
    return frame;
  }
  const frame: OutgoingFrame = { t: 'send', room: entry.room, cid: entry.cid };
  if (item.content.text !== undefined) frame.text = item.content.text;
  if (item.content.snippet !== undefined) frame.snippet = item.content.snippet;
  if (item.target.root !== undefined) frame.root = item.target.root;
  if (item.target.inRoom) frame.inRoom = true;
  return frame;
}

/** The room event our own request became, as other members receive it. */
export function ownEvent(entry: OutboxEntry, ack: AckReply, user: string): ChatMessage {
  const base: ChatMessage = { room: ack.room, seq: ack.seq, ts: ack.ts, msgId: ack.msgId, from: user, cid: entry.cid };
  const { item } = entry;
  if (item.kind === 'change') return { ...base, change: { ...item.change } };
  const event: ChatMessage = { ...base, ...item.content };
  if (item.target.root !== undefined) event.root = item.target.root;
  if (item.target.inRoom) event.inRoom = true;
  return event;
}
