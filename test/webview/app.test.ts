// The chat panel in headless Chromium, driven through a fake extension host.
import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import type { ChatMessage } from '../../protocol/messages';
import { Acked, ActiveRoom, Connection, ErrorMessage, MediaUri, Messages, Pending, Presence, ReadMark, SearchResults, TypingEvent } from '../../webview/messages';
import { BOB, CAROL, DAVE, DM_BOB, ME, T0, chatter, init, message, rooms } from './fixtures';
import { artifacts, serveHistory, webviewSuite, type FakeHost } from './harness';

const MIN = 60_000;

describe('webview UI (Chromium)', function () {
  this.timeout(30_000);
  const ui = webviewSuite({ csp: true });
  let host: FakeHost;

  /** Opens the panel signed in as alice.dev with `history` served on demand. */
  async function open(history: Record<string, ChatMessage[]> = {}, initOverrides = {}, opts = {}): Promise<FakeHost> {
    host = await ui.open(opts);
    serveHistory(host, history);
    await host.post(init(initOverrides));
    await host.settle();
    return host;
  }

  const texts = async (sel: string): Promise<string[]> => (await host.page.locator(sel).allTextContents()).map((t) => t.trim());
  const text = async (sel: string): Promise<string | undefined> => (await host.page.locator(sel).textContent())?.trim();

  it('posts ready first and nothing before init; then asks for the newest page', async () => {
    host = await ui.open();
    await host.settle();
    assert.deepEqual(host.received.map((m) => m.type), ['ready']);
    serveHistory(host, { general: chatter('general', 1, 5) });
    await host.post(init());
    const req = await host.waitFor('loadOlder');
    assert.equal(req.room, 'general');
    assert.equal(req.before, undefined);
    assert.match(req.requestId as string, /.+/);
    assert.equal(host.ofType('openRoom').length, 0, 'the host chose the room, so it is not told again');
  });

  it('groups consecutive messages from one sender within five minutes', async () => {
    await open({
      general: [
        message('general', 1, BOB, 'first', T0),
        message('general', 2, BOB, 'second', T0 + MIN),
        message('general', 3, BOB, 'third', T0 + 2 * MIN),
        message('general', 4, CAROL, 'carol here', T0 + 3 * MIN),
        message('general', 5, BOB, 'bob again', T0 + 4 * MIN),
        message('general', 6, BOB, 'much later', T0 + 20 * MIN),
      ],
    });
    assert.deepEqual(await texts('.row.msg.head .author'), [BOB, CAROL, BOB, BOB]);
    assert.equal(await host.page.locator('.row.msg:not(.head)').count(), 2);
    assert.equal(await host.page.locator('.row.msg .avatar').count(), 4);
    assert.deepEqual(await texts('.row.msg .md'), ['first', 'second', 'third', 'carol here', 'bob again', 'much later']);
    assert.equal(await host.page.locator('.row.day').count(), 1);
    assert.equal(await host.page.locator('.row.top.start').count(), 1, 'the beginning of the room is shown');
  });

  it('shows the unread divider where unread messages start and marks them read', async () => {
    const list = rooms().map((r) => (r.id === 'general' ? { ...r, lastSeq: 10, lastRead: 6, unread: 3 } : r));
    const history = chatter('general', 1, 10).map((m) => (m.seq >= 7 && m.seq !== 8 ? { ...m, from: BOB } : m));
    history[7] = { ...history[7], from: ME };
    await open({ general: history }, { rooms: list });
    // 7 is the first unread; my own 8 does not move the divider.
    assert.equal(await host.page.locator('.row.unread + .row.msg').getAttribute('data-seq'), '7');
    assert.equal(await host.page.locator('.row.unread').count(), 1);
    const read = await host.waitFor('read');
    assert.deepEqual({ room: read.room, seq: read.seq }, { room: 'general', seq: 10 });
  });

  it('sends on Enter, adds a line on Shift+Enter, and shows the message as pending until acked', async () => {
    await open({ general: chatter('general', 1, 3) });
    const box = host.page.locator('textarea.input');
    await box.click();
    await box.pressSequentially('hello');
    await box.press('Shift+Enter');
    await box.pressSequentially('world');
    assert.equal(host.ofType('send').length, 0);
    await box.press('Enter');
    const sent = await host.waitFor('send');
    assert.equal(sent.room, 'general');
    assert.equal(sent.text, 'hello\nworld');
    assert.match(sent.cid as string, /^[0-9a-f-]{32,36}$/);
    assert.equal(await box.inputValue(), '');
    await host.settle();
    assert.equal(await host.page.locator(`.row.pending.sending[data-cid="${sent.cid}"] .status`).textContent(), 'Sending…');
    await host.post(Acked.create({ cid: sent.cid as string, seq: 4, room: 'general', ts: Date.now() }));
    assert.equal(await host.page.locator('.row.pending').count(), 0);
    assert.equal(await text('.row.msg[data-seq="4"] .md'), 'hello\nworld');
  });

  it('sends "text ~user" to the DM room with that user', async () => {
    await open({ general: chatter('general', 1, 3) });
    const box = host.page.locator('textarea.input');
    await box.click();
    await box.pressSequentially(`psst, lunch? ~${BOB}`);
    await host.page.keyboard.press('Escape'); // close the ~ completion list
    await box.press('Enter');
    const sent = await host.waitFor('send');
    assert.deepEqual({ room: sent.room, text: sent.text }, { room: DM_BOB, text: 'psst, lunch?' });
    assert.equal(await host.page.locator('.room-select').inputValue(), 'general', 'stays in the room');
    assert.match((await host.page.locator('.composer-hint').textContent()) ?? '', new RegExp(`Sent privately to ${BOB}`));
    await host.page.locator('.composer-hint button').click();
    assert.equal((await host.waitFor('openRoom')).room, DM_BOB);
    assert.equal(await text('.row.pending .md'), 'psst, lunch?');
  });

  it('keeps an unsent draft per room, in saved state, across a reload', async () => {
    await open({ general: chatter('general', 1, 3), design: chatter('design', 1, 3) });
    const box = host.page.locator('textarea.input');
    await box.fill('half a thought');
    await host.page.locator('.room-select').selectOption('design');
    assert.equal((await host.waitFor('openRoom')).room, 'design');
    assert.equal(await box.inputValue(), '');
    assert.equal(await box.getAttribute('placeholder'), 'Message #design');
    await box.fill('design draft');
    await host.page.locator('.room-select').selectOption('general');
    assert.equal(await box.inputValue(), 'half a thought');
    // setState is debounced: wait for it rather than for a fixed time.
    await host.page.waitForFunction(() => (window as unknown as { __host: { state?: { drafts?: Record<string, string> } } }).__host.state?.drafts?.design === 'design draft');
    const state = await host.state();
    assert.deepEqual(state?.drafts, { general: 'half a thought', design: 'design draft' });
    assert.equal(state?.activeRoom, 'general');

    // A reloaded panel restores the room and its draft from getState().
    await open({ general: chatter('general', 1, 3), design: chatter('design', 1, 3) }, { activeRoom: undefined }, { state: { ...state, activeRoom: 'design' } });
    assert.equal(await host.page.locator('.room-select').inputValue(), 'design');
    assert.equal(await host.page.locator('textarea.input').inputValue(), 'design draft');
    assert.equal((await host.waitFor('openRoom')).room, 'design', 'the host learns the restored room');
  });

  it('shows queued and failed messages; Retry re-sends the same cid', async () => {
    await open({ general: chatter('general', 1, 3) });
    await host.post(Pending.create({ room: 'general', cid: 'c-1', text: 'offline words', state: 'queued' }));
    assert.equal(await host.page.locator('.row.pending.queued .status').textContent(), 'Waiting for connection…');
    await host.post(Pending.create({ room: 'general', cid: 'c-1', text: 'offline words', state: 'failed' }));
    assert.match((await host.page.locator('.row.pending.failed .status').textContent()) ?? '', /Not sent/);
    await host.page.locator('.row.pending.failed button.retry').click();
    assert.equal((await host.waitFor('retry')).cid, 'c-1');
    await host.settle();
    assert.equal(await host.page.locator('.row.pending.sending').count(), 1);
  });

  it('shows who is typing and tells the host while I type', async () => {
    await open({ general: chatter('general', 1, 3) });
    await host.post(TypingEvent.create({ room: 'general', user: BOB }));
    assert.equal(await host.page.locator('.typing').textContent(), `${BOB} is typing`);
    await host.post(TypingEvent.create({ room: 'general', user: CAROL }));
    assert.equal(await host.page.locator('.typing').textContent(), `${BOB} and ${CAROL} are typing`);
    await host.post(TypingEvent.create({ room: 'design', user: DAVE }));
    assert.doesNotMatch((await host.page.locator('.typing').textContent()) ?? '', /dave/);
    await host.post(Messages.create({ room: 'general', messages: [message('general', 4, BOB, 'done typing')] }));
    assert.equal(await host.page.locator('.typing').textContent(), `${CAROL} is typing`);
    const started = Date.now();
    await host.page.locator('textarea.input').pressSequentially('abcdef');
    await host.settle();
    const typed = host.ofType('typing');
    assert.equal(typed[0]?.room, 'general');
    assert.ok(typed.length <= 1 + Math.floor((Date.now() - started) / 3000), `throttled to one per 3 s (${typed.length})`);
  });

  it('shows read receipts in a DM', async () => {
    const dm = [message(DM_BOB, 1, BOB, 'hey'), message(DM_BOB, 2, ME, 'hi!'), message(DM_BOB, 3, ME, 'got a minute?')];
    await open({ [DM_BOB]: dm }, { activeRoom: DM_BOB });
    assert.equal(await host.page.locator('.receipt').count(), 0);
    await host.post(ReadMark.create({ room: DM_BOB, user: BOB, seq: 2 }));
    assert.equal(await host.page.locator('.row.msg[data-seq="2"] .receipt').textContent(), '✓ Seen');
    await host.post(ReadMark.create({ room: DM_BOB, user: BOB, seq: 3 }));
    assert.equal(await host.page.locator('.receipt').count(), 1);
    assert.equal(await host.page.locator('.row.msg[data-seq="3"] .receipt').count(), 1);
    assert.match((await host.page.locator('.room-status').textContent()) ?? '', /online/);
  });

  it('completes @mentions from the room’s members', async () => {
    await open({ design: chatter('design', 1, 3) }, { activeRoom: 'design' });
    const box = host.page.locator('textarea.input');
    await box.click();
    await box.pressSequentially('thanks @');
    assert.deepEqual(await texts('.completions .completion-name'), [BOB, CAROL], 'members of #design, online first, not me');
    await box.pressSequentially('ca');
    assert.deepEqual(await texts('.completions .completion-name'), [CAROL]);
    await box.press('Enter');
    assert.equal(await box.inputValue(), `thanks @${CAROL} `);
    assert.equal(host.ofType('send').length, 0, 'Enter picked the name instead of sending');
    await box.pressSequentially('and @d');
    await box.press('Escape');
    assert.equal(await host.page.locator('.completions').isHidden(), true);
  });

  it('renders markdown and code; links only ask the host to open them', async () => {
    const text = [
      '**bold** and _em_ with `inline code`, see https://example.com/docs and [the guide](https://parley.dev/guide)',
      '```ts\nconst answer: number = 42; // why\n```',
      `ping @${ME}`,
    ].join('\n\n');
    await open({ general: [message('general', 1, BOB, text)] });
    const md = host.page.locator('.row.msg .md');
    assert.equal(await md.locator('strong').textContent(), 'bold');
    assert.equal(await md.locator('.code-block .code-lang').textContent(), 'ts');
    assert.ok((await md.locator('.hljs-keyword').count()) >= 1, 'highlighted');
    assert.equal(await md.locator('.mention.me').textContent(), `@${ME}`);
    assert.equal(await host.page.locator('.row.msg.mentions-me').count(), 1);
    assert.equal(await host.page.locator('a[href]').count(), 0, 'no element can navigate');
    const url = host.page.url();
    await md.locator('a.link', { hasText: 'the guide' }).click();
    assert.equal((await host.waitFor('openLink')).href, 'https://parley.dev/guide');
    await md.locator('a.link', { hasText: 'example.com' }).click();
    await host.settle();
    assert.deepEqual(host.ofType('openLink').map((m) => m.href), ['https://parley.dev/guide', 'https://example.com/docs']);
    assert.equal(host.page.url(), url, 'never navigates');
  });

  it('shows snippets with language, path:lines and an Open button', async () => {
    const code = Array.from({ length: 30 }, (_, i) => `export const line${i} = ${i};`).join('\n');
    const snip = message('general', 1, BOB, 'Look at this:', T0, { snippet: { code, language: 'typescript', path: 'src/app.ts', startLine: 10, endLine: 39 } });
    await open({ general: [snip] });
    const s = host.page.locator('.snippet');
    assert.equal(await s.locator('.code-lang').textContent(), 'typescript');
    assert.equal(await s.locator('.snippet-path').textContent(), 'src/app.ts:10–39');
    assert.ok((await s.locator('.hljs-keyword').count()) > 0);
    const gutter = (await s.locator('.snippet-gutter').textContent()) ?? '';
    assert.equal(gutter.split('\n')[0], '10');
    assert.equal(gutter.split('\n').length, 16, 'long snippets start collapsed');
    await s.locator('.snippet-more').click();
    await host.settle();
    assert.equal(((await host.page.locator('.snippet .snippet-gutter').textContent()) ?? '').split('\n').length, 30);
    await host.page.locator('.snippet .snippet-head button').click();
    const opened = await host.waitFor('openSnippet');
    assert.deepEqual((opened.message as ChatMessage).snippet, snip.snippet);
  });

  it('shows a discussion on the code as one: its tag, path:lines and highlighted code', async () => {
    const anchor = { repo: 'git.example.com/team/app', path: 'src/app.ts', commit: 'a'.repeat(40), startLine: 10, endLine: 11, textSha256: 'b'.repeat(64), before: [], after: [] };
    const snip = message('general', 1, BOB, 'Why compute here?', T0, { snippet: { code: 'const a = compute(1);\nconst b = compute(2);', language: 'typescript', path: 'src/app.ts', startLine: 10, endLine: 11, anchor } });
    await open({ general: [snip, message('general', 2, BOB, 'plain snippet', T0 + 1, { snippet: { code: 'x', language: 'typescript' } })] });
    const s = host.page.locator('.snippet').first();
    assert.equal(await s.locator('.snippet-discussion').textContent(), 'Discussion');
    assert.equal(await s.locator('.snippet-path').textContent(), 'src/app.ts:10–11');
    assert.ok((await s.locator('.hljs-keyword').count()) > 0);
    assert.equal(await host.page.locator('.snippet').nth(1).locator('.snippet-discussion').count(), 0);
    await s.locator('.snippet-head button').click();
    const opened = await host.waitFor('openSnippet');
    assert.deepEqual((opened.message as ChatMessage).snippet?.anchor, anchor);
  });

  it('shows file cards, and image/video/audio once the host provides a URI', async () => {
    const file = (seq: number, kind: 'image' | 'video' | 'audio' | 'file', name: string, size: number, mime: string): ChatMessage =>
      message('general', seq, BOB, '', T0 + seq * MIN, { text: undefined, file: { fileId: `f${seq}`, name, size, mime, kind, sha256: 'ab'.repeat(32) } });
    await open({ general: [file(1, 'image', 'screenshot.png', 48_213, 'image/png'), file(2, 'file', 'build-logs.zip', 2 * 1024 * 1024, 'application/zip'), file(3, 'audio', 'standup.ogg', 90_000, 'audio/ogg')] });
    const req = await host.waitFor('requestMedia', (m) => m.fileId === 'f1');
    await host.waitFor('requestMedia', (m) => m.fileId === 'f3');
    assert.equal(host.ofType('requestMedia').some((m) => m.fileId === 'f2'), false, 'plain files need no preview');
    assert.equal(await host.page.locator('.file-card.kind-image .media-placeholder').count(), 1);
    await host.post(MediaUri.create({ fileId: 'f1', uri: `${ui.server.origin}/media/screenshot.png`, requestId: req.requestId as string }));
    const img = host.page.locator('.file-card.kind-image img.media');
    await img.waitFor();
    await host.page.waitForFunction(() => (document.querySelector('img.media') as HTMLImageElement | null)?.naturalWidth === 480);
    assert.equal(await img.getAttribute('alt'), 'screenshot.png');
    const zip = host.page.locator('.file-card.kind-file');
    assert.equal(await zip.locator('.file-name').textContent(), 'build-logs.zip');
    assert.equal(await zip.locator('.file-meta').textContent(), '2.0 MB · application/zip');
    // Media the host cannot provide yet: the placeholder goes, the card stays.
    const audio = host.ofType('requestMedia').find((m) => m.fileId === 'f3');
    await host.post(ErrorMessage.create({ message: 'not available yet', requestId: audio?.requestId as string }));
    assert.equal(await host.page.locator('.file-card.kind-audio .media-placeholder').count(), 0);
    assert.equal(await host.page.locator('.file-card.kind-audio .file-name').textContent(), 'standup.ogg');
    // Placeholders the host answers with "not available yet" show that to the user.
    await zip.locator('button[aria-label="Download"]').click();
    const dl = await host.waitFor('download');
    assert.equal(dl.fileId, 'f2');
    await host.post(ErrorMessage.create({ message: 'Downloads are not available yet.', requestId: dl.requestId as string }));
    assert.equal(await host.page.locator('.toast').textContent(), 'Downloads are not available yet.');
    await zip.locator('button[aria-label="Open"]').click();
    assert.equal((await host.waitFor('openMedia')).fileId, 'f2');
  });

  it('sends pasted images and dropped files to the host', async () => {
    await open({ general: chatter('general', 1, 2) });
    await host.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([137, 80, 78, 71])], 'clip.png', { type: 'image/png' }));
      document.querySelector('textarea.input')?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    const paste = await host.waitFor('pasteImage');
    assert.deepEqual({ room: paste.room, name: paste.name, mime: paste.mime, data: paste.dataBase64 }, { room: 'general', name: 'clip.png', mime: 'image/png', data: 'iVBORw==' });
    await host.post(ErrorMessage.create({ message: 'Pasting images is not available yet.', requestId: paste.requestId as string }));
    assert.equal(await host.page.locator('.toast').textContent(), 'Pasting images is not available yet.');
    await host.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['hello'], 'notes.txt', { type: 'text/plain' }));
      dt.setData('text/uri-list', 'file:///work/readme.md');
      document.querySelector('.scroller')?.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    const drop = await host.waitFor('dropFiles');
    assert.deepEqual(drop.files, [{ name: 'notes.txt', size: 5, mime: 'text/plain', dataBase64: 'aGVsbG8=' }]);
    assert.deepEqual(drop.uris, ['file:///work/readme.md']);
  });

  it('searches and goes to a result’s room', async () => {
    await open({ general: chatter('general', 1, 3), design: chatter('design', 1, 2) });
    await host.page.locator('button[aria-label="Search messages"]').click();
    await host.page.locator('.search-input').fill('reconnect');
    await host.page.locator('.search-input').press('Enter');
    const req = await host.waitFor('search');
    assert.equal(req.query, 'reconnect');
    assert.match((await host.page.locator('.search-summary').textContent()) ?? '', /Searching/);
    await host.post(SearchResults.create({
      query: 'reconnect',
      requestId: req.requestId as string,
      messages: [message('general', 1, BOB, 'the **reconnect** logic'), message('design', 7, CAROL, 'reconnect mockups', T0 + 50 * MIN)],
    }));
    assert.equal(await host.page.locator('.search-summary').textContent(), '2 results for “reconnect”');
    assert.deepEqual(await texts('.result .result-room span'), ['#design', '#general']);
    assert.equal(await host.page.locator('.result strong').textContent(), 'reconnect');
    await host.page.locator('.result', { hasText: 'mockups' }).locator('button', { hasText: 'Go to room' }).click();
    assert.equal((await host.waitFor('openRoom')).room, 'design');
    assert.equal(await host.page.locator('.search-panel').isHidden(), true);
    assert.equal(await host.page.locator('.room-select').inputValue(), 'design');
  });

  it('follows the host: active room, presence, connection state and errors', async () => {
    await open({ general: chatter('general', 1, 3), design: chatter('design', 1, 3) });
    await host.waitFor('read', (m) => m.room === 'general' && m.seq === 3);
    await host.post(ActiveRoom.create({ room: 'design' }));
    assert.equal(await host.page.locator('.room-select').inputValue(), 'design');
    assert.equal(host.ofType('openRoom').length, 0);
    await host.post(Presence.create({ changes: [{ user: CAROL, status: 'online' }] }));
    assert.equal(await host.page.locator('.room-status').textContent(), '3 online', `${ME}, ${BOB} and now ${CAROL}`);
    assert.equal(await host.page.locator('.banner').isHidden(), true);
    await host.post(Connection.create({ state: 'reconnecting', detail: 'Retrying in 4 s.' }));
    assert.equal(await host.page.locator('.banner').textContent(), 'Reconnecting… Retrying in 4 s.');
    await host.post(Connection.create({ state: 'connected' }));
    assert.equal(await host.page.locator('.banner').isHidden(), true);
    await host.post(ErrorMessage.create({ message: 'You are sending too fast.' }));
    assert.equal(await host.page.locator('.toast').textContent(), 'You are sending too fast.');
    // Unread counts for rooms in the background.
    await host.post(Messages.create({ room: 'general', messages: [message('general', 4, BOB, 'new'), message('general', 5, BOB, 'newer')] }));
    assert.match((await host.page.locator('.room-select option[value="general"]').textContent()) ?? '', /\(2\)/);
  });

  it('when signed out, names the server and offers Sign In, Register and Change…, which ask the host to run the commands', async () => {
    host = await ui.open();
    // What a signed-out host sends after `ready`: the connection state with the server, and nothing else.
    await host.post(Connection.create({ state: 'signedOut', server: '127.0.0.1:6666' }));
    const panel = host.page.locator('.signed-out');
    await panel.waitFor({ state: 'visible', timeout: 5000 });
    assert.match((await panel.textContent()) ?? '', /signed out/i);
    assert.equal((await panel.locator('.signed-out-server').innerText()).replace(/\s+/g, ' '), 'Server: 127.0.0.1:6666 · Change…');
    // One pair of actions, worded as the commands are.
    assert.deepEqual(await panel.locator('.signed-out-actions button').allInnerTexts(), ['Sign In', 'Register']);
    await panel.getByRole('button', { name: 'Change server' }).click();
    await host.settle();
    assert.deepEqual(host.ofType('runCommand').map((m) => m.command), ['parley.changeServer']);
    host.received.length = 0;
    // The host tells of another server (Change Server…, or the settings): the panel follows.
    await host.post(Connection.create({ state: 'signedOut', server: 'tls://chat.example.com:7000' }));
    assert.equal(await panel.locator('.signed-out-server-name').innerText(), 'Server: tls://chat.example.com:7000');
    assert.equal(await host.page.locator('.composer textarea').isDisabled(), true);
    assert.equal(await host.page.locator('.topbar').isVisible(), false, 'no room picker or search while signed out');
    await panel.getByRole('button', { name: 'Sign In', exact: true }).click();
    await panel.getByRole('button', { name: 'Register' }).click();
    await host.settle();
    assert.deepEqual(host.ofType('runCommand').map((m) => m.command), ['parley.signIn', 'parley.register']);
    await host.page.screenshot({ path: `${artifacts}/webview-signed-out.png` });

    // Signing in replaces the panel with the chat; signing out again clears the chat away.
    serveHistory(host, { general: chatter('general', 1, 3) });
    await host.post(init());
    await host.page.locator('.row.msg').first().waitFor();
    assert.equal(await panel.isVisible(), false);
    assert.equal(await host.page.locator('.topbar').isVisible(), true);
    assert.equal(await host.page.locator('.composer textarea').isDisabled(), false);
    await host.post(Connection.create({ state: 'signedOut' }));
    await panel.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await host.page.locator('.row.msg').count(), 0, 'no messages of the previous session stay on screen');
    assert.equal(await host.page.locator('.room-select option').count(), 0);
    assert.equal(await host.page.locator('.composer textarea').isDisabled(), true);
    // Keyboard users reach the buttons too.
    await panel.getByRole('button', { name: 'Register' }).focus();
    await host.page.keyboard.press('Enter');
    await host.settle();
    assert.deepEqual(host.ofType('runCommand').map((m) => m.command), ['parley.signIn', 'parley.register', 'parley.register']);
  });

  it('shows a file card\'s whole type in a 280 px sidebar: notes.txt, and a long Office type, not cut to "application/oc…"', async () => {
    const file = (seq: number, name: string, size: number, mime: string): ChatMessage =>
      message('general', seq, BOB, '', T0 + seq * MIN, { text: undefined, file: { fileId: `f${seq}`, name, size, mime, kind: 'file', sha256: 'ab'.repeat(32) } });
    const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    await open({ general: [file(1, 'notes.txt', 120, 'text/plain'), file(2, 'a.docx', 20_480, docx), file(3, 'x.bin', 64, 'application/octet-stream')] }, {}, { width: 280 });
    const metas = host.page.locator('.file-card .file-meta');
    await metas.nth(2).waitFor();
    for (let i = 0; i < 3; i++) {
      const m = metas.nth(i);
      // Nothing clipped: the text fits its box (wrapping if it must), and no ellipsis is drawn.
      const clipped = await m.evaluate((el) => el.scrollWidth > el.clientWidth + 1 || getComputedStyle(el).textOverflow === 'ellipsis' && getComputedStyle(el).whiteSpace === 'nowrap');
      assert.equal(clipped, false, `${await m.textContent()} is cut`);
      const card = await m.evaluate((el) => { const c = el.closest('.file-card')!.getBoundingClientRect(); const r = el.getBoundingClientRect(); return r.right <= c.right + 0.5; });
      assert.ok(card, 'the type stays inside its card');
    }
    assert.equal(await metas.nth(1).textContent(), `20 KB · ${docx}`);
    assert.equal(await metas.nth(2).getAttribute('title'), '64 B · application/octet-stream');
    await host.page.screenshot({ path: `${artifacts}/webview-file-types-280.png` });
  });

  it('lays a snippet header out for a 280 px sidebar: language and Open on top, the path whole under them', async () => {
    const dirs = 'packages/frontend/src/components/settings/notifications/';
    const snippet = (seq: number, path: string) => message('general', seq, BOB, `snippet ${seq}`, T0 + seq * 1000, {
      snippet: { code: 'export const x = 1;\nexport const y = 2;', language: 'typescript', path, startLine: 120, endLine: 134 },
    });
    host = await ui.open({ width: 280 });
    serveHistory(host, { general: [snippet(1, `${dirs}Panel.tsx`), snippet(2, `${dirs}NotificationPreferencesPanelWithAVeryLongName.tsx`)] });
    await host.post(init());
    await host.page.locator('.snippet .snippet-head').nth(1).waitFor();
    await host.page.screenshot({ path: `${artifacts}/webview-snippet-280px.png` });

    const fit = (l: Locator) => l.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, overflow: getComputedStyle(el).textOverflow }));
    const files = ['Panel.tsx:120–134', 'NotificationPreferencesPanelWithAVeryLongName.tsx:120–134'];
    for (const i of [0, 1]) {
      const head = host.page.locator('.snippet .snippet-head').nth(i);
      const headBox = (await head.boundingBox())!;
      const [lang, where, open] = await Promise.all(['.code-lang', '.snippet-path', 'button'].map(async (sel) => (await head.locator(sel).boundingBox())!));
      for (const b of [lang, where, open]) {
        assert.ok(b.x >= headBox.x - 0.5 && b.x + b.width <= headBox.x + headBox.width + 0.5, JSON.stringify({ b, headBox }));
      }
      assert.ok(Math.abs(lang.y + lang.height / 2 - (open.y + open.height / 2)) < 2, 'language and Open on one line');
      assert.ok(lang.x + lang.width <= open.x, 'language left of Open');
      assert.ok(where.y >= Math.max(lang.y + lang.height, open.y + open.height) - 0.5, 'the path under them');
      assert.equal((await head.locator('button').innerText()).trim(), 'Open');
      const openFit = await fit(head.locator('button'));
      assert.ok(openFit.scroll <= openFit.client, `Open is shown whole: ${JSON.stringify(openFit)}`);
      // The folders give way, with an ellipsis; the file name and lines are whole, wrapped if need be.
      const dir = await fit(head.locator('.snippet-dir'));
      assert.ok(dir.scroll > dir.client && dir.overflow === 'ellipsis', `folders ellipsized: ${JSON.stringify(dir)}`);
      const file = await fit(head.locator('.snippet-file'));
      assert.ok(file.scroll <= file.client, `file name whole: ${JSON.stringify(file)}`);
      assert.equal(await head.locator('.snippet-file').innerText(), files[i]);
      assert.equal(await head.locator('.snippet-path').getAttribute('title'), `${dirs}${files[i]}`, 'the whole path on hover');
    }
    // Nothing scrolls sideways.
    const sideways = await host.page.locator('.scroller').evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.ok(sideways <= 0, `the list overflows by ${sideways} px`);

    // Wide enough and the header is one line again: language, path, Open.
    await host.page.setViewportSize({ width: 700, height: 720 });
    await host.settle();
    const head = host.page.locator('.snippet .snippet-head').first();
    const [lang, where, open] = await Promise.all(['.code-lang', '.snippet-path', 'button'].map(async (sel) => (await head.locator(sel).boundingBox())!));
    assert.ok(lang.x + lang.width <= where.x + 0.5 && where.x + where.width <= open.x + 0.5, 'language, path, Open from left to right');
    const file = await fit(head.locator('.snippet-file'));
    assert.ok(file.scroll <= file.client, `file name and lines whole at 700 px: ${JSON.stringify(file)}`);
    await host.page.screenshot({ path: `${artifacts}/webview-snippet-700px.png` });
  });

  it('takes its colours from the theme classes VS Code sets on <body>', async () => {
    await open({ general: [message('general', 1, BOB, '```js\nconst x = "s";\n```')] });
    const colours = (): Promise<{ keyword: string; string: string; text: string }> => host.page.evaluate(() => ({
      keyword: getComputedStyle(document.querySelector('.hljs-keyword') as Element).color,
      string: getComputedStyle(document.querySelector('.hljs-string') as Element).color,
      text: getComputedStyle(document.body).color,
    }));
    const dark = await colours();
    assert.deepEqual(dark, { keyword: 'rgb(86, 156, 214)', string: 'rgb(206, 145, 120)', text: 'rgb(204, 204, 204)' });
    await host.setTheme('light');
    const light = await colours();
    assert.deepEqual(light, { keyword: 'rgb(0, 0, 255)', string: 'rgb(163, 21, 21)', text: 'rgb(59, 59, 59)' });
    await host.setTheme('hc');
    assert.equal((await colours()).text, 'rgb(255, 255, 255)');
    assert.equal(await host.page.evaluate(() => getComputedStyle(document.querySelector('.code-block') as Element).borderTopColor), 'rgb(111, 195, 223)');
  });

  it('runs under a strict CSP that really blocks inline code', async () => {
    await open({ general: chatter('general', 1, 3) });
    const csp = await host.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.ok(csp);
    assert.match(csp, /default-src 'none'; script-src 'nonce-[^']+'; style-src 'self';/);
    assert.doesNotMatch(csp, /unsafe/);
    // A sanity check of the harness: inline handlers and scripts are refused by the browser.
    const ran = await host.page.evaluate(async () => {
      const w = window as unknown as { __inline?: number };
      const div = document.createElement('div');
      div.innerHTML = '<img src="data:," onerror="window.__inline=1">';
      document.body.appendChild(div);
      const s = document.createElement('script');
      s.textContent = 'window.__inline=2';
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 100));
      div.remove();
      s.remove();
      return w.__inline ?? 0;
    });
    assert.equal(ran, 0);
    const v = await host.violations();
    assert.ok(v.some((x) => x.directive.startsWith('script-src')), 'the browser reported the blocked inline code');
    await host.page.evaluate(() => ((window as unknown as { __host: { violations: unknown[] } }).__host.violations.length = 0));
  });
});
