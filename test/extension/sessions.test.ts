// The packaged extension in a real VS Code against a real parley-server and the terminal client:
// "Parley: Manage Sessions" lists where the user is signed in and ends the others,
// "Parley: Change Password" changes it, and a session ended elsewhere signs the window out.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ParleyServer, TerminalUser, waitFor } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'sessalice01';
const PASSWORD = 'correct horse';
const NEW_PASSWORD = 'battery staple';

describe('VS Code extension: Manage Sessions and Change Password', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let terminal: TerminalUser | undefined;
  let wb: Workbench | undefined;
  let workspace: string | undefined;
  let step = 0;

  const shot = async (name: string) => wb?.screenshot(`sessions-${String(++step).padStart(2, '0')}-${name}`);
  const toasts = async () => (await wb!.page.locator('.notification-toast').allInnerTexts()).join('\n');
  const terminalFails = (...args: string[]) => assert.throws(() => terminal!.run(...args), /exited 1/);

  before(async function () {
    const vsix = await prepareVsixSuite(this, 'sessions-');
    server = await ParleyServer.start();
    terminal = new TerminalUser(server, ALICE, PASSWORD);
    terminal.register();
    terminal.login();
    workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-ws-'));
    wb = await Workbench.start({ vsix, workspace, settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port } });
    // The palette lists the extension's commands once the workbench has started up.
    await waitFor('start-up finished', () => /activationEvent: 'onStartupFinished'/.test(wb!.logs(/exthost/)), 120_000, 500);
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.stop();
    terminal?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await shot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  it('lists the sessions, this window marked, and signs out all the others', async () => {
    await wb!.command('Parley: Sign In');
    await wb!.answer(ALICE, /Parley: Sign In/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('signed in', async () => (await wb!.statusText()).includes(ALICE), 60_000);
    await wb!.command('Parley: Manage Sessions');
    await wb!.waitForPrompt(/Pick a session to end it/);
    const rows = wb!.page.locator('.quick-input-list .monaco-list-row');
    const listed = await waitFor('the sessions listed', async () => {
      const texts = await rows.allInnerTexts();
      return texts.some((t) => t.includes('parley-cli/')) && texts.some((t) => /parley-vscode\/.*\(this window\)/.test(t)) ? texts : undefined;
    });
    assert.ok(listed.some((t) => t.includes('Sign out all other sessions (1)')), listed.join(' | '));
    await shot('sessions-listed');
    await wb!.pick('Sign out all other sessions');
    const confirm = wb!.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Sign Out Others' });
    await confirm.waitFor({ timeout: 15_000 });
    await confirm.click();
    await waitFor('the confirmation', async () => /Ended 1 other Parley sessions/.test(await toasts()), 30_000);
    // The terminal's session is over: its saved token is refused.
    terminalFails('history');
    assert.match(await wb!.statusText(), new RegExp(ALICE));
    await wb!.command('Notifications: Clear All Notifications');
  });

  it('changes the password; the old one no longer signs in, the new one does', async () => {
    await wb!.command('Parley: Change Password');
    await wb!.answer(PASSWORD, /Current password/);
    await wb!.answer(NEW_PASSWORD, /New password/);
    await wb!.answer(NEW_PASSWORD, /Repeat the password/);
    await waitFor('the password changed', async () => /Password changed; 0 other sessions were ended/.test(await toasts()), 30_000);
    terminalFails('login', '--user', ALICE, '--password', PASSWORD);
    terminal!.run('login', '--user', ALICE.toUpperCase(), '--password', NEW_PASSWORD);
    await wb!.command('Notifications: Clear All Notifications');
  });

  it('signs the window out, saying why, when its session is ended from the terminal', async () => {
    terminal!.run('sessions', 'revoke', '--all');
    await waitFor('told why', async () => /ended from another device or by a password change/.test(await toasts()), 30_000);
    await waitFor('signed out', async () => /Parley: signed out/.test(await wb!.statusText()), 30_000);
    await shot('signed-out-elsewhere');
    assert.deepEqual(wb!.cspViolations(), []);
  });
});
