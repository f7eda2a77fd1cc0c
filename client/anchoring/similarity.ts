// How alike two lines, or two runs of lines, are; whitespace never counts.

/** A line without any whitespace: spacing, indentation and reflowed operators compare equal. */
export function squash(line: string): string {
  return line.replace(/\s+/g, '');
}

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < s.length - 1; i++) {
    const b = s.slice(i, i + 2);
    m.set(b, (m.get(b) ?? 0) + 1);
  }
  return m;
}

/** 1 for lines equal but for whitespace, else the Dice coefficient of their character pairs (0–1). */
export function lineSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const x = bigrams(a);
  const y = bigrams(b);
  let common = 0;
  for (const [k, n] of x) common += Math.min(n, y.get(k) ?? 0);
  return (2 * common) / (a.length - 1 + (b.length - 1));
}

/** Lines that count as the same line, changed, in blockSimilarity. */
const LINE_MATCH = 0.5;

/**
 * How alike two runs of squashed lines are (0–1): the best order-keeping pairing of their
 * lines (an LCS where a pair is worth its lineSimilarity), over the longer run's length.
 */
export function blockSimilarity(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return n === m ? 1 : 0;
  let prev = new Float64Array(m + 1);
  let row = new Float64Array(m + 1);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const s = lineSimilarity(a[i - 1], b[j - 1]);
      const diag = s >= LINE_MATCH ? prev[j - 1] + s : 0;
      row[j] = Math.max(diag, prev[j], row[j - 1]);
    }
    [prev, row] = [row, prev];
  }
  return prev[m] / Math.max(n, m);
}
