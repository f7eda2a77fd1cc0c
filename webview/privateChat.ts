// The seed's private-chat shortcut: "hello there ~bob" sends "hello there" to the DM room
// shared with bob. Pure, so the composer and its tests share one definition.
import { dmRoomId } from '../protocol/messages';

// User names follow the protocol: 6–32 of [A-Za-z0-9_.-].
const SHORTCUT = /^([\s\S]*?\S)[ \t]+~([A-Za-z0-9_.-]{6,32})\s*$/;

export interface PrivateSend {
  room: string;
  user: string;
  text: string;
}

/**
 * The DM send a composer text stands for, or undefined when it is an ordinary message.
 * With `isUser`, only known people count, so "see you ~tomorrow" stays a normal message.
 */
export function parsePrivateShortcut(text: string, me: string, isUser?: (name: string) => boolean): PrivateSend | undefined {
  const m = SHORTCUT.exec(text);
  if (!m) return undefined;
  const [, body, user] = m;
  // "~me" is not a DM (there is no room with yourself); send the text as typed.
  if (user === me || (isUser && !isUser(user))) return undefined;
  return { room: dmRoomId(me, user), user, text: body };
}
