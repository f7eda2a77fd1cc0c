import { MAX_SEARCH_WORDS, MAX_SEARCH_WORD_LENGTH, ParleyError } from '../../protocol';
import type { SearchOptions } from '../store/store';

export type SearchFilters = Omit<SearchOptions, 'limit' | 'room'> & { room?: string };

export interface ParsedSearch {
  /** The words and "phrases" left once the filters are taken out. */
  words: string;
  filters: SearchFilters;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC at the start of a YYYY-MM-DD day, or undefined for anything that is no such day. */
function dayStart(value: string): number | undefined {
  const m = DATE.exec(value);
  if (m === null) return undefined;
  const ts = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ts);
  return back.getUTCDate() === Number(m[3]) && back.getUTCMonth() === Number(m[2]) - 1 ? ts : undefined;
}

/**
 * Takes the filters people expect out of a search query: `from:@user`, `in:#room`, `has:file`,
 * `has:snippet`, `is:thread`, `is:pinned`, `before:YYYY-MM-DD` (earlier than that day) and
 * `after:YYYY-MM-DD` (later than that day), all in UTC. Anything else, unknown `x:y` included,
 * stays words. A filter inside a "quoted phrase" is part of the phrase.
 */
export function parseSearch(query: string): ParsedSearch {
  const filters: SearchFilters = {};
  const words: string[] = [];
  // Tokens: quoted phrases whole, everything else split on white space.
  for (const token of query.match(/"[^"]*"?|\S+/g) ?? []) {
    const colon = token.startsWith('"') ? -1 : token.indexOf(':');
    if (colon <= 0) {
      words.push(token);
      continue;
    }
    const key = token.slice(0, colon).toLowerCase();
    const value = token.slice(colon + 1);
    if (!applyFilter(filters, key, value)) words.push(token);
  }
  return { words: words.join(' '), filters };
}

function applyFilter(filters: SearchFilters, key: string, value: string): boolean {
  switch (key) {
    case 'from':
      if (value.replace(/^@/, '').length === 0) return false;
      filters.from = value.replace(/^@/, '');
      return true;
    case 'in':
      if (value.replace(/^#/, '').length === 0) return false;
      filters.room = value.replace(/^#/, '');
      return true;
    case 'has':
      if (value === 'file') filters.hasFile = true;
      else if (value === 'snippet' || value === 'code') filters.hasSnippet = true;
      else return false;
      return true;
    case 'is':
      if (value === 'thread') filters.isThread = true;
      else if (value === 'pinned') filters.isPinned = true;
      else return false;
      return true;
    case 'before':
    case 'after': {
      const start = dayStart(value);
      if (start === undefined) throw new ParleyError('INVALID', `"${key}:" takes a date like 2026-01-31.`);
      if (key === 'before') filters.before = start;
      else filters.after = start + DAY_MS;
      return true;
    }
    default:
      return false;
  }
}

/** Whether a parsed search asks for anything at all. */
export function isEmptySearch(parsed: ParsedSearch): boolean {
  return parsed.words.trim().length === 0 && Object.keys(parsed.filters).length === 0;
}

/**
 * Refuses words that would make a search costly before it runs: more than MAX_SEARCH_WORDS words
 * (each word of a phrase counts, as the index sees words), or one longer than MAX_SEARCH_WORD_LENGTH.
 * Operators and `*` need no check: every word is matched as plain text, never as a prefix.
 */
export function checkSearchWords(words: string): void {
  const tokens = words.split(/[^\p{L}\p{N}\p{Co}]+/u).filter((t) => t.length > 0);
  if (tokens.length > MAX_SEARCH_WORDS) throw new ParleyError('INVALID', `A search holds at most ${MAX_SEARCH_WORDS} words.`);
  if (tokens.some((t) => [...t].length > MAX_SEARCH_WORD_LENGTH)) throw new ParleyError('INVALID', `Search words are at most ${MAX_SEARCH_WORD_LENGTH} characters long.`);
}
