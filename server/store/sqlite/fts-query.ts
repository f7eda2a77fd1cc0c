/** More terms than this only slow the query down; the rest are dropped. */
export const MAX_TERMS = 16;

// unicode61 makes tokens of letters, numbers and private-use characters; anything else separates.
const SEARCHABLE = /[\p{L}\p{N}\p{Co}]/u;
const TERM = /"([^"]*)"|(\S+)/g;

function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * Turns what a user typed into FTS5 terms that cannot be a syntax error: every word and every
 * "quoted phrase" becomes an FTS5 string, all of them required. Operators (AND, OR, NOT, NEAR,
 * `*`, parentheses, column filters) are plain text. No prefix search: without a prefix index
 * (which would slow every insert) a short prefix costs a scan of every matching word.
 * Returns undefined when nothing searchable is left.
 */
export function toFtsQuery(input: string): string | undefined {
  const terms: string[] = [];
  // Control characters (NUL among them) are separators, never part of the expression.
  for (const match of input.replace(/\p{Cc}/gu, ' ').matchAll(TERM)) {
    if (terms.length === MAX_TERMS) break;
    const text = match[1] ?? match[2];
    if (SEARCHABLE.test(text)) terms.push(quote(text));
  }
  return terms.length === 0 ? undefined : terms.join(' ');
}

/** The index token naming a room (see search.ts): short, one token, never a word people type. */
export function roomToken(roomNum: number): string {
  return `r${roomNum}`;
}

/**
 * The full MATCH expression: the terms in the message body, and, when given, in one of these
 * rooms. Filtering rooms inside the index keeps a search in a quiet room fast even when the
 * words are common elsewhere.
 */
export function matchExpression(terms: string, roomNums?: readonly number[]): string {
  const body = `body : (${terms})`;
  if (roomNums === undefined) return body;
  return `room : (${roomNums.map((n) => `"${roomToken(n)}"`).join(' OR ')}) AND ${body}`;
}
