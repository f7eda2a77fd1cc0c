// Messages, rooms and people for the webview suites.
import type { ChatMessage, PresenceEntry, RoomInfo } from '../../protocol/messages';
import { dmRoomId } from '../../protocol/messages';
import { Init, Messages } from '../../webview/messages';

export const ME = 'alice.dev';
export const BOB = 'bob_smith';
export const CAROL = 'carol-j';
export const DAVE = 'dave.ops';
export const DM_BOB = dmRoomId(ME, BOB);

export const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const MIN = 60_000;

export function message(room: string, seq: number, from: string, text: string, ts = T0 + seq * MIN, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { room, seq, ts, msgId: `m-${room}-${seq}`, from, text, ...extra };
}

export function rooms(extra: RoomInfo[] = []): RoomInfo[] {
  return [
    { id: 'general', kind: 'group', name: 'general', lastSeq: 0, lastRead: 0, unread: 0 },
    { id: 'design', kind: 'group', name: 'design', members: [ME, BOB, CAROL], lastSeq: 0, lastRead: 0, unread: 0 },
    { id: DM_BOB, kind: 'dm', name: BOB, members: [ME, BOB], lastSeq: 0, lastRead: 0, unread: 0 },
    ...extra,
  ];
}

export const presence: PresenceEntry[] = [
  { user: ME, status: 'online' },
  { user: BOB, status: 'online' },
  { user: CAROL, status: 'away' },
  { user: DAVE, status: 'offline' },
  { user: 'dan_smith', status: 'online' },
];

export function init(overrides: Partial<ReturnType<typeof Init.create>> = {}): ReturnType<typeof Init.create> {
  return Init.create({ me: ME, rooms: rooms(), activeRoom: 'general', presence, connection: 'connected', ...overrides });
}

const SENDERS = [BOB, CAROL, DAVE, ME];
const LINES = [
  'Morning! Anyone looked at the reconnect logic yet?',
  'Yes, backoff with jitter is in. See `client/session.ts`.',
  'Nice. Does **resume** replay in seq order?',
  'It does, and nothing arrives twice.',
  'I pushed a fix for the flaky test:\n- waits for `caught_up`\n- no more sleeps',
  'Reviewing now.',
  'Looks good to me 👍',
  '> nothing arrives twice\nthat is the important part',
];

/** `n` messages of ordinary chatter, seq `first`…, two minutes apart. */
export function chatter(room: string, first: number, n: number, start = T0): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let i = 0; i < n; i++) {
    const seq = first + i;
    const from = SENDERS[Math.floor(seq / 3) % SENDERS.length];
    out.push(message(room, seq, from, `${LINES[seq % LINES.length]} (#${seq})`, start + seq * 2 * MIN));
  }
  return out;
}

/** A history page answering a loadOlder request, as the host would. */
export function page(room: string, requestId: string, messages: ChatMessage[], more: boolean): ReturnType<typeof Messages.create> {
  return Messages.create({ room, messages, prepend: true, more, requestId });
}
