/** More terms than this only slow the query down; the rest are dropped. */
export const MAX_TERMS = 16;

// unicode61 makes tokens of letters, numbers and private-use characters; anything else separates.
const SEARCHABLE = /[\p{L}\p{N}\p{Co}]/u;
const TERM = /"([^"]*)"|(\S+)/g;

function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * Turns what a user typed into an FTS5 MATCH expression that cannot be a syntax error: every
 * word and every "quoted phrase" becomes an FTS5 string, all of them required; a word ending in
 * `*` matches as a prefix. Operators (AND, OR, NOT, NEAR, parentheses, column filters) are
 * plain words. Returns undefined when nothing searchable is left.
 */
export function toFtsQuery(input: string): string | undefined {
  const terms: string[] = [];
  // Control characters (NUL among them) are separators, never part of the expression.
  for (const match of input.replace(/\p{Cc}/gu, ' ').matchAll(TERM)) {
    if (terms.length === MAX_TERMS) break;
    const phrase = match[1];
    if (phrase !== undefined) {
      if (SEARCHABLE.test(phrase)) terms.push(quote(phrase));
      continue;
    }
    const word = match[2];
    const stem = word.replace(/\*+$/, '');
    if (!SEARCHABLE.test(stem)) continue;
    terms.push(stem.length < word.length ? `${quote(stem)} *` : quote(word));
  }
  return terms.length === 0 ? undefined : terms.join(' ');
}
