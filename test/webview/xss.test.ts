// Every place host data reaches the screen, fed with script-injection payloads: nothing may
// run, and no dangerous element, attribute or URL may reach the DOM. Run with the CSP and
// without it, so the sanitizing alone is proven, not just the browser's CSP.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ChatMessage, RoomInfo } from '../../protocol/messages';
import { ActiveRoom, Changes, Connection, Done, ErrorMessage, MediaUri, MessageList, Messages, Pending, Presence, Profiles, RevisionList, SearchResults, ThreadPage, TypingEvent } from '../../webview/messages';
import { BOB, ME, T0, init, message, rooms } from './fixtures';
import { launchBrowser, openWebview, pageErrors, serveHistory, startServer, type FakeHost, type TestServer } from './harness';
import { NAMES, XSS } from './xssCorpus';

/** Runs in the page: everything wrong with the current DOM. */
function domProblems(): string[] {
  const problems: string[] = [];
  const URL_ATTRS = ['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data', 'poster', 'background', 'srcset', 'data-href'];
  for (const el of Array.from(document.querySelectorAll('*'))) {
    for (const a of Array.from(el.attributes)) {
      const n = a.name.toLowerCase();
      if (n.startsWith('on')) problems.push(`${el.tagName} has ${n}`);
      // Browsers ignore control characters and spaces inside a scheme.
      const v = Array.from(a.value).filter((c) => c.charCodeAt(0) > 0x20).join('').toLowerCase();
      if (URL_ATTRS.includes(n) && /^(javascript|vbscript|data:text|data:image\/svg)/.test(v)) problems.push(`${el.tagName} ${n}=${a.value}`);
    }
  }
  const count = (sel: string): number => document.querySelectorAll(sel).length;
  if (count('script') !== 1) problems.push(`${count('script')} script elements`);
  // VS Code's default webview stylesheet (the harness serves it) and the panel's own.
  if (count('link') !== 2) problems.push(`${count('link')} link elements`);
  if (count('style') !== 0) problems.push('style element');
  const knownMeta = 'meta[charset], meta[http-equiv="Content-Security-Policy"], meta[name="viewport"], meta[name="parley-l10n"]';
  if (count('body meta') !== 0 || Array.from(document.querySelectorAll('head meta')).some((m) => !m.matches(knownMeta)) || count('head meta') > 4) problems.push('extra meta element');
  for (const tag of ['iframe', 'object', 'embed', 'frame', 'frameset', 'form', 'base', 'math', 'template', 'noscript', 'isindex', 'marquee', 'details', 'x']) {
    if (count(tag) > 0) problems.push(`${tag} element`);
  }
  if (count('a[href]') > 0) problems.push('a link that can navigate');
  for (const img of Array.from(document.querySelectorAll('img'))) {
    if (!img.matches('.file-card img.media, .avatar img.avatar-img') || !/^http:\/\/127\.0\.0\.1:\d+\/media\//.test(img.src)) problems.push(`img ${img.src}`);
  }
  for (const svg of Array.from(document.querySelectorAll('svg'))) {
    if (svg.getAttribute('class')?.split(' ')[0] !== 'icon') problems.push('svg from content');
  }
  for (const el of Array.from(document.querySelectorAll('input, select, textarea, video, audio'))) {
    if (!el.matches('.search-input, .room-select, textarea.input, textarea.reply-input, input.also-room, input.emoji-input, .file-card .media')) problems.push(`${el.tagName} from content`);
  }
  // Content areas: only the tags markdown may produce, no inline styles.
  const ALLOWED = new Set(['P', 'BR', 'STRONG', 'EM', 'S', 'DEL', 'CODE', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'A', 'HR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6',
    'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'SPAN', 'DIV', 'BUTTON', 'I', 'svg', 'path']);
  for (const el of Array.from(document.querySelectorAll('.md *, .snippet-code *, .author *, .file-text *, .typing *, .toast *, .banner *, .result-room *, option *, .reactions *, .thread-summary *, .markers *, .revision *, .thread-title *, .picker-error *'))) {
    if (!ALLOWED.has(el.tagName)) problems.push(`${el.tagName} inside content`);
  }
  for (const el of Array.from(document.querySelectorAll('.content [style], .meta [style], .typing [style], .toast[style], .banner[style], .completions [style], .row.top [style]'))) {
    problems.push(`style attribute on ${el.tagName}`);
  }
  return problems;
}

for (const csp of [true, false]) {
  describe(`webview XSS corpus, ${csp ? 'with the CSP' : 'without a CSP (sanitizing alone)'} (Chromium)`, function () {
    this.timeout(120_000);
    let browser: Browser;
    let server: TestServer;
    let host: FakeHost;
    const pwned: unknown[] = [];

    before(async function () {
      this.timeout(120_000);
      assert.ok(XSS.length >= 50, `${XSS.length} payloads`);
      browser = await launchBrowser(this);
      server = await startServer();
      host = await openWebview(browser, server, { csp });
      await host.page.exposeFunction('__pwned', (n: unknown) => pwned.push(n));
      await host.page.addInitScript('window.alert = window.confirm = window.prompt = function (x) { window.__pwned("dialog " + x); };');
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });
    afterEach(async () => {
      await host.settle();
      assert.deepEqual(pwned, [], 'no payload ran');
      assert.deepEqual(pageErrors(host), []);
      if (csp) assert.deepEqual(await host.violations(), [], 'nothing even tried to run or load');
    });

    /** Scrolls through the whole list, checking the DOM at every step; returns the seqs seen. */
    async function sweep(): Promise<Set<number>> {
      const seen = new Set<number>();
      const problems = new Set<string>();
      const { height, view } = await host.page.evaluate(() => {
        const s = document.querySelector('.scroller') as HTMLElement;
        return { height: s.scrollHeight, view: s.clientHeight };
      });
      for (let y = 0; y <= height + view; y += view * 0.7) {
        await host.page.evaluate((t) => ((document.querySelector('.scroller') as HTMLElement).scrollTop = t), y);
        await host.settle();
        for (const p of await host.page.evaluate(domProblems)) problems.add(p);
        for (const s of await host.page.$$eval('.row.msg', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.seq)))) seen.add(s);
      }
      assert.deepEqual([...problems], []);
      return seen;
    }

    it(`renders ${XSS.length} payloads in message text as inert text`, async () => {
      host = await openWebview(browser, server, { csp });
      const msgs = XSS.map((p, i) => message('general', i + 1, BOB, p, T0 + i * 1000));
      serveHistory(host, { general: msgs }, 1000);
      await host.post(init());
      await host.page.waitForSelector(`.row.msg[data-seq="${XSS.length}"]`);
      const seen = await sweep();
      assert.equal(seen.size, XSS.length, 'every payload was rendered at some point');
      // Raw HTML shows as the text that was typed.
      await host.page.evaluate(() => ((document.querySelector('.scroller') as HTMLElement).scrollTop = 0));
      await host.settle();
      assert.equal((await host.page.locator('.row.msg[data-seq="1"] .md').textContent())?.trim(), XSS[0]);
      // The only clickable links left point to http(s) or mailto, and clicking never navigates.
      const url = host.page.url();
      const links = await host.page.$$eval('a.link', (as) => as.map((a) => a.getAttribute('data-href') ?? ''));
      for (const href of links) assert.match(href, /^(https?:\/\/|mailto:)/);
      for (const link of await host.page.locator('a.link').all()) await link.click({ force: true }).catch(() => {});
      assert.equal(host.page.url(), url);
      for (const m of host.ofType('openLink')) assert.match(m.href as string, /^(https?:\/\/|mailto:)/);
    });

    it('keeps payloads inert in user, room, file and snippet names and code', async () => {
      host = await openWebview(browser, server, { csp });
      const extraRooms: RoomInfo[] = NAMES.map((name, i) => ({ id: `room-${i}`, kind: 'group', name, lastSeq: 1, lastRead: 0, unread: 1 }));
      const msgs: ChatMessage[] = [];
      let seq = 0;
      const at = (): number => T0 + seq * 400_000;
      for (const name of NAMES) msgs.push(message('general', ++seq, name, `hello from ${name}`, at()));
      for (const p of XSS) {
        msgs.push(message('general', ++seq, BOB, '', at(), { text: undefined, snippet: { code: p, language: p, path: p, startLine: 1 } }));
      }
      NAMES.forEach((name, i) => {
        const kind = (['image', 'video', 'audio', 'file'] as const)[i % 4];
        msgs.push(message('general', ++seq, BOB, '', at(), { text: undefined, file: { fileId: `f-${i}`, name, size: 1234, mime: name, kind, sha256: '0'.repeat(64) } }));
      });
      // Media URIs that must never load: script and HTML schemes.
      host.on('requestMedia', (m) => MediaUri.create({
        fileId: m.fileId as string,
        uri: Number((m.fileId as string).slice(2)) % 2 ? 'javascript:__pwned("media")' : 'data:text/html,<script>__pwned("media")</script>',
        requestId: m.requestId as string,
      }));
      serveHistory(host, { general: msgs, 'room-0': [message('room-0', 1, NAMES[1], XSS[1])] }, 1000);
      await host.post(init({ rooms: [...rooms(), ...extraRooms], presence: NAMES.map((user) => ({ user, status: 'online' as const })) }));
      await host.page.waitForSelector(`.row.msg[data-seq="${seq}"]`);
      // Payloads as display names, and avatars whose URIs are scripts and HTML.
      await host.post(Profiles.create({ profiles: NAMES.map((name, i) => ({ user: name, displayName: XSS[i % XSS.length], avatarFileId: `a-${i}` })) }));
      await host.settle();
      const seen = await sweep();
      assert.equal(seen.size, seq);

      // Names in the typing line, banner, toast, completion list and search results.
      await host.post(TypingEvent.create({ room: 'general', user: NAMES[0] }));
      await host.post(TypingEvent.create({ room: 'general', user: NAMES[1] }));
      await host.post(Connection.create({ state: 'reconnecting', detail: XSS[1] }));
      await host.post(ErrorMessage.create({ message: XSS[0] }));
      await host.post(Presence.create({ changes: NAMES.map((user) => ({ user, status: 'away' as const, context: user })) }));
      await host.post(Pending.create({ room: 'general', cid: 'x1', text: XSS[2], state: 'failed' }));
      await host.post(Messages.create({ room: 'general', messages: [message('general', ++seq, NAMES[2], XSS[3])] }));
      assert.equal(await host.page.locator(`.row.msg[data-seq="${seq}"] .author`).textContent(), XSS[2 % XSS.length], 'the display name, shown as typed');
      assert.equal(await host.page.locator(`.row.msg[data-seq="${seq}"] .author-user`).textContent(), NAMES[2], 'the user name, shown as typed');
      const box = host.page.locator('textarea.input');
      await box.click();
      await box.pressSequentially('hi @');
      assert.deepEqual(await host.page.evaluate(domProblems), []);
      await box.press('Escape');
      await host.page.locator('button[aria-label="Search messages"]').click();
      await host.page.locator('.search-input').fill('x');
      await host.page.locator('.search-input').press('Enter');
      const req = await host.waitFor('search');
      await host.post(SearchResults.create({ query: XSS[4], requestId: req.requestId as string, messages: XSS.slice(0, 20).map((p, i) => message(`room-${i % NAMES.length}`, i + 1, NAMES[i % NAMES.length], p)) }));
      assert.equal(await host.page.locator('.result').count(), 20);
      assert.deepEqual(await host.page.evaluate(domProblems), []);
      await host.page.locator('.result button', { hasText: 'Go to room' }).first().click();

      // A room named with a payload, opened: its name in the header, placeholder and start line.
      await host.post(ActiveRoom.create({ room: 'room-0' }));
      await host.page.waitForSelector('.row.top.start');
      assert.equal(await host.page.locator('.row.top .start-title').textContent(), `#${NAMES[0]}`);
      assert.equal(await host.page.locator('textarea.input').getAttribute('placeholder'), `Message #${NAMES[0]}`);
      assert.deepEqual(await host.page.evaluate(domProblems), []);
      assert.ok(!host.received.some((m) => m.type === 'send'), 'nothing was sent along the way');
      assert.notEqual(ME, NAMES[0]);
    });

    it('keeps payloads inert in edited text, reactions, thread previews, threads, pins and earlier versions', async () => {
      host = await openWebview(browser, server, { csp });
      const n = 30;
      const payload = (i: number): string => XSS[i % XSS.length];
      const name = (i: number): string => NAMES[i % NAMES.length];
      const msgs = Array.from({ length: n }, (_, i) => message('general', i + 1, name(i), `original ${i}`, T0 + i * 1000, {
        replies: 2, repliers: [name(i + 1), name(i + 2)], lastReply: T0 + i * 1000 + 500, reactions: { '👍': [name(i), name(i + 3)] },
        resolvedBy: i % 3 === 0 ? name(i + 4) : undefined,
      }));
      // A reaction key that is no emoji: the host's page is dropped whole, never rendered.
      const bad = message('general', n + 1, BOB, 'bad reactions', T0 + n * 1000, { reactions: { [XSS[1]]: [BOB] } });
      serveHistory(host, { general: [...msgs, bad] }, 1000);
      host.on('changeMessage', (m) => Done.create({ requestId: m.requestId as string }));
      await host.post(init());
      await host.waitFor('loadOlder');
      await host.settle();
      await host.settle();
      assert.equal(await host.page.locator('.row.msg').count(), 0, 'a page with a free-text reaction key is refused');

      host = await openWebview(browser, server, { csp });
      serveHistory(host, { general: msgs }, 1000);
      host.on('changeMessage', (m) => Done.create({ requestId: m.requestId as string }));
      await host.post(init());
      await host.page.waitForSelector(`.row.msg[data-seq="${n}"]`);
      // Every message edited to a payload, live; a change with a payload as its emoji is dropped.
      let seq = 100;
      await host.post(Changes.create({ room: 'general', events: msgs.map((m, i) => ({ room: 'general', seq: ++seq, ts: T0 + seq * 1000, msgId: `c${seq}`, from: m.from, change: { kind: 'edit' as const, target: m.seq, text: payload(i) } })) }));
      await host.post({ type: 'changes', room: 'general', events: [{ room: 'general', seq: ++seq, ts: T0, msgId: 'cx', from: BOB, change: { kind: 'react', target: 1, emoji: XSS[0] } }] });
      const seen = await sweep();
      assert.equal(seen.size, n);
      await host.page.evaluate(() => ((document.querySelector('.scroller') as HTMLElement).scrollTop = 0));
      await host.settle();
      assert.equal((await host.page.locator('.row.msg[data-seq="1"] .md').textContent())?.trim(), XSS[0], 'edited text shows as typed');
      assert.equal(await host.page.locator('.row.msg[data-seq="1"] .edited').count(), 1);
      assert.equal(await host.page.locator('.chip').evaluateAll((cs) => cs.filter((c) => !['👍'].includes((c as HTMLElement).dataset.emoji ?? '👍')).length), 0);

      // The picker refuses every payload as a reaction.
      const first = host.page.locator('.row.msg[data-seq="1"]');
      await first.hover();
      await first.locator('.actions .act-react').click();
      const input = host.page.locator('.popup .emoji-input');
      for (const p of XSS.slice(0, 25)) {
        await input.fill(p);
        await input.press('Enter');
        assert.deepEqual(await host.page.evaluate(domProblems), []);
      }
      assert.equal(host.ofType('changeMessage').length, 0, 'no payload went out as a reaction');
      await input.press('Escape');

      // A thread with payloads everywhere, its replies and their edits.
      host.on('thread', (m) => ThreadPage.create({
        room: 'general', root: { ...msgs[0], text: XSS[2], edited: T0 + 5000 }, more: false, requestId: m.requestId as string,
        replies: XSS.slice(0, 20).map((p, i) => message('general', 200 + i, name(i), p, T0 + 200_000 + i, { root: 1, reactions: { '🎉': [name(i)] } })),
      }));
      await host.page.locator('.row.msg[data-seq="1"] .thread-summary').click();
      await host.page.waitForSelector('.thread-view .row.msg[data-seq="219"]');
      await host.post(Messages.create({ room: 'general', messages: [message('general', 300, name(5), XSS[5], T0 + 300_000, { root: 1 })] }));
      await host.page.waitForSelector('.thread-view .row.msg[data-seq="300"]');
      assert.deepEqual(await host.page.evaluate(domProblems), []);
      assert.equal((await host.page.locator('.thread-view .row.msg[data-seq="300"] .md').textContent())?.trim(), XSS[5]);

      // Earlier versions of an edited message, as plain text.
      host.on('revisions', (m) => RevisionList.create({ room: 'general', seq: 1, revisions: XSS.slice(0, 10).map((text, i) => ({ text, ts: T0 + i })), requestId: m.requestId as string }));
      const root = host.page.locator('.thread-view .thread-root');
      await root.click({ button: 'right' });
      await host.page.locator('.popup .menu-item.act-revisions').click();
      await host.page.waitForSelector('.popup .revision');
      assert.equal(await host.page.locator('.popup .revision-text').first().textContent(), XSS[0]);
      assert.deepEqual(await host.page.evaluate(domProblems), []);
      await host.page.keyboard.press('Escape');
      await host.page.locator('.thread-back').click();

      // The pinned list and open threads, filled with payloads.
      host.on('pins', (m) => MessageList.create({ room: 'general', messages: XSS.slice(0, 20).map((p, i) => message('general', i + 1, name(i), p, T0, { pinned: true, replies: 1, repliers: [name(i + 1)], lastReply: T0 })), requestId: m.requestId as string }));
      await host.page.locator('.pinned-list').click();
      await host.page.waitForSelector('.list-panel .panel-entry');
      assert.equal(await host.page.locator('.list-panel .panel-entry').count(), 20);
      assert.deepEqual(await host.page.evaluate(domProblems), []);
      assert.ok(!host.received.some((m) => m.type === 'send' || m.type === 'reply'), 'nothing was sent along the way');
    });
  });
}
