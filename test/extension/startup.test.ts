// The packaged extension in a real VS Code (code-server + headless Chromium) against a real
// parley-server that serves TLS with a self-signed certificate: Parley starts only when it is
// used, the signed-out chat runs the sign-in commands, which check the server before asking for
// credentials, and the connection trusts the server once parley.server.tlsCaFile names its CA.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { selfSignedCert, type SelfSignedCert } from '../helpers/tls';
import { ParleyServer, TerminalUser, waitFor, type Tail } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice01';
const BOB = 'bobby01';
const PASSWORD = 'correct horse';
const EXTENSION_ID = 'parley.parley';

describe('VS Code extension: started on demand, signed-out chat, TLS with a private CA', function () {
  this.timeout(5 * 60_000);
  let cert: SelfSignedCert | undefined;
  let server: ParleyServer | undefined;
  let bob: TerminalUser | undefined;
  let tail: Tail;
  let wb: Workbench | undefined;
  let workspace: string | undefined;
  let chat: Frame;
  let step = 0;

  const shot = async (name: string) => wb?.screenshot(`startup-${String(++step).padStart(2, '0')}-${name}`);
  /** The extension host's activation lines for Parley. */
  const activations = () => wb!.logs(/exthost/).split('\n').filter((l) => l.includes(`_doActivateExtension ${EXTENSION_ID},`));
  const toasts = async () => (await wb!.page.locator('.notification-toast').allInnerTexts()).join('\n');
  /** The sign-in prompt is open (not the command palette that is closing). */
  const signInPrompt = async () => {
    const widget = wb!.page.locator('.quick-input-widget');
    return (await widget.isVisible()) && /Parley: Sign In/.test(await widget.innerText().catch(() => ''));
  };

  before(async function () {
    const vsix = await prepareVsixSuite(this, 'startup-');
    cert = selfSignedCert();
    server = await ParleyServer.start({ tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
    new TerminalUser(server, ALICE, PASSWORD).register();
    bob = new TerminalUser(server, BOB, PASSWORD);
    bob.register();
    bob.login();
    tail = bob.tail();
    workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-ws-'));
    wb = await Workbench.start({
      vsix,
      workspace,
      settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port, 'parley.server.tls': true },
    });
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.stop();
    bob?.close();
    await server?.stop();
    cert?.cleanup();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await shot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  it('does not start with VS Code: nothing of Parley runs until it is used', async () => {
    // Built-in extensions activating on onStartupFinished mark the moment Parley used to start.
    await waitFor('start-up finished', () => /activationEvent: 'onStartupFinished'/.test(wb!.logs(/exthost/)), 120_000, 500);
    assert.deepEqual(activations(), []);
    assert.doesNotMatch(await wb!.statusText(), /Parley/);
  });

  it('starts when a Parley command runs: Connect without a session goes to sign in, which checks the server first', async () => {
    await wb!.command('Parley: Connect / Reconnect');
    // The server's certificate is not trusted yet: said before any credentials are asked for.
    await waitFor('the certificate error', async () => /parley\.server\.tlsCaFile/.test(await toasts()), 30_000);
    assert.equal(await wb!.page.locator('.quick-input-widget').isVisible(), false);
    await wb!.command('Notifications: Clear All Notifications');
    const lines = await waitFor('Parley activated', () => (activations().length > 0 ? activations() : undefined), 30_000, 250);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /activationEvent: 'onCommand:parley\.connect'/);
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 30_000);
    await waitFor('the activation time in the Parley log', () => /activated in \d+(\.\d+)? ms/.test(wb!.logs(/Parley\.log$/)), 30_000, 250);
  });

  it('shows the signed-out chat under its CSP; Register runs its command', async () => {
    await wb!.openParley();
    chat = await wb!.chatFrame('.signed-out');
    // The bundle ran (the panel is its DOM) and the stylesheet applied, both under the CSP.
    assert.equal(await chat.locator('.signed-out').evaluate((el) => getComputedStyle(el).textAlign), 'center');
    assert.match(await chat.locator('.signed-out').innerText(), /signed out/i);
    // VS Code's cspSource as it is ('self' and its resource host), scripts by nonce alone.
    const csp = (await chat.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
    assert.match(csp, /(^|; )style-src 'self' https:\/\/\*\.vscode-cdn\.net(;|$)/, csp);
    assert.match(csp, /(^|; )script-src 'nonce-[A-Za-z0-9+/=]+'(;|$)/, csp);
    assert.doesNotMatch(csp, /unsafe-/);
    await shot('signed-out-chat');
    assert.match(await chat.locator('.signed-out-server').innerText(), new RegExp(`Server: tls://127\\.0\\.0\\.1:${server!.port}`));
    await chat.getByRole('button', { name: 'Register' }).click();
    await waitFor('the certificate error', async () => /parley\.server\.tlsCaFile/.test(await toasts()), 30_000);
    await wb!.command('Notifications: Clear All Notifications');
    assert.deepEqual(wb!.cspViolations(), []);
  });

  it('without parley.server.tlsCaFile, signing in to a self-signed server says what to set, before asking for a password', async () => {
    await chat.getByRole('button', { name: 'Sign In', exact: true }).click();
    await waitFor('the certificate error', async () => /parley\.server\.tlsCaFile/.test(await toasts()), 30_000);
    assert.equal(await signInPrompt(), false, 'no password for a server not trusted');
    assert.match(await toasts(), /certificate is not trusted/);
    await shot('untrusted-certificate');
    assert.match(await wb!.statusText(), /Parley: signed out/);
    await wb!.command('Notifications: Clear All Notifications');
  });

  it('with parley.server.tlsCaFile set, signs in over TLS and chats with the terminal client', async () => {
    wb!.updateMachineSettings({ 'parley.server.tlsCaFile': cert!.certFile });
    // The settings file reaches the extension host asynchronously: sign in until it has.
    // The settings file reaches the extension host asynchronously: sign in until the check passes.
    await waitFor('the server trusted', async () => {
      await wb!.command('Parley: Sign In');
      return waitFor('the check', async () => {
        if (await signInPrompt()) return 'trusted';
        if (/parley\.server\.tlsCaFile/.test(await toasts())) {
          await wb!.command('Notifications: Clear All Notifications');
          return 'not yet';
        }
        return undefined;
      }, 30_000).then((r) => r === 'trusted');
    }, 90_000, 1000);
    await wb!.answer(ALICE, /Parley: Sign In/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('signed in over TLS', async () => (await wb!.statusText()).includes(ALICE), 30_000);
    chat = await wb!.chatFrame('.composer textarea');
    await waitFor('composer enabled', async () => !(await chat.locator('.composer textarea').isDisabled()));
    const text = `over TLS ${Date.now()}`;
    const box = chat.locator('.composer textarea');
    await box.click();
    await box.fill(text);
    await box.press('Enter');
    const got = await tail.waitFor(text, (m) => m.text === text);
    assert.equal(got.from, ALICE);
    const reply = `TLS reply ${Date.now()}`;
    bob!.send('general', reply);
    await chat.locator('.row.msg:not(.pending) .md', { hasText: reply }).first().waitFor({ timeout: 15_000 });
    await shot('signed-in-over-tls');
    assert.deepEqual(wb!.cspViolations(), []);
  });
});
