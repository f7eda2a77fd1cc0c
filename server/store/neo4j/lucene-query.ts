/** More terms than this only slow the query down; the rest are dropped. */
export const MAX_TERMS = 16;

// Letters, numbers and private-use characters make words; anything else separates.
const SEARCHABLE = /[\p{L}\p{N}\p{Co}]/u;
const TERM = /"([^"]*)"|(\S+)/g;
// Everything Lucene's classic query parser treats as syntax.
const SPECIAL = /[+\-&|!(){}[\]^"~*?:\\/]/g;

function escape(text: string): string {
  return text.replace(SPECIAL, '\\$&');
}

/**
 * Turns what a user typed into a Lucene query that cannot be a syntax error, with the same
 * reading as the SQLite backend: every word and every "quoted phrase" is required, a word
 * ending in `*` matches as a prefix, and operators (AND, OR, NOT, field:, parentheses) are
 * plain words. Returns undefined when nothing searchable is left.
 */
export function toLuceneQuery(input: string): string | undefined {
  const terms: string[] = [];
  for (const match of input.replace(/\p{Cc}/gu, ' ').matchAll(TERM)) {
    if (terms.length === MAX_TERMS) break;
    const phrase = match[1];
    if (phrase !== undefined) {
      if (SEARCHABLE.test(phrase)) terms.push(`+"${escape(phrase)}"`);
      continue;
    }
    const word = match[2];
    const stem = word.replace(/\*+$/, '');
    if (!SEARCHABLE.test(stem)) continue;
    // A prefix term skips the analyzer, so fold its case here; a quoted word is analyzed like the text.
    terms.push(stem.length < word.length ? `+${escape(stem.toLowerCase())}*` : `+"${escape(word)}"`);
  }
  return terms.length === 0 ? undefined : terms.join(' ');
}
