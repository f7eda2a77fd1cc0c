// A new user's first run in a real VS Code (code-server + headless Chromium): nothing listens on
// the configured address, the real server is on another port. The signed-out views say which
// server; Register checks it before asking anything and offers another address; the prompts say
// the rules and check them while typing; then the chat in an editor tab over the one connection,
// Direct Messages in People, mentions in words, and server changes however they are made.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { dmRoomId } from '../../protocol';
import { freePort, ParleyServer, TerminalUser, waitFor, type Tail } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice01';
const BOB = 'bobby01';
const PASSWORD = 'correct horse';

describe('VS Code extension: first run, sign-in flow, chat in an editor, server changes', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let other: ParleyServer | undefined;
  let deadPort = 0;
  let bob: TerminalUser | undefined;
  let tail: Tail;
  let wb: Workbench | undefined;
  let workspace: string | undefined;
  let chat: Frame;
  let step = 0;

  const shot = async (name: string) => wb?.screenshot(`first-run-${String(++step).padStart(2, '0')}-${name}`);
  const input = () => wb!.page.locator('.quick-input-widget .quick-input-box input');
  const quickInputOpen = () => wb!.page.locator('.quick-input-widget').isVisible();
  const toasts = async () => (await wb!.page.locator('.notification-toast').allInnerTexts()).join('\n');
  const addr = (port: number) => `127.0.0.1:${port}`;
  const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  /** Types `text` without pressing Enter and waits for validateInput's message. */
  async function typeAndExpect(text: string, message: RegExp): Promise<void> {
    await input().fill(text);
    await waitFor(`"${message.source}" under the input`, async () => message.test(await wb!.quickInputMessage()), 15_000, 100);
  }
  async function compose(frame: Frame, text: string): Promise<void> {
    const box = frame.locator('.composer textarea');
    await box.click();
    await box.fill(text);
    await box.press('Enter');
  }
  /** The People rows' texts, top to bottom. */
  async function peopleRows(): Promise<string[]> {
    const pane = wb!.page.locator('.pane', { has: wb!.page.locator('.pane-header', { hasText: /People/i }) });
    return (await pane.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  before(async function () {
    const vsix = await prepareVsixSuite(this, 'first-run-');
    deadPort = await freePort();
    // --log-level debug: the server logs every sign-in with its connection.
    server = await ParleyServer.start({ args: ['--log-level', 'debug'] });
    other = await ParleyServer.start();
    bob = new TerminalUser(server, BOB, PASSWORD);
    bob.register();
    bob.login();
    tail = bob.tail();
    workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-ws-'));
    wb = await Workbench.start({
      vsix,
      workspace,
      settings: { 'parley.server.port': deadPort, 'parley.notifications': 'none' },
    });
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.stop();
    bob?.close();
    await server?.stop();
    await other?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await shot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  it('names the server in both signed-out views, with one pair of Sign In / Register, and gives the chat most of the sidebar', async () => {
    await wb!.openParley();
    chat = await wb!.chatFrame('.signed-out');
    await waitFor('the server in the signed-out chat', async () =>
      (await chat.locator('.signed-out-server').innerText()).replace(/\s+/g, ' ').trim() === `Server: ${addr(deadPort)} · Change…`);
    assert.deepEqual(await chat.locator('.signed-out-actions button').allInnerTexts(), ['Sign In', 'Register']);
    await wb!.treeRow(re(`Server: ${addr(deadPort)}`)).first().waitFor({ timeout: 30_000 });
    assert.ok((await peopleRows()).includes(`Server: ${addr(deadPort)}Change…`), (await peopleRows()).join(' | '));
    // No second pair of buttons or links in the People view.
    const outside = wb!.page.locator('.pane-body .monaco-button, .pane-body a', { hasText: /^\s*(Sign In|Sign in|Register)\s*$/ });
    assert.equal(await outside.count(), 0, 'Sign In / Register appear once, in the chat');
    const height = async (title: RegExp) =>
      (await wb!.page.locator('.pane', { has: wb!.page.locator('.pane-header', { hasText: title }) }).first().boundingBox())?.height ?? 0;
    const [chatHeight, peopleHeight] = [await height(/Chat/i), await height(/People/i)];
    assert.ok(chatHeight > 2 * peopleHeight, `Chat ${chatHeight}px, People ${peopleHeight}px`);
    await shot('signed-out');
  });

  it('Register checks the server before asking anything, names the address, and Change Server… saves another', async () => {
    await chat.getByRole('button', { name: 'Register' }).click();
    const unreachable = re(`Cannot reach the Parley server at ${addr(deadPort)}`);
    await waitFor('the unreachable server named', async () => unreachable.test(await toasts()), 30_000);
    assert.equal(await quickInputOpen(), false, 'no credentials asked of a server that does not answer');
    await shot('server-unreachable');
    await wb!.clickToastButton(unreachable, 'Change Server');
    await wb!.waitForPrompt(/Parley: Change Server/);
    assert.equal(await input().inputValue(), addr(deadPort));
    await typeAndExpect('chat example', /Not a host name/);
    await typeAndExpect('127.0.0.1:99999', /1 to 65535/);
    await input().fill(addr(server!.port));
    await input().press('Enter');

    // The rules come with the prompt and are checked while typing.
    await wb!.waitForPrompt(re(`Parley: Register at ${addr(server!.port)}`));
    assert.match(await wb!.quickInputMessage(), /6 to 32 characters: letters, digits, "_", "\." or "-"/);
    await typeAndExpect('ab', /Too short: at least 6 characters \(2 typed\)/);
    await typeAndExpect('alice 01', /Only letters, digits/);
    await shot('user-name-rule');
    await input().fill(ALICE);
    await input().press('Enter');
    await wb!.waitForPrompt(/Choose a password for alice01: at least 8 characters/);
    await typeAndExpect('short', /At least 8 characters \(5 typed\)/);
    await input().fill(PASSWORD);
    await input().press('Enter');
    await wb!.answer(PASSWORD, /Repeat the password/);
    await waitFor('registered and signed in', async () => (await wb!.statusText()).includes(ALICE), 60_000);
    // Saved in the user settings, for the next start too.
    assert.equal(wb!.userSettings()['parley.server.port'], server!.port);
    // The server logs a sign-in a moment after it answered it.
    await waitFor('the sign-in in the server log', () => server!.signIns(ALICE).length === 1, 15_000);
  });

  it('opens the same chat in an editor tab, over the one connection', async () => {
    chat = await wb!.chatFrameIn('sidebar', '.composer textarea');
    const hello = `hello from the terminal ${Date.now()}`;
    bob!.send('general', hello);
    await chat.locator('.row.msg .md', { hasText: hello }).first().waitFor({ timeout: 30_000 });
    assert.ok(await wb!.page.locator('.pane-header .action-label[aria-label="Open Chat in Editor"]').count() > 0, 'a view-title action');
    await wb!.command('Parley: Open Chat in Editor');
    await waitFor('the chat editor tab', async () => /Parley Chat/.test(await wb!.activeEditorTitle()), 30_000);
    const editor = await wb!.chatFrameIn('editor', '.composer textarea');
    await editor.locator('.row.msg .md', { hasText: hello }).first().waitFor({ timeout: 30_000 });
    const typed = `typed in the editor tab ${Date.now()}`;
    await waitFor('composer enabled', async () => !(await editor.locator('.composer textarea').isDisabled()));
    await compose(editor, typed);
    assert.equal((await tail.waitFor(typed, (m) => m.text === typed)).from, ALICE);
    // Both show it: one chat service, one connection.
    await chat.locator('.row.msg:not(.pending) .md', { hasText: typed }).first().waitFor({ timeout: 30_000 });
    await shot('chat-in-editor');
    assert.deepEqual(server!.signIns(ALICE).length, 1, `sign-ins: ${server!.signIns(ALICE).join(', ')}`);
    assert.deepEqual(wb!.cspViolations(), []);
    await wb!.command('View: Close All Editors');
  });

  it('lists direct messages under Direct Messages, not Rooms, and counts mentions in words', async () => {
    const dm = dmRoomId(ALICE, BOB);
    bob!.send(dm, `a private word ${Date.now()}`);
    await waitFor('Direct Messages in People', async () => (await peopleRows()).includes('Direct Messages'), 30_000);
    const rows = await peopleRows();
    const dmsAt = rows.indexOf('Direct Messages');
    const onlineAt = rows.findIndex((r) => r.startsWith('Online'));
    const dmRow = rows.findIndex((r) => r.startsWith(`@${BOB}`));
    assert.ok(rows.indexOf('Rooms') < dmsAt && dmsAt < dmRow && dmRow < onlineAt, rows.join(' | '));
    assert.match(rows[dmRow], /^@bobby01\s*1$/, 'the DM counts its unread message');
    assert.equal(rows.slice(rows.indexOf('Rooms') + 1, dmsAt).some((r) => r.includes(BOB)), false, 'no DM under Rooms');
    // Read the DM in the chat, so that a mention in #general stays unread.
    const row = wb!.page.locator(`.pane-body .monaco-list-row[aria-label^="@${BOB}"]`).first();
    await waitFor('the DM open in the chat', async () => {
      await row.click();
      chat = await wb!.chatFrameIn('sidebar', '.composer textarea');
      return (await chat.locator('.room-select').inputValue()) === dm;
    }, 30_000, 1000);
    bob!.send('general', `@${ALICE} can you look at this`);
    await waitFor('"1 mention" on #general', async () => (await peopleRows()).some((r) => /^#general\s*1 · 1 mention$/.test(r)), 30_000);
    assert.equal((await peopleRows()).some((r) => /@\d/.test(r)), false);
    await waitFor('the mention in the status bar', async () => /alice01 · 1 · 1 mention/.test(await wb!.statusText()), 30_000);
    await shot('dms-and-mentions');
  });

  it('a server change while connected asks before reconnecting', async () => {
    await wb!.command('Parley: Change Server');
    await wb!.waitForPrompt(/Parley: Change Server/);
    await input().fill(addr(other!.port));
    await input().press('Enter');
    const question = re(`now name ${addr(other!.port)}; you are connected to ${addr(server!.port)}`);
    await waitFor('the question', async () => question.test(await toasts()), 30_000);
    assert.match(await wb!.statusText(), re(ALICE), 'still connected until the user says so');
    await wb!.clickToastButton(question, 'Reconnect');
    // No session on the other server: signed out, and the chat says where the next sign-in goes.
    await waitFor('signed out', async () => /Parley: signed out/.test(await wb!.statusText()), 30_000);
    chat = await wb!.chatFrame('.signed-out');
    await waitFor('the other server named', async () => (await chat.locator('.signed-out-server-name').innerText()) === `Server: ${addr(other!.port)}`);
  });

  it('a hand edit of the user settings.json reaches the next sign-in', async () => {
    wb!.editUserSettingsFile({ 'parley.server.port': server!.port });
    await chat.getByRole('button', { name: 'Sign In', exact: true }).click();
    await wb!.answer(ALICE, re(`Parley: Sign In to ${addr(server!.port)}`));
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('signed in on the edited server', async () => (await wb!.statusText()).includes(ALICE), 60_000);
    assert.equal(server!.signIns(ALICE).length, 2);
  });
});
