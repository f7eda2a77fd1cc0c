// The webview is untrusted input to the extension host. Random and malformed messages, and
// well-formed ones carrying hostile values, are posted from the real chat webview in a real VS
// Code (through the page's own VS Code API object): the host must refuse them all, staying up,
// opening nothing, running no command, reading no file and sending nothing to the server.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { isWebviewMessage, webviewMessages } from '../../webview/messages';
import { ParleyServer, TerminalUser, waitFor, type Tail } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice05';
const BOB = 'bobby05';
const PASSWORD = 'correct horse';

/** Keeps the API object the page acquires, so the test can post through the page's own door. */
const CAPTURE_API = `(() => {
  let real;
  Object.defineProperty(globalThis, 'acquireVsCodeApi', {
    configurable: true,
    get() {
      return real && (() => { const api = real(); globalThis.__parleyTestApi = api; return api; });
    },
    set(v) { real = v; },
  });
})();`;

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  '', ' ', '../../../../etc/passwd', '/etc/passwd', 'C:\\Windows\\win.ini', 'file:///etc/passwd',
  'command:workbench.action.terminal.new', 'command:workbench.action.files.save', 'vscode://file/etc/passwd',
  'vscode-userdata:/User/settings.json', 'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>',
  '\u0000', '__proto__', 'constructor', '<img src=x onerror=alert(1)>', 'x'.repeat(20_000), '💥'.repeat(1000),
];

function randomValue(rnd: () => number, depth = 0): unknown {
  const pick = Math.floor(rnd() * 10);
  switch (pick) {
    case 0: return null;
    case 1: return undefined;
    case 2: return Math.floor(rnd() * 2 ** 40) - 2 ** 39;
    case 3: return rnd() < 0.5 ? Number.NaN : -1;
    case 4: return rnd() < 0.5;
    case 5:
    case 6: return HOSTILE_STRINGS[Math.floor(rnd() * HOSTILE_STRINGS.length)];
    case 7: return depth > 2 ? [] : Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
    default: {
      if (depth > 2) return {};
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 4); i > 0; i--) o[['room', 'text', 'cid', 'href', 'fileId', 'uris', 'files', 'message', 'command', '__proto__'][Math.floor(rnd() * 10)]] = randomValue(rnd, depth + 1);
      return o;
    }
  }
}

/** Field names the known message types use, to mutate them where it hurts. */
const FIELDS = ['room', 'text', 'cid', 'requestId', 'before', 'seq', 'href', 'message', 'query', 'command', 'fileId', 'name', 'mime', 'dataBase64', 'files', 'uris', 'target', 'kind', 'emoji', 'root'];

/** Messages the host must refuse: garbage, unknown types, and every known type malformed. */
function malformed(count: number, seed: number): unknown[] {
  const rnd = prng(seed);
  const types = webviewMessages.map((d) => d.type);
  const out: unknown[] = [];
  while (out.length < count) {
    const r = rnd();
    let m: unknown;
    if (r < 0.15) m = randomValue(rnd);
    else if (r < 0.25) m = { type: ['', 'exec', 'runTerminal', 'openFile', '__proto__', 'toString'][Math.floor(rnd() * 6)], command: 'workbench.action.terminal.new', path: '/etc/passwd' };
    else {
      const msg: Record<string, unknown> = { type: types[Math.floor(rnd() * types.length)] };
      for (let i = 1 + Math.floor(rnd() * 4); i > 0; i--) msg[FIELDS[Math.floor(rnd() * FIELDS.length)]] = randomValue(rnd);
      m = msg;
    }
    // Only what the guard refuses: a well-formed send or paste is the page's to make.
    if (!isWebviewMessage(m)) out.push(m);
  }
  return out;
}

/** Well-formed messages with hostile values, for the requests that must not act on them. */
function hostileButWellFormed(): unknown[] {
  const out: unknown[] = [];
  let n = 0;
  const id = () => `fuzz-${++n}`;
  for (const href of ['command:workbench.action.terminal.new', 'file:///etc/passwd', 'vscode://file/etc/passwd', 'javascript:alert(1)', 'vscode-userdata:/User/settings.json', 'data:text/html,x', 'command:parley.signOut']) {
    out.push({ type: 'openLink', href });
  }
  for (const command of ['workbench.action.terminal.new', 'parley.signOut', 'workbench.action.files.newUntitledFile']) out.push({ type: 'runCommand', command });
  const snippet = (p: string) => ({
    type: 'openSnippet',
    message: { room: 'general', seq: 1, from: BOB, ts: 1, text: 'x', snippet: { path: p, language: 'ts', startLine: 1, endLine: 1, code: 'x', fileSha256: 'ab'.repeat(32) } },
  });
  for (const p of ['../../../../etc/passwd', '/etc/passwd', '..\\..\\secret', 'a/../../../etc/passwd']) out.push(snippet(p));
  for (const fileId of ['../../../../etc/passwd', '/etc/passwd', 'nope', '%2e%2e%2fetc']) {
    out.push({ type: 'openMedia', requestId: id(), fileId });
    out.push({ type: 'requestMedia', requestId: id(), fileId });
  }
  out.push({ type: 'dropFiles', requestId: id(), room: 'general', files: [], uris: ['command:workbench.action.terminal.new', 'vscode-userdata:/User/settings.json', 'https://evil.example/x', 'untitled:foo'] });
  for (const room of ['dm:alice05:mallory9', 'secret-room-that-does-not-exist']) {
    out.push({ type: 'loadOlder', requestId: id(), room });
    out.push({ type: 'pins', requestId: id(), room });
  }
  return out.filter((m) => isWebviewMessage(m));
}

describe('VS Code extension: the webview bridge refuses what the page should not ask', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let bob: TerminalUser | undefined;
  let tail: Tail;
  let wb: Workbench | undefined;
  let workspace: string;
  let chat: Frame;

  before(async function () {
    const vsix = await prepareVsixSuite(this, 'bridge-fuzz-');
    server = await ParleyServer.start();
    new TerminalUser(server, ALICE, PASSWORD).register();
    bob = new TerminalUser(server, BOB, PASSWORD);
    bob.register();
    bob.login();
    tail = bob.tail();
    workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-fuzz-ws-'));
    writeFileSync(path.join(workspace, 'README.md'), 'a workspace\n');
    wb = await Workbench.start({
      vsix,
      workspace,
      settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port, 'parley.notifications': 'none' },
      initScript: CAPTURE_API,
    });
  });

  after(async function () {
    this.timeout(60_000);
    if (this.currentTest?.state === 'failed') await wb?.screenshot('bridge-fuzz-failure').catch(() => undefined);
    await wb?.stop();
    bob?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('signs in, and the page holds its VS Code API', async () => {
    await wb!.openParley();
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    await wb!.command('Parley: Sign In');
    await wb!.answer(ALICE, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('status item with the user', async () => (await wb!.statusText()).includes(ALICE), 60_000);
    chat = await wb!.chatFrame('.composer textarea');
    await waitFor('the captured API', async () => chat.evaluate(() => typeof (globalThis as { __parleyTestApi?: unknown }).__parleyTestApi === 'object'), 30_000);
  });

  it('refuses 2000 malformed messages and the hostile well-formed ones: nothing opened, run, read or sent, and the host still answers', async () => {
    const before = tail.messages.length;
    const editorBefore = await wb!.activeEditorTitle();
    const workspaceBefore = readdirSync(workspace).sort();
    const batches = [...malformed(2000, 20261203), ...hostileButWellFormed()];
    for (let i = 0; i < batches.length; i += 250) {
      await chat.evaluate((list) => {
        const api = (globalThis as unknown as { __parleyTestApi: { postMessage(m: unknown): void } }).__parleyTestApi;
        for (const m of list) api.postMessage(m);
      }, batches.slice(i, i + 250));
    }
    // The control: a well-formed send through the same door. Messages from one page reach the
    // host in order, so once it arrives every message before it was handled.
    const cid = `control-${Date.now()}`;
    await chat.evaluate((c) => {
      (globalThis as unknown as { __parleyTestApi: { postMessage(m: unknown): void } }).__parleyTestApi.postMessage({ type: 'send', room: 'general', text: 'the control message', cid: c });
    }, cid);
    await tail.waitFor('the control message', (m) => m.text === 'the control message', 60_000);
    const fromAlice = tail.messages.slice(before).filter((m) => m.from === ALICE);
    assert.deepEqual(fromAlice.map((m) => m.text), ['the control message'], 'the fuzz sent nothing to the server');

    assert.equal(await wb!.activeEditorTitle(), editorBefore, 'no editor opened');
    assert.equal(await wb!.page.locator('.terminal-wrapper, .xterm').count(), 0, 'no terminal opened');
    assert.equal(await wb!.page.locator('.monaco-dialog-box').count(), 0, 'no dialog (no external link, no file confirmation)');
    assert.deepEqual(readdirSync(workspace).sort(), workspaceBefore, 'no file written');
    assert.ok((await wb!.statusText()).includes(ALICE), 'still signed in (no sign-out command ran)');
    await wb!.screenshot('bridge-fuzz-after');
  });
});
