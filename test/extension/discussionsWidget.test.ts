// The comment widget of discussions in a real VS Code (code-server + headless Chromium) against a
// real parley-server: bob starts a discussion from the gutter "+", reacts, edits and deletes from
// the widget while alice (the terminal client, a second real client) reads the thread and the
// Chat view beside the editor shows the same thread live; Copy Link puts the discussion's link on
// the clipboard, and opening that link brings up the thread in the chat and its lines in the
// editor. The tests run in order and build on each other.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { CLIENT_CLI, ParleyServer, TerminalUser, waitFor } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice_w1';
const BOB = 'bobby_w1';
const PASSWORD = 'correct horse';
const FILE = 'src/app.ts';
const LINES = Array.from({ length: 30 }, (_, i) => `export const value${i + 1} = compute(${i + 1}); // line ${i + 1}`);
const ROOT_TEXT = 'Should value5 be computed lazily?';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}

interface ThreadJson {
  seq: number;
  from: string;
  text: string | null;
  edited: boolean;
  deleted: boolean;
  reactions: Record<string, string[]>;
}

describe('the comment widget of discussions in a real VS Code', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let alice: TerminalUser | undefined;
  let wb: Workbench | undefined;
  let chat: Frame;
  let vsix: string;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-discwidget-'));
  const origin = path.join(tmp, 'origin.git');
  const aliceDir = path.join(tmp, 'alice');
  const bobDir = path.join(tmp, 'bob');
  let root = 0;
  let aliceReply = 0;
  let bobReply = 0;
  let step = 0;
  let seen = '';

  const shot = async (name: string) => wb?.screenshot(`discussion-widget-${String(++step).padStart(2, '0')}-${name}`);
  const asAlice = (...args: string[]) =>
    execFileSync(process.execPath, [CLIENT_CLI, ...(server as ParleyServer).clientArgs, ...args], {
      cwd: aliceDir,
      env: { ...process.env, PARLEY_CONFIG_DIR: (alice as TerminalUser).configDir },
      encoding: 'utf8',
    });
  /** The thread of the discussion as alice's terminal client prints it: the root, then the replies. */
  const aliceThread = (): ThreadJson[] => {
    const t = asAlice('thread', '--room', 'general', '--json', String(root)).split('\n').filter(Boolean).map((l) => JSON.parse(l) as ThreadJson);
    seen = `alice's thread: ${JSON.stringify(t)}`;
    return t;
  };
  const aliceSees = (seq: number) => aliceThread().find((m) => m.seq === seq);
  const widget = () => wb!.page.locator('.review-widget', { has: wb!.page.locator('.review-title', { hasText: /Parley · #general/ }) }).first();
  /** The comment of the widget whose body holds `text`. */
  const comment = (text: string | RegExp) => widget().locator('.review-comment', { has: wb!.page.locator('.comment-body', { hasText: text }) }).first();
  /** Runs a title action of a comment (shown while the pointer is over it). */
  const commentAction = async (text: string | RegExp, label: string) => {
    const c = comment(text);
    await c.hover();
    await c.locator(`.comment-title .action-label[aria-label="${label}"]`).click();
  };
  /** The widget's reaction under a comment, as "emoji count" plus whether it is the user's. */
  const reactionIn = async (text: string | RegExp, emoji: string) => {
    const r = comment(text).locator('.comment-reactions .action-label', { hasText: emoji }).first();
    if ((await r.count()) === 0) return undefined;
    const count = (await r.locator('.reaction-count').innerText().catch(() => '')).trim();
    const html = await r.evaluate((e) => e.closest('.action-item')?.outerHTML ?? e.outerHTML);
    seen = `reaction ${emoji}: ${html}`;
    return { count, mine: /\bactive\b/.test(html) };
  };
  const chatRow = (seq: number, scope = '.scroller') => chat.locator(`${scope} .row.msg[data-seq="${seq}"]`);

  before(async function () {
    vsix = await prepareVsixSuite(this, 'discussion-widget-');
    mkdirSync(origin);
    git(origin, 'init', '-q', '--bare');
    mkdirSync(path.join(aliceDir, 'src'), { recursive: true });
    git(aliceDir, 'init', '-q');
    writeFileSync(path.join(aliceDir, FILE), LINES.map((l) => l + '\n').join(''));
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
    wb = await Workbench.start({ vsix, workspace: bobDir, settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port } });
    // Copy Link is read back from the browser's clipboard.
    await wb.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(wb.page.url()).origin });
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
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  it('bob starts a discussion on line 5 with a click on the gutter "+", and alice finds it in her checkout', async () => {
    const page = wb!.page;
    await wb!.openParley();
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    await wb!.command('Parley: Sign In');
    await wb!.answer(BOB, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor(`status item "${BOB}"`, async () => (await wb!.statusText()).includes(BOB), 30_000);
    chat = await wb!.chatFrame('.composer textarea');
    await page.keyboard.press('Control+P');
    await wb!.pick('app.ts');
    await page.locator('.editor-instance .view-line', { hasText: 'value5 = compute(5)' }).first().waitFor();
    // The "+" is the commenting range's decoration in the margin of the line the pointer is on.
    const plus = await waitFor('the "+" of line 5', () =>
      page.evaluate((text) => {
        const line = [...document.querySelectorAll('.editor-instance .view-line')].find((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ').includes(text));
        if (!line) return undefined;
        const top = line.getBoundingClientRect().top;
        const glyph = [...document.querySelectorAll('.editor-instance .margin-view-overlays .comment-range-glyph')].find((g) => Math.abs(g.getBoundingClientRect().top - top) < 3);
        const r = glyph?.getBoundingClientRect();
        return r && r.width > 0 ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : undefined;
      }, 'value5 = compute(5)'), 30_000, 250);
    await page.mouse.move(plus.x, plus.y);
    await page.mouse.click(plus.x, plus.y);
    // An empty thread opens with its reply box focused.
    const draft = page.locator('.review-widget', { has: page.locator('.comment-form') }).first();
    await draft.locator('.comment-form .monaco-editor').first().click();
    await page.keyboard.type(ROOT_TEXT);
    await shot('gutter-draft');
    // Ctrl+Enter runs the form's first action: Start Discussion, then the room to post it in.
    await page.keyboard.press('Control+Enter');
    await wb!.pick('general', /Where to send it/);
    const listed = await waitFor('the discussion in alice\'s checkout', () => {
      const out = asAlice('discussions', '--json').trim();
      seen = `alice's discussions: ${out}`;
      return out ? (JSON.parse(out.split('\n')[0]) as { root: number; text: string; from: string; lines: string; here: string; link: string }) : undefined;
    }, 30_000, 500);
    assert.equal(listed.text, ROOT_TEXT);
    assert.equal(listed.from, BOB);
    assert.equal(listed.lines, '5-5');
    assert.equal(listed.here, '5-5');
    root = listed.root;
    await page.locator('.review-widget .review-title', { hasText: /Parley · #general · lines 5–5/ }).first().waitFor({ timeout: 30_000 });
    await comment(ROOT_TEXT).waitFor({ timeout: 30_000 });
    await shot('gutter-started');
  });

  it('a reaction from the widget reaches alice and the Chat view, and one from the Chat view shows in the widget', async () => {
    await commentAction(ROOT_TEXT, 'React');
    await wb!.pick('👍', /Pick a reaction/);
    await waitFor('👍 for alice', () => JSON.stringify(aliceSees(root)?.reactions) === JSON.stringify({ '👍': [BOB] }), 30_000, 500);
    await waitFor('👍 in the widget, bob\'s', async () => JSON.stringify(await reactionIn(ROOT_TEXT, '👍')) === JSON.stringify({ count: '1', mine: true }), 30_000, 250);
    await chatRow(root).locator('.chip.mine[data-emoji="👍"]', { hasText: '1' }).waitFor({ timeout: 30_000 });
    // Alice joins in from her terminal: two, one of them bob's.
    asAlice('react', '--room', 'general', String(root), '👍');
    await waitFor('two 👍 in the widget', async () => (await reactionIn(ROOT_TEXT, '👍'))?.count === '2', 30_000, 250);
    // 🎉 from the Chat view's quick bar shows up under the comment.
    const row = chatRow(root);
    await row.hover();
    await row.locator('.actions .act-react').click();
    await chat.locator('.popup .emoji-button', { hasText: '🎉' }).click();
    await waitFor('🎉 in the widget', async () => JSON.stringify(await reactionIn(ROOT_TEXT, '🎉')) === JSON.stringify({ count: '1', mine: true }), 30_000, 250);
    await shot('reactions');
  });

  it('a click on bob\'s own reaction in the widget takes it back, and picking it again in React does too', async () => {
    await comment(ROOT_TEXT).locator('.comment-reactions .action-label', { hasText: '🎉' }).first().click();
    await waitFor('🎉 gone for alice', () => aliceSees(root)?.reactions['🎉'] === undefined, 30_000, 500);
    await waitFor('🎉 gone from the widget', async () => (await reactionIn(ROOT_TEXT, '🎉')) === undefined, 30_000, 250);
    await chatRow(root).locator('.chip[data-emoji="🎉"]').waitFor({ state: 'detached', timeout: 30_000 });
    // The pick marks bob's 👍 as his; picked again, it is taken back and alice's stays.
    await commentAction(ROOT_TEXT, 'React');
    await wb!.pick('👍', /Pick a reaction/);
    await waitFor('only alice\'s 👍', () => JSON.stringify(aliceSees(root)?.reactions) === JSON.stringify({ '👍': [ALICE] }), 30_000, 500);
    await waitFor('one 👍, not bob\'s', async () => JSON.stringify(await reactionIn(ROOT_TEXT, '👍')) === JSON.stringify({ count: '1', mine: false }), 30_000, 250);
  });

  it('an edit in the widget\'s edit mode reaches alice and the Chat view', async () => {
    const page = wb!.page;
    await commentAction(ROOT_TEXT, 'Edit');
    const editor = widget().locator('.review-comment .edit-container .monaco-editor').first();
    await editor.click();
    await page.keyboard.press('Control+A');
    const edited = `${ROOT_TEXT} Or cached?`;
    await page.keyboard.type(edited);
    await shot('edit-mode');
    await widget().locator('.review-comment .form-actions .monaco-button', { hasText: 'Save' }).first().click();
    await waitFor('the edit for alice', () => {
      const m = aliceSees(root);
      return m?.text === edited && m.edited;
    }, 30_000, 500);
    await comment(edited).waitFor({ timeout: 30_000 });
    assert.equal(await widget().locator('.review-comment .edit-container').count(), 0, 'out of edit mode');
    assert.match(await comment(edited).locator('.comment-title').innerText(), /\(edited\)/);
    await chatRow(root).locator('.md', { hasText: 'Or cached?' }).waitFor({ timeout: 30_000 });
    await chatRow(root).locator('.edited').waitFor();
  });

  it('Cancel leaves edit mode without changing the text', async () => {
    await commentAction('Or cached?', 'Edit');
    await wb!.page.keyboard.type(' never saved');
    await widget().locator('.review-comment .form-actions .monaco-button', { hasText: 'Cancel' }).first().click();
    await waitFor('out of edit mode', async () => (await widget().locator('.review-comment .edit-container').count()) === 0, 30_000, 250);
    assert.equal(aliceSees(root)?.text, `${ROOT_TEXT} Or cached?`);
  });

  it('deleting alice\'s reply is refused with the server\'s reason, and bob deletes his own after confirming', async () => {
    const page = wb!.page;
    aliceReply = (JSON.parse(asAlice('reply', '--room', 'general', '--json', String(root), 'Lazily, behind a getter.')) as { seq: number }).seq;
    await comment('Lazily, behind a getter.').waitFor({ timeout: 30_000 });
    // Others' messages: Delete only under More Actions (for the room's owners and admins); bob is neither.
    const others = comment('Lazily, behind a getter.');
    await others.hover();
    assert.equal(await others.locator('.comment-title .action-label[aria-label="Edit"]').count(), 0, 'no Edit on alice\'s reply');
    await others.locator('.comment-title .action-label[aria-label^="More Actions"]').click();
    await wb!.menuItem(/^\s*Delete\s*$/);
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Delete$/ }).click();
    await waitFor('the refusal', async () => (await wb!.notifications()).some((n) => /Parley: Only its author or a room admin can delete a message\./.test(n)), 30_000, 250);
    assert.equal(aliceSees(aliceReply)?.deleted, false);
    await shot('delete-refused');

    // Bob's own reply, typed in the widget, then deleted from it.
    const folded = widget().locator('.comment-form .review-thread-reply-button');
    if (await folded.isVisible()) await folded.click();
    await widget().locator('.comment-form .monaco-editor').first().click();
    await page.keyboard.type('Then the getter it is.');
    await page.keyboard.press('Control+Enter');
    bobReply = await waitFor('bob\'s reply for alice', () => aliceThread().find((m) => m.text === 'Then the getter it is.')?.seq, 30_000, 500);
    await commentAction('Then the getter it is.', 'Delete');
    await page.locator('.monaco-dialog-box', { hasText: 'Delete this message?' }).locator('.monaco-button', { hasText: /^Delete$/ }).click();
    await waitFor('deleted for alice', () => aliceSees(bobReply)?.deleted === true, 30_000, 500);
    await comment('(message deleted)').waitFor({ timeout: 30_000 });
    assert.equal(await comment('Then the getter it is.').count(), 0);
  });

  it('Copy Link puts the discussion\'s vscode:// link on the clipboard', async () => {
    const page = wb!.page;
    await page.evaluate(() => navigator.clipboard.writeText('nothing yet'));
    await widget().hover();
    await widget().locator('.head .action-label[aria-label="Copy Link"]').click();
    const link = `vscode://parley.parley/discussion?room=general&seq=${root}`;
    await waitFor('the link on the clipboard', async () => {
      seen = `clipboard: ${await page.evaluate(() => navigator.clipboard.readText())}`;
      return seen === `clipboard: ${link}`;
    }, 30_000, 250);
    assert.equal((JSON.parse(asAlice('discussions', '--json').trim().split('\n')[0]) as { link: string }).link, link);
  });

  it('the link, opened through the workbench, shows the thread in the chat and its lines in the editor', async () => {
    const page = wb!.page;
    const link = await page.evaluate(() => navigator.clipboard.readText());
    // Nothing of the discussion on screen: no editor open, the chat in its room's list.
    await wb!.command('View: Close All Editors');
    await waitFor('no editor', async () => (await page.locator('.tabs-container .tab').count()) === 0, 30_000, 250);
    assert.equal(await chat.locator('.thread-view').count(), 0);
    await wb!.command('Parley: Open Discussion Link…');
    await wb!.answer(link, /Paste the link of a discussion/);
    await waitFor('app.ts open', async () => (await wb!.activeEditorTitle()).startsWith('app.ts'), 30_000, 250);
    await page.locator('.review-widget .review-title', { hasText: /Parley · #general · lines 5–5/ }).first().waitFor({ timeout: 30_000 });
    await page.locator('.editor-instance .view-line', { hasText: 'value5 = compute(5)' }).first().waitFor({ timeout: 30_000 });
    // The thread in the chat: the root, alice's reply, and bob's deleted one as a tombstone.
    await chat.locator('.thread-view').waitFor({ timeout: 30_000 });
    await chatRow(root, '.thread-view').locator('.md', { hasText: 'Or cached?' }).waitFor({ timeout: 30_000 });
    await chatRow(aliceReply, '.thread-view').locator('.md', { hasText: 'Lazily, behind a getter.' }).waitFor({ timeout: 30_000 });
    await chatRow(bobReply, '.thread-view').locator('.tombstone').waitFor({ timeout: 30_000 });
    await shot('link-opened');
  });

  it('a link that is not a discussion\'s is refused in the input', async () => {
    await wb!.command('Parley: Open Discussion Link…');
    const input = wb!.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('vscode://parley.parley/elsewhere?room=general&seq=1');
    await waitFor('the refusal', async () => /This is not a Parley discussion link\./.test(await wb!.quickInputMessage()), 30_000, 250);
    await wb!.page.keyboard.press('Escape');
  });
});
