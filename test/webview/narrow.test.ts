// The chat in sidebars from 170 px up: header, file cards, snippet headers and composer keep
// their text whole (nothing clipped: scrollWidth <= clientWidth, nothing past the edge).
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ChatMessage } from '../../protocol/messages';
import { BOB, CAROL, DAVE, init, message, rooms } from './fixtures';
import { artifacts, launchBrowser, openWebview, pageErrors, serveHistory, startServer, type FakeHost, type TestServer } from './harness';

const WIDTHS = [170, 300, 700];

function history(): ChatMessage[] {
  const t = Date.now() - 3_600_000;
  const snippet = (seq: number, path: string): ChatMessage => message('general', seq, DAVE, '', t + seq * 60_000, {
    text: undefined,
    snippet: { code: 'export const hello = 1;\nexport const world = 2;', language: 'typescript', path, startLine: 12, endLine: 18 },
  });
  return [
    message('general', 1, BOB, 'Here is the fix:', t),
    snippet(2, 'src/hello.ts'),
    snippet(3, 'packages/frontend/src/components/settings/notifications/Panel.tsx'),
    message('general', 4, CAROL, '', t + 5 * 60_000, {
      text: undefined,
      file: { fileId: 'f1', name: 'release-notes.pdf', size: 84_000, mime: 'application/pdf', kind: 'file', sha256: 'c'.repeat(64) },
    }),
    message('general', 5, BOB, 'Looks good.', t + 6 * 60_000, { replies: 2, repliers: [CAROL, DAVE], lastReply: t + 9 * 60_000, reactions: { '👍': [CAROL] } }),
  ];
}

/** Elements of `selector` whose text is clipped, or that reach past the page's right edge. */
async function clipped(host: FakeHost, selector: string): Promise<string[]> {
  return host.page.evaluate((sel) => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(sel))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || el.closest('[hidden]')) continue;
      const what = `${sel} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
      if (el.scrollWidth > el.clientWidth + 0.5) out.push(`${what}: ${el.scrollWidth} px of text in ${el.clientWidth} px`);
      if (r.right > document.documentElement.clientWidth + 0.5) out.push(`${what}: ends at ${r.right} px`);
      if (r.width < 8) out.push(`${what}: squeezed to ${r.width} px`);
    }
    return out;
  }, selector);
}

/** Whether the room picker's chosen room shows whole (a <select> clips its text without telling). */
async function pickerClipped(host: FakeHost): Promise<string[]> {
  return host.page.evaluate(() => {
    const select = document.querySelector('select.room-select') as HTMLSelectElement;
    const text = select.selectedOptions[0]?.textContent ?? '';
    const cs = getComputedStyle(select);
    const ctx = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const needed = ctx.measureText(text).width;
    // What is left for the text: the content box, less the drop-down arrow.
    const room = select.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
    const r = select.getBoundingClientRect();
    const out: string[] = [];
    if (needed > room) out.push(`room picker "${text}": needs ${needed.toFixed(0)} px, has ${room.toFixed(0)} px`);
    if (r.right > document.documentElement.clientWidth + 0.5) out.push(`room picker ends at ${r.right} px`);
    return out;
  });
}

describe('webview in narrow sidebars (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: TestServer;
  let host: FakeHost;

  before(async function () {
    this.timeout(120_000);
    browser = await launchBrowser(this);
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const width of WIDTHS) {
    it(`keeps the header, cards, snippet headers and composer readable at ${width} px`, async () => {
      host = await openWebview(browser, server, { width, height: 900 });
      serveHistory(host, { general: history() });
      // A background room with mentions makes the picker's longest option long.
      const list = rooms().map((r) => (r.id === 'design' ? { ...r, lastSeq: 9, lastRead: 2, mentions: 3 } : r));
      await host.post(init({ rooms: list }));
      await host.page.locator('.row.msg[data-seq="5"] .thread-summary').waitFor();
      await host.page.screenshot({ path: `${artifacts}/webview-narrow-${width}px.png` });

      const problems = [
        ...(await pickerClipped(host)),
        ...(await clipped(host, '.room-status')),
        ...(await clipped(host, '.topbar .icon-button')),
        ...(await clipped(host, '.file-name')),
        ...(await clipped(host, '.file-meta')),
        ...(await clipped(host, '.file-info .icon-button')),
        ...(await clipped(host, '.snippet-file')),
        ...(await clipped(host, '.code-lang')),
        ...(await clipped(host, '.snippet-head .text-button')),
        ...(await clipped(host, '.thread-summary')),
        ...(await clipped(host, '.author')),
        ...(await clipped(host, '.input-row')),
        ...(await clipped(host, '.icon-button.send')),
      ];
      assert.deepEqual(problems, [], `at ${width} px`);
      assert.match((await host.page.locator('.room-status').innerText()).trim(), /^\d+ online$/);
      // The names are there in full.
      assert.equal(await host.page.locator('.file-name').innerText(), 'release-notes.pdf');
      assert.deepEqual(await host.page.locator('.snippet-file').allInnerTexts(), ['hello.ts:12–18', 'Panel.tsx:12–18']);
      // The snippet's folders may give way, with an ellipsis, never its file name.
      const dir = await host.page.locator('.snippet-dir').nth(1).evaluate((el) => ({ overflow: getComputedStyle(el).textOverflow, clipped: el.scrollWidth > el.clientWidth }));
      if (dir.clipped) assert.equal(dir.overflow, 'ellipsis');
      // Under the pointer, the row's toolbar shows; it leaves a grouped snippet's Open clickable.
      const grouped = host.page.locator('.row.msg[data-seq="3"]');
      assert.doesNotMatch((await grouped.getAttribute('class')) ?? '', /\bhead\b/, 'the second snippet is grouped under the first');
      await grouped.hover();
      await host.page.locator('.row.msg[data-seq="3"] > .actions').waitFor();
      const open = (await grouped.locator('.snippet-head .text-button').boundingBox())!;
      const hit = await host.page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.textContent?.trim(), [open.x + open.width / 2, open.y + open.height / 2]);
      assert.equal(hit, 'Open', 'the Open button is not under the toolbar');
      const sideways = await host.page.locator('.scroller').evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.ok(sideways <= 0, `the list overflows sideways by ${sideways} px`);
      assert.deepEqual(pageErrors(host), []);
    });
  }
});
