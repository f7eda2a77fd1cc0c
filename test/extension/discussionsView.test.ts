// The Discussions view and the Explorer badges in a real VS Code (code-server + headless Chromium)
// against a real parley-server: alice starts a discussion from the terminal client in her
// checkout, bob sees it in VS Code under its file, filters it away, and the badge follows
// resolve / reopen live. The tests run in order and build on each other.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLIENT_CLI, ParleyServer, TerminalUser, waitFor } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice_v1';
const BOB = 'bobby_v1';
const PASSWORD = 'correct horse';
const FILE = 'src/app.ts';
const LINES = Array.from({ length: 30 }, (_, i) => `export const value${i + 1} = compute(${i + 1}); // line ${i + 1}`);

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}

describe('the Discussions view and Explorer badges in a real VS Code', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let alice: TerminalUser | undefined;
  let wb: Workbench | undefined;
  let vsix: string;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-discview-'));
  const origin = path.join(tmp, 'origin.git');
  const aliceDir = path.join(tmp, 'alice');
  const bobDir = path.join(tmp, 'bob');
  let root = 0;
  let step = 0;

  const shot = async (name: string) => wb?.screenshot(`discussion-view-${String(++step).padStart(2, '0')}-${name}`);
  const asAlice = (...args: string[]) =>
    execFileSync(process.execPath, [CLIENT_CLI, ...(server as ParleyServer).clientArgs, ...args], {
      cwd: aliceDir,
      env: { ...process.env, PARLEY_CONFIG_DIR: (alice as TerminalUser).configDir },
      encoding: 'utf8',
    });
  const pane = () => wb!.page.locator('.pane', { has: wb!.page.locator('.pane-header', { hasText: /^\s*Discussions/ }) }).first();
  /** The rows of the Discussions view, as their screen-reader labels. */
  const rows = async () => {
    const r = await pane().locator('.pane-body .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    seen = `rows: ${JSON.stringify(r)}`;
    return r;
  };
  /**
   * Unfolds the Discussions view and folds People above it, so the view has the room to show a
   * file and its thread whatever height the earlier suites left the panes at (its list draws only
   * the rows that fit).
   */
  const roomForTheView = async () => {
    const header = pane().locator('.pane-header');
    await header.waitFor({ timeout: 30_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const people = wb!.page.locator('.pane-header', { hasText: /^\s*People/ }).first();
    if ((await people.getAttribute('aria-expanded')) === 'true') await people.click();
  };
  /** What the last look saw, printed when a test fails. */
  let seen = '';
  const message = async () => (await pane().locator('.pane-body .message').innerText().catch(() => '')).trim();
  /** The badge VS Code draws after a row of the Explorer (its ::after content), '' for none. */
  const explorerBadge = (name: string) =>
    wb!.page.evaluate((label) => {
      for (const row of document.querySelectorAll('.explorer-folders-view .monaco-list-row')) {
        if (!(row.getAttribute('aria-label') ?? '').startsWith(label)) continue;
        for (const el of row.querySelectorAll('[class*="monaco-decoration-itemBadge"]')) {
          const content = getComputedStyle(el, '::after').content;
          if (content && content !== 'none' && content !== 'normal') return content.replace(/^"|"$/g, '');
        }
        return '';
      }
      return undefined;
    }, name).then((b) => {
      seen = `badge of ${name}: ${JSON.stringify(b)}`;
      return b;
    });

  before(async function () {
    vsix = await prepareVsixSuite(this, 'discussion-view-');
    mkdirSync(origin);
    git(origin, 'init', '-q', '--bare');
    mkdirSync(path.join(aliceDir, 'src'), { recursive: true });
    git(aliceDir, 'init', '-q');
    writeFileSync(path.join(aliceDir, FILE), LINES.map((l) => l + '\n').join(''));
    writeFileSync(path.join(aliceDir, 'README.md'), '# app\n');
    git(aliceDir, 'add', '-A');
    git(aliceDir, 'commit', '-q', '-m', 'base');
    git(aliceDir, 'remote', 'add', 'origin', origin);
    git(aliceDir, 'push', '-q', 'origin', 'main');
    git(tmp, 'clone', '-q', origin, bobDir);
    git(aliceDir, 'remote', 'set-url', 'origin', 'git@git.example.com:team/app.git');
    git(bobDir, 'remote', 'set-url', 'origin', 'https://git.example.com/team/app.git');

    server = await ParleyServer.start();
    alice = new TerminalUser(server, ALICE, PASSWORD);
    alice.register();
    alice.login();
    new TerminalUser(server, BOB, PASSWORD).register();
    wb = await Workbench.start({ vsix, workspace: bobDir, settings: {
        'parley.server.host': '127.0.0.1',
        'parley.server.port': server.port,
        // The file's TypeScript problems would badge it too; only Parley's badge is looked at.
        'problems.decorations.enabled': false,
      },
    });
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.stop();
    alice?.close();
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await shot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      console.error(`last seen: ${seen}`);
    }
  });

  it('alice starts a discussion on lines 10-12 and bob sees it under its file in the Discussions view', async () => {
    const out = asAlice('discuss', '--room', 'general', '--file', FILE, '--lines', '10-12', 'Why compute these three eagerly?\nSecond line.');
    root = Number(/#(\d+)\]/.exec(out)?.[1]);
    assert.ok(root > 0, out);
    await wb!.openParley();
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    await wb!.command('Parley: Sign In');
    await wb!.answer(BOB, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor(`status item "${BOB}"`, async () => (await wb!.statusText()).includes(BOB), 30_000);
    // The view starts folded under Chat and People; unfold it.
    await roomForTheView();
    await waitFor('the file and its thread', async () => {
      const r = await rows();
      return r.length === 2 && r[0].endsWith('app.ts') && r[1].startsWith('Why compute these three eagerly?');
    }, 60_000, 250);
    const [file, thread] = await rows();
    assert.equal(file, FILE);
    assert.equal(thread, `Why compute these three eagerly?, ${ALICE} · 0 replies · lines 10–12, open`);
    await shot('listed');
  });

  it('a click on the thread opens the file at its lines, and the Explorer badges the file', async () => {
    await pane().locator('.monaco-list-row', { hasText: 'Why compute these three eagerly?' }).first().click();
    await waitFor('app.ts open', async () => (await wb!.activeEditorTitle()).startsWith('app.ts'), 30_000);
    await wb!.page.locator('.review-widget .review-title', { hasText: /lines 10–12/ }).first().waitFor({ timeout: 30_000 });
    await wb!.page.keyboard.press('Control+Shift+E');
    // Opening the file reveals it in the Explorer.
    await waitFor('the badge on app.ts', async () => (await explorerBadge('app.ts')) === '1', 30_000, 250);
    assert.equal(await explorerBadge('README.md'), '', 'no badge on a file without discussions');
    await shot('explorer-badge');
  });

  it('the "started by me" and "mentioning me" filters hide alice\'s thread, and turning them off shows it again', async () => {
    await wb!.openParley();
    await wb!.command('Parley: Filter: Started by Me (toggle)');
    await waitFor('the thread filtered away', async () => (await rows()).length === 0, 30_000, 250);
    assert.equal(await message(), 'The filters hide all 1 discussions.');
    assert.match(await pane().locator('.pane-header').innerText(), /Filter: mine/);
    await shot('filtered');
    await wb!.command('Parley: Filter: Started by Me (toggle)');
    await waitFor('the thread back', async () => (await rows()).length === 2, 30_000, 250);
    // Nobody has mentioned bob in it yet.
    await wb!.command('Parley: Filter: Mentioning Me (toggle)');
    await waitFor('no thread mentions bob', async () => (await rows()).length === 0, 30_000, 250);
    await wb!.command('Parley: Filter: Mentioning Me (toggle)');
    await waitFor('the thread back again', async () => (await rows()).length === 2, 30_000, 250);
  });

  it('resolved, the badge goes and the view shows it resolved; the unresolved filter hides it; reopened, the badge is back', async () => {
    asAlice('resolve', '--room', 'general', String(root));
    await waitFor('resolved in the view', async () => (await rows())[1]?.endsWith(', resolved') === true, 30_000, 250);
    await wb!.command('Parley: Filter: Unresolved (toggle)');
    await waitFor('the resolved thread filtered away', async () => (await rows()).length === 0, 30_000, 250);
    await wb!.page.keyboard.press('Control+Shift+E');
    await waitFor('no badge on app.ts', async () => (await explorerBadge('app.ts')) === '', 30_000, 250);
    await shot('resolved');
    asAlice('resolve', '--room', 'general', '--reopen', String(root));
    await waitFor('the badge back', async () => (await explorerBadge('app.ts')) === '1', 30_000, 250);
    await wb!.openParley();
    await waitFor('open again, shown through the filter', async () => (await rows())[1]?.endsWith(', open') === true, 30_000, 250);
  });

  it('a reply counts in the view, and the filter stays on after a reload', async () => {
    asAlice('reply', '--room', 'general', String(root), 'Cached for the parser.');
    await waitFor('one reply', async () => (await rows())[1]?.includes('· 1 reply ·') === true, 30_000, 250);
    const main = wb!.page.mainFrame();
    const navigated = wb!.page.waitForEvent('framenavigated', { predicate: (f) => f === main, timeout: 60_000 });
    await wb!.command('Developer: Reload Window');
    await navigated;
    await wb!.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await waitFor(`status item "${BOB}" after the reload`, async () => (await wb!.statusText()).includes(BOB), 60_000);
    await wb!.openParley();
    await waitFor('the filter remembered', async () => /Filter: unresolved/.test(await pane().locator('.pane-header').innerText().catch(() => '')), 60_000, 250);
    await roomForTheView();
    await waitFor('listed again', async () => (await rows()).length === 2, 60_000, 250);
    await wb!.command('Parley: Filter: Unresolved (toggle)');
  });

  it('the "mentioning me" filter lets a thread through once a reply names bob', async () => {
    await wb!.command('Parley: Filter: Mentioning Me (toggle)');
    await waitFor('filtered away', async () => (await rows()).length === 0, 30_000, 250);
    asAlice('reply', '--room', 'general', String(root), `@${BOB} does the parser need all three?`);
    await waitFor('shown through the filter', async () => (await rows())[1]?.includes('· 2 replies ·') === true, 30_000, 250);
    await shot('mentioning-me');
    await wb!.command('Parley: Filter: Mentioning Me (toggle)');
  });

  it('outdated once its lines are deleted, a click on it opens the file at the anchor\'s revision', async () => {
    const page = wb!.page;
    await pane().locator('.monaco-list-row', { hasText: 'Why compute these three eagerly?' }).first().click();
    await waitFor('app.ts open', async () => (await wb!.activeEditorTitle()).startsWith('app.ts'), 30_000);
    await page.locator('.editor-instance .view-line', { hasText: 'value10 = compute(10)' }).first().click();
    for (let i = 0; i < 3; i++) await page.keyboard.press('Control+Shift+K');
    await page.keyboard.press('Control+S');
    await waitFor('outdated in the view', async () => /· outdated, outdated \(code deleted\)$/.test((await rows())[1] ?? ''), 30_000, 250);
    await pane().locator('.monaco-list-row', { hasText: 'Why compute these three eagerly?' }).first().click();
    await waitFor('the file at the anchor commit', async () => {
      const text = (await page.locator('.editor-instance .view-lines:visible').first().innerText().catch(() => '')).replace(/\u00a0/g, ' ');
      return text.includes('value10 = compute(10)');
    }, 30_000);
    await shot('outdated-at-revision');
  });
});
