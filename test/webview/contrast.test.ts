// Every part of the chat keeps a WCAG AA contrast ratio (4.5:1 for text, 3:1 for icons) in
// VS Code's four default themes, measured on the computed colours of the real bundle, with VS
// Code's own default webview styles in the page as well.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ChatMessage } from '../../protocol/messages';
import { Connection } from '../../webview/messages';
import { samples, sampleContrast, hex } from './contrast';
import { BOB, CAROL, DAVE, ME, chatter, init, message, rooms } from './fixtures';
import { launchBrowser, openWebview, pageErrors, serveHistory, startServer, type FakeHost, type TestServer } from './harness';
import { ALL_THEMES, THEMES, THEME_NAMES } from './themes';

const TEXT = 4.5;
const ICON = 3;

/** What is checked, and how much contrast it needs. */
const CHECKS: { what: string; selector: string; min: number; pseudo?: string }[] = [
  { what: 'inline code', selector: '.md p code', min: TEXT },
  { what: 'code block', selector: '.md pre code', min: TEXT },
  { what: 'code block language', selector: '.code-lang', min: TEXT },
  { what: 'mention', selector: '.mention:not(.me)', min: TEXT },
  { what: 'mention of me', selector: '.mention.me', min: TEXT },
  { what: 'link', selector: '.md a.link', min: TEXT },
  { what: 'message text', selector: '.md p', min: TEXT },
  { what: 'author', selector: '.author', min: TEXT },
  { what: 'time', selector: '.meta .time', min: TEXT },
  { what: 'unread divider', selector: '.row.unread span', min: TEXT },
  { what: 'day divider', selector: '.row.day span', min: TEXT },
  { what: 'reaction chip', selector: '.chip:not(.mine):not(.add) .chip-count', min: TEXT },
  { what: 'my reaction chip', selector: '.chip.mine .chip-count', min: TEXT },
  { what: 'file card name', selector: '.file-name', min: TEXT },
  { what: 'file card details', selector: '.file-meta', min: TEXT },
  { what: 'snippet path', selector: '.snippet-path span', min: TEXT },
  { what: 'snippet line numbers', selector: '.snippet-gutter', min: TEXT },
  { what: 'snippet Open button', selector: '.snippet .text-button', min: TEXT },
  { what: 'thread summary', selector: '.thread-summary span', min: TEXT },
  { what: 'room picker', selector: '.room-select', min: TEXT },
  { what: 'room status', selector: '.room-status', min: TEXT },
  { what: 'banner', selector: '.banner', min: TEXT },
  { what: 'composer text', selector: 'textarea.input', min: TEXT },
  { what: 'composer placeholder', selector: 'textarea.input', min: TEXT, pseudo: '::placeholder' },
  { what: 'suggestion', selector: '.completion:not(.selected) .completion-name', min: TEXT },
  { what: 'selected suggestion', selector: '.completion.selected .completion-name', min: TEXT },
  { what: 'suggestion title', selector: '.completion-title', min: TEXT },
  // The initials repeat the name next to them: a graphic, at 3:1.
  { what: 'avatar initials', selector: '.gutter .avatar', min: ICON },
  { what: 'header buttons', selector: '.topbar .icon-button', min: ICON },
  { what: 'send button', selector: '.icon-button.send', min: ICON },
  { what: 'jump button', selector: '.jump .jump-text', min: TEXT },
];

function history(): ChatMessage[] {
  const t = Date.now() - 3_600_000;
  return [
    // Yesterday's chatter, then today's messages under a day divider.
    ...chatter('general', 1, 60, t - 30 * 3_600_000),
    message('general', 61, BOB, `Use \`resume {token}\` and read https://parley.dev/docs, @${ME} and @${CAROL}.`, t),
    message('general', 62, CAROL, '```ts\nconst delay = 500; // first retry\n```', t + 60_000),
    message('general', 63, DAVE, '', t + 120_000, {
      text: undefined,
      snippet: { code: 'export function backoff(n: number): number {\n  return 500 * 2 ** n;\n}', language: 'typescript', path: 'client/session.ts', startLine: 118, endLine: 120 },
    }),
    message('general', 64, BOB, '', t + 180_000, {
      text: undefined,
      file: { fileId: 'zip1', name: 'staging-logs.zip', size: 3_460_000, mime: 'application/zip', kind: 'file', sha256: 'b'.repeat(64) },
    }),
    message('general', 65, CAROL, 'Shipping today.', t + 240_000, {
      reactions: { '👍': [ME, BOB], '🎉': [BOB] }, replies: 2, repliers: [BOB, DAVE], lastReply: t + 300_000,
    }),
  ];
}

describe('webview contrast in the four VS Code themes (Chromium)', function () {
  this.timeout(120_000);
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

  for (const theme of ALL_THEMES) {
    it(`keeps text at ${TEXT}:1 and icons at ${ICON}:1 in ${THEME_NAMES[theme]}`, async () => {
      host = await openWebview(browser, server, { theme, width: 420, height: 1400 });
      serveHistory(host, { general: history() });
      await host.post(init({ rooms: rooms().map((r) => (r.id === 'general' ? { ...r, lastSeq: 65, lastRead: 60, unread: 5 } : r)) }));
      await host.page.locator('.row.msg[data-seq="65"] .thread-summary').waitFor();
      await host.post(Connection.create({ state: 'reconnecting', retryAt: Date.now() + 60_000 }));
      const box = host.page.locator('textarea.input');
      await box.click();
      await box.pressSequentially('thanks @');
      await host.page.locator('.completion.selected').waitFor();

      const failures: string[] = [];
      const measure = async (checks: typeof CHECKS): Promise<void> => {
        for (const c of checks) {
          const found = await samples(host.page, c.selector, c.pseudo);
          if (found.length === 0) failures.push(`${c.what}: nothing on screen matches ${c.selector}`);
          for (const s of found) {
            const { ratio, fg, bg } = sampleContrast(s, THEMES[theme].vars['background-color']);
            if (ratio < c.min) failures.push(`${c.what} "${s.text}": ${hex(fg)} on ${hex(bg)} is ${ratio.toFixed(2)}:1, needs ${c.min}:1`);
          }
        }
      };
      await measure(CHECKS.filter((c) => !c.selector.startsWith('.jump')));
      // A row under the pointer: its hover background, its time and toolbar.
      await host.page.locator('.row.msg[data-seq="62"]').hover();
      await host.page.locator('.row.msg[data-seq="62"] > .actions').waitFor();
      await measure([
        { what: 'hovered row time', selector: '.row.msg[data-seq="62"] .meta .time', min: TEXT },
        { what: 'hovered row text', selector: '.row.msg[data-seq="62"] .md pre code', min: TEXT },
        { what: 'hovered row toolbar', selector: '.row.msg[data-seq="62"] > .actions .icon-button', min: ICON },
      ]);
      await host.page.mouse.move(0, 0);
      // The jump button shows once the newest messages are out of sight.
      await host.page.keyboard.press('Escape');
      await host.page.locator('.scroller').evaluate((s) => (s.scrollTop = 0));
      await host.page.locator('.jump').waitFor();
      await measure(CHECKS.filter((c) => c.selector.startsWith('.jump')));
      // Signed out: the panel's text and its Sign in and Register buttons.
      await host.post(Connection.create({ state: 'signedOut' }));
      await host.page.locator('.signed-out').waitFor();
      await measure([
        { what: 'signed-out title', selector: '.signed-out-title', min: TEXT },
        { what: 'signed-out text', selector: '.signed-out-text', min: TEXT },
        { what: 'Sign in button', selector: '.primary-button', min: TEXT },
        { what: 'Register button', selector: '.secondary-button', min: TEXT },
      ]);
      assert.deepEqual(failures, [], `${THEME_NAMES[theme]}:\n${failures.join('\n')}`);
      assert.deepEqual(pageErrors(host), []);
    });
  }
});
