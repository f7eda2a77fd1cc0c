// A populated chat in VS Code's four default themes (light, dark, high contrast dark and
// light) at sidebar widths of 170, 300 and 700 px, saved to test-artifacts/ for people to look at.
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { ChatMessage } from '../../protocol/messages';
import { MediaUri, Pending, ThreadPage, TypingEvent } from '../../webview/messages';
import { BOB, CAROL, DAVE, ME, init, message, rooms } from './fixtures';
import { artifacts, launchBrowser, openWebview, pageErrors, serveHistory, startServer, type FakeHost, type TestServer } from './harness';
import { ALL_THEMES, THEME_NAMES } from './themes';

const WIDTHS = [170, 300, 700];

function conversation(server: TestServer): { messages: ChatMessage[]; media: Record<string, string> } {
  const now = Date.now();
  const today = new Date();
  today.setHours(9, 12, 0, 0);
  const t = (min: number): number => Math.min(now - 60_000, today.getTime() + min * 60_000);
  const midnight = new Date(today);
  midnight.setHours(0, 0, 0, 0);
  const y = midnight.getTime() - 86_400_000;
  const messages: ChatMessage[] = [
    message('general', 41, DAVE, 'Deployed 0.3.1 to staging, release notes in https://parley.dev/changelog', y + 17 * 3_600_000),
    message('general', 42, CAROL, 'Thanks! I will give it a spin tomorrow.', y + 17 * 3_600_000 + 120_000),
    message('general', 43, BOB, 'Morning all. The reconnect fix is in review:', t(0)),
    message('general', 44, BOB, '- resumes from the last **seq** per room\n- backoff with jitter, capped at 30 s\n- nothing is delivered twice', t(1)),
    message('general', 45, BOB, '', t(2), {
      text: undefined,
      snippet: {
        code: "export function backoff(attempt: number): number {\n  const base = Math.min(30_000, 500 * 2 ** attempt);\n  // Full jitter keeps clients from reconnecting in lockstep.\n  return Math.random() * base;\n}",
        language: 'typescript',
        path: 'client/session.ts',
        startLine: 118,
        endLine: 122,
      },
    }),
    message('general', 46, ME, `Nice, that reads well. @${BOB} does \`resume\` need the token again?`, t(4)),
    message('general', 47, BOB, 'Yes, it is a fresh `resume {token, since}`. Screenshot of the timeline:', t(6)),
    message('general', 48, BOB, '', t(6), { text: undefined, file: { fileId: 'img1', name: 'reconnect-timeline.png', size: 184_320, mime: 'image/png', kind: 'image', sha256: 'a'.repeat(64) } }),
    message('general', 49, CAROL, `> nothing is delivered twice\n\nThat is the part I care about. Logs from last night, @${ME}:`, t(9)),
    message('general', 50, CAROL, '', t(9), { text: undefined, file: { fileId: 'zip1', name: 'staging-logs-2026-11-24.zip', size: 3_460_000, mime: 'application/zip', kind: 'file', sha256: 'b'.repeat(64) } }),
    message('general', 51, DAVE, 'Quick check before I merge:\n\n```bash\nnpm test -- test/client && npm run bench\n```', t(12)),
  ];
  return { messages, media: { img1: `${server.origin}/media/reconnect-timeline.png` } };
}

describe('webview screenshots (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: TestServer;
  let host: FakeHost;

  before(async function () {
    this.timeout(120_000);
    browser = await launchBrowser(this);
    server = await startServer();
    mkdirSync(artifacts, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const theme of ALL_THEMES) for (const width of WIDTHS) {
    it(`shows a populated chat in ${THEME_NAMES[theme]} at ${width} px`, async () => {
      host = await openWebview(browser, server, { theme, width, height: 860 });
      const { messages, media } = conversation(server);
      serveHistory(host, { general: messages });
      host.on('requestMedia', (m) => MediaUri.create({ fileId: m.fileId as string, uri: media[m.fileId as string] ?? 'x', requestId: m.requestId as string }));
      const list = rooms().map((r) => (r.id === 'general' ? { ...r, lastSeq: 51, lastRead: 48 } : r.id === 'design' ? { ...r, lastSeq: 9, lastRead: 6 } : r));
      await host.post(init({ rooms: list }));
      await host.post(Pending.create({ room: 'general', cid: 'c-9', text: 'Merging after lunch, ping me if anything breaks', state: 'failed' }));
      await host.post(TypingEvent.create({ room: 'general', user: CAROL }));
      await host.page.waitForFunction(() => (document.querySelector('img.media') as HTMLImageElement | null)?.complete === true);
      // The view opened at the unread divider; show the newest messages.
      await host.page.locator('.scroller').evaluate((s) => (s.scrollTop = s.scrollHeight));
      await host.settle();
      await host.settle();
      const file = path.join(artifacts, `chat-${theme}-${width}px.png`);
      await host.page.screenshot({ path: file });
      assert.ok(statSync(file).size > 10_000);
      // And the earlier part: day separator, list, snippet.
      await host.page.locator('.scroller').evaluate((s) => (s.scrollTop = 0));
      await host.settle();
      await host.settle();
      await host.page.screenshot({ path: path.join(artifacts, `chat-${theme}-${width}px-earlier.png`) });
      assert.deepEqual(pageErrors(host), []);
      assert.deepEqual(await host.violations(), []);
    });
  }

  for (const theme of ALL_THEMES) {
    it(`shows reaction chips, a thread summary and an open thread in ${THEME_NAMES[theme]}`, async () => {
      host = await openWebview(browser, server, { theme, width: 440, height: 720 });
      const t = (min: number): number => Date.now() - (60 - min) * 60_000;
      const root = message('general', 3, CAROL, 'Should `resume` replay reactions too, or only messages?', t(3), {
        replies: 3, repliers: [BOB, DAVE, ME], lastReply: t(20), reactions: { '👀': [BOB, DAVE], '👍': [ME] }, pinned: true,
      });
      const messages: ChatMessage[] = [
        message('general', 1, BOB, 'Reconnect fix is merged 🎉', t(0), { reactions: { '🎉': [CAROL, DAVE, ME], '❤️': [CAROL] } }),
        message('general', 2, DAVE, 'Staging is green again.', t(1), { edited: t(2) }),
        root,
        message('general', 7, BOB, 'deleted', t(25), { text: undefined, deleted: true }),
        message('general', 8, ME, 'Thanks all, closing the thread.', t(26), { reactions: { '✅': [CAROL] } }),
      ];
      const replies = [
        message('general', 4, BOB, 'Both: changes are room events with their own seq.', t(10), { root: 3 }),
        message('general', 5, DAVE, 'So a client that was away catches up on reactions as well.', t(14), { root: 3, reactions: { '👍': [CAROL, ME] } }),
        message('general', 6, ME, 'Great, then the webview just folds them in.', t(20), { root: 3 }),
      ];
      serveHistory(host, { general: messages });
      host.on('thread', (m) => ThreadPage.create({ room: 'general', root, replies, more: false, requestId: m.requestId as string }));
      await host.post(init());
      await host.page.locator('.row.msg[data-seq="8"]').waitFor();
      await host.page.locator('.row.msg[data-seq="1"]').hover();
      await host.settle();
      const chips = path.join(artifacts, `reactions-${theme}.png`);
      await host.page.screenshot({ path: chips });
      assert.ok(statSync(chips).size > 10_000);
      await host.page.locator('.row.msg[data-seq="3"] .thread-summary').click();
      await host.page.locator('.thread-view .row.msg[data-seq="6"]').waitFor();
      await host.page.locator('.thread-view textarea.reply-input').fill('Shipping it today.');
      await host.settle();
      const thread = path.join(artifacts, `thread-${theme}.png`);
      await host.page.screenshot({ path: thread });
      assert.ok(statSync(thread).size > 10_000);
      assert.deepEqual(pageErrors(host), []);
      assert.deepEqual(await host.violations(), []);
    });
  }
});
