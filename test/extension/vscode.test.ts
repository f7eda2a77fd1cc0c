// The packaged extension in a real VS Code (code-server + headless Chromium) against a real
// parley-server, with the terminal client `parley` on the other end. One VS Code for the file;
// the tests run in order and build on each other, as a user's session would.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { ParleyServer, TerminalUser, waitFor, type Tail } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice01';
const BOB = 'bobby01';
const PASSWORD = 'correct horse';
const DM = `dm:${ALICE}:${BOB}`;
const REMOTE = 'https://example.com/team/demo.git';
const HELLO_TS = ['export function hello(name: string): string {', '  const greeting = `Hello, ${name}!`;', '  return greeting;', '}', ''].join('\n');

function makeWorkspace(): { dir: string; commit: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-ws-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'hello.ts'), HELLO_TS);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  git('remote', 'add', 'origin', REMOTE);
  return { dir, commit: git('rev-parse', 'HEAD') };
}

describe('VS Code extension in a real VS Code', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let bob: TerminalUser | undefined;
  let tail: Tail;
  let wb: Workbench | undefined;
  let vsix: string;
  let workspace: { dir: string; commit: string };
  let chat: Frame;
  let step = 0;
  /** Thread roots from the conversation tests: one Alice wrote, one by Bob she never replied to. */
  let aliceRoot = 0;
  let bobRoot = 0;

  const shot = async (name: string) => wb?.screenshot(`vscode-${String(++step).padStart(2, '0')}-${name}`);

  /** Types into the chat composer and presses Enter. */
  async function compose(text: string): Promise<void> {
    const box = chat.locator('.composer textarea');
    await box.click();
    await box.fill(text);
    await box.press('Enter');
  }

  /** The message rows (stored, not pending) of the open room whose text is exactly `text`. */
  function rows(text: string) {
    return chat.locator('.row.msg:not(.pending) .md', { hasText: text });
  }

  async function activeRoom(): Promise<string> {
    return chat.locator('.room-select').inputValue();
  }

  /** Clicks a People row until the chat shows `room` (a click racing a tree refresh is lost). */
  async function openFromTree(label: string, room: string): Promise<void> {
    const row = wb!.page.locator(`.pane-body .monaco-list-row[aria-label^="${label}"]`).first();
    await waitFor(`${room} in the chat after clicking ${label}`, async () => {
      await row.click();
      await new Promise((r) => setTimeout(r, 500));
      chat = await wb!.chatFrame('.composer textarea');
      return (await activeRoom()) === room;
    }, 30_000, 1000);
  }

  /** Shows the Parley views and finds the chat's frame again (a hidden view's page is rebuilt). */
  async function showChat(): Promise<void> {
    await wb!.openParley();
    chat = await wb!.chatFrame('.composer textarea');
  }

  before(async function () {
    vsix = await prepareVsixSuite(this, 'vscode-');
    server = await ParleyServer.start();
    new TerminalUser(server, ALICE, PASSWORD).register();
    bob = new TerminalUser(server, BOB, PASSWORD);
    bob.register();
    bob.login();
    tail = bob.tail();
    workspace = makeWorkspace();
    wb = await Workbench.start({
      vsix,
      workspace: workspace.dir,
      // Notifications stay at their default (DMs and @mentions); nothing before the DM test is either.
      settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port },
    });
  });

  after(async function () {
    this.timeout(60_000);
    if (this.currentTest?.state === 'failed') await shot('failure').catch(() => undefined);
    await wb?.stop();
    bob?.close();
    await server?.stop();
    if (workspace) rmSync(workspace.dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await shot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  it('installs the packaged .vsix: small, no server code, Parley in the activity bar', async () => {
    const size = statSync(vsix).size;
    assert.ok(size < 1.5 * 1024 * 1024, `vsix is ${size} bytes`);
    const listing = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.ok(listing.includes('extension/dist/extension/extension.js'), listing.join('\n'));
    assert.ok(listing.includes('extension/dist/webview/main.js'), listing.join('\n'));
    assert.ok(listing.includes('extension/LICENSE.txt'), listing.join('\n'));
    const stray = listing.filter((f) => /dist\/(server|client)\/|node_modules\/|\.map$|\.ts$/.test(f));
    assert.deepEqual(stray, []);
    assert.match(wb!.installOutput, /successfully installed/i);
    // Opening the Parley views is what starts the extension (no start-up activation).
    await wb!.openParley();
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    const activated = wb!.logs(/exthost/).split('\n').filter((l) => l.includes('_doActivateExtension parley.parley,'));
    assert.equal(activated.length, 1, activated.join('\n'));
    assert.match(activated[0], /startup: false, activationEvent: 'onView:parley\.(chat|people)'/);
    await shot('installed');
  });

  it('signs in through the command palette (user, then password)', async () => {
    await wb!.command('Parley: Sign In');
    await wb!.answer(ALICE, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('status item "alice01"', async () => (await wb!.statusText()).includes(ALICE), 30_000);
    chat = await wb!.chatFrame('.composer textarea');
    await waitFor('composer enabled', async () => !(await chat.locator('.composer textarea').isDisabled()));
    // The webview loaded under its CSP with VS Code's real cspSource: script ran, styles applied.
    assert.equal(await chat.locator('.composer .input-row').evaluate((el) => getComputedStyle(el).display), 'flex');
    assert.deepEqual(wb!.cspViolations(), []);
    await shot('signed-in');
  });

  it('lists the terminal client user as online in People', async () => {
    const online = wb!.treeRow(/^Online/);
    await online.first().waitFor({ timeout: 30_000 });
    const bobRow = wb!.page.locator('.pane-body .monaco-list-row[aria-label^="bobby01"]');
    await bobRow.first().waitFor({ timeout: 30_000 });
    // Online comes before Offline, and Bob sits under it.
    const labels = await wb!.page.locator('.pane-body .monaco-list-row').allInnerTexts();
    const iOnline = labels.findIndex((l) => l.startsWith('Online'));
    const iBob = labels.findIndex((l) => l.startsWith(BOB));
    const iOffline = labels.findIndex((l) => l.startsWith('Offline'));
    assert.ok(iOnline >= 0 && iBob > iOnline && (iOffline < 0 || iBob < iOffline), labels.join(' | '));
    await shot('people');
  });

  it('sends from the webview composer to the terminal client', async () => {
    const text = `hello from vscode ${Date.now()}`;
    await compose(text);
    const got = await tail.waitFor(text, (m) => m.text === text);
    assert.equal(got.from, ALICE);
    assert.equal(got.room, 'general');
    await rows(text).first().waitFor();
  });

  it('shows a message from the terminal client in the webview', async () => {
    const text = `hello from the terminal ${Date.now()}`;
    bob!.send('general', text);
    await rows(text).first().waitFor({ timeout: 15_000 });
    assert.equal(await rows(text).count(), 1);
    await shot('terminal-message');
  });

  /** Bob's view of #general through `parley history --json`: message `seq` as it is now. */
  function bobSees(seq: number, cmd: string[] = ['history', '--room', 'general', '--limit', '100', '--json']): Record<string, unknown> | undefined {
    return bob!.run(...cmd).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((m) => m.seq === seq);
  }

  /** The stored row of the open room (or thread) whose text contains `text`. */
  function rowOf(text: string, scope = '.scroller') {
    return chat.locator(`${scope} .row.msg:not(.pending)`, { has: chat.locator('.md', { hasText: text }) });
  }

  it('replies, reacts, edits and deletes from the webview, as the terminal client sees', async () => {
    const rootText = `thread root ${Date.now()}`;
    await compose(rootText);
    const root = (await tail.waitFor(rootText, (m) => m.text === rootText)).seq as number;
    aliceRoot = root;
    const rootRow = rowOf(rootText);
    await rootRow.waitFor();

    // Reply in the thread, from the thread view.
    await rootRow.hover();
    await rootRow.locator('.actions .act-reply').click();
    const replyText = `a reply from vscode ${Date.now()}`;
    const replyBox = chat.locator('.thread-view textarea.reply-input');
    await replyBox.fill(replyText);
    await replyBox.press('Enter');
    await waitFor('the reply in `parley thread`', () => bob!.run('thread', '--room', 'general', '--json', String(root)).includes(replyText));
    await rowOf(replyText, '.thread-view').waitFor();
    await waitFor('the reply no longer pending', async () => (await chat.locator('.thread-view .row.pending').count()) === 0);
    await shot('thread');
    await chat.locator('.thread-back').click();
    await rootRow.locator('.thread-summary', { hasText: '1 reply' }).waitFor();

    // React with 👍 from the quick bar.
    await rootRow.hover();
    await rootRow.locator('.actions .act-react').click();
    await chat.locator('.popup .emoji-button', { hasText: '👍' }).click();
    await waitFor('the reaction in `parley history`', () => JSON.stringify(bobSees(root)?.reactions) === JSON.stringify({ '👍': [ALICE] }));
    await rootRow.locator('.chip.mine[data-emoji="👍"]').waitFor();

    // Edit it: the action puts the text in the composer, Enter saves.
    const edited = `${rootText} (fixed)`;
    await rootRow.hover();
    await rootRow.locator('.actions .act-edit').click();
    const box = chat.locator('.composer textarea.input');
    await box.fill(edited);
    await box.press('Enter');
    await waitFor('the edit in `parley history`', () => bobSees(root)?.text === edited && bobSees(root)?.edited === true);
    await rowOf(edited).locator('.edited').waitFor();

    // Delete another message of mine, after confirming.
    const doomed = `to be deleted ${Date.now()}`;
    await compose(doomed);
    const doomedSeq = (await tail.waitFor(doomed, (m) => m.text === doomed)).seq as number;
    const doomedRow = rowOf(doomed);
    await doomedRow.hover();
    await doomedRow.locator('.actions .act-delete').click();
    await chat.locator('.popup .danger-button').click();
    await waitFor('the delete in `parley history`', () => bobSees(doomedSeq)?.deleted === true);
    await chat.locator(`.scroller .row.msg[data-seq="${doomedSeq}"] .tombstone`).waitFor();
    assert.equal(await rowOf(doomed).count(), 0);
  });

  it('shows the terminal client’s reactions, edits, deletes and replies live in the webview', async () => {
    const text = `from the terminal to react to ${Date.now()}`;
    const seq = (JSON.parse(bob!.run('send', '--room', 'general', '--json', text)) as { seq: number }).seq;
    bobRoot = seq;
    const other = `the terminal takes this back ${Date.now()}`;
    const otherSeq = (JSON.parse(bob!.run('send', '--room', 'general', '--json', other)) as { seq: number }).seq;
    await rowOf(other).waitFor({ timeout: 15_000 });
    bob!.run('react', '--room', 'general', String(seq), '🎉');
    const row = chat.locator(`.scroller .row.msg[data-seq="${seq}"]`);
    await row.locator('.chip[data-emoji="🎉"]', { hasText: '1' }).waitFor({ timeout: 15_000 });
    assert.equal(await row.locator('.chip[data-emoji="🎉"]').getAttribute('aria-pressed'), 'false', 'not my reaction');
    bob!.run('edit', '--room', 'general', String(seq), `${text} (edited in the terminal)`);
    await row.locator('.md', { hasText: '(edited in the terminal)' }).waitFor({ timeout: 15_000 });
    await row.locator('.edited').waitFor();
    bob!.run('delete', '--room', 'general', String(otherSeq));
    await chat.locator(`.scroller .row.msg[data-seq="${otherSeq}"] .tombstone`).waitFor({ timeout: 15_000 });
    bob!.run('reply', '--room', 'general', String(seq), 'a reply from the terminal');
    await row.locator('.thread-summary', { hasText: `1 reply · ${BOB}` }).waitFor({ timeout: 15_000 });
    await shot('terminal-changes');
  });

  it('opens the DM when a user is clicked in People, and counts unread elsewhere', async () => {
    await openFromTree(BOB, DM);
    const text = `psst ${Date.now()}`;
    await compose(text);
    const got = await tail.waitFor(text, (m) => m.text === text);
    assert.equal(got.room, DM);

    // A message in #general while the DM is open: unread on the tree row and the badge.
    bob!.send('general', `while you were away ${Date.now()}`);
    const general = wb!.page.locator('.pane-body .monaco-list-row[aria-label^="#general"]');
    await waitFor('unread count on #general', async () => /#general\s*1\b/.test((await general.first().innerText()).replace(/\s+/g, ' ')));
    await waitFor('activity bar badge', async () =>
      (await wb!.page.locator('.activitybar .action-item:has(a[aria-label^="Parley"]) .badge-content').innerText().catch(() => '')).trim() === '1',
    );
    await shot('dm-and-unread');
    // Opening the room from the tree reads it.
    await openFromTree('#general', 'general');
    await waitFor('unread cleared', async () => !/#general\s*1\b/.test((await general.first().innerText()).replace(/\s+/g, ' ')));
  });

  it('shows nothing unread after Reload Window when the last message of a DM is her own', async () => {
    // The DM's last message is the one Alice sent above, and #general was read: nothing is unread.
    const main = wb!.page.mainFrame();
    const navigated = wb!.page.waitForEvent('framenavigated', { predicate: (f) => f === main, timeout: 60_000 });
    await wb!.command('Developer: Reload Window');
    await navigated;
    await wb!.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await waitFor('status item "alice01" after the reload', async () => (await wb!.statusText()).includes(ALICE), 60_000);
    // The People tree lists the DM from the new session's rooms, with their counts in the same render.
    const dmRoom = wb!.page.locator('.pane-body .monaco-list-row[aria-label^="@bobby01"]');
    await dmRoom.first().waitFor({ timeout: 30_000 });
    await showChat();
    await waitFor('the DM in the chat\'s room list', async () => (await chat.locator(`.room-select option[value="${DM}"]`).count()) === 1);
    await shot('reloaded');
    assert.doesNotMatch(await wb!.statusText(), new RegExp(`${ALICE} · \\d`), 'no unread count in the status bar');
    const badge = wb!.page.locator('.activitybar .action-item:has(a[aria-label^="Parley"]) .badge-content');
    const badgeText = (await badge.count()) > 0 && (await badge.first().isVisible()) ? (await badge.first().innerText()).trim() : '';
    assert.equal(badgeText, '', 'no badge on the Parley view');
    assert.equal((await dmRoom.first().getAttribute('aria-label'))?.trim(), '@bobby01', 'no count on the DM in People');
    const person = wb!.page.locator(`.pane-body .monaco-list-row[aria-label^="${BOB}"]`);
    assert.doesNotMatch(await person.first().innerText(), /(^|\s)\(?\d+\+?\)?(\s|$)/, 'no count beside Bob in People');
    assert.doesNotMatch(await chat.locator(`.room-select option[value="${DM}"]`).innerText(), /\(\d+\+?\)/, 'no count on the DM in the chat');
  });

  it('reconnects after the server restarts and shows what was sent meanwhile exactly once', async () => {
    await server!.kill();
    await waitFor('reconnecting status', async () => /reconnecting|connecting/i.test(await wb!.statusText()), 30_000);
    // Written while the server is down: queued, then sent with the same cid once connected.
    const queued = `typed while offline ${Date.now()}`;
    await compose(queued);
    await chat.locator('.row.msg.pending', { hasText: queued }).first().waitFor();
    await shot('offline');
    // Let the backoff grow so the server is back before the extension's next attempt.
    await waitFor('a retry several seconds away', async () => {
      const m = /reconnecting in (\d+)s/i.exec(await wb!.statusText());
      return m !== null && Number(m[1]) >= 5;
    }, 90_000, 200);
    await server!.launch();
    const meanwhile = `sent while you were disconnected ${Date.now()}`;
    bob!.send('general', meanwhile);
    assert.match(await wb!.statusText(), /reconnecting/i, 'still disconnected when the message was stored');

    await waitFor('reconnected', async () => (await wb!.statusText()).includes(ALICE), 60_000);
    await rows(meanwhile).first().waitFor({ timeout: 30_000 });
    await tail.waitFor(queued, (m) => m.text === queued, 30_000);
    await rows(queued).first().waitFor({ timeout: 15_000 });
    // Give duplicates a chance to show up before counting.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await rows(meanwhile).count(), 1, 'the message sent meanwhile is shown once');
    assert.equal(await rows(queued).count(), 1, 'the queued message is shown once');
    assert.equal(await chat.locator('.row.msg.pending', { hasText: queued }).count(), 0, 'nothing left pending');
    assert.equal(tail.count((m) => m.text === queued), 1, 'the queued message reached the terminal once');
    await shot('reconnected');
  });

  it('sends the editor selection as a snippet with path, lines, git remote, commit and hash', async () => {
    const page = wb!.page;
    await wb!.command('Go to File');
    await wb!.pick('hello.ts');
    await waitFor('hello.ts open', async () => (await wb!.activeEditorTitle()).includes('hello.ts'));
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.click();
    // Lines 2–3: go to line 2, then extend the selection down over line 3.
    await page.keyboard.press('Control+g');
    await page.keyboard.type('2');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+End');
    await wb!.command('Parley: Send Selection');
    await wb!.pick('#general', /Where to send it/);
    const got = await tail.waitFor('snippet', (m) => m.snippet !== undefined, 30_000);
    const s = got.snippet as Record<string, unknown>;
    assert.equal(s.path, 'src/hello.ts');
    assert.equal(s.startLine, 2);
    assert.equal(s.endLine, 3);
    assert.equal(s.language, 'typescript');
    assert.equal(s.code, HELLO_TS.split('\n').slice(1, 3).join('\n'));
    assert.equal(s.remote, REMOTE);
    assert.equal(s.commit, workspace.commit);
    assert.equal(s.fileSha256, createHash('sha256').update(readFileSync(path.join(workspace.dir, 'src/hello.ts'))).digest('hex'));

    // In the webview it is a snippet; "Open" goes to the same lines of the local file.
    const snippet = chat.locator('.snippet', { hasText: 'src/hello.ts' }).first();
    await snippet.waitFor({ timeout: 15_000 });
    await shot('snippet');
    await wb!.command('View: Close All Editors');
    await snippet.locator('button', { hasText: 'Open' }).click();
    await waitFor('hello.ts opened at the snippet', async () => (await wb!.activeEditorTitle()).includes('hello.ts'), 15_000);
    await waitFor('lines 2–3 selected', async () => /Ln 2, Col 1|Ln 3,.*selected/.test(await wb!.statusText()), 15_000);

    // Once the local file differs from the sender's, "Open" shows the snippet itself instead.
    await wb!.command('View: Close All Editors');
    writeFileSync(path.join(workspace.dir, 'src', 'hello.ts'), `// changed locally\n${HELLO_TS}`);
    await snippet.locator('button', { hasText: 'Open' }).click();
    await waitFor('an untitled editor with the snippet', async () => /Untitled/.test(await wb!.activeEditorTitle()), 15_000);
    const text = (await wb!.page.locator('.editor-instance .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    assert.ok(text.includes('const greeting'), text);
    assert.ok(!text.includes('export function'), text);
    await wb!.command('View: Revert and Close Editor');
    writeFileSync(path.join(workspace.dir, 'src', 'hello.ts'), HELLO_TS);
  });

  it('notifies about a DM while the chat is hidden, and "Open" goes to it', async () => {
    await wb!.command('View: Show Explorer');
    await wb!.page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor();
    // The view's visibility reaches the extension host asynchronously.
    await new Promise((r) => setTimeout(r, 2000));
    const text = `are you there? ${Date.now()}`;
    bob!.run('send', '--to', ALICE, text);
    const toast = wb!.page.locator('.notification-toast', { hasText: text });
    await toast.first().waitFor({ timeout: 20_000 });
    assert.ok((await toast.first().innerText()).includes(`${BOB}: ${text}`));
    await shot('notification');
    await toast.first().locator('.monaco-button', { hasText: 'Open' }).click();
    // The hidden view's page was torn down; the chat shown now is a new frame.
    await waitFor('the DM open in the chat', async () => {
      chat = await wb!.chatFrame('.composer textarea');
      return (await activeRoom()) === DM;
    }, 30_000);
    await rows(text).first().waitFor();
  });

  it('notifies about a reply in a thread Alice started, not in one she is not part of', async () => {
    assert.ok(aliceRoot > 0 && bobRoot > 0);
    await wb!.command('View: Show Explorer');
    await wb!.page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor();
    // A DM's notification shows once the extension knows the chat is hidden.
    const probe = `still there? ${Date.now()}`;
    bob!.run('send', '--to', ALICE, probe);
    await wb!.page.locator('.notification-toast', { hasText: probe }).first().waitFor({ timeout: 20_000 });
    const quiet = `not your thread ${Date.now()}`;
    bob!.run('reply', '--room', 'general', String(bobRoot), quiet);
    const loud = `your thread ${Date.now()}`;
    bob!.run('reply', '--room', 'general', String(aliceRoot), loud);
    const toast = wb!.page.locator('.notification-toast', { hasText: loud });
    await toast.first().waitFor({ timeout: 20_000 });
    assert.ok((await toast.first().innerText()).includes(`${BOB} replied in a thread in #general: ${loud}`), await toast.first().innerText());
    assert.equal(await wb!.page.locator('.notification-toast', { hasText: quiet }).count(), 0, 'delivered before, and not notified');
    await shot('thread-notification');
    await wb!.command('Notifications: Clear All Notifications');
    await wb!.page.locator('.notification-toast').first().waitFor({ state: 'detached', timeout: 10_000 });
    await showChat();
  });

  it('holds notifications during a debug session and shows one digest after it', async () => {
    writeFileSync(path.join(workspace.dir, 'wait.js'), 'setTimeout(() => {}, 12000);\n');
    mkdirSync(path.join(workspace.dir, '.vscode'), { recursive: true });
    writeFileSync(
      path.join(workspace.dir, '.vscode', 'launch.json'),
      JSON.stringify({ version: '0.2.0', configurations: [{ type: 'node', request: 'launch', name: 'wait', program: '${workspaceFolder}/wait.js' }] }),
    );
    await wb!.command('View: Show Explorer');
    await new Promise((r) => setTimeout(r, 2000));
    await wb!.command('Debug: Start Debugging');
    await wb!.page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 120_000 });
    const first = `during debugging one ${Date.now()}`;
    const second = `during debugging two ${Date.now()}`;
    bob!.run('send', '--to', ALICE, first);
    bob!.run('send', '--to', ALICE, second);
    await new Promise((r) => setTimeout(r, 2000));
    const toasts = async () => (await wb!.page.locator('.notification-toast').allInnerTexts()).join('\n');
    assert.ok(!(await toasts()).includes(first), 'no toast while debugging');
    await shot('debugging');
    await wb!.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 120_000 });
    await waitFor('the digest', async () => /While you were debugging: 2 messages from bobby01/.test(await toasts()), 20_000);
    await shot('debug-digest');
    await wb!.page.locator('.notification-toast', { hasText: 'While you were debugging' }).locator('.codicon-notifications-clear, .codicon-close').first().click().catch(() => undefined);
  });

  it('shares presence: away after idle, and "in file on branch" when opted in', async () => {
    wb!.updateSettings(workspace.dir, { 'parley.presence.shareContext': true, 'parley.presence.awayAfterMinutes': 0.05 });
    await wb!.command('Go to File');
    await wb!.pick('hello.ts');
    const who = () =>
      bob!
        .run('who', '--json')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { user: string; status: string; context?: string })
        .find((p) => p.user === ALICE);
    const seen = await waitFor('alice away with context', () => {
      const me = who();
      return me?.status === 'away' && me.context ? me : undefined;
    }, 30_000, 500);
    assert.equal(seen.context, 'in src/hello.ts on branch main');
    // Typing in the editor is activity: online again.
    await wb!.page.locator('.editor-instance .monaco-editor').first().click();
    await wb!.page.keyboard.press('End');
    await waitFor('alice online again', () => who()?.status === 'online', 30_000, 500);
    wb!.updateSettings(workspace.dir, { 'parley.presence.shareContext': false, 'parley.presence.awayAfterMinutes': 5 });
    await waitFor('context no longer shared', () => who()?.context === undefined, 30_000, 500);
  });

  it('creates a room, then leaves and joins it again with the tree\'s inline actions', async () => {
    await showChat();
    const name = `team-${Date.now() % 100000}`;
    await wb!.command('Parley: Create Room');
    await wb!.answer(name, /Room name/);
    await wb!.pick('Public', /Who can find and join/);
    await waitFor(`#${name} in the chat`, async () => {
      chat = await wb!.chatFrame('.composer textarea');
      return (await activeRoom()) === name;
    });
    const row = wb!.page.locator(`.pane-body .monaco-list-row[aria-label^="#${name}"]`).first();
    await row.waitFor();
    await row.hover();
    await row.locator('.action-label[aria-label="Leave Room"]').click();
    await waitFor('the room shown as not joined', async () => /not joined/.test(await row.innerText()));
    await waitFor('the chat back in #general', async () => {
      chat = await wb!.chatFrame('.composer textarea');
      return (await activeRoom()) === 'general';
    });
    await shot('left-room');
    await row.hover();
    await row.locator('.action-label[aria-label="Join Room"]').click();
    await waitFor('joined again', async () => !/not joined/.test(await row.innerText()));
    await waitFor(`#${name} in the chat again`, async () => {
      chat = await wb!.chatFrame('.composer textarea');
      return (await activeRoom()) === name;
    });
  });

  it('sends a file with Send File… through the file dialog', async () => {
    const file = path.join(workspace.dir, 'notes.txt');
    const body = 'notes to share\n'.repeat(500);
    writeFileSync(file, body);
    await wb!.command('Parley: Send File…');
    // code-server's own file dialog: a quick input that takes a path.
    await wb!.chooseFile(file);
    await wb!.pick('#general', /Where to send it/);
    const got = await tail.waitFor('file message', (m) => (m.file as { name?: string } | undefined)?.name === 'notes.txt', 30_000);
    const ref = got.file as { size: number; sha256: string; kind: string };
    assert.equal(ref.size, Buffer.byteLength(body));
    assert.equal(ref.sha256, createHash('sha256').update(body).digest('hex'));
    assert.equal(got.from, ALICE);
    await showChat();
    await openFromTree('#general', 'general');
    await chat.locator('.row.msg', { hasText: 'notes.txt' }).first().waitFor({ timeout: 15_000 });
    await shot('file-sent');
  });

  it('signs out: the status says so and the token is gone for the next start', async () => {
    await wb!.command('Parley: Sign Out');
    await waitFor('signed-out status', async () => /Parley: signed out/.test(await wb!.statusText()), 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(!(await wb!.notifications()).some((t) => /another window/.test(t)), 'no "signed out elsewhere" warning');
    // Connect / Reconnect without a saved session asks to sign in.
    await wb!.command('Parley: Connect / Reconnect');
    await wb!.answer(ALICE, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('signed in again', async () => (await wb!.statusText()).includes(ALICE), 30_000);
    await shot('signed-in-again');
  });
});
