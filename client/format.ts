import type { ChatMessage, PresenceEntry, RoomInfo } from '../protocol';

/** One message as the terminal client prints it: `[room #seq] user: text`. */
export function formatMessage(m: ChatMessage): string {
  return `[${m.room} #${m.seq}] ${m.from}: ${messageBody(m)}`;
}

export function messageBody(m: ChatMessage): string {
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

export function formatRoom(r: RoomInfo): string {
  const unread = Math.max(0, r.lastSeq - r.lastRead);
  const name = r.kind === 'dm' ? r.name : `#${r.name}`;
  return `${r.id}\t${r.kind}\t${name}\t${r.lastSeq} messages${unread ? `, ${unread} unread` : ''}`;
}

export function formatPresence(p: PresenceEntry): string {
  return `${p.user}\t${p.status}${p.context ? `\t${p.context}` : ''}`;
}

/** The seed's private-message form: `hello there ~bob` → text "hello there" to bob. */
export function parseTilde(text: string): { text: string; to: string } | undefined {
  const match = /^([\s\S]*\S)\s+~([A-Za-z0-9_.-]+)\s*$/.exec(text);
  return match ? { text: match[1], to: match[2] } : undefined;
}
