// Time to show a file's discussions: what the extension does between a session starting (or a
// refresh) and its comment threads being placed for VS Code to draw, against a real parley-server
// and a real git working copy. The same steps as Discussions.refresh(): the anchored roots from a
// `has:snippet` search, each thread fetched, each root placed again by the Placer (git diff from
// the anchor's commit, then re-anchoring). For N discussions (10 and 100) on one file, with the
// working copy unchanged since the anchors' commit (the baseline, in the same run) and with
// --changed lines edited, inserted and deleted; figures as ratios against that baseline.
// Usage: npx tsx bench/discussions-show.ts [--threads 10,100] [--lines 2000] [--changed 200] [--runs 7]
// Prints progress on stderr and JSON on stdout.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { anchorOn, Placer, repositoryOf } from '../client/anchoring';
import { ParleyClient } from '../client/session';
import { anchoredCode, type Snippet } from '../protocol';
import { Repo } from '../test/helpers/anchoring-corpus';
import { TestServer } from '../test/helpers/server';
import { random } from './chat-text';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const COUNTS = arg('threads', '10,100').split(',').map(Number);
const LINES = Number(arg('lines', '2000'));
const CHANGED = Number(arg('changed', '200'));
const RUNS = Number(arg('runs', '7'));
const FILE = 'src/big.ts';
const PASSWORD = 'bench-password';
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (x: number, d = 2) => Number(x.toFixed(d));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Distinct, code-like lines: small functions of 5 lines. */
function generated(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    out.push(`export function step${i}(input: number): number {`, `  const scaled = input * ${i % 97} + ${i};`, `  if (scaled > ${1000 + i}) return scaled - ${i % 13};`, '  return scaled;', '}');
  }
  return out.slice(0, n);
}

/** The file with `changed` lines touched: a third edited in place, a third inserted, a third deleted. */
function edited(base: string[], changed: number): string[] {
  const lines = [...base];
  for (let c = 0; c < changed; c++) {
    const at = Math.floor(random() * lines.length);
    if (c % 3 === 0) lines[at] = lines[at] + ' // changed';
    else if (c % 3 === 1) lines.splice(at, 0, `// inserted ${c}`);
    else lines.splice(at, 1);
  }
  return lines;
}

async function signedIn(server: TestServer, user: string, register: boolean): Promise<ParleyClient> {
  const c = new ParleyClient({ host: server.host, port: server.port, clientName: 'bench', reconnect: false });
  if (register) await c.register(user, PASSWORD);
  await c.login(user, PASSWORD);
  return c;
}

interface Timing {
  totalMs: number;
  fetchMs: number;
  placeMs: number;
  placedRight: number;
}

/** One refresh as the extension does it: list, fetch every thread, place every root. */
async function show(client: ParleyClient, root: string): Promise<Timing> {
  const t0 = performance.now();
  const found = await client.search('has:snippet', { limit: 100 });
  const roots = found.filter((m) => m.root === undefined && m.deleted !== true && m.snippet?.anchor !== undefined);
  const pages = await Promise.all(roots.map((m) => client.thread(m.room, m.seq, { limit: 200 })));
  const t1 = performance.now();
  const placer = new Placer(root);
  const placed = await Promise.all(pages.map((p) => placer.place(anchoredCode(p.root.snippet) as NonNullable<ReturnType<typeof anchoredCode>>)));
  const t2 = performance.now();
  return { totalMs: t2 - t0, fetchMs: t1 - t0, placeMs: t2 - t1, placedRight: placed.filter((p) => p.placement.kind === 'placed').length };
}

function summary(runs: Timing[], threads: number): Record<string, number> {
  return {
    totalMedianMs: round(median(runs.map((r) => r.totalMs))),
    fetchMedianMs: round(median(runs.map((r) => r.fetchMs))),
    placeMedianMs: round(median(runs.map((r) => r.placeMs))),
    placePerThreadMs: round(median(runs.map((r) => r.placeMs)) / threads, 3),
    placed: runs[runs.length - 1].placedRight,
  };
}

async function forCount(threads: number, base: string[], changedLines: string[]): Promise<Record<string, unknown>> {
  const server = await TestServer.start({ args: ['--rate-limit', '0'] });
  const repo = new Repo();
  const clients: ParleyClient[] = [];
  try {
    repo.write(FILE, base);
    repo.commit('base');
    const repository = await repositoryOf(repo.dir);
    const text = base.map((l) => l + '\n').join('');
    const alice = await signedIn(server, 'bench_alice', true);
    const bob = await signedIn(server, 'bench_bob', true);
    clients.push(alice, bob);
    for (let t = 0; t < threads; t++) {
      const start = 1 + Math.floor(random() * (base.length - 5));
      const { text: code, ...anchor } = anchorOn(text, FILE, start, start + 1 + Math.floor(random() * 3), repository, text);
      const snippet: Snippet = { code, language: 'typescript', path: FILE, startLine: anchor.startLine, endLine: anchor.endLine, anchor };
      if (anchor.commit !== undefined) snippet.commit = anchor.commit;
      const ack = await alice.send('general', { text: `discussion ${t}`, snippet });
      if (t % 3 === 0) await bob.reply('general', ack.seq, { text: `a reply to ${t}` });
    }
    const unchanged: Timing[] = [];
    const changed: Timing[] = [];
    // Warm once (server caches, git's own), then alternate so drift falls on both alike.
    await show(bob, repo.dir);
    for (let run = 0; run < RUNS; run++) {
      repo.write(FILE, base);
      unchanged.push(await show(bob, repo.dir));
      writeFileSync(path.join(repo.dir, FILE), changedLines.map((l) => l + '\n').join(''));
      changed.push(await show(bob, repo.dir));
    }
    const u = summary(unchanged, threads);
    const c = summary(changed, threads);
    log(`${threads} threads: ${u.totalMedianMs} ms unchanged, ${c.totalMedianMs} ms with ${CHANGED} lines changed (placing ${u.placePerThreadMs} vs ${c.placePerThreadMs} ms a thread)`);
    return {
      threads,
      unchanged: u,
      edited: c,
      ratios: {
        totalEditedOverUnchanged: round(c.totalMedianMs / u.totalMedianMs),
        placePerThreadEditedOverUnchanged: round(c.placePerThreadMs / u.placePerThreadMs),
        placeShareOfTotalEdited: round(c.placeMedianMs / c.totalMedianMs),
      },
    };
  } finally {
    for (const c of clients) await c.logout().catch(() => undefined);
    await server.stop();
    repo.cleanup();
  }
}

(async () => {
  const base = generated(LINES);
  const changedLines = edited(base, CHANGED);
  const results: Record<string, unknown>[] = [];
  for (const n of COUNTS) results.push(await forCount(n, base, changedLines));
  const first = results[0] as { threads: number; edited: { totalMedianMs: number } };
  const last = results[results.length - 1] as { threads: number; edited: { totalMedianMs: number } };
  const out = {
    bench: 'discussions-show',
    machine: { cpus: cpus().length, load1: round(loadavg()[0]) },
    lines: LINES,
    changedLines: CHANGED,
    runs: RUNS,
    results,
    // How the time grows with the number of threads (1 would be flat, last/first threads linear).
    scaling: { threads: [first.threads, last.threads], editedTotalRatio: round(last.edited.totalMedianMs / first.edited.totalMedianMs) },
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
})().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

