/**
 * How long the extension takes to start: the packaged .vsix installed into a real VS Code
 * (code-server, driven by headless Chromium), activated by opening the Parley view, as a user
 * would. Each run reloads the window (a new extension host) with the Explorer showing, then
 * opens Parley and reads:
 *  - VS Code's own figure from Developer: Show Running Extensions ("Activation: N ms", which is
 *    code loading + the activate() call),
 *  - the extension's own mark in its output channel ("activated in N ms", activate() alone),
 *  - from the extension host's log line that starts the activation to the log line of that
 *    mark (both stamped by the extension host: the whole start, code loading included),
 *  - the time from the click on the Parley icon to its status bar item (what the user sees).
 * The first run is the first start of a fresh profile; later runs are warm reloads.
 * Usage: npm run bench -- bench/extension-activation.ts [--json] [--runs N]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor } from '../test/extension/parley';
import { packageVsix, Workbench } from '../test/extension/workbench';

const EXTENSION_ID = 'parley.parley';

interface Run {
  run: number;
  kind: 'first start' | 'reload';
  activationEvent: string;
  /** VS Code's figure: code loading + activate(). */
  vscodeActivationMs: number;
  /** The extension's own mark: activate() from its first line to its last. */
  activateMs: number;
  /** Extension host log: "_doActivateExtension parley.parley" to the "activated in" line. */
  hostLogMs: number;
  /** Click on the activity bar icon until the status bar item shows. */
  clickToStatusMs: number;
}

function stats(values: number[]): { median: number; max: number; min: number } {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median: Math.round(median * 10) / 10, max: s[s.length - 1], min: s[0] };
}

/** Milliseconds of a VS Code log line's "2026-11-25 20:51:51.810" stamp (local time). */
function stamp(line: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3})/.exec(line);
  if (!m) throw new Error(`no time stamp in: ${line}`);
  return new Date(`${m[1]}T${m[2]}`).getTime();
}

function count(text: string, re: RegExp): number {
  return text.match(new RegExp(re.source, 'g'))?.length ?? 0;
}

/** Opens Developer: Show Running Extensions and reads Parley's "Activation: N ms". */
async function vscodeActivationMs(wb: Workbench): Promise<number> {
  await wb.command('Developer: Show Running Extensions');
  const row = wb.page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'Parley' }).first();
  const text = await waitFor('Parley in Running Extensions', async () => {
    const t = (await row.locator('.activation-time').innerText({ timeout: 1000 }).catch(() => '')).trim();
    return /\d+\s*ms/.test(t) ? t : undefined;
  }, 30_000, 250);
  await wb.command('View: Close All Editors');
  return Number(/(\d+(?:\.\d+)?)\s*ms/.exec(text)![1]);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1])) : 5;
  const log = (m: string) => {
    if (!json) console.error(m);
  };

  const vsix = packageVsix();
  const vsixBytes = statSync(vsix).size;
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-ws-'));
  log(`starting code-server with ${path.basename(vsix)} (${(vsixBytes / 1024).toFixed(0)} KiB)`);
  const wb = await Workbench.start({ vsix, workspace, settings: {} });
  const results: Run[] = [];
  try {
    const exthost = () => wb.logs(/exthost/);
    for (let i = 0; i < runs; i++) {
      if (i > 0) {
        // Leave Parley hidden so the reloaded window does not restore (and start) it.
        await wb.command('View: Show Explorer');
        const before = count(exthost(), /activationEvent: 'onStartupFinished'/);
        await wb.command('Developer: Reload Window');
        await waitFor('the reloaded window', () => count(exthost(), /activationEvent: 'onStartupFinished'/) > before, 180_000, 250);
        await wb.page.locator('.statusbar').waitFor({ timeout: 120_000 });
      } else {
        await waitFor('start-up finished', () => /activationEvent: 'onStartupFinished'/.test(exthost()), 180_000, 250);
      }
      const activationsBefore = count(exthost(), new RegExp(`_doActivateExtension ${EXTENSION_ID.replace('.', '\\.')},`));
      const marksBefore = count(wb.logs(/Parley\.log$/), /activated in \d/);
      if (activationsBefore !== i) throw new Error(`Parley was already started before run ${i + 1}`);

      const t0 = Date.now();
      await wb.openParley();
      await waitFor('the Parley status item', async () => /Parley: signed out/.test(await wb.statusText()), 120_000, 20);
      const clickToStatusMs = Date.now() - t0;

      // Log files of every window so far: the newest line is this run's.
      const byTime = (a: string, b: string) => stamp(a) - stamp(b);
      const lines = exthost().split('\n').filter((l) => l.includes(`_doActivateExtension ${EXTENSION_ID},`)).sort(byTime);
      const activationEvent = /activationEvent: '([^']+)'/.exec(lines[lines.length - 1] ?? '')?.[1] ?? 'unknown';
      const markLine = await waitFor('the activation mark in the Parley log', () => {
        const all = wb.logs(/Parley\.log$/).split('\n').filter((l) => /activated in \d/.test(l)).sort(byTime);
        return all.length > marksBefore ? all[all.length - 1] : undefined;
      }, 30_000, 250);
      const mark = Number(/activated in (\d+(?:\.\d+)?) ms/.exec(markLine)![1]);
      const run: Run = {
        run: i + 1,
        kind: i === 0 ? 'first start' : 'reload',
        activationEvent,
        vscodeActivationMs: await vscodeActivationMs(wb),
        activateMs: mark,
        hostLogMs: stamp(markLine) - stamp(lines[lines.length - 1]),
        clickToStatusMs,
      };
      log(JSON.stringify(run));
      results.push(run);
    }
  } finally {
    await wb.stop();
    rmSync(workspace, { recursive: true, force: true });
  }

  const result = {
    bench: 'extension-activation',
    vscode: 'code-server 4.100.3 (VS Code 1.100.3)',
    vsixBytes,
    runs: results.length,
    vscodeActivationMs: stats(results.map((r) => r.vscodeActivationMs)),
    activateMs: stats(results.map((r) => r.activateMs)),
    hostLogMs: stats(results.map((r) => r.hostLogMs)),
    clickToStatusMs: stats(results.map((r) => r.clickToStatusMs)),
    perRun: results,
  };
  console.log(json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
