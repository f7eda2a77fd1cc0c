// Reproducible chat-like text for the store benchmarks.
import { createHash } from 'node:crypto';

/** Words with a skewed frequency, like chat: a few very common, a long tail of rare ones. */
export const VOCAB = Array.from({ length: 5000 }, (_, i) => createHash('sha1').update(String(i)).digest('hex').slice(0, 3 + (i % 6)));

let rng = 42;
/** A seeded pseudo-random number in [0, 1): every run draws the same sequence. */
export function random(): number {
  rng = (rng * 1103515245 + 12345) % 2147483648;
  return rng / 2147483648;
}

/** About 80 bytes of words drawn from VOCAB. */
export function sentence(): string {
  let s = '';
  while (s.length < 80) s += `${VOCAB[Math.floor(random() ** 3 * VOCAB.length)]} `;
  return s.trimEnd();
}
