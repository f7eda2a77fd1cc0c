// One search: the header's magnifier and the host's Search command (which posts
// `openSearch`) open the same search box and results panel.
import assert from 'node:assert/strict';
import { OpenSearch, SearchResults } from '../../webview/messages';
import { BOB, chatter, init, message } from './fixtures';
import { serveHistory, webviewSuite, type FakeHost } from './harness';

describe('webview search entry points (Chromium)', function () {
  this.timeout(30_000);
  const ui = webviewSuite({ csp: false });
  let host: FakeHost;

  async function open(): Promise<void> {
    host = await ui.open();
    serveHistory(host, { general: chatter('general', 1, 3) });
    await host.post(init());
    await host.page.locator('.row.msg').first().waitFor();
  }

  const focused = (): Promise<string | undefined> => host.page.evaluate(() => document.activeElement?.className);

  it('opens the header search box for the host’s Search command, focused', async () => {
    await open();
    assert.equal(await host.page.locator('.search-bar').isHidden(), true);
    await host.post(OpenSearch.create({}));
    assert.equal(await host.page.locator('.search-bar').isVisible(), true);
    assert.equal(await host.page.locator('.search-bar').count(), 1, 'one search box');
    assert.equal(await focused(), 'search-input');
    // The magnifier closes the very same box.
    await host.page.locator('.topbar .icon-button[aria-label="Search messages"]').click();
    assert.equal(await host.page.locator('.search-bar').isHidden(), true);
  });

  it('runs the command’s query in the same box and results panel as the magnifier', async () => {
    await open();
    await host.post(OpenSearch.create({ query: 'jitter' }));
    const req = await host.waitFor('search');
    assert.equal(req.query, 'jitter');
    assert.equal(await host.page.locator('.search-input').inputValue(), 'jitter');
    await host.post(SearchResults.create({ query: 'jitter', requestId: req.requestId as string, messages: [message('general', 2, BOB, 'backoff with jitter')] }));
    assert.equal(await host.page.locator('.search-summary').innerText(), '1 result for “jitter”');
    assert.equal(await host.page.locator('.search-panel .result').count(), 1);
    // A second command while it is open searches again in the same place.
    await host.post(OpenSearch.create({ query: 'seq' }));
    const again = await host.waitFor('search', (m) => m.query === 'seq');
    assert.equal(await host.page.locator('.search-input').inputValue(), 'seq');
    await host.post(SearchResults.create({ query: 'seq', requestId: again.requestId as string, messages: [] }));
    assert.equal(await host.page.locator('.search-summary').innerText(), 'No messages match “seq”.');
    assert.equal(await host.page.locator('.search-panel').count(), 1);
  });
});
