// Which messages deserve a notification, and how held ones are summed up. No vscode import.
import type { ChatMessage } from '../protocol';
import { mentions } from './model';

export type NotificationSetting = 'all' | 'mentionsAndDms' | 'none';

export function parseNotificationSetting(value: unknown): NotificationSetting {
  return value === 'all' || value === 'none' ? value : 'mentionsAndDms';
}

export function isDirect(msg: ChatMessage): boolean {
  return msg.room.startsWith('dm:');
}

/**
 * Notify only for others' messages while the chat is hidden, as far as the setting allows. A
 * reply in a thread I take part in (`inMyThread`) counts like a mention. Room events (joined,
 * topic…) are quiet lines of the timeline, never a notification.
 */
export function shouldNotify(
  setting: NotificationSetting,
  msg: ChatMessage,
  me: string | undefined,
  chatVisible: boolean,
  inMyThread = false,
): boolean {
  if (setting === 'none' || chatVisible || msg.from === me || msg.change !== undefined || msg.event !== undefined) return false;
  if (setting === 'all') return true;
  return isDirect(msg) || (me !== undefined && mentions(msg, me)) || (inMyThread && msg.root !== undefined);
}

const MAX_THREADS = 5000;

/**
 * The threads the user takes part in: roots they wrote and threads they replied in, learnt
 * from live messages and loaded history. Bounded: the oldest are forgotten first.
 */
export class ThreadParticipation {
  private readonly keys = new Set<string>();

  constructor(private readonly max = MAX_THREADS) {}

  /** Learns from a message (live, or in its current state from history). */
  note(msg: ChatMessage, me: string | undefined): void {
    if (me === undefined || msg.change !== undefined) return;
    if (msg.from === me) this.add(msg.room, msg.root ?? msg.seq);
    else if (msg.root === undefined && msg.repliers?.includes(me)) this.add(msg.room, msg.seq);
    else if (msg.root !== undefined && mentions(msg, me)) this.add(msg.room, msg.root);
  }

  /** A thread the server says the user takes part in. */
  noteRoot(room: string, root: number): void {
    if (Number.isSafeInteger(root) && root > 0) this.add(room, root);
  }

  /** Whether `msg` is a reply in one of the user's threads. */
  has(msg: ChatMessage): boolean {
    return msg.root !== undefined && this.keys.has(`${msg.room}|${msg.root}`);
  }

  clear(): void {
    this.keys.clear();
  }

  private add(room: string, root: number): void {
    const key = `${room}|${root}`;
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value as string);
  }
}

export interface Digest {
  count: number;
  senders: string[];
  rooms: string[];
}

/** Held messages (during a debug session) summed up for one notification afterwards. */
export function digest(held: ChatMessage[]): Digest {
  const senders = [...new Set(held.map((m) => m.from))];
  const rooms = [...new Set(held.map((m) => m.room))];
  return { count: held.length, senders, rooms };
}

/** One line of preview text for a message. */
export function preview(msg: ChatMessage, max = 120): string {
  let s: string;
  if (msg.text !== undefined) s = msg.text;
  else if (msg.snippet) s = msg.snippet.path ? `${msg.snippet.path} (${msg.snippet.language})` : msg.snippet.language;
  else if (msg.file) s = msg.file.name;
  else s = '';
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
