import { ROOM_MENTION } from './limits';

// `@name` where name follows the user-name rules; the character before must not be part of a word
// or an e-mail address ("bob@example.com" mentions nobody).
const MENTION = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{4,32})/g;

/**
 * The names a text mentions, each once, in the order they appear; `room` stands for `@room`.
 * Trailing dots are sentence ends, not part of the name.
 */
export function mentionedNames(text: string | undefined): string[] {
  if (text === undefined || !text.includes('@')) return [];
  const out = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const name = match[2].replace(/\.+$/, '');
    if (name === ROOM_MENTION || name.length >= 6) out.add(name);
  }
  return [...out];
}
