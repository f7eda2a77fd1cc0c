// A hostile server: the extension signs in to a scripted server that sends what a malicious or
// compromised Parley server could — links to command:, file: and vscode: URIs, file references
// whose ids and names climb out of any folder, odd MIME types, a snippet that names /etc/passwd
// with its real hash, and fields far beyond the limits. Clicking everything the chat shows must
// not open a non-http(s) link, read a file or run a command.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChatMessage } from '../../protocol';
import { FakeChat } from '../client/fake-chat';
import { waitFor } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const USER = 'alice06';
const PASSWORD = 'secret1';
const PWNED = path.join(os.tmpdir(), `parley-pwned-${process.pid}`);

function hostileMessages(): ChatMessage[] {
  const passwd = readFileSync('/etc/passwd');
  let seq = 0;
  const base = (extra: Partial<ChatMessage>): ChatMessage =>
    ({ room: 'general', seq: ++seq, ts: Date.now() - 60_000 + seq, msgId: `h${seq}`, from: 'mallory1', ...extra }) as ChatMessage;
  return [
    base({
      text: '[terminal](command:workbench.action.terminal.new) [passwd](file:///etc/passwd) [vs](vscode://file/etc/passwd) ' +
        '[js](javascript:alert(1)) [data](data:text/html,hi) <a href="command:workbench.action.terminal.new">raw</a> ' +
        '<img src=x onerror="alert(1)"> `command:workbench.action.terminal.new`',
    }),
    base({ text: 'a file', file: { fileId: `../../../../..${PWNED}`, name: `../../../../..${PWNED}.txt`, size: 12, mime: 'text/html', kind: 'image', sha256: 'ab'.repeat(32) } as never }),
    base({ text: 'another', file: { fileId: 'f'.repeat(5000), name: `${'n'.repeat(3000)}.exe`, size: 2 ** 52, mime: 'application/x-msdownload; <script>', kind: 'video', sha256: 'cd'.repeat(32) } as never }),
    base({
      text: 'look at this',
      snippet: { path: '../../../../../../etc/passwd', language: 'ini', startLine: 1, endLine: 2, code: 'root:x:0:0', fileSha256: createHash('sha256').update(passwd).digest('hex') } as never,
    }),
    base({ text: 'x'.repeat(200_000), from: `m${'a'.repeat(2000)}` }),
    base({ text: 'the last hostile one: [ok](https://example.com/fine)' }),
  ];
}

describe('VS Code extension: a hostile server cannot make it open, read or run anything', function () {
  this.timeout(5 * 60_000);
  let chat: FakeChat;
  let wb: Workbench | undefined;
  let workspace: string;

  before(async function () {
    const vsix = await prepareVsixSuite(this, 'hostile-server-');
    chat = await FakeChat.start();
    chat.messages.get('general')!.push(...hostileMessages());
    workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-hostile-ws-'));
    writeFileSync(path.join(workspace, 'README.md'), 'a workspace\n');
    wb = await Workbench.start({
      vsix,
      workspace,
      settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': chat.port, 'parley.notifications': 'none' },
    });
  });

  after(async function () {
    this.timeout(60_000);
    if (this.currentTest?.state === 'failed') await wb?.screenshot('hostile-server-failure').catch(() => undefined);
    await wb?.stop();
    await chat?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
    rmSync(PWNED, { force: true });
    rmSync(`${PWNED}.txt`, { force: true });
  });

  it('clicking every link, card and snippet it sends opens nothing but an https link, reads nothing and runs nothing', async () => {
    await wb!.openParley();
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    await wb!.command('Parley: Sign In');
    await wb!.answer(USER, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('status item with the user', async () => (await wb!.statusText()).includes(USER), 60_000);
    const frame = await wb!.chatFrame('.composer textarea');
    await frame.locator('.row.msg', { hasText: 'the last hostile one' }).first().waitFor({ timeout: 60_000 });
    await wb!.screenshot('hostile-server-chat');

    // Only http(s) and mailto become links at all; the page never navigates.
    const hrefs = await frame.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('data-href') ?? a.getAttribute('href') ?? ''));
    for (const href of hrefs) assert.match(href, /^(https?:|mailto:|#|$)/i, `a link to ${href}`);
    assert.equal(await frame.locator('img[src="x"]').count(), 0, 'the raw <img> stayed text');
    const editorBefore = await wb!.activeEditorTitle();

    for (const a of await frame.locator('.row.msg a').all()) {
      if (/example\.com/.test((await a.getAttribute('data-href')) ?? '')) continue;
      await a.click({ timeout: 5000 }).catch(() => undefined);
    }
    const buttons = await frame.locator('.file-card button, .snippet button').all();
    // The client drops frames that break the protocol's rules, so some of these never show.
    for (const button of buttons) {
      await button.click({ timeout: 5000 }).catch(() => undefined);
      // Any dialog (a save dialog for a download) is dismissed: the user said no.
      if (await wb!.page.locator('.monaco-dialog-box, .quick-input-widget:visible').count()) await wb!.page.keyboard.press('Escape');
    }
    // The control: a message sent after the clicks reaches the server, so the host handled them.
    await frame.locator('.composer textarea').fill('after the clicks');
    await frame.locator('.composer textarea').press('Enter');
    await waitFor('the control message at the server', async () => chat.sends.some((s) => s.text === 'after the clicks'), 60_000);

    assert.equal(await wb!.page.locator('.terminal-wrapper, .xterm').count(), 0, 'no terminal opened');
    const editor = await wb!.activeEditorTitle();
    assert.ok(!/passwd/.test(editor), `opened ${editor}`);
    assert.ok(editor === editorBefore || /^Untitled|look at this|snippet/i.test(editor) || editor === '', `opened ${editor}`);
    assert.ok(!existsSync(PWNED) && !existsSync(`${PWNED}.txt`), 'a file id or name reached a path');
    assert.deepEqual(readdirSync(workspace), ['README.md'], 'nothing written to the workspace');
    assert.ok((await wb!.statusText()).includes(USER), 'still signed in');
    await wb!.screenshot('hostile-server-after');
  });
});
