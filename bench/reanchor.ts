// Re-anchoring: the corpus figures (share placed right, wrong, outdated) and the time to place
// 100 threads in a 10 000-line file with 500 lines changed since their commit.
// Usage: npx tsx bench/reanchor.ts [--lines 10000] [--threads 100] [--changed 500] [--runs 5] [--no-corpus]
// Prints progress on stderr and JSON on stdout.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { anchorOn, followFile, parseGitDiff, Placer, reanchor, repositoryOf, git } from '../client/anchoring';
import type { AnchoredCode } from '../protocol';
import { CASES, Repo, runCase, summary } from '../test/helpers/anchoring-corpus';
import { random } from './chat-text';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const LINES = Number(arg('lines', '10000'));
const THREADS = Number(arg('threads', '100'));
const CHANGED = Number(arg('changed', '500'));
const RUNS = Number(arg('runs', '5'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (x: number, d = 2) => Number(x.toFixed(d));

/** A file of distinct, code-like lines: small functions of 5 lines. */
function generated(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    out.push(`export function step${i}(input: number): number {`, `  const scaled = input * ${i % 97} + ${i};`, `  if (scaled > ${1000 + i}) return scaled - ${i % 13};`, '  return scaled;', '}');
  }
  return out.slice(0, n);
}

async function placement(): Promise<Record<string, unknown>> {
  const repo = new Repo();
  const file = 'src/big.ts';
  try {
    const base = generated(LINES);
    repo.write(file, base);
    repo.commit('base');
    const repository = await repositoryOf(repo.dir);
    const text = readFileSync(path.join(repo.dir, file), 'utf8');
    const anchors: AnchoredCode[] = [];
    for (let t = 0; t < THREADS; t++) {
      const start = 1 + Math.floor(random() * (LINES - 5));
      anchors.push(anchorOn(text, file, start, start + 1 + Math.floor(random() * 3), repository, text));
    }
    // 500 changed lines: a third edited in place, a third inserted, a third deleted, spread over the file.
    let lines = [...base];
    for (let c = 0; c < CHANGED; c++) {
      const at = Math.floor(random() * lines.length);
      if (c % 3 === 0) lines[at] = lines[at] + ' // changed';
      else if (c % 3 === 1) lines.splice(at, 0, `// inserted ${c}`);
      else lines.splice(at, 1);
    }
    repo.write(file, lines);
    lines = [];
    const total: number[] = [];
    const pure: number[] = [];
    let outcome: Record<string, number> = {};
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      const placer = new Placer(repo.dir);
      const placed = await Promise.all(anchors.map((a) => placer.place(a)));
      total.push(performance.now() - t0);
      outcome = {};
      for (const p of placed) {
        const k = p.placement.kind === 'placed' ? p.placement.how : `outdated: ${p.placement.reason}`;
        outcome[k] = (outcome[k] ?? 0) + 1;
      }
      // The pure part alone: the diff already parsed, the file already read.
      const diffs = parseGitDiff(await git(repo.dir, ['diff', '-M', '-U0', '--no-color', anchors[0].commit as string]));
      const followed = followFile(file, diffs);
      const now = readFileSync(path.join(repo.dir, file), 'utf8');
      const t1 = performance.now();
      if (followed !== 'deleted') for (const a of anchors) reanchor(a, now, followed.view);
      pure.push(performance.now() - t1);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    log(`placed ${THREADS} threads in ${round(median(total))} ms (pure part ${round(median(pure))} ms)`);
    return { lines: LINES, threads: THREADS, changedLines: CHANGED, runs: RUNS, medianMs: round(median(total)), pureMedianMs: round(median(pure)), perThreadMs: round(median(total) / THREADS, 3), outcome };
  } finally {
    repo.cleanup();
  }
}

async function corpus(): Promise<Record<string, unknown>> {
  const results = [];
  for (const c of CASES) results.push(await runCase(c));
  const s = summary(results);
  log(`corpus: ${s.right}/${s.cases} right, ${s.wrong} wrong, ${s.outdated} outdated`);
  return { ...s, notRight: results.filter((r) => r.outcome !== 'right').map((r) => ({ case: `${r.group}: ${r.name}`, outcome: r.outcome, got: r.got })) };
}

(async () => {
  const place = await placement();
  const figures = process.argv.includes('--no-corpus') ? undefined : await corpus();
  const out = { bench: 'reanchor', machine: { cpus: cpus().length, load1: round(loadavg()[0]) }, placement: place, corpus: figures };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
})().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
