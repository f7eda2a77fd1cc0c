// The message list with lots of history: virtualization, paging and keeping the scroll position.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ChatMessage } from '../../protocol/messages';
import { Messages } from '../../webview/messages';
import { BOB, CAROL, DAVE, T0, init, message } from './fixtures';
import { launchBrowser, openWebview, pageErrors, serveHistory, startServer, type FakeHost, type TestServer } from './harness';

/** Messages of very different heights: one-liners, paragraphs, code blocks, snippets. */
function varied(room: string, first: number, n: number): ChatMessage[] {
  const senders = [BOB, CAROL, DAVE];
  const out: ChatMessage[] = [];
  for (let i = 0; i < n; i++) {
    const seq = first + i;
    const from = senders[Math.floor(seq / 4) % 3];
    const ts = T0 + seq * 90_000;
    switch (seq % 7) {
      case 0:
        out.push(message(room, seq, from, `Long one #${seq}: ${'lorem ipsum dolor sit amet '.repeat(12)}`, ts));
        break;
      case 3:
        out.push(message(room, seq, from, `Code #${seq}\n\n\`\`\`js\n${Array.from({ length: 1 + (seq % 5) }, (_, k) => `console.log(${k});`).join('\n')}\n\`\`\``, ts));
        break;
      case 5:
        out.push(message(room, seq, from, '', ts, { text: `snippet #${seq}`, snippet: { code: 'a\nb\nc\nd', language: 'python', path: 'x.py', startLine: seq } }));
        break;
      default:
        out.push(message(room, seq, from, `Message #${seq}`, ts));
    }
  }
  return out;
}

interface View {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  rows: number;
  elements: number;
  seqs: number[];
}

describe('webview message list (Chromium)', function () {
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
  afterEach(async () => {
    if (!host) return;
    assert.deepEqual(pageErrors(host), []);
    assert.deepEqual(await host.violations(), []);
  });

  const view = (): Promise<View> => host.page.evaluate(() => {
    const s = document.querySelector('.scroller') as HTMLElement;
    return {
      scrollTop: s.scrollTop,
      scrollHeight: s.scrollHeight,
      clientHeight: s.clientHeight,
      rows: s.querySelectorAll('.row').length,
      elements: document.getElementsByTagName('*').length,
      seqs: Array.from(s.querySelectorAll<HTMLElement>('.row.msg')).map((r) => Number(r.dataset.seq)),
    };
  });

  /** Top of a row relative to the scroller's viewport, or null when not rendered. */
  const topOf = (seq: number): Promise<number | null> => host.page.evaluate((q) => {
    const s = document.querySelector('.scroller') as HTMLElement;
    const row = s.querySelector(`.row.msg[data-seq="${q}"]`);
    return row ? row.getBoundingClientRect().top - s.getBoundingClientRect().top : null;
  }, seq);

  const scrollTo = async (top: number): Promise<void> => {
    await host.page.evaluate((t) => ((document.querySelector('.scroller') as HTMLElement).scrollTop = t), top);
    await host.settle();
    await host.settle();
  };

  it('keeps the DOM small with 10 000 messages', async () => {
    host = await openWebview(browser, server);
    await host.post(init());
    const req = await host.waitFor('loadOlder');
    const reply = Messages.create({ room: 'general', messages: varied('general', 1, 10_000), prepend: true, more: false, requestId: req.requestId as string });
    // Time from the message arriving to the newest row on screen, measured in the page.
    const elapsed = await host.page.evaluate((json) => new Promise<number>((resolve) => {
      const msg = JSON.parse(json);
      const t0 = performance.now();
      window.postMessage(msg, '*');
      const poll = (): void => {
        if (document.querySelector('.row.msg[data-seq="10000"]')) resolve(performance.now() - t0);
        else requestAnimationFrame(poll);
      };
      poll();
    }), JSON.stringify(reply));
    await host.settle();
    const v = await view();
    assert.ok(v.rows < 120, `rendered rows: ${v.rows}`);
    assert.ok(v.elements < 2500, `elements in the document: ${v.elements}`);
    assert.ok(v.scrollHeight > 10_000 * 20, 'the spacers stand in for the rest');
    assert.ok(v.scrollHeight - v.scrollTop - v.clientHeight < 2, 'opens at the newest message');
    // Typically ~100 ms; generous because test machines are shared.
    assert.ok(elapsed < 3000, `first render took ${elapsed} ms`);

    // Scroll through the middle: only rows near the viewport exist, and they are contiguous.
    for (const fraction of [0.5, 0.25, 0.75]) {
      await scrollTo(v.scrollHeight * fraction);
      const now = await view();
      assert.ok(now.rows < 120, `rows at ${fraction}: ${now.rows}`);
      const seqs = now.seqs;
      assert.ok(seqs.length > 5);
      for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, 'no gaps among rendered rows');
      const middle = seqs[Math.floor(seqs.length / 2)];
      assert.ok(Math.abs(middle - 10_000 * fraction) < 1500, `row near ${fraction}: ${middle}`);
    }
  });

  it('fills the viewport with rows that neither overlap nor leave gaps', async () => {
    host = await openWebview(browser, server, { height: 600 });
    serveHistory(host, { general: varied('general', 1, 3000) }, 3000);
    await host.post(init());
    await host.page.waitForSelector('.row.msg[data-seq="3000"]');
    const s0 = await view();
    for (const top of [s0.scrollHeight * 0.3, s0.scrollHeight * 0.6, 0]) {
      await scrollTo(top);
      const layout = await host.page.evaluate(() => {
        const s = document.querySelector('.scroller') as HTMLElement;
        const r = s.getBoundingClientRect();
        const rows = Array.from(s.querySelectorAll('.row')).map((e) => e.getBoundingClientRect());
        // Every horizontal line of the viewport hits some row.
        const covered = [2, 0.25, 0.5, 0.75].map((f) => {
          const y = r.top + (f < 1 ? r.height * f : f);
          return rows.some((b) => b.top <= y && y < b.bottom);
        });
        const gaps = rows.slice(1).map((b, i) => Math.abs(b.top - rows[i].bottom));
        return { covered, maxGap: Math.max(...gaps) };
      });
      assert.deepEqual(layout.covered, [true, true, true, true], `viewport covered at ${top}`);
      assert.ok(layout.maxGap < 1, `rows stack exactly (max gap ${layout.maxGap})`);
    }
  });

  it('asks for older history near the top and keeps the view still when it arrives', async () => {
    host = await openWebview(browser, server);
    const all = varied('general', 1, 260);
    // Answer by hand to look at the view between request and reply.
    await host.post(init());
    const first = await host.waitFor('loadOlder');
    await host.post(Messages.create({ room: 'general', messages: all.slice(-60), prepend: true, more: true, requestId: first.requestId as string }));
    assert.equal((await view()).seqs.at(-1), 260);
    assert.equal(host.ofType('loadOlder').length, 1, 'not near the top yet');

    await scrollTo(0);
    const req = await host.waitFor('loadOlder', (m) => m.before === 201);
    assert.equal(req.room, 'general');
    assert.equal(await host.page.locator('.row.top.loading').count(), 1, 'shows that it is loading');
    const anchorSeq = (await view()).seqs[2];
    const before = await topOf(anchorSeq);
    await host.post(Messages.create({ room: 'general', messages: all.slice(100, 200), prepend: true, more: true, requestId: req.requestId as string }));
    await host.settle();
    const after = await topOf(anchorSeq);
    assert.ok(before !== null && after !== null);
    assert.ok(Math.abs(after - before) < 1, `row ${anchorSeq} moved from ${before} to ${after}`);
    assert.ok((await view()).scrollTop > 1000, 'older messages are above the view');

    // Keep scrolling up until the beginning, answering every page.
    serveHistory(host, { general: all }, 100);
    for (let i = 0; i < 10 && (await host.page.locator('.row.top.start').count()) === 0; i++) await scrollTo(0);
    assert.match((await host.page.locator('.row.top.start').textContent()) ?? '', /beginning of #general/);
    const befores = host.ofType('loadOlder').map((m) => m.before);
    assert.deepEqual(befores, [undefined, 201, 101], 'each page asked for once');
  });

  it('sticks to the bottom for new messages unless scrolled up', async () => {
    host = await openWebview(browser, server);
    serveHistory(host, { general: varied('general', 1, 400) }, 400);
    await host.post(init());
    await host.page.waitForSelector('.row.msg[data-seq="400"]');
    await host.post(Messages.create({ room: 'general', messages: [message('general', 401, BOB, 'live one')] }));
    let v = await view();
    assert.ok(v.scrollHeight - v.scrollTop - v.clientHeight < 2, 'still at the bottom');
    assert.ok(v.seqs.includes(401));
    assert.equal(await host.page.locator('.jump').isHidden(), true);

    await scrollTo(v.scrollTop - 3000);
    const reading = (await view()).seqs[5];
    const top = await topOf(reading);
    await host.post(Messages.create({ room: 'general', messages: [message('general', 402, CAROL, 'another'), message('general', 403, CAROL, 'and another')] }));
    assert.equal(await topOf(reading), top, 'the view does not move while reading history');
    assert.equal(await host.page.locator('.jump').isVisible(), true);
    await host.page.locator('.jump').click();
    await host.settle();
    v = await view();
    assert.ok(v.scrollHeight - v.scrollTop - v.clientHeight < 2);
    assert.ok(v.seqs.includes(403));
  });

  it('remembers where each room was scrolled to', async () => {
    host = await openWebview(browser, server);
    serveHistory(host, { general: varied('general', 1, 500), design: varied('design', 1, 50) }, 500);
    await host.post(init());
    await host.page.waitForSelector('.row.msg[data-seq="500"]');
    await scrollTo((await view()).scrollHeight / 2);
    const seq = (await view()).seqs[10];
    const top = await topOf(seq);
    await host.page.locator('.room-select').selectOption('design');
    await host.page.waitForSelector('.row.msg[data-seq="50"]');
    await host.page.locator('.room-select').selectOption('general');
    await host.settle();
    const back = await topOf(seq);
    assert.ok(back !== null && top !== null && Math.abs(back - top) < 2, `row ${seq} at ${back}, was ${top}`);
  });
});
