// Files in a real VS Code (code-server + headless Chromium) against a real parley-server: an
// image sent with "Parley: Send Image…" through the open dialog reaches the terminal client,
// shows inline in the chat, and `parley get` returns the same bytes.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Frame } from 'playwright-core';
import { ParleyServer, TerminalUser, waitFor, type Tail } from './parley';
import { prepareVsixSuite, Workbench } from './workbench';

const ALICE = 'alice02';
const BOB = 'bobby02';
const PASSWORD = 'correct horse';

/** A real PNG (RGB, a diagonal gradient), so the browser has something to decode. */
function makePng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = (x * 255) / width;
      raw[row + 2 + x * 3] = (y * 255) / height;
      raw[row + 3 + x * 3] = 160;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('VS Code extension: sending and showing files', function () {
  this.timeout(5 * 60_000);
  let server: ParleyServer | undefined;
  let bob: TerminalUser | undefined;
  let tail: Tail;
  let wb: Workbench | undefined;
  let workspace: string;
  let chat: Frame;
  let step = 0;

  const shot = async (name: string) => wb?.screenshot(`media-${String(++step).padStart(2, '0')}-${name}`);

  before(async function () {
    const vsix = await prepareVsixSuite(this, 'media-');
    server = await ParleyServer.start();
    new TerminalUser(server, ALICE, PASSWORD).register();
    bob = new TerminalUser(server, BOB, PASSWORD);
    bob.register();
    bob.login();
    tail = bob.tail();
    workspace = mkdtempSync(path.join(os.tmpdir(), 'parley-media-ws-'));
    wb = await Workbench.start({
      vsix,
      workspace,
      settings: { 'parley.server.host': '127.0.0.1', 'parley.server.port': server.port, 'parley.notifications': 'none' },
    });
  });

  after(async function () {
    this.timeout(60_000);
    if (this.currentTest?.state === 'failed') await shot('failure').catch(() => undefined);
    await wb?.stop();
    bob?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await shot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      if (server) console.error(`parley-server log:\n${server.log}`);
    }
  });

  /** Answers code-server's open dialog (a quick input) with a path, once it has filled in its own start folder. */
  it('signs in', async () => {
    await wb!.openParley();
    // The extension is up once its status item is.
    await waitFor('signed-out status item', async () => /Parley: signed out/.test(await wb!.statusText()), 60_000);
    await wb!.command('Parley: Sign In');
    await wb!.answer(ALICE, /User name/);
    await wb!.answer(PASSWORD, /Password/);
    await waitFor('status item with the user', async () => (await wb!.statusText()).includes(ALICE), 60_000);
    chat = await wb!.chatFrame('.composer textarea');
    await waitFor('composer enabled', async () => !(await chat.locator('.composer textarea').isDisabled()));
  });

  it('"Send Image…" from the palette: the terminal gets it, the chat shows it, `parley get` returns the same bytes', async () => {
    const png = makePng(96, 64);
    const file = path.join(workspace, 'gradient.png');
    writeFileSync(file, png);
    const sha256 = createHash('sha256').update(png).digest('hex');

    await wb!.command('Parley: Send Image…');
    await wb!.chooseFile(file);
    // The room pick offers the current room first.
    await wb!.page.locator('.quick-input-list .monaco-list-row', { hasText: '#general' }).first().waitFor({ timeout: 15_000 });
    await wb!.page.keyboard.press('Enter');

    const got = await tail.waitFor('the image message', (m) => (m.file as { name?: string } | undefined)?.name === 'gradient.png', 30_000);
    const ref = got.file as { fileId: string; size: number; mime: string; kind: string; sha256: string };
    assert.equal(got.from, ALICE);
    assert.equal(got.room, 'general');
    assert.equal(ref.kind, 'image');
    assert.equal(ref.mime, 'image/png');
    assert.equal(ref.size, png.length);
    assert.equal(ref.sha256, sha256);

    // Shown inline from the host's cache, decoded by the browser.
    const img = chat.locator('.file-card img.media').last();
    await img.waitFor({ timeout: 30_000 });
    const loaded = await waitFor('the image decoded', async () => {
      const w = await img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth);
      return w || undefined;
    }, 30_000);
    assert.equal(loaded, 96);
    const src = await img.getAttribute('src');
    assert.ok(src && /^https:\/\//.test(src) && src.includes(`/media/${sha256}/`), `src ${src}`);
    // Allowed by the webview's CSP as VS Code's resource host, with nothing reported.
    assert.deepEqual(wb!.cspViolations(), []);
    await img.scrollIntoViewIfNeeded();
    await shot('image-inline');

    const out = path.join(bob!.configDir, 'got.png');
    bob!.run('get', ref.fileId, '-o', out);
    assert.ok(readFileSync(out).equals(png), 'parley get returned other bytes');
  });

  it('"Open" on the image card opens the cached file in an editor tab', async () => {
    await chat.locator('.file-card', { hasText: 'gradient.png' }).last().locator('button[aria-label="Open"]').click();
    await waitFor('gradient.png in an editor tab', async () => (await wb!.activeEditorTitle()).includes('gradient.png'), 20_000);
    await shot('image-opened');
    // The image preview holds keyboard focus in its own frame: close it with the mouse.
    await wb!.page.locator('.tabs-container .tab.active .tab-actions .action-label').first().click();
    await waitFor('the preview closed', async () => !(await wb!.activeEditorTitle()).includes('gradient.png'), 15_000);
  });

  /** Fires a paste (or a drop on the chat) carrying one file, as the browser would. */
  async function giveFile(how: 'paste' | 'drop', name: string, bytes: Buffer, mime: string): Promise<void> {
    await chat.evaluate(
      ([how, name, b64, mime]) => {
        const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([data], name, { type: mime }));
        if (how === 'paste') {
          const box = document.querySelector('.composer textarea') as HTMLTextAreaElement;
          box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
        } else {
          const target = document.querySelector('.composer textarea') as HTMLElement;
          target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        }
      },
      [how, name, bytes.toString('base64'), mime] as const,
    );
  }

  it('sends an image pasted into the composer and a file dropped on the chat', async () => {
    const png = makePng(40, 30);
    await giveFile('paste', 'pasted.png', png, 'image/png');
    const pasted = await tail.waitFor('the pasted image', (m) => (m.file as { name?: string } | undefined)?.name === 'pasted.png', 30_000);
    assert.equal((pasted.file as { sha256: string }).sha256, createHash('sha256').update(png).digest('hex'));
    await waitFor('the pasted image decoded', async () => {
      const img = chat.locator('.file-card', { hasText: 'pasted.png' }).last().locator('img.media');
      return (await img.count()) > 0 && (await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)) === 40;
    }, 30_000);

    const text = Buffer.from('dropped notes\n'.repeat(100));
    await giveFile('drop', 'dropped.txt', text, 'text/plain');
    const dropped = await tail.waitFor('the dropped file', (m) => (m.file as { name?: string } | undefined)?.name === 'dropped.txt', 30_000);
    assert.equal((dropped.file as { size: number }).size, text.length);
    await chat.locator('.file-card', { hasText: 'dropped.txt' }).first().waitFor({ timeout: 15_000 });
    await shot('pasted-and-dropped');
  });

  /** A drop whose `text/uri-list` names files, as a web page dragged into the chat can make one. */
  async function dropUris(uris: string[]): Promise<void> {
    await chat.evaluate((list) => {
      const dt = new DataTransfer();
      dt.setData('text/uri-list', list.join('\r\n'));
      const target = document.querySelector('.composer textarea') as HTMLElement;
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, uris);
  }

  /** The modal dialog VS Code shows for showWarningMessage({ modal: true }). */
  const dialog = () => wb!.page.locator('.monaco-dialog-box');

  it('sends a dropped file from outside the workspace only after asking, by name; workspace files go at once', async () => {
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'parley-not-workspace-'));
    try {
      const secret = path.join(elsewhere, 'secret-notes.txt');
      writeFileSync(secret, 'not for the chat\n');
      const inside = path.join(workspace, 'inside-notes.txt');
      writeFileSync(inside, 'for the chat\n');
      const before = tail.messages.length;

      await dropUris([`file://${secret}`]);
      await dialog().waitFor({ timeout: 20_000 });
      const text = await dialog().innerText();
      assert.match(text, /secret-notes\.txt/);
      assert.match(text, /outside your workspace/);
      assert.ok(text.includes(secret), 'the dialog shows the full path');
      await shot('drop-outside-workspace');
      await dialog().locator('.monaco-button', { hasText: 'Cancel' }).click();
      await dialog().waitFor({ state: 'detached', timeout: 10_000 });

      // Files from one sender arrive in order: had the secret been sent, it would come first.
      await dropUris([`file://${inside}`]);
      await tail.waitFor('the workspace file', (m) => (m.file as { name?: string } | undefined)?.name === 'inside-notes.txt', 30_000);
      assert.deepEqual(
        tail.messages.slice(before).map((m) => (m.file as { name?: string } | undefined)?.name).filter(Boolean),
        ['inside-notes.txt'],
      );

      await dropUris([`file://${secret}`]);
      await dialog().waitFor({ timeout: 20_000 });
      await dialog().locator('.monaco-button', { hasText: 'Send' }).click();
      await tail.waitFor('the confirmed file', (m) => (m.file as { name?: string } | undefined)?.name === 'secret-notes.txt', 30_000);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('says how large a file the server takes when one is too large', async () => {
    const file = path.join(workspace, 'huge.bin');
    // Sparse: the size is checked before any byte is read.
    truncateSync((writeFileSync(file, ''), file), 101 * 1024 * 1024);
    await wb!.command('Parley: Send File…');
    await wb!.chooseFile(file);
    await wb!.pick('#general');
    await waitFor('the too-large error', async () =>
      (await wb!.notifications()).some((t) => /huge\.bin is too large: the server accepts up to 100 MB/.test(t)), 20_000);
    await shot('too-large');
    await wb!.page.keyboard.press('Escape');
  });

  it('Cancel in the progress notification stops an upload and nothing is posted', async () => {
    const file = path.join(workspace, 'big.bin');
    writeFileSync(file, Buffer.alloc(95 * 1024 * 1024, 7));
    const before = tail.messages.length;
    await wb!.command('Parley: Send File…');
    await wb!.chooseFile(file);
    await wb!.pick('#general');
    const toast = wb!.page.locator('.notification-toast', { hasText: 'Sending big.bin' });
    await toast.first().waitFor({ timeout: 20_000 });
    await shot('upload-progress');
    await toast.first().locator('.monaco-button', { hasText: 'Cancel' }).click();
    await waitFor('cancelled in the status bar', async () => /Sending big\.bin cancelled/.test(await wb!.statusText()), 20_000);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(tail.messages.slice(before).filter((m) => (m.file as { name?: string } | undefined)?.name === 'big.bin').length, 0);
    assert.ok(!(await wb!.notifications()).some((t) => /interrupted/.test(t)), 'a cancel is not an error');
  });
});
