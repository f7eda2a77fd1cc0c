// Real edit cases for re-anchoring, each in its own temp repository made with the real git:
// anchor some lines, change the code the way people do, then ask where the lines are now.
// Shared by test/client/anchoring-corpus.test.ts and bench/reanchor.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { anchorOn, fileAt, Placer, repositoryOf, type Placement } from '../../client/anchoring';
import type { AnchoredCode } from '../../protocol';

export class Repo {
  readonly dir: string;
  constructor(git = true) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'parley-anchor-'));
    if (git) {
      this.git('init', '-q', '-b', 'main');
      this.git('config', 'user.email', 'corpus@example.com');
      this.git('config', 'user.name', 'Corpus');
      this.git('config', 'commit.gpgsign', 'false');
    }
  }
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
  write(rel: string, lines: string[]): void {
    const file = path.join(this.dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lines.map((l) => l + '\n').join(''));
  }
  lines(rel: string): string[] {
    return readFileSync(path.join(this.dir, rel), 'utf8').replace(/\n$/, '').split('\n');
  }
  /** Rewrites a file's lines (a copy is passed in). */
  edit(rel: string, fn: (lines: string[]) => string[]): void {
    this.write(rel, fn([...this.lines(rel)]));
  }
  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
  }
  /** `git mv`, making the target's folder first. */
  mv(from: string, to: string): void {
    mkdirSync(path.dirname(path.join(this.dir, to)), { recursive: true });
    this.git('mv', from, to);
  }
  remove(rel: string): void {
    rmSync(path.join(this.dir, rel));
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const FILE = 'src/app.ts';

/** The file every case starts from (40 lines, 1-based numbers in the comments of the cases). */
export const BASE = [
  "import { readFile } from 'node:fs/promises';", // 1
  '', // 2
  'export function add(a: number, b: number): number {', // 3
  '  return a + b;', // 4
  '}', // 5
  '', // 6
  'export function greet(name: string): string {', // 7
  '  const greeting = `Hello, ${name}!`;', // 8
  '  console.log(greeting);', // 9
  '  return greeting;', // 10
  '}', // 11
  '', // 12
  'export async function loadConfig(file: string): Promise<Config> {', // 13
  "  const text = await readFile(file, 'utf8');", // 14
  '  const parsed = JSON.parse(text) as Partial<Config>;', // 15
  '  return { port: parsed.port ?? 8080, host: parsed.host ?? "localhost" };', // 16
  '}', // 17
  '', // 18
  'export interface Config {', // 19
  '  port: number;', // 20
  '  host: string;', // 21
  '}', // 22
  '', // 23
  'export function clamp(value: number, low: number, high: number): number {', // 24
  '  if (value < low) return low;', // 25
  '  if (value > high) return high;', // 26
  '  return value;', // 27
  '}', // 28
  '', // 29
  'export class Counter {', // 30
  '  private count = 0;', // 31
  '  increment(): number {', // 32
  '    this.count += 1;', // 33
  '    return this.count;', // 34
  '  }', // 35
  '  reset(): void {', // 36
  '    this.count = 0;', // 37
  '  }', // 38
  '}', // 39
  'export const VERSION = "1.0.0";', // 40
];

const GREET = BASE.slice(6, 11); // lines 7–11
const CLAMP = BASE.slice(23, 28); // lines 24–28
const EXTRA = ['// a helper added later', 'export const answer = 42;', ''];
const lines = (n: number, tag = 'added') => Array.from({ length: n }, (_, i) => `// ${tag} line ${i + 1}`);
const insertAt = (at: number, add: string[]) => (l: string[]) => [...l.slice(0, at - 1), ...add, ...l.slice(at - 1)];
const removeLines = (from: number, to: number) => (l: string[]) => [...l.slice(0, from - 1), ...l.slice(to)];
const replaceLine = (at: number, text: string) => (l: string[]) => l.map((x, i) => (i === at - 1 ? text : x));

export interface Case {
  name: string;
  group: string;
  /** Lines anchored, 1-based inclusive, in the file as it is when the anchor is made. */
  anchor: [number, number];
  /** What a person would choose afterwards; `outdated` when the code is gone. */
  expect: [number, number] | 'outdated';
  /** Before anchoring (default: BASE committed as src/app.ts). */
  setup?: (r: Repo) => void;
  /** The changes after anchoring. */
  change: (r: Repo) => void;
  /** Where the file is looked for afterwards is followed by git; no repository at all with `git: false`. */
  git?: boolean;
  /** Overrides the anchor made (say, a commit this clone does not have). */
  tweak?: (a: AnchoredCode) => void;
}

const commitBase = (r: Repo) => {
  r.write(FILE, BASE);
  r.commit('base');
};

export const CASES: Case[] = [
  // ---- inserts and deletes above, inside, below
  { group: 'above', name: 'one line inserted at the top', anchor: [8, 10], expect: [9, 11], change: (r) => r.edit(FILE, insertAt(1, ['// header'])) },
  { group: 'above', name: 'five lines inserted above, committed', anchor: [8, 10], expect: [13, 15], change: (r) => { r.edit(FILE, insertAt(3, lines(5))); r.commit('more'); } },
  { group: 'above', name: 'a line inserted right above the range', anchor: [8, 10], expect: [9, 11], change: (r) => r.edit(FILE, insertAt(8, ['  // note'])) },
  { group: 'above', name: 'two lines deleted above', anchor: [14, 16], expect: [12, 14], change: (r) => r.edit(FILE, removeLines(1, 2)) },
  { group: 'above', name: 'a whole function deleted above', anchor: [25, 27], expect: [20, 22], change: (r) => r.edit(FILE, removeLines(7, 11)) },
  { group: 'above', name: 'a function inserted above, over three commits', anchor: [33, 34], expect: [42, 43], change: (r) => { for (const n of [1, 2, 3]) { r.edit(FILE, insertAt(2, EXTRA)); r.commit(`extra ${n}`); } } },
  { group: 'above', name: 'uncommitted lines above, not saved to git', anchor: [25, 26], expect: [35, 36], change: (r) => r.edit(FILE, insertAt(12, lines(10))) },
  { group: 'below', name: 'lines inserted below', anchor: [8, 10], expect: [8, 10], change: (r) => r.edit(FILE, insertAt(12, lines(4))) },
  { group: 'below', name: 'a line inserted right below the range', anchor: [8, 10], expect: [8, 10], change: (r) => r.edit(FILE, insertAt(11, ['  // trailing note'])) },
  { group: 'below', name: 'the rest of the file deleted', anchor: [8, 10], expect: [8, 10], change: (r) => r.edit(FILE, (l) => l.slice(0, 12)) },
  { group: 'inside', name: 'a line inserted inside the range', anchor: [8, 10], expect: [8, 11], change: (r) => r.edit(FILE, insertAt(9, ['  const loud = greeting.toUpperCase();'])) },
  { group: 'inside', name: 'a line deleted inside the range', anchor: [8, 10], expect: [8, 9], change: (r) => r.edit(FILE, removeLines(9, 9)) },
  { group: 'inside', name: 'lines inserted above and inside', anchor: [14, 16], expect: [17, 20], change: (r) => { r.edit(FILE, insertAt(15, ['  if (text.length === 0) throw new Error("empty");'])); r.edit(FILE, insertAt(1, lines(3))); } },
  { group: 'inside', name: 'the first line of the range deleted', anchor: [8, 10], expect: [8, 9], change: (r) => r.edit(FILE, removeLines(8, 8)) },
  // ---- edits inside the range
  { group: 'edit', name: 'one line edited in the middle', anchor: [8, 10], expect: [8, 10], change: (r) => r.edit(FILE, replaceLine(9, '  console.info(greeting);')) },
  { group: 'edit', name: 'the first line edited', anchor: [8, 10], expect: [8, 10], change: (r) => r.edit(FILE, replaceLine(8, '  const greeting = `Hi, ${name}!`;')) },
  { group: 'edit', name: 'the last line edited', anchor: [14, 16], expect: [14, 16], change: (r) => r.edit(FILE, replaceLine(16, '  return { port: parsed.port ?? 3000, host: parsed.host ?? "localhost" };')) },
  { group: 'edit', name: 'a variable renamed in every line', anchor: [8, 10], expect: [8, 10], change: (r) => r.edit(FILE, (l) => l.map((x, i) => (i >= 7 && i <= 9 ? x.replace(/greeting/g, 'greetingText') : x))) },
  { group: 'edit', name: 'an edit inside and lines above, committed', anchor: [25, 27], expect: [27, 29], change: (r) => { r.edit(FILE, replaceLine(26, '  if (value >= high) return high;')); r.edit(FILE, insertAt(1, lines(2))); r.commit('edit'); } },
  { group: 'edit', name: 'a single anchored line edited', anchor: [4, 4], expect: [4, 4], change: (r) => r.edit(FILE, replaceLine(4, '  return a + b + 0;')) },
  {
    group: 'edit',
    name: 'two of three lines rewritten',
    anchor: [8, 10],
    expect: [8, 10],
    change: (r) => r.edit(FILE, (l) => [...l.slice(0, 7), '  const text = ["Hello", name].join(", ");', '  process.stdout.write(text + "\\n");', ...l.slice(9)]),
  },
  {
    group: 'edit',
    name: 'a copy pasted elsewhere, the original untouched',
    anchor: [25, 27],
    expect: [25, 27],
    change: (r) => r.edit(FILE, (l) => [...l, '', ...CLAMP]),
  },
  // ---- whitespace and reformatting
  { group: 'whitespace', name: 'the range re-indented', anchor: [8, 10], expect: [8, 10], change: (r) => r.edit(FILE, (l) => l.map((x, i) => (i >= 7 && i <= 9 ? '  ' + x : x))) },
  { group: 'whitespace', name: 'trailing spaces added', anchor: [14, 16], expect: [14, 16], change: (r) => r.edit(FILE, (l) => l.map((x) => x + '   ')) },
  { group: 'whitespace', name: 'the whole file indented with tabs', anchor: [33, 34], expect: [33, 34], change: (r) => r.edit(FILE, (l) => l.map((x) => x.replace(/^( {2})+/, (m) => '\t'.repeat(m.length / 2)))) },
  { group: 'whitespace', name: 'spaces around operators, with lines inserted above', anchor: [4, 4], expect: [6, 6], change: (r) => { r.edit(FILE, replaceLine(4, '  return a+b;')); r.edit(FILE, insertAt(1, lines(2))); } },
  { group: 'reformat', name: 'a long line broken in two', anchor: [16, 16], expect: [16, 17], change: (r) => r.edit(FILE, (l) => [...l.slice(0, 15), '  return { port: parsed.port ?? 8080,', '    host: parsed.host ?? "localhost" };', ...l.slice(16)]) },
  { group: 'reformat', name: 'two lines joined into one', anchor: [25, 26], expect: [25, 25], change: (r) => r.edit(FILE, (l) => [...l.slice(0, 24), '  if (value < low) return low; if (value > high) return high;', ...l.slice(26)]) },
  { group: 'reformat', name: 'an object spread over lines, below an insert', anchor: [16, 16], expect: [18, 21], change: (r) => r.edit(FILE, (l) => [...lines(2), ...l.slice(0, 15), '  return {', '    port: parsed.port ?? 8080,', '    host: parsed.host ?? "localhost"', '  };', ...l.slice(16)]) },
  // ---- moves within the file
  { group: 'move', name: 'a function moved to the end', anchor: [25, 27], expect: [37, 39], change: (r) => r.edit(FILE, (l) => [...l.slice(0, 23), ...l.slice(29), '', ...CLAMP]) },
  { group: 'move', name: 'a function moved to the top', anchor: [25, 27], expect: [4, 6], change: (r) => r.edit(FILE, (l) => [l[0], '', ...CLAMP, ...l.slice(1, 23), ...l.slice(29)]) },
  { group: 'move', name: 'two functions swapped', anchor: [8, 10], expect: [14, 16], change: (r) => r.edit(FILE, (l) => [...l.slice(0, 6), ...l.slice(12, 17), '', ...GREET, ...l.slice(17)]) },
  { group: 'move', name: 'a function moved down and edited inside', anchor: [25, 27], expect: [37, 39], change: (r) => r.edit(FILE, (l) => [...l.slice(0, 23), ...l.slice(29), '', ...CLAMP.map((x) => x.replace('return value;', 'return value; // in range'))]) },
  { group: 'move', name: 'a function moved, committed', anchor: [8, 10], expect: [37, 39], change: (r) => { r.edit(FILE, (l) => [...l.slice(0, 6), ...l.slice(12), '', ...GREET]); r.commit('move greet'); } },
  {
    group: 'move',
    name: 'a function moved and most of it rewritten',
    anchor: [25, 27],
    expect: [37, 39],
    change: (r) => r.edit(FILE, (l) => [...l.slice(0, 23), ...l.slice(29), '', CLAMP[0], '  if (value < low) { return low; }', '  if (value > high) { return high; }', '  return value;', '}']),
  },
  // ---- renames
  { group: 'rename', name: 'the file renamed and committed', anchor: [8, 10], expect: [8, 10], change: (r) => { r.mv(FILE, 'src/main.ts'); r.commit('rename'); } },
  { group: 'rename', name: 'the file renamed, staged only', anchor: [14, 16], expect: [14, 16], change: (r) => r.mv(FILE, 'src/config.ts') },
  { group: 'rename', name: 'renamed into another folder, lines inserted above', anchor: [25, 27], expect: [29, 31], change: (r) => { r.mv(FILE, 'lib/app.ts'); r.edit('lib/app.ts', insertAt(1, lines(4))); r.commit('move'); } },
  { group: 'rename', name: 'renamed and edited inside the range', anchor: [8, 10], expect: [8, 10], change: (r) => { r.mv(FILE, 'src/greet.ts'); r.edit('src/greet.ts', replaceLine(9, '  console.debug(greeting);')); r.commit('rename'); } },
  // ---- merges and branches
  {
    group: 'merge',
    name: 'a merge of a branch that inserted above',
    anchor: [25, 27],
    expect: [28, 30],
    change: (r) => {
      r.git('checkout', '-q', '-b', 'feature');
      r.edit(FILE, insertAt(1, lines(3, 'feature')));
      r.commit('feature');
      r.git('checkout', '-q', 'main');
      r.edit(FILE, insertAt(41, ['export const BUILD = 7;']));
      r.commit('main');
      r.git('merge', '-q', '--no-edit', 'feature');
    },
  },
  {
    group: 'merge',
    name: 'a merge of a branch that edited inside the range',
    anchor: [14, 16],
    expect: [16, 18],
    change: (r) => {
      r.git('checkout', '-q', '-b', 'fix');
      r.edit(FILE, replaceLine(15, '  const parsed = JSON.parse(text) as Partial<Config> | null ?? {};'));
      r.commit('fix');
      r.git('checkout', '-q', 'main');
      r.edit(FILE, insertAt(1, lines(2, 'main')));
      r.commit('main');
      r.git('merge', '-q', '--no-edit', 'fix');
    },
  },
  {
    group: 'merge',
    name: 'anchored on a branch, read on main after it was merged with more on main',
    anchor: [33, 34],
    expect: [36, 37],
    setup: (r) => {
      commitBase(r);
      r.git('checkout', '-q', '-b', 'topic');
      r.edit(FILE, insertAt(30, lines(2, 'topic')));
      r.commit('topic');
    },
    change: (r) => {
      r.git('checkout', '-q', 'main');
      r.edit(FILE, insertAt(1, lines(3, 'main')));
      r.commit('main');
      r.git('merge', '-q', '--no-edit', 'topic');
    },
  },
  {
    group: 'branch',
    name: 'read on another branch, where lines were inserted above',
    anchor: [8, 10],
    expect: [14, 16],
    setup: (r) => {
      commitBase(r);
      r.git('branch', 'other');
      r.edit(FILE, insertAt(40, ['export const DEBUG = false;']));
      r.commit('anchor here');
    },
    change: (r) => {
      r.git('checkout', '-q', 'other');
      r.edit(FILE, insertAt(2, lines(6, 'other')));
      r.commit('other');
    },
  },
  // ---- the same code twice
  {
    group: 'duplicate',
    name: 'anchored on the second of two copies, lines inserted above both',
    anchor: [42, 44],
    expect: [45, 47],
    setup: (r) => { r.write(FILE, [...BASE, '', ...CLAMP]); r.commit('two clamps'); },
    change: (r) => r.edit(FILE, insertAt(1, lines(3))),
  },
  {
    group: 'duplicate',
    name: 'anchored on the first copy, lines inserted between them',
    anchor: [25, 27],
    expect: [25, 27],
    setup: (r) => { r.write(FILE, [...BASE, '', ...CLAMP]); r.commit('two clamps'); },
    change: (r) => r.edit(FILE, insertAt(30, lines(5))),
  },
  {
    group: 'duplicate',
    name: 'anchored on the first copy, which was then edited inside',
    anchor: [25, 27],
    expect: [25, 27],
    setup: (r) => { r.write(FILE, [...BASE, '', ...CLAMP]); r.commit('two clamps'); },
    change: (r) => r.edit(FILE, replaceLine(26, '  if (value > high) return high; // upper')),
  },
  {
    group: 'duplicate',
    name: 'anchored copy moved to the end while the other stays',
    anchor: [25, 27],
    expect: [44, 46],
    setup: (r) => { r.write(FILE, [...BASE.slice(0, 29), ...BASE.slice(29), '', 'export const clampAgain = 1;', ...CLAMP]); r.commit('two clamps'); },
    change: (r) => r.edit(FILE, (l) => [...l.slice(0, 23), ...l.slice(29), '', ...CLAMP]),
  },
  {
    group: 'duplicate',
    name: 'anchored copy deleted while the other stays',
    anchor: [25, 27],
    expect: 'outdated',
    setup: (r) => { r.write(FILE, [...BASE, '', ...CLAMP]); r.commit('two clamps'); },
    change: (r) => r.edit(FILE, removeLines(24, 29)),
  },
  {
    group: 'duplicate',
    name: 'two copies in an untracked file, told apart by context after an insert',
    anchor: [42, 44],
    expect: [46, 48],
    setup: (r) => { r.write('README.md', ['repo']); r.commit('init'); r.write(FILE, [...BASE, '// second copy', ...CLAMP]); },
    change: (r) => r.edit(FILE, insertAt(1, lines(4))),
  },
  // ---- the code deleted
  { group: 'deleted', name: 'the anchored lines deleted', anchor: [8, 10], expect: 'outdated', change: (r) => r.edit(FILE, removeLines(8, 10)) },
  { group: 'deleted', name: 'the whole function deleted and committed', anchor: [14, 16], expect: 'outdated', change: (r) => { r.edit(FILE, removeLines(13, 18)); r.commit('drop loadConfig'); } },
  { group: 'deleted', name: 'the file deleted', anchor: [8, 10], expect: 'outdated', change: (r) => { r.git('rm', '-q', FILE); r.commit('drop'); } },
  {
    group: 'deleted',
    name: 'the lines replaced by different code',
    anchor: [8, 10],
    expect: 'outdated',
    change: (r) => r.edit(FILE, (l) => [...l.slice(0, 7), '  if (!name) throw new TypeError("name");', '  return name.split(" ")[0];', ...l.slice(10)]),
  },
  { group: 'deleted', name: 'the class emptied', anchor: [33, 34], expect: 'outdated', change: (r) => r.edit(FILE, removeLines(31, 38)) },
  // ---- not committed, not in git
  {
    group: 'uncommitted',
    name: 'an untracked file, lines inserted above',
    anchor: [8, 10],
    expect: [10, 12],
    setup: (r) => { r.write('README.md', ['repo']); r.commit('init'); r.write(FILE, BASE); },
    change: (r) => r.edit(FILE, insertAt(1, lines(2))),
  },
  {
    group: 'uncommitted',
    name: 'an untracked file, edited inside the range',
    anchor: [14, 16],
    expect: [14, 16],
    setup: (r) => { r.write('README.md', ['repo']); r.commit('init'); r.write(FILE, BASE); },
    change: (r) => r.edit(FILE, replaceLine(15, '  const parsed = JSON.parse(text) as Config;')),
  },
  {
    group: 'uncommitted',
    name: 'anchored on uncommitted lines, later committed with more above',
    anchor: [9, 11],
    expect: [12, 14],
    setup: (r) => { commitBase(r); r.edit(FILE, insertAt(1, ['// work in progress'])); },
    change: (r) => { r.commit('wip'); r.edit(FILE, insertAt(1, lines(3))); },
  },
  {
    group: 'uncommitted',
    name: 'a commit this clone does not have, lines inserted above',
    anchor: [25, 27],
    expect: [30, 32],
    tweak: (a) => { a.commit = '0123456789abcdef0123456789abcdef01234567'; },
    change: (r) => { r.edit(FILE, insertAt(1, lines(5))); r.commit('more'); },
  },
  {
    group: 'uncommitted',
    name: 'not in git at all, a function moved',
    anchor: [25, 27],
    expect: [37, 39],
    git: false,
    setup: (r) => r.write(FILE, BASE),
    change: (r) => r.edit(FILE, (l) => [...l.slice(0, 23), ...l.slice(29), '', ...CLAMP]),
  },
];

export type Outcome = 'right' | 'wrong' | 'outdated';

export interface CaseResult {
  name: string;
  group: string;
  expect: Case['expect'];
  got: Placement;
  outcome: Outcome;
  anchor: AnchoredCode;
}

/** Builds the case's repository, anchors, changes, places; cleans up after itself. */
export async function runCase(c: Case): Promise<CaseResult> {
  const r = new Repo(c.git !== false);
  try {
    (c.setup ?? commitBase)(r);
    const repository = c.git === false ? undefined : await repositoryOf(r.dir);
    const text = readFileSync(path.join(r.dir, FILE), 'utf8');
    const committed = repository?.head !== undefined ? await fileAt(r.dir, repository.head, FILE) : undefined;
    const anchor = anchorOn(text, FILE, c.anchor[0], c.anchor[1], repository, committed);
    c.tweak?.(anchor);
    c.change(r);
    const { placement: got } = await new Placer(r.dir).place(anchor);
    let outcome: Outcome;
    if (got.kind === 'outdated') outcome = c.expect === 'outdated' ? 'right' : 'outdated';
    else outcome = c.expect !== 'outdated' && got.startLine === c.expect[0] && got.endLine === c.expect[1] ? 'right' : 'wrong';
    return { name: c.name, group: c.group, expect: c.expect, got, outcome, anchor };
  } finally {
    r.cleanup();
  }
}

export function summary(results: CaseResult[]): { cases: number; right: number; wrong: number; outdated: number; rightPct: number; wrongPct: number; outdatedPct: number } {
  const count = (o: Outcome) => results.filter((x) => x.outcome === o).length;
  const pct = (n: number) => Math.round((1000 * n) / results.length) / 10;
  const right = count('right');
  const wrong = count('wrong');
  const outdated = count('outdated');
  return { cases: results.length, right, wrong, outdated, rightPct: pct(right), wrongPct: pct(wrong), outdatedPct: pct(outdated) };
}
