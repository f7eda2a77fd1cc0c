// Re-anchoring: where an anchored run of lines sits in the file as it is now. Pure: the anchor,
// the file's current text and git's view of its changes in; a range or "outdated" out.
// Outdated is always better than wrong, so every guess is checked against the text itself.
import { splitLines, type AnchoredCode } from '../../protocol';
import type { GitView, Hunk } from './diff';
import { blockSimilarity, squash } from './similarity';

export type OutdatedReason =
  /** The file is gone (deleted, or renamed where git cannot follow). */
  | 'file deleted'
  /** The anchored lines were removed and are nowhere else in the file. */
  | 'code deleted'
  /** The lines changed too much to say where they are. */
  | 'code changed'
  /** The code is in the file more than once and nothing tells the copies apart. */
  | 'ambiguous';

export type Placement =
  | {
      kind: 'placed';
      /** 1-based, inclusive, in the current file. */
      startLine: number;
      endLine: number;
      /** `exact`: the same lines where git put them; `moved`: the same text elsewhere; `similar`: changed lines. */
      how: 'exact' | 'moved' | 'similar';
    }
  | { kind: 'outdated'; reason: OutdatedReason };

/** A git-placed range whose text changed is kept when at least this alike. */
const NEAR_MATCH = 0.6;
/** Anywhere else in the file, a changed run needs to be this alike, and clearly the best. */
const FAR_MATCH = 0.75;
const FAR_MARGIN = 0.1;

interface Range {
  start: number; // 1-based inclusive
  end: number;
}

/** Where old line `l` is now, or undefined when a hunk replaced or removed it. */
function mapLine(l: number, hunks: readonly Hunk[]): number | undefined {
  let delta = 0;
  for (const h of hunks) {
    if (h.oldCount > 0 && l >= h.oldStart && l < h.oldStart + h.oldCount) return undefined;
    const before = h.oldCount > 0 ? h.oldStart + h.oldCount - 1 < l : h.oldStart < l;
    if (!before) break;
    delta += h.newCount - h.oldCount;
  }
  return l + delta;
}

/** The hunk that replaced old line `l`, if any. */
function hunkOf(l: number, hunks: readonly Hunk[]): Hunk | undefined {
  return hunks.find((h) => h.oldCount > 0 && l >= h.oldStart && l < h.oldStart + h.oldCount);
}

/** Whether git changed anything between the range's first and last line. */
function touches(r: Range, hunks: readonly Hunk[]): boolean {
  return hunks.some((h) =>
    h.oldCount > 0 ? h.oldStart <= r.end && h.oldStart + h.oldCount - 1 >= r.start : h.oldStart >= r.start && h.oldStart < r.end,
  );
}

/**
 * Where git puts a range some of whose lines it changed: from the first to the last line that
 * survived, widened to the new lines of a hunk that replaced the first or last one. Undefined
 * when nothing of it is left.
 */
function estimate(r: Range, hunks: readonly Hunk[]): Range | undefined {
  let start: number | undefined;
  let end: number | undefined;
  for (let l = r.start; l <= r.end; l++) {
    const at = mapLine(l, hunks);
    if (at === undefined) continue;
    start ??= at;
    end = at;
  }
  const first = hunkOf(r.start, hunks);
  const last = hunkOf(r.end, hunks);
  if (start === undefined || end === undefined) {
    // Every line was replaced: by the same number of lines at the same offset, if there are new lines.
    if (first === undefined || first.newCount === 0) return undefined;
    const s = first.newStart + (r.start - first.oldStart);
    const lastNew = (last ?? first).newStart + (last ?? first).newCount - 1;
    const e = Math.min(s + (r.end - r.start), lastNew);
    return s <= lastNew ? { start: Math.max(first.newStart, s), end: Math.max(s, e) } : undefined;
  }
  if (first !== undefined && first.newCount > 0) start = Math.min(start, first.newStart);
  if (last !== undefined && last.newCount > 0) end = Math.max(end, last.newStart + last.newCount - 1);
  return { start, end };
}

/** The anchored lines, without blank lines at either end (they are placed with the rest). */
interface Core {
  lines: string[]; // squashed
  lead: number; // blank lines dropped before
  trail: number; // … and after
  joined: string;
}

function coreOf(text: string): Core {
  const lines = splitLines(text).map(squash);
  if (lines.length === 0) lines.push('');
  let lead = 0;
  while (lead < lines.length && lines[lead] === '') lead++;
  let trail = 0;
  while (trail < lines.length - lead && lines[lines.length - 1 - trail] === '') trail++;
  const core = lines.slice(lead, lines.length - trail);
  return { lines: core, lead, trail, joined: core.join('') };
}

/**
 * Every run of current lines that is the anchored code but for whitespace and line breaks
 * (a reformatted statement spread over more or fewer lines still matches), as 1-based ranges.
 */
function occurrences(core: Core, cur: readonly string[]): Range[] {
  const found: Range[] = [];
  const want = core.joined;
  if (want.length === 0) return found;
  for (let i = 0; i < cur.length; i++) {
    if (cur[i] === '' || !want.startsWith(cur[i])) continue;
    let len = 0;
    for (let j = i; j < cur.length; j++) {
      const piece = cur[j];
      if (!want.startsWith(piece, len)) break;
      len += piece.length;
      if (len === want.length) {
        found.push({ start: i + 1, end: j + 1 });
        break;
      }
    }
  }
  return found;
}

/** The range with the anchor's leading and trailing blank lines put back, where the file has them. */
function withBlanks(r: Range, core: Core, cur: readonly string[]): Range {
  let { start, end } = r;
  for (let k = 0; k < core.lead && start > 1 && cur[start - 2] === ''; k++) start--;
  for (let k = 0; k < core.trail && end < cur.length && cur[end] === ''; k++) end++;
  return { start, end };
}

/** How many of the context lines still stand next to the range (nearest first, stopping at the first that differs). */
function contextScore(r: Range, anchor: AnchoredCode, cur: readonly string[]): number {
  let score = 0;
  const before = anchor.before.map(squash);
  for (let k = 1; k <= before.length; k++) {
    const line = cur[r.start - 1 - k];
    if (line === undefined || line !== before[before.length - k]) break;
    score++;
  }
  const after = anchor.after.map(squash);
  for (let k = 0; k < after.length; k++) {
    const line = cur[r.end + k];
    if (line === undefined || line !== after[k]) break;
    score++;
  }
  return score;
}

const overlaps = (a: Range, b: Range) => a.start <= b.end && b.start <= a.end;
const distance = (a: Range, b: Range) => Math.abs(a.start - b.start);

/**
 * One of several copies of the code: the one git kept in place, else the best context, else the
 * nearest to where git (`reliable`) or the anchor put it when clearly nearest.
 */
function pick(found: Range[], anchor: AnchoredCode, cur: readonly string[], hint: Range, reliable: boolean): Range | 'ambiguous' {
  if (found.length === 1) return found[0];
  if (reliable) {
    const kept = found.filter((r) => overlaps(r, hint));
    if (kept.length === 1) return kept[0];
  }
  const scored = found.map((r) => ({ r, ctx: contextScore(r, anchor, cur), d: distance(r, hint) }));
  const best = Math.max(...scored.map((s) => s.ctx));
  const top = scored.filter((s) => s.ctx === best).sort((a, b) => a.d - b.d);
  if (top.length === 1) return top[0].r;
  if (top[0].d === 0 && top[1].d > 0) return top[0].r;
  if (reliable && top[0].d < top[1].d) return top[0].r;
  if (!reliable && top[0].d * 2 < top[1].d) return top[0].r;
  return 'ambiguous';
}

/**
 * The run of current lines most like the anchored code, near lines of it that survived
 * unchanged; only when it is alike enough and clearly better than any other.
 */
function farMatch(core: Core, cur: readonly string[], positions: Map<string, number[]>, hint: Range, eligible: (r: Range) => boolean): Range | 'ambiguous' | undefined {
  const n = core.lines.length;
  if (n === 0) return undefined;
  const starts = new Set<number>();
  core.lines.forEach((line, t) => {
    for (const p of positions.get(line) ?? []) for (let d = -2; d <= 2; d++) starts.add(p - t + d);
  });
  const cands: { r: Range; s: number }[] = [];
  for (const s0 of starts) {
    if (s0 < 0 || s0 >= cur.length || cur[s0] === '') continue;
    for (let len = Math.max(1, n - 2); len <= n + 2 && s0 + len <= cur.length; len++) {
      if (cur[s0 + len - 1] === '') continue;
      const r = { start: s0 + 1, end: s0 + len };
      if (!eligible(r)) continue;
      cands.push({ r, s: blockSimilarity(core.lines, cur.slice(s0, s0 + len)) });
    }
  }
  if (cands.length === 0) return undefined;
  cands.sort((a, b) => b.s - a.s || distance(a.r, hint) - distance(b.r, hint));
  const best = cands[0];
  if (best.s < FAR_MATCH) return undefined;
  const rival = cands.find((c) => !overlaps(c.r, best.r));
  if (rival !== undefined && rival.s > best.s - FAR_MARGIN) return 'ambiguous';
  return best.r;
}

/** The best range near `est` (each end moved by up to 2 lines), if alike enough. */
function nearMatch(core: Core, cur: readonly string[], est: Range): Range | undefined {
  let best: { r: Range; s: number; d: number } | undefined;
  for (let ds = -2; ds <= 2; ds++) {
    for (let de = -2; de <= 2; de++) {
      const r = { start: est.start + ds, end: est.end + de };
      if (r.start < 1 || r.end > cur.length || r.end < r.start) continue;
      if (cur[r.start - 1] === '' || cur[r.end - 1] === '') continue;
      const s = blockSimilarity(core.lines, cur.slice(r.start - 1, r.end));
      const d = Math.abs(ds) + Math.abs(de);
      if (best === undefined || s > best.s + 1e-9 || (Math.abs(s - best.s) <= 1e-9 && d < best.d)) best = { r, s, d };
    }
  }
  return best !== undefined && best.s >= NEAR_MATCH ? best.r : undefined;
}

/** The current file as re-anchoring reads it; kept for the next anchor in the same text. */
interface Prepared {
  text: string;
  lines: string[]; // squashed
  positions?: Map<string, number[]>; // distinctive squashed line → 0-based indexes
}
let last: Prepared | undefined;

function prepare(text: string): Prepared {
  if (last?.text !== text) last = { text, lines: splitLines(text).map(squash) };
  return last;
}

function positionsOf(p: Prepared): Map<string, number[]> {
  if (p.positions === undefined) {
    const m = new Map<string, number[]>();
    p.lines.forEach((line, i) => {
      if (line.length < 4) return;
      const at = m.get(line);
      if (at === undefined) m.set(line, [i]);
      else at.push(i);
    });
    p.positions = m;
  }
  return p.positions;
}

/**
 * Places `anchor` in `current` (the file's text now; undefined when the file is gone), given how
 * git says the file changed since the anchor's commit.
 */
export function reanchor(anchor: AnchoredCode, current: string | undefined, view: GitView): Placement {
  if (current === undefined) return { kind: 'outdated', reason: 'file deleted' };
  const prepared = prepare(current);
  const cur = prepared.lines;
  const core = coreOf(anchor.text);
  const orig: Range = { start: anchor.startLine, end: anchor.endLine };
  const placed = (r: Range, how: 'exact' | 'moved' | 'similar'): Placement => ({ kind: 'placed', startLine: r.start, endLine: r.end, how });
  const exactAt = (r: Range) => {
    const found = occurrences(core, cur.slice(r.start - 1, r.end));
    return found.length > 0 && found[0].start === 1 + core.lead && found[0].end === r.end - r.start + 1 - core.trail;
  };

  // 1. Where git says the lines went, when it left them alone.
  let hint = orig;
  let reliable = false;
  let est: Range | undefined;
  if (view.kind === 'unchanged' || (view.kind === 'diff' && !touches(orig, view.hunks))) {
    const r = view.kind === 'unchanged' ? orig : { start: mapLine(orig.start, view.hunks) ?? orig.start, end: mapLine(orig.end, view.hunks) ?? orig.end };
    if (r.end <= cur.length && exactAt(r)) return placed(r, 'exact');
    // git and the text disagree (a wrong commit, say): fall back to the text alone.
  } else if (view.kind === 'diff') {
    est = estimate(orig, view.hunks);
    reliable = true;
    if (est !== undefined) hint = est;
  }

  // 2. The same code, whitespace and line breaks aside: where git puts it, else one copy of it.
  // With git's hunks, a copy made only of lines git kept unchanged was there before: another
  // copy, not ours moved (ours was changed or removed, or step 1 would have placed it).
  let eligible = (_: Range) => true;
  if (view.kind === 'diff' && reliable) {
    const hunks = view.hunks;
    const added = (l: number) => hunks.some((h) => h.newCount > 0 && l >= h.newStart && l < h.newStart + h.newCount);
    eligible = (r) => (est !== undefined && overlaps(r, est)) || Array.from({ length: r.end - r.start + 1 }, (_, k) => r.start + k).some(added);
  }
  const found = occurrences(core, cur).filter(eligible);
  if (found.length > 0) {
    const r = pick(found, anchor, cur, hint, reliable);
    if (r === 'ambiguous') return { kind: 'outdated', reason: 'ambiguous' };
    const inPlace = est !== undefined ? overlaps(r, est) : r.start === orig.start + core.lead;
    return placed(withBlanks(r, core, cur), inPlace ? 'similar' : 'moved');
  }

  // 3. Changed lines: near where git put them, else clearly the most alike run anywhere.
  if (est !== undefined) {
    const near = nearMatch(core, cur, est);
    if (near !== undefined) return placed(near, 'similar');
  } else if (view.kind === 'none') {
    const near = orig.end <= cur.length ? nearMatch(core, cur, orig) : undefined;
    if (near !== undefined && near.start === orig.start && near.end === orig.end) return placed(near, 'similar');
  }
  const far = farMatch(core, cur, positionsOf(prepared), hint, eligible);
  if (far === 'ambiguous') return { kind: 'outdated', reason: 'ambiguous' };
  if (far !== undefined) return placed(far, 'similar');
  return { kind: 'outdated', reason: view.kind === 'diff' && est === undefined ? 'code deleted' : 'code changed' };
}
