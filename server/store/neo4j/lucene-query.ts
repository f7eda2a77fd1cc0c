import { words } from './records';

/** More terms than this only slow the query down; the rest are dropped. */
export const MAX_TERMS = 16;

// Letters, numbers and private-use characters make words; anything else separates.
const SEARCHABLE = /[\p{L}\p{N}\p{Co}]/u;
const TERM = /"([^"]*)"|(\S+)/g;

/**
 * Turns what a user typed into a Lucene query that cannot be a syntax error, with the same
 * reading as the SQLite backend: every word and every "quoted phrase" is required, and
 * operators (AND, OR, NOT, field:, `*`, parentheses) are plain text. A word with punctuation
 * inside ("config.json") becomes the phrase of its parts, which the index also holds split (see
 * searchExtra). No prefix search, as in SQLite. Returns undefined when nothing searchable is left.
 */
export function toLuceneQuery(input: string): string | undefined {
  const terms: string[] = [];
  for (const match of input.replace(/\p{Cc}/gu, ' ').matchAll(TERM)) {
    if (terms.length === MAX_TERMS) break;
    const parts = words(match[1] ?? match[2]);
    // Only word characters and spaces are left, so the quotes cannot be unbalanced.
    if (SEARCHABLE.test(parts)) terms.push(`+"${parts}"`);
  }
  return terms.length === 0 ? undefined : terms.join(' ');
}
