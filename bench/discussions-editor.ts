/**
 * Time to show discussions in a real VS Code (code-server + headless Chromium, the packaged
 * .vsix): bob signed in, his checkout holding a file without discussions (the baseline, in the
 * same run) and files with N discussions (10, 100) that a second user anchored through the
 * client library. Each run closes every editor, opens the file through Quick Open and takes the
 * time from Enter until the editor shows the file (the baseline) or until VS Code has drawn all N
 * comment threads in it (`.review-widget`, counted in the page on every frame). Figures as ratios
 * over the baseline.
 * Usage: npx tsx bench/discussions-editor.ts [--runs 5] [--threads 10,100]
 * Prints progress on stderr and JSON on stdout.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { anchorOn, repositoryOf } from '../client/anchoring';
import { ParleyClient } from '../client/session';
import type { Snippet } from '../protocol';
import { ParleyServer, TerminalUser, waitFor } from '../test/extension/parley';
import { packageVsix, Workbench } from '../test/extension/workbench';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const RUNS = Number(arg('runs', '5'));
const COUNTS = arg('threads', '10,100').split(',').map(Number);
const LINES = 600;
const PASSWORD = 'bench-password';
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (x: number, d = 1) => Number(x.toFixed(d));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}

const fileLines = (name: string) => Array.from({ length: LINES }, (_, i) => `export const ${name}_${i + 1} = compute(${i + 1}); // line ${i + 1}`);
const fileName = (n: number) => `src/with${n}.ts`;

/** Posts `n` discussions on `rel`, every few lines, as alice. */
async function discuss(alice: ParleyClient, dir: string, rel: string, n: number): Promise<void> {
  const repository = await repositoryOf(dir);
  const text = readFileSync(path.join(dir, rel), 'utf8');
  const step = Math.floor(LINES / n);
  for (let t = 0; t < n; t++) {
    const start = 1 + t * step;
    const { text: code, ...anchor } = anchorOn(text, rel, start, start + 1, repository, text);
    const snippet: Snippet = { code, language: 'typescript', path: rel, startLine: start, endLine: start + 1, anchor };
    if (anchor.commit !== undefined) snippet.commit = anchor.commit;
    await alice.send('general', { text: `discussion ${t} on ${rel}`, snippet });
  }
}

/** Quick Open `file`, then ms from Enter until `ready` holds in the page. */
async function timeOpen(wb: Workbench, file: string, threads: number): Promise<number> {
  const page = wb.page;
  await wb.command('View: Close All Editors');
  await waitFor('no editor', async () => (await page.locator('.tabs-container .tab').count()) === 0, 30_000, 50);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(path.basename(file));
  const first = page.locator('.quick-input-list .monaco-list-row').first();
  await waitFor(`${file} first in Quick Open`, async () => ((await first.innerText({ timeout: 1000 }).catch(() => '')) ?? '').includes(path.basename(file)), 15_000, 50);
  const t0 = performance.now();
  await input.press('Enter');
  await page.waitForFunction(
    ({ name, n }) => {
      const tab = document.querySelector('.tabs-container .tab.active');
      if (!tab || !(tab.textContent ?? '').includes(name)) return false;
      const editor = document.querySelector('.editor-instance .monaco-editor');
      if (!editor || !editor.querySelector('.view-line')) return false;
      return n === 0 || editor.querySelectorAll('.review-widget').length >= n;
    },
    { name: path.basename(file), n: threads },
    { polling: 'raf', timeout: 60_000 },
  ).catch(async (err: Error) => {
    const drawn = await page.evaluate(() => document.querySelectorAll('.editor-instance .review-widget').length);
    throw new Error(`${file}: ${drawn} of ${threads} threads drawn (${err.message})`);
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'parley-bench-discuss-'));
  const dir = path.join(tmp, 'bob');
  let server: ParleyServer | undefined;
  let wb: Workbench | undefined;
  let bob: TerminalUser | undefined;
  try {
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    git(dir, 'init', '-q');
    writeFileSync(path.join(dir, 'src/without.ts'), fileLines('plain').map((l) => l + '\n').join(''));
    for (const n of COUNTS) writeFileSync(path.join(dir, fileName(n)), fileLines(`with${n}`).map((l) => l + '\n').join(''));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    git(dir, 'remote', 'add', 'origin', 'https://git.example.com/team/bench.git');

    server = await ParleyServer.start();
    bob = new TerminalUser(server, 'bench_bob', PASSWORD);
    bob.register();
    const alice = new ParleyClient({ host: '127.0.0.1', port: server.port, reconnect: false });
    await alice.register('bench_alice', PASSWORD);
    await alice.login('bench_alice', PASSWORD);

    wb = await Workbench.start({ vsix: packageVsix(), workspace: dir, settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port, 'problems.decorations.enabled': false } });
    await wb.openParley();
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    await wb.command('Parley: Sign In');
    await wb.answer('bench_bob', /User name/);
    await wb.answer(PASSWORD, /Password/);
    await waitFor('signed in', async () => (await wb!.statusText()).includes('bench_bob'), 60_000);

    const baseline: number[] = [];
    const withThreads = new Map<number, number[]>(COUNTS.map((n) => [n, []]));
    // One file at a time: the editor lists the newest 100 discussions, so a later file's would push an earlier one's out.
    for (const n of COUNTS) {
      await discuss(alice, dir, fileName(n), n);
      log(`posted ${n} discussions on ${fileName(n)}`);
      // Warm: both files opened once, the new threads (arriving live) all drawn.
      await timeOpen(wb, 'src/without.ts', 0);
      await timeOpen(wb, fileName(n), n);
      for (let run = 0; run < RUNS; run++) {
        baseline.push(await timeOpen(wb, 'src/without.ts', 0));
        withThreads.get(n)?.push(await timeOpen(wb, fileName(n), n));
        log(`${n} threads, run ${run + 1}: without ${round(baseline[baseline.length - 1])} ms, with ${round(withThreads.get(n)?.[run] ?? 0)} ms`);
      }
    }
    await alice.logout();
    const base = median(baseline);
    const out = {
      bench: 'discussions-editor',
      machine: { cpus: cpus().length, load1: round(loadavg()[0], 2) },
      lines: LINES,
      runs: RUNS,
      baseline: { file: 'without discussions', medianMs: round(base), runsMs: baseline.map((x) => round(x)) },
      results: COUNTS.map((n) => {
        const xs = withThreads.get(n) ?? [];
        return { threads: n, medianMs: round(median(xs)), runsMs: xs.map((x) => round(x)), overBaseline: round(median(xs) / base, 2), perThreadOverBaselineMs: round((median(xs) - base) / n, 2) };
      }),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    bob?.close();
    await wb?.stop();
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
