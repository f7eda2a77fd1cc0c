import { UNREAD_LIMIT, type Change, type ChatMessage, type PresenceEntry, type RoomEvent, type RoomInfo } from '../protocol';

/**
 * One message as the terminal client prints it: `[room #seq] user: text`, a reply as
 * `[room #seq ↳ #root]`, followed by what has happened to it (edited, reactions, replies, …).
 */
export function formatMessage(m: ChatMessage): string {
  if (m.event !== undefined) return `[${m.room} #${m.seq}] · ${formatRoomEvent(m.from, m.event)}`;
  const where = m.root !== undefined ? `${m.room} #${m.seq} ↳ #${m.root}` : `${m.room} #${m.seq}`;
  const state = messageState(m);
  return `[${where}] ${m.from}: ${messageBody(m)}${state ? `  ${state}` : ''}`;
}

/** A room event as the quiet line a timeline shows: `alice_01 removed bob_smith`. */
export function formatRoomEvent(from: string, e: RoomEvent): string {
  const who = e.user ?? from;
  switch (e.kind) {
    case 'joined': return `${who} joined`;
    case 'left': return `${who} left`;
    case 'invited': return `${from} invited ${who}`;
    case 'uninvited': return `${from} withdrew the invitation of ${who}`;
    case 'declined': return `${who} declined the invitation`;
    case 'removed': return `${from} removed ${who}`;
    case 'banned': return `${from} banned ${who}`;
    case 'unbanned': return `${from} unbanned ${who}`;
    case 'renamed': return `${from} renamed the room to "${e.text ?? ''}"`;
    case 'topic': return e.text ? `${from} set the topic: ${e.text}` : `${from} cleared the topic`;
    case 'description': return e.text ? `${from} set the description: ${e.text}` : `${from} cleared the description`;
    case 'readonly': return e.on ? `${from} made the room read-only` : `${from} opened the room to every member's posts`;
    case 'role': return `${from} made ${who} ${e.role === 'admin' ? 'an admin' : e.role === 'owner' ? 'an owner' : 'a member'}`;
  }
}

/** A change event as a line: `[room #seq] alice reacted 👍 to #3`. */
export function formatChange(e: ChatMessage & { change: Change }): string {
  const { kind, target, emoji, text } = e.change;
  const what: Record<Change['kind'], string> = {
    react: `reacted ${emoji ?? ''} to`,
    unreact: `took back ${emoji ?? ''} from`,
    edit: 'edited',
    delete: 'deleted',
    pin: 'pinned',
    unpin: 'unpinned',
    resolve: 'resolved the thread of',
    reopen: 'reopened the thread of',
  };
  return `[${e.room} #${e.seq}] ${e.from} ${what[kind]} #${target}${kind === 'edit' && text !== undefined ? `: ${text}` : ''}`;
}

function messageState(m: ChatMessage): string {
  const parts: string[] = [];
  if (m.edited !== undefined && !m.deleted) parts.push('(edited)');
  for (const [emoji, users] of Object.entries(m.reactions ?? {})) parts.push(`${emoji} ${users.length}`);
  if (m.replies) parts.push(`[${m.replies} ${m.replies === 1 ? 'reply' : 'replies'}]`);
  if (m.pinned) parts.push('[pinned]');
  if (m.resolvedBy) parts.push(`[resolved by ${m.resolvedBy}]`);
  return parts.join(' ');
}

/**
 * The stable JSON form of `parley history --json` and friends, one object per message: every
 * state field present with its default, so scripts need not know which are optional.
 */
export function messageJson(m: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    room: m.room,
    seq: m.seq,
    ts: m.ts,
    msgId: m.msgId,
    from: m.from,
    text: m.text ?? null,
  };
  if (m.snippet) out.snippet = m.snippet;
  if (m.file) out.file = m.file;
  if (m.event) out.event = m.event;
  if (m.root !== undefined) out.root = m.root;
  if (m.inRoom) out.inRoom = true;
  out.edited = m.edited !== undefined;
  if (m.edited !== undefined) out.editedAt = m.edited;
  out.deleted = m.deleted === true;
  out.reactions = m.reactions ?? {};
  out.replies = m.replies ?? 0;
  if (m.repliers) out.repliers = m.repliers;
  if (m.lastReply !== undefined) out.lastReply = m.lastReply;
  out.pinned = m.pinned === true;
  out.resolved = m.resolvedBy !== undefined;
  if (m.resolvedBy !== undefined) out.resolvedBy = m.resolvedBy;
  return out;
}

export function messageBody(m: ChatMessage): string {
  if (m.deleted) return '(message deleted)';
  if (m.text !== undefined) return m.text;
  if (m.snippet) {
    const where = m.snippet.path ? ` ${m.snippet.path}${m.snippet.startLine ? `:${m.snippet.startLine}` : ''}` : '';
    return `[code ${m.snippet.language}${where}]\n${m.snippet.code}`;
  }
  if (m.file) return `[${m.file.kind} ${m.file.name}, ${formatBytes(m.file.size)}]`;
  return '';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * A room as `parley rooms` lists it. The unread figure is the server's (others' messages after the
 * read mark, shown in the room; "999+" past UNREAD_LIMIT), then the thread-only replies unread in
 * the threads the user takes part in; lastSeq counts every room event.
 */
export function formatRoom(r: RoomInfo): string {
  const unread = typeof r.unread === 'number' ? r.unread : Math.max(0, r.lastSeq - r.lastRead);
  const name = r.kind === 'dm' ? r.name : `#${r.name}`;
  const shown = unread > UNREAD_LIMIT ? `${UNREAD_LIMIT}+` : String(unread);
  const inThreads = r.threadUnread ?? 0;
  const threads = inThreads > 0 ? `, ${inThreads > UNREAD_LIMIT ? `${UNREAD_LIMIT}+` : String(inThreads)} unread in your threads` : '';
  return `${r.id}\t${r.kind}\t${name}\t${r.lastSeq} messages${unread ? `, ${shown} unread` : ''}${threads}`;
}

export function formatPresence(p: PresenceEntry): string {
  return `${p.user}\t${p.status}${p.context ? `\t${p.context}` : ''}`;
}

/** The seed's private-message form: `hello there ~bob` → text "hello there" to bob. */
export function parseTilde(text: string): { text: string; to: string } | undefined {
  const match = /^([\s\S]*\S)\s+~([A-Za-z0-9_.-]+)\s*$/.exec(text);
  return match ? { text: match[1], to: match[2] } : undefined;
}
