// What the header and banner say about the connection: one line that counts down to the next
// attempt ("Reconnecting in 4 s…", then "Reconnecting…"), and no stale online count while
// the server is out of reach.
import assert from 'node:assert/strict';
import { ActiveRoom, Connection } from '../../webview/messages';
import { DM_BOB, chatter, init } from './fixtures';
import { serveHistory, webviewSuite, type FakeHost } from './harness';

describe('webview connection banner and presence (Chromium)', function () {
  this.timeout(30_000);
  const ui = webviewSuite({ csp: false });
  let host: FakeHost;

  async function open(): Promise<void> {
    host = await ui.open();
    serveHistory(host, { general: chatter('general', 1, 3), [DM_BOB]: chatter(DM_BOB, 1, 2) });
    await host.post(init());
    await host.page.locator('.row.msg').first().waitFor();
  }

  const banner = (): Promise<string> => host.page.locator('.banner').innerText().then((t) => t.trim());

  it('counts down to the next attempt in one line, then says "Reconnecting…"', async () => {
    await open();
    // Recorded in the page: every text the banner shows.
    await host.page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __banner: string[] }).__banner = seen;
      const el = document.querySelector('.banner') as HTMLElement;
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await host.post(Connection.create({ state: 'reconnecting', retryAt: Date.now() + 2500 }));
    assert.match(await banner(), /^Reconnecting in [23] s…$/);
    await host.page.waitForFunction(() => document.querySelector('.banner')?.textContent === 'Reconnecting…', undefined, { timeout: 6000 });
    const seen = await host.page.evaluate(() => (window as unknown as { __banner: string[] }).__banner);
    assert.ok(seen.includes('Reconnecting in 1 s…'), `counted down: ${JSON.stringify(seen)}`);
    for (const line of seen) assert.ok(line.split('Reconnecting').length <= 2, `said once: "${line}"`);
    await host.post(Connection.create({ state: 'connected' }));
    assert.equal(await host.page.locator('.banner').isHidden(), true);
  });

  it('shows "offline" instead of an online count while not connected, and the count again once connected', async () => {
    await open();
    const status = (): Promise<string> => host.page.locator('.room-status').innerText().then((t) => t.trim());
    assert.match(await status(), /^\d+ online$/);
    await host.post(Connection.create({ state: 'reconnecting', retryAt: Date.now() + 10_000 }));
    assert.equal(await status(), 'offline');
    await host.post(Connection.create({ state: 'offline' }));
    assert.equal(await status(), 'offline');
    // In a direct conversation too: the peer's last known status is stale.
    await host.post(ActiveRoom.create({ room: DM_BOB }));
    assert.equal(await status(), 'offline');
    assert.equal(await host.page.locator('.room-status .presence-dot.online').count(), 0);
    await host.post(Connection.create({ state: 'connected' }));
    assert.equal(await status(), 'online');
    await host.post(ActiveRoom.create({ room: 'general' }));
    assert.match(await status(), /^\d+ online$/);
  });
});
