// Turns a room's messages into the rows the list shows: day separators, the unread divider,
// and messages grouped by sender (consecutive messages from one sender within five minutes
// share one header). Pure; the virtual list renders rows by key.
import type { ChatMessage } from '../protocol/messages';
import type { PendingState } from './messages';

export const GROUP_WINDOW_MS = 5 * 60 * 1000;

export interface PendingMessage {
  room: string;
  cid: string;
  text: string;
  state: PendingState;
  /** When it was queued, for grouping and display. */
  ts: number;
}

export type TopState = 'loading' | 'more' | 'start';

export type Row =
  | { kind: 'top'; key: string; state: TopState }
  | { kind: 'day'; key: string; ts: number }
  | { kind: 'unread'; key: string }
  | { kind: 'msg'; key: string; msg: ChatMessage; head: boolean; mine: boolean; seen: boolean }
  /** A room event (joined, topic, role…): a quiet line of its own, never grouped with messages. */
  | { kind: 'event'; key: string; msg: ChatMessage & { event: NonNullable<ChatMessage['event']> } }
  | { kind: 'pending'; key: string; pending: PendingMessage; head: boolean };

export interface RowInput {
  room: string;
  me: string;
  /** Ascending seq, no duplicates. */
  messages: readonly ChatMessage[];
  pending: readonly PendingMessage[];
  top: TopState;
  /** The divider goes before the first message after this seq not sent by me. */
  unreadAfter?: number;
  /** In a DM, the other member's read mark: my last message up to it shows "Seen". */
  seenSeq?: number;
  /** Calendar-day key of a timestamp; local time by default. */
  dayOf?: (ts: number) => string;
}

export function localDay(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function buildRows(input: RowInput): Row[] {
  const { room, me, messages, pending, unreadAfter, seenSeq } = input;
  const dayOf = input.dayOf ?? localDay;
  const rows: Row[] = [{ kind: 'top', key: `${room}|top`, state: input.top }];
  let seenAt = -1;
  if (seenSeq !== undefined) {
    for (let i = messages.length - 1; i >= 0; i--) {
      if (messages[i].seq <= seenSeq && messages[i].from === me) {
        seenAt = messages[i].seq;
        break;
      }
    }
  }
  let day = '';
  let dividerPlaced = unreadAfter === undefined;
  // Sender and time of the previous message row, or undefined after a separator.
  let prev: { from: string; ts: number } | undefined;

  const separate = (ts: number): void => {
    const d = dayOf(ts);
    if (d !== day) {
      day = d;
      rows.push({ kind: 'day', key: `${room}|day:${d}`, ts });
      prev = undefined;
    }
  };
  const isHead = (from: string, ts: number): boolean =>
    !prev || prev.from !== from || Math.abs(ts - prev.ts) > GROUP_WINDOW_MS;

  for (const msg of messages) {
    separate(msg.ts);
    if (msg.event !== undefined) {
      // Never unread, so no divider before it; the next message starts a new group.
      rows.push({ kind: 'event', key: `${room}|m:${msg.seq}`, msg: msg as ChatMessage & { event: NonNullable<ChatMessage['event']> } });
      prev = undefined;
      continue;
    }
    if (!dividerPlaced && msg.seq > (unreadAfter as number) && msg.from !== me) {
      dividerPlaced = true;
      rows.push({ kind: 'unread', key: `${room}|unread` });
      prev = undefined;
    }
    const mine = msg.from === me;
    rows.push({ kind: 'msg', key: `${room}|m:${msg.seq}`, msg, head: isHead(msg.from, msg.ts), mine, seen: mine && msg.seq === seenAt });
    prev = { from: msg.from, ts: msg.ts };
  }
  for (const p of pending) {
    separate(p.ts);
    rows.push({ kind: 'pending', key: `${room}|p:${p.cid}`, pending: p, head: isHead(me, p.ts) });
    prev = { from: me, ts: p.ts };
  }
  return rows;
}
