// Unread badges for the threads I take part in, in headless Chromium, through a fake host.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ChatMessage } from '../../protocol/messages';
import { Messages, Rooms, ThreadPage } from '../../webview/messages';
import { BOB, CAROL, ME, T0, init, message, rooms } from './fixtures';
import { launchBrowser, openWebview, pageErrors, startServer, type FakeHost, type TestServer } from './harness';

const MIN = 60_000;

/** Polls `cond` until it holds, for at most 5 s (the page updates after each posted message). */
async function waitUntil(cond: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// general: a thread I started (2 unread), one I take no part in; design: a thread of mine.
const history = (): ChatMessage[] => [
  message('general', 1, ME, 'Who reviews the parser?', T0 + MIN, { replies: 2, repliers: [BOB], lastReply: T0 + 4 * MIN }),
  message('general', 2, CAROL, 'Lunch at noon?', T0 + 2 * MIN, { replies: 1, repliers: [BOB], lastReply: T0 + 5 * MIN }),
  message('general', 6, BOB, 'Plain post', T0 + 6 * MIN),
];
const LIVE_REPLY = message('general', 7, CAROL, 'Me too', T0 + 7 * MIN, { root: 1 });
/** The thread as the server has it: once the live reply was sent, with it. */
let liveSent = false;
const replies = (): ChatMessage[] => [
  message('general', 3, BOB, 'I can', T0 + 3 * MIN, { root: 1 }),
  message('general', 4, BOB, 'Tomorrow', T0 + 4 * MIN, { root: 1 }),
  ...(liveSent ? [LIVE_REPLY] : []),
];

describe('webview thread unread badges (Chromium)', function () {
  this.timeout(30_000);
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
    assert.deepEqual(pageErrors(host), [], 'no uncaught errors in the page');
    assert.deepEqual(await host.violations(), [], 'no CSP violations');
  });

  async function open(): Promise<FakeHost> {
    liveSent = false;
    host = await openWebview(browser, server);
    host.on('loadOlder', (m) => m.room === 'general'
      ? Messages.create({ room: 'general', messages: history(), prepend: true, more: false, requestId: m.requestId as string, threadUnread: { 1: 2 } })
      : Messages.create({ room: m.room as string, messages: [], prepend: true, more: false, requestId: m.requestId as string }));
    host.on('thread', (m) => ThreadPage.create({
      room: 'general', root: history().find((x) => x.seq === m.root) as ChatMessage, replies: m.root === 1 ? replies() : [], more: false, unread: m.root === 1 ? (liveSent ? 3 : 2) : undefined,
      requestId: m.requestId as string,
    }));
    await host.post(init());
    await host.page.locator('.row.msg[data-seq="6"]').waitFor();
    return host;
  }

  const summary = (seq: number) => host.page.locator(`.scroller .row.msg[data-seq="${seq}"] .thread-summary`);
  const badge = (seq: number) => summary(seq).locator('.thread-unread');

  it('shows my unread replies under a root I take part in, none under others\', and clears them when the thread is read', async () => {
    await open();
    assert.equal((await badge(1).textContent())?.trim(), '2');
    assert.match((await summary(1).getAttribute('aria-label')) ?? '', /2 unread replies/);
    assert.equal(await badge(2).count(), 0, 'a thread I take no part in has no badge');

    // A live reply by someone else adds to it; my own reply reads the thread.
    liveSent = true;
    await host.post(Messages.create({ room: 'general', messages: [LIVE_REPLY] }));
    await waitUntil(async () => (await badge(1).textContent())?.trim() === '3', 'the badge counts the live reply');

    await summary(1).click();
    const read = await host.waitFor('readThread');
    assert.deepEqual({ room: read.room, root: read.root, seq: read.seq }, { room: 'general', root: 1, seq: 7 });
    await host.page.locator('.thread-back').click();
    await waitUntil(async () => (await badge(1).count()) === 0, 'the badge goes once the thread was read');
  });

  it('counts thread-only replies in my threads in the room list, from the server and live', async () => {
    await open();
    // design is not open: its count is its unread messages plus the thread replies the server counted.
    await host.post(Messages.create({ room: 'design', messages: [message('design', 10, ME, 'my question', T0 + 10 * MIN)] }));
    await host.post(Rooms.create({ rooms: rooms().map((r) => (r.id === 'design' ? { ...r, lastSeq: 10, lastRead: 10, unread: 0, threadUnread: 3 } : r)) }));
    const design = host.page.locator('.room-select option[value="design"]');
    await waitUntil(async () => /\(3\)/.test((await design.textContent()) ?? ''), 'design shows the 3 the server counted');
    // A live thread-only reply by Bob under my root counts; one under another's root does not.
    await host.post(Messages.create({ room: 'design', messages: [message('design', 11, BOB, 'an answer', T0 + 11 * MIN, { root: 10 })] }));
    await waitUntil(async () => /\(4\)/.test((await design.textContent()) ?? ''), 'the live reply in my thread');
    await host.post(Messages.create({ room: 'design', messages: [message('design', 12, BOB, 'elsewhere', T0 + 12 * MIN, { root: 5 })] }));
    await host.post(Messages.create({ room: 'design', messages: [message('design', 13, CAROL, 'a post', T0 + 13 * MIN)] }));
    await waitUntil(async () => /\(5\)/.test((await design.textContent()) ?? ''), 'the post counts, the reply in a thread not mine did not');
    // The server's recount (after the thread was read elsewhere) replaces both.
    await host.post(Rooms.create({ rooms: rooms().map((r) => (r.id === 'design' ? { ...r, lastSeq: 13, lastRead: 13, unread: 0 } : r)) }));
    await waitUntil(async () => !/\(\d+\)/.test((await design.textContent()) ?? ''), 'nothing unread in design');
  });
});
