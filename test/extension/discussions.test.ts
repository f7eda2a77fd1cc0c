// Discussions on the code in a real VS Code (code-server + headless Chromium) against a real
// parley-server. Two checkouts of one repository: alice's (the terminal client, over https with a
// token in the URL) and bob's (in VS Code, over ssh, one commit and 5 lines ahead). The tests run
// in order and build on each other.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLIENT_CLI, ParleyServer, TerminalUser, waitFor } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice_d1';
const BOB = 'bobby_d1';
const PASSWORD = 'correct horse';
const FILE = 'src/app.ts';
const BASE = Array.from({ length: 30 }, (_, i) => `export const value${i + 1} = compute(${i + 1}); // line ${i + 1}`);

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}
function writeFile(dir: string, lines: string[]): void {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, FILE), lines.map((l) => l + '\n').join(''));
}

describe('discussions on the code in a real VS Code', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let alice: TerminalUser | undefined;
  let wb: Workbench | undefined;
  let vsix: string;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-disc-'));
  const origin = path.join(tmp, 'origin.git');
  const aliceDir = path.join(tmp, 'alice');
  const bobDir = path.join(tmp, 'bob');
  let root = 0;
  let step = 0;

  const shot = async (name: string) => wb?.screenshot(`discussions-${String(++step).padStart(2, '0')}-${name}`);
  /** The terminal client as alice, run in her checkout. */
  const asAlice = (...args: string[]) =>
    execFileSync(process.execPath, [CLIENT_CLI, ...(server as ParleyServer).clientArgs, ...args], {
      cwd: aliceDir,
      env: { ...process.env, PARLEY_CONFIG_DIR: (alice as TerminalUser).configDir },
      encoding: 'utf8',
    });
  const threadLabel = (text: RegExp) => wb!.page.locator('.review-widget .review-title', { hasText: text }).first();

  before(async function () {
    vsix = await prepareVsixSuite(this, 'discussions-');
    mkdirSync(origin);
    git(origin, 'init', '-q', '--bare');
    mkdirSync(aliceDir);
    git(aliceDir, 'init', '-q');
    writeFile(aliceDir, BASE);
    git(aliceDir, 'add', '-A');
    git(aliceDir, 'commit', '-q', '-m', 'base');
    git(aliceDir, 'remote', 'add', 'origin', origin);
    git(aliceDir, 'push', '-q', 'origin', 'main');
    git(tmp, 'clone', '-q', origin, bobDir);
    writeFile(bobDir, [...Array.from({ length: 5 }, (_, i) => `// bob's header ${i + 1}`), ...BASE]);
    git(bobDir, 'commit', '-q', '-am', 'header');
    git(aliceDir, 'remote', 'set-url', 'origin', 'https://alice:ghp_T0ken@git.example.com/team/app.git');
    git(bobDir, 'remote', 'set-url', 'origin', 'git@git.example.com:team/app.git');

    server = await ParleyServer.start();
    alice = new TerminalUser(server, ALICE, PASSWORD);
    alice.register();
    alice.login();
    new TerminalUser(server, BOB, PASSWORD).register();
    wb = await Workbench.start({ vsix, workspace: bobDir, settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port } });
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
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  it('alice starts a discussion on lines 10-12 of her checkout', () => {
    const out = asAlice('discuss', '--room', 'general', '--file', FILE, '--lines', '10-12', 'Why compute these three eagerly?');
    root = Number(/#(\d+)\]/.exec(out)?.[1]);
    assert.ok(root > 0, out);
  });

  it('bob signs in and sees the comment thread at lines 15-17 of his checkout', async () => {
    await wb!.openParley();
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    await wb!.command('Parley: Sign In');
    await wb!.answer(BOB, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor(`status item "${BOB}"`, async () => (await wb!.statusText()).includes(BOB), 30_000);
    await wb!.page.keyboard.press('Control+P');
    await wb!.pick('app.ts');
    await threadLabel(/lines 15–17/).waitFor({ timeout: 60_000 });
    const body = await wb!.page.locator('.review-widget').first().innerText();
    assert.match(body, /Why compute these three eagerly\?/);
    assert.match(body, new RegExp(ALICE));
    await shot('gutter-thread');
  });

  it('bob replies in the comment widget and alice reads the reply in the thread', async () => {
    const widget = wb!.page.locator('.review-widget').first();
    // The reply box starts folded: a click opens its editor, focused.
    const folded = widget.locator('.comment-form .review-thread-reply-button');
    if (await folded.isVisible()) await folded.click();
    await widget.locator('.comment-form .monaco-editor').first().click();
    await wb!.page.keyboard.type('It caches them for the parser.');
    // Ctrl+Enter runs the form's first action, our Reply (the panel may hide its button).
    await wb!.page.keyboard.press('Control+Enter');
    await waitFor('the reply in alice\'s terminal', async () => asAlice('thread', '--room', 'general', String(root), '--json').includes('It caches them for the parser.'), 30_000, 500);
    await widget.locator('.review-comment', { hasText: 'It caches them for the parser.' }).first().waitFor({ timeout: 30_000 });
    const listed = JSON.parse(asAlice('discussions', '--json').trim()) as { replies: number; here: string };
    assert.equal(listed.replies, 1);
    assert.equal(listed.here, '10-12');
  });

  it('resolving it in the widget hides it from the unresolved ones', async () => {
    await wb!.page.locator('.review-widget .head .action-label[aria-label="Resolve"]').first().click();
    await waitFor('resolved for alice', async () => asAlice('discussions', '--open', '--json').trim() === '', 30_000, 500);
    assert.match(asAlice('discussions', '--json'), /"resolved":true/);
    // Resolved, VS Code folds the thread away; alice reopens it from her terminal and it comes back.
    asAlice('resolve', '--room', 'general', '--reopen', String(root));
    await wb!.page.locator('.review-widget .head .action-label[aria-label="Resolve"]').first().waitFor({ timeout: 30_000 });
    assert.equal(JSON.parse(asAlice('discussions', '--open', '--json').trim()).root, root);
  });

  it('an edit inside the range, saved, keeps the thread at 15-17', async () => {
    const page = wb!.page;
    await page.locator('.editor-instance .view-line', { hasText: 'value3 = compute(3)' }).first().click();
    await page.keyboard.press('Control+G');
    await wb!.answer(':16');
    await page.keyboard.press('End');
    await page.keyboard.type(' // cached');
    await page.keyboard.press('Control+S');
    await waitFor('saved', async () => !(await page.locator('.tabs-container .tab.active.dirty').count()), 20_000);
    // Placed again on save: still 15-17, and the file on disk has the edit.
    await waitFor('placed again', async () => (await threadLabel(/lines 15–17/).count()) > 0, 60_000);
    await waitFor('the edit on disk', async () => readFileSync(path.join(bobDir, FILE), 'utf8').includes('// line 11 // cached'), 20_000);
    assert.equal((await threadLabel(/lines 15–17/).count()) > 0, true);
  });

  it('deleting the lines marks it outdated, and Open at Revision shows the original', async () => {
    const page = wb!.page;
    await page.locator('.editor-instance .view-line', { hasText: 'value3 = compute(3)' }).first().click();
    await page.keyboard.press('Control+G');
    await wb!.answer(':15');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Control+Shift+K');
    await page.keyboard.press('Control+S');
    await threadLabel(/outdated \(code deleted\)/).waitFor({ timeout: 60_000 });
    await shot('outdated');
    await page.locator('.review-widget .head .action-label[aria-label="Open at Revision"]').first().click();
    await waitFor('the file at the anchor commit', async () => {
      // Monaco draws spaces as no-break spaces.
      const text = (await page.locator('.editor-instance .view-lines:visible').first().innerText().catch(() => '')).replace(/\u00a0/g, ' ');
      return text.includes('value10 = compute(10)') && !text.includes("bob's header");
    }, 30_000);
    await shot('open-at-revision');
  });
});
