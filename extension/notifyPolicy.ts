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

/** Notify only for others' messages while the chat is hidden, as far as the setting allows. */
export function shouldNotify(
  setting: NotificationSetting,
  msg: ChatMessage,
  me: string | undefined,
  chatVisible: boolean,
): boolean {
  if (setting === 'none' || chatVisible || msg.from === me) return false;
  if (setting === 'all') return true;
  return isDirect(msg) || (me !== undefined && mentions(msg, me));
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
