// Every count the chat shows reads as a sentence in the user's language ("1 result",
// "2 results"; Chinese through the zh-cn bundle the host passes), mentions included, and the
// "N new messages" button never hides the message under it.
import assert from 'node:assert/strict';
import type { ChatMessage } from '../../protocol/messages';
import { Messages, SearchResults } from '../../webview/messages';
import { BOB, CAROL, DAVE, ME, T0, chatter, init, message, rooms } from './fixtures';
import { serveHistory, webviewSuite, type FakeHost } from './harness';

describe('webview counts and the new-messages button (Chromium)', function () {
  this.timeout(30_000);
  const ui = webviewSuite({ csp: true });
  let host: FakeHost;

  async function open(history: Record<string, ChatMessage[]>, language?: 'zh-cn', height = 720): Promise<void> {
    host = await ui.open({ language, height });
    serveHistory(host, history);
    await host.post(init({ rooms: rooms().map((r) => (r.id === 'design' ? { ...r, lastSeq: 9, lastRead: 5, unread: 4, mentions: 1 } : r)) }));
    await host.page.locator('.row.msg').first().waitFor();
  }

  async function searchFor(query: string, found: ChatMessage[]): Promise<string> {
    if (await host.page.locator('.search-bar').isHidden()) await host.page.locator('.topbar .icon-button[aria-label="Search messages"]').click();
    await host.page.locator('.search-input').fill(query);
    await host.page.locator('.search-input').press('Enter');
    const req = await host.waitFor('search', (m) => m.query === query);
    await host.post(SearchResults.create({ query, requestId: req.requestId as string, messages: found }));
    return (await host.page.locator('.search-summary').textContent()) ?? '';
  }

  const option = (room: string): Promise<string> => host.page.locator(`.room-select option[value="${room}"]`).textContent().then((t) => (t ?? '').trim());

  it('says "1 mention" and "2 mentions", never "@1"', async () => {
    await open({ general: chatter('general', 1, 3) });
    assert.equal(await option('design'), '# design · 1 mention  (4)');
    await host.post(Messages.create({ room: 'design', messages: [message('design', 10, BOB, `@${ME} and one more`)] }));
    assert.equal(await option('design'), '# design · 2 mentions  (5)');
    assert.doesNotMatch(await host.page.locator('.room-select').innerText(), /@\d/);
  });

  it('says "1 result" and "2 results" for a search', async () => {
    await open({ general: chatter('general', 1, 3) });
    assert.equal(await searchFor('jitter', [message('general', 2, BOB, 'backoff with jitter')]), '1 result for “jitter”');
    assert.equal(await searchFor('seq', [message('general', 2, BOB, 'seq'), message('general', 3, CAROL, 'seq order')]), '2 results for “seq”');
    assert.equal(await searchFor('nothing', []), 'No messages match “nothing”.');
  });

  it('shows counts in Chinese with the zh-cn bundle the host passes', async () => {
    await open({ general: [...chatter('general', 1, 3), message('general', 4, BOB, 'thread', T0 + 10 * 60_000, { replies: 1, repliers: [CAROL] })] }, 'zh-cn');
    assert.equal(await host.page.evaluate(() => document.documentElement.lang), 'zh-cn');
    assert.equal(await option('design'), '# design · 1 次提及  (4)');
    assert.match((await host.page.locator('.room-status').innerText()).trim(), /^\d+ 人在线$/);
    assert.match((await host.page.locator('.thread-summary').innerText()).trim(), /^1 条回复 · carol-j/);
    assert.equal(await searchFor('jitter', [message('general', 2, BOB, 'jitter')]), '“jitter”的 1 条结果');
    assert.equal(await searchFor('seq', [message('general', 2, BOB, 'seq'), message('general', 3, CAROL, 'seq')]), '“seq”的 2 条结果');
  });

  it('"3 new messages ↓" waits below without covering the last message', async () => {
    const history = chatter('general', 1, 40);
    await open({ general: history }, undefined, 500);
    const scroller = host.page.locator('.scroller');
    // Scrolled up a screen or more: the button shows, and says nothing new yet.
    await scroller.evaluate((s) => (s.scrollTop = s.scrollHeight - 2.5 * s.clientHeight));
    await host.page.locator('.jump').waitFor();
    assert.equal((await host.page.locator('.jump').innerText()).trim(), 'Jump to latest');
    // Three arrive from others (and one of mine, which is no news to me).
    await host.post(Messages.create({ room: 'general', messages: [41, 42, 43].map((seq) => message('general', seq, [BOB, CAROL, DAVE][seq % 3], `news ${seq}`, T0 + seq * 120_000)) }));
    await host.post(Messages.create({ room: 'general', messages: [message('general', 44, ME, 'mine', T0 + 44 * 120_000)] }));
    await host.page.waitForFunction(() => document.querySelector('.jump')?.textContent?.trim() === '3 new messages');
    assert.equal(await host.page.locator('.jump').getAttribute('aria-label'), null, 'the text is the name');

    // Near the bottom, the button sits below the list, clear of the last row on screen.
    await scroller.evaluate((s) => (s.scrollTop = s.scrollHeight - s.clientHeight - 30));
    await host.settle();
    await host.settle();
    if (await host.page.locator('.jump').isVisible()) {
      const jump = (await host.page.locator('.jump').boundingBox())!;
      const list = (await scroller.boundingBox())!;
      assert.ok(jump.y >= list.y + list.height - 0.5, `the button (top ${jump.y}) is below the list (bottom ${list.y + list.height})`);
    }
    // At the bottom everything has been seen and the button goes.
    await host.page.locator('.jump').click().catch(() => {});
    await scroller.evaluate((s) => (s.scrollTop = s.scrollHeight));
    await host.page.locator('.jump').waitFor({ state: 'hidden' });
    const lastRow = (await host.page.locator('.row.msg[data-seq="44"]').boundingBox())!;
    const list = (await scroller.boundingBox())!;
    assert.ok(lastRow.y + lastRow.height <= list.y + list.height + 0.5, 'the newest message is in view, whole');
  });

  it('keeps the button clear of the messages while it is shown, whatever the scroll position', async () => {
    await open({ general: chatter('general', 1, 40) }, undefined, 500);
    const scroller = host.page.locator('.scroller');
    await scroller.evaluate((s) => (s.scrollTop = 0));
    await host.page.locator('.jump').waitFor();
    await host.post(Messages.create({ room: 'general', messages: [message('general', 41, BOB, 'news', T0 + 41 * 120_000)] }));
    await host.page.waitForFunction(() => document.querySelector('.jump')?.textContent?.trim() === '1 new message');
    const jump = (await host.page.locator('.jump').boundingBox())!;
    const list = (await scroller.boundingBox())!;
    assert.ok(jump.y >= list.y + list.height - 0.5, `the button (top ${jump.y}) is below the list (bottom ${list.y + list.height})`);
  });
});
