// The mixed conversation load of W1M: of every 20 requests a sender makes, 2 react, 1 edits
// and 2 reply in a thread (10 %, 5 %, 10 %); the rest are plain posts. Each change targets a
// different earlier post of the same sender, so none is a no-op and every one takes a seq.
export type MixOp = 'post' | 'react' | 'edit' | 'reply';

export function mixOp(n: number, mixed: boolean): MixOp {
  if (!mixed || n === 0) return 'post';
  switch (n % 20) {
    case 5:
    case 6:
      return 'react';
    case 7:
      return 'edit';
    case 8:
    case 9:
      return 'reply';
    default:
      return 'post';
  }
}

/** Counts of each kind a sender actually made (a change falls back to a post before it has a target). */
export interface MixCounts {
  post: number;
  react: number;
  edit: number;
  reply: number;
}
