// Display names and avatars in the chat panel, in headless Chromium through a fake host.
import assert from 'node:assert/strict';
import { MediaUri, Profiles } from '../../webview/messages';
import { BOB, CAROL, ME, T0, init, message } from './fixtures';
import { serveHistory, webviewSuite, type FakeHost } from './harness';

const MIN = 60_000;

describe('webview profiles (Chromium)', function () {
  this.timeout(30_000);
  const ui = webviewSuite({ csp: true });
  let host: FakeHost;

  async function open(): Promise<FakeHost> {
    host = await ui.open();
    serveHistory(host, {
      general: [message('general', 1, BOB, 'from bob', T0), message('general', 2, CAROL, 'from carol', T0 + MIN), message('general', 3, ME, 'from me', T0 + 2 * MIN)],
    });
    await host.post(init());
    await host.settle();
    return host;
  }

  const authors = async (): Promise<string[]> => (await host.page.locator('.row.msg.head .author').allTextContents()).map((t) => t.trim());

  it('shows display names as text with the user name beside them, and user names where there is none', async () => {
    await open();
    assert.deepEqual(await authors(), [BOB, CAROL, ME]);
    await host.post(Profiles.create({ profiles: [{ user: BOB, displayName: '<img src=x onerror=alert(1)> Bob B.' }, { user: ME, displayName: 'Alice' }] }));
    await host.settle();
    assert.deepEqual(await authors(), ['<img src=x onerror=alert(1)> Bob B.', CAROL, 'Alice']);
    assert.equal(await host.page.locator('.meta img').count(), 0, 'a display name is never markup');
    const bobRow = host.page.locator('.row.msg[data-seq="1"]');
    assert.equal((await bobRow.locator('.author-user').textContent())?.trim(), BOB);
    assert.equal(await bobRow.locator('.author').getAttribute('title'), BOB);
    assert.equal(await host.page.locator('.row.msg[data-seq="2"] .author-user').count(), 0);
    assert.match((await bobRow.getAttribute('aria-label')) ?? '', /^<img src=x onerror=alert\(1\)> Bob B\., /);
    // A profile without a display name any more shows the user name again.
    await host.post(Profiles.create({ profiles: [{ user: BOB }] }));
    await host.settle();
    assert.deepEqual(await authors(), [BOB, CAROL, 'Alice']);
  });

  it('shows an avatar picture through the media path, the initial letter until then', async () => {
    await open();
    await host.post(Profiles.create({ profiles: [{ user: CAROL, displayName: 'Carol', avatarFileId: 'avatar-carol' }] }));
    const req = await host.waitFor('requestMedia', (m) => m.fileId === 'avatar-carol');
    const carol = host.page.locator('.row.msg[data-seq="2"] .gutter .avatar');
    assert.equal((await carol.textContent())?.trim(), 'C', 'the initial while the picture loads');
    await host.post(Profiles.create({ profiles: [{ user: BOB, displayName: 'Zed' }] }));
    await host.settle();
    assert.equal((await host.page.locator('.row.msg[data-seq="1"] .gutter .avatar').textContent())?.trim(), 'Z', 'the display name’s initial');
    await host.post(MediaUri.create({ fileId: 'avatar-carol', uri: `${ui.server.origin}/media/avatar-carol.png`, requestId: req.requestId as string }));
    await host.page.locator('.row.msg[data-seq="2"] .avatar img.avatar-img').waitFor();
    const loaded = await host.page.locator('.row.msg[data-seq="2"] .avatar img.avatar-img').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth));
    assert.ok(loaded > 0, 'the picture loaded under the CSP');
    assert.equal(await host.page.locator('.row.msg[data-seq="1"] .avatar img').count(), 0, 'bob has no picture: his initial stays');
  });
});
