// @mention (and ~user) autocomplete: finding the token being typed, ranking names, inserting
// the chosen one. Pure functions; the composer owns the DOM.
import type { PresenceEntry } from '../protocol/messages';

export interface Trigger {
  /** '@' mentions someone; '~' addresses a private message (see privateChat.ts). */
  char: '@' | '~';
  /** Index of the trigger character in the text. */
  start: number;
  query: string;
}

const TOKEN = /(^|\s)([@~])([A-Za-z0-9_.-]{0,32})$/;

/** The trigger the caret is in, if any. */
export function findTrigger(text: string, caret: number): Trigger | undefined {
  const before = text.slice(0, caret);
  const m = TOKEN.exec(before);
  if (!m) return undefined;
  // The token must end at the caret and not continue into a word after it.
  if (/^[A-Za-z0-9_.-]/.test(text.slice(caret))) return undefined;
  return { char: m[2] as '@' | '~', start: before.length - m[3].length - 1, query: m[3] };
}

const STATUS_ORDER: Record<string, number> = { online: 0, away: 1, offline: 2 };

/**
 * Names matching `query` (prefix matches first, then substring), online people first,
 * then alphabetical; `me` is never offered.
 */
export function rankCandidates(query: string, names: Iterable<string>, presence: ReadonlyMap<string, PresenceEntry>, me: string, limit = 8): string[] {
  const q = query.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (name === me || seen.has(name)) continue;
    seen.add(name);
    const lower = name.toLowerCase();
    const at = lower.indexOf(q);
    if (at < 0) continue;
    const status = STATUS_ORDER[presence.get(name)?.status ?? 'offline'] ?? 2;
    scored.push({ name, score: (at === 0 ? 0 : 10) + status });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((s) => s.name);
}

/** Replaces the trigger token with the chosen name and a space; returns the new caret. */
export function applyCompletion(text: string, caret: number, trigger: Trigger, name: string): { text: string; caret: number } {
  const head = text.slice(0, trigger.start) + trigger.char + name;
  const tail = text.slice(caret);
  const sep = tail.startsWith(' ') ? '' : ' ';
  return { text: head + sep + tail, caret: head.length + 1 };
}
