// Threads, reactions, edits, deletes and pins in headless Chromium, through a fake host.
import assert from 'node:assert/strict';
import type { Change, ChatMessage } from '../../protocol/messages';
import { ActiveRoom, Changes, Done, ErrorMessage, MessageList, Messages, RevisionList, Rooms, ThreadPage } from '../../webview/messages';
import { BOB, CAROL, ME, T0, init, message, rooms } from './fixtures';
import { serveHistory, webviewSuite, type FakeHost } from './harness';

const MIN = 60_000;
let nextSeq = 100;

/** A change event as the host forwards it. */
export function changeEvent(room: string, from: string, change: Change, seq = nextSeq++): ChatMessage {
  return { room, seq, ts: T0 + seq * MIN, msgId: `c-${seq}`, from, change };
}

/** Polls `cond` (the page updates after each posted message) until it holds, for at most 5 s. */
async function waitUntil(cond: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function history(): ChatMessage[] {
  return [
    message('general', 1, BOB, 'Who reviews the reconnect fix?'),
    message('general', 2, ME, 'I can, after lunch'),
    message('general', 3, CAROL, 'Thread starter: should resume replay reactions?', T0 + 3 * MIN, {
      replies: 2, repliers: [BOB, ME], lastReply: T0 + 9 * MIN, reactions: { '👍': [BOB, ME] },
    }),
    message('general', 4, ME, 'typo in the first vesion'),
  ];
}

const replies = (): ChatMessage[] => [
  message('general', 5, BOB, 'Yes, as change events', T0 + 5 * MIN, { root: 3 }),
  message('general', 6, ME, 'Agreed', T0 + 9 * MIN, { root: 3 }),
];

describe('webview conversations (Chromium)', function () {
  this.timeout(30_000);
  const ui = webviewSuite({ csp: true });
  let host: FakeHost;

  async function open(msgs: ChatMessage[] = history()): Promise<FakeHost> {
    host = await ui.open();
    serveHistory(host, { general: msgs });
    host.on('changeMessage', (m) => Done.create({ requestId: m.requestId as string }));
    host.on('reply', (m) => Done.create({ requestId: m.requestId as string }));
    host.on('thread', (m) => ThreadPage.create({ room: 'general', root: msgs.find((x) => x.seq === m.root) as ChatMessage, replies: replies(), more: false, requestId: m.requestId as string }));
    await host.post(init());
    await host.page.locator('.row.msg[data-seq="4"]').waitFor();
    return host;
  }

  const row = (seq: number) => host.page.locator(`.scroller .row.msg[data-seq="${seq}"]`);

  it('shows reaction chips with counts, who reacted, and mine highlighted; a click toggles mine', async () => {
    await open();
    const chip = row(3).locator('.chip[data-emoji="👍"]');
    assert.equal((await chip.textContent())?.trim(), '👍2');
    assert.equal(await chip.getAttribute('title'), `${BOB}, ${ME} reacted with 👍`);
    assert.equal(await chip.getAttribute('aria-pressed'), 'true');
    await chip.click();
    const off = await host.waitFor('changeMessage');
    assert.deepEqual({ room: off.room, seq: off.seq, kind: off.kind, emoji: off.emoji }, { room: 'general', seq: 3, kind: 'unreact', emoji: '👍' });
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', ME, { kind: 'unreact', target: 3, emoji: '👍' })] }));
    assert.equal((await chip.textContent())?.trim(), '👍1');
    assert.equal(await chip.getAttribute('aria-pressed'), 'false');
    // From the keyboard: the chip keeps the focus when its row renders again.
    await chip.focus();
    await host.page.keyboard.press('Enter');
    assert.equal((await host.waitFor('changeMessage', (m) => m.kind === 'react')).emoji, '👍');
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', ME, { kind: 'react', target: 3, emoji: '👍' })] }));
    assert.equal(await chip.getAttribute('aria-pressed'), 'true');
    assert.equal(await host.page.evaluate(() => (document.activeElement as HTMLElement).dataset.emoji), '👍');
    // Someone else's reaction, live, adds a chip.
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', BOB, { kind: 'react', target: 1, emoji: '🎉' })] }));
    assert.equal(await row(1).locator('.chip[data-emoji="🎉"]').getAttribute('aria-pressed'), 'false');
  });

  it('reacts from the quick bar and from any emoji typed in the picker, refusing text that is no emoji', async () => {
    await open();
    await row(1).hover();
    await row(1).locator('.actions .act-react').click();
    await host.page.locator('.popup .emoji-button', { hasText: '👀' }).click();
    const eyes = await host.waitFor('changeMessage');
    assert.deepEqual({ seq: eyes.seq, kind: eyes.kind, emoji: eyes.emoji }, { seq: 1, kind: 'react', emoji: '👀' });
    assert.equal(await host.page.locator('.popup').count(), 0, 'the picker closes');
    await row(1).hover();
    await row(1).locator('.actions .act-react').click();
    const input = host.page.locator('.popup .emoji-input');
    await input.fill('<b>hi</b>');
    await input.press('Enter');
    assert.equal(await host.page.locator('.popup .picker-error').textContent(), 'A reaction is one emoji.');
    await input.fill('🦀');
    await input.press('Enter');
    assert.equal((await host.waitFor('changeMessage', (m) => m.emoji === '🦀')).kind, 'react');
    assert.equal(host.ofType('changeMessage').length, 2);
  });

  it('edits my last message with Up arrow: Enter saves, Escape cancels; "(edited)" and earlier versions show', async () => {
    await open();
    const box = host.page.locator('textarea.input');
    await box.click();
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), 'typo in the first vesion');
    assert.equal(await row(4).getAttribute('class').then((c) => c?.includes('editing')), true);
    await box.press('Escape');
    assert.equal(await box.inputValue(), '', 'Escape leaves the box as it was');
    assert.equal(host.ofType('changeMessage').length, 0);
    await box.press('ArrowUp');
    await box.fill('fixed in the first version');
    await box.press('Enter');
    const edit = await host.waitFor('changeMessage');
    assert.deepEqual({ seq: edit.seq, kind: edit.kind, text: edit.text }, { seq: 4, kind: 'edit', text: 'fixed in the first version' });
    assert.equal(await box.inputValue(), '');
    assert.equal(host.ofType('send').length, 0, 'an edit is not a new message');
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', ME, { kind: 'edit', target: 4, text: 'fixed in the first version' })] }));
    assert.equal((await row(4).locator('.md').textContent())?.trim(), 'fixed in the first version');
    assert.equal(await row(4).locator('.edited').textContent(), '(edited)');

    host.on('revisions', (m) => RevisionList.create({ room: 'general', seq: 4, revisions: [{ text: 'typo in the first vesion', ts: T0 + 4 * MIN }], requestId: m.requestId as string }));
    await row(4).click({ button: 'right' });
    await host.page.locator('.popup .menu-item.act-revisions').click();
    await host.page.locator('.popup .revision').first().waitFor();
    assert.deepEqual((await host.page.locator('.popup .revision-text').allTextContents()), ['typo in the first vesion', 'fixed in the first version']);
  });

  it('offers edit and delete only on my own messages; delete asks first and leaves a tombstone in place', async () => {
    await open();
    await row(1).hover();
    assert.equal(await row(1).locator('.actions .act-edit, .actions .act-delete').count(), 0);
    await row(2).hover();
    assert.equal(await row(2).locator('.actions .act-edit').count(), 1);
    await row(2).locator('.actions .act-delete').click();
    await host.page.locator('.popup', { hasText: 'Delete this message?' }).waitFor();
    await host.page.locator('.popup button', { hasText: 'Cancel' }).click();
    assert.equal(host.ofType('changeMessage').length, 0, 'Cancel deletes nothing');
    await row(2).hover();
    await row(2).locator('.actions .act-delete').click();
    await host.page.locator('.popup .danger-button').click();
    const del = await host.waitFor('changeMessage');
    assert.deepEqual({ seq: del.seq, kind: del.kind }, { seq: 2, kind: 'delete' });
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', ME, { kind: 'delete', target: 2 })] }));
    assert.equal(await row(2).locator('.tombstone').textContent(), 'message deleted');
    assert.equal(await row(2).locator('.md').count(), 0);
    const order = await host.page.locator('.scroller .row.msg').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.seq));
    assert.deepEqual(order, ['1', '2', '3', '4'], 'the tombstone keeps its place');
    await row(2).hover();
    assert.equal(await row(2).locator('.actions').count(), 0, 'a tombstone takes no actions');
  });

  it('opens the menu from the keyboard on a focused row', async () => {
    await open();
    // From the list, Up and Down walk the rows.
    await host.page.locator('.scroller').focus();
    await host.page.keyboard.press('ArrowUp');
    assert.equal(await host.page.evaluate(() => (document.activeElement as HTMLElement).dataset.seq), '4', 'the newest row in view first');
    for (let i = 0; i < 3; i++) await host.page.keyboard.press('ArrowUp');
    assert.equal(await host.page.evaluate(() => (document.activeElement as HTMLElement).dataset.seq), '1');
    // A focused row shows its actions, and Tab reaches them.
    assert.equal(await row(1).locator('.actions').isVisible(), true);
    await host.page.keyboard.press('Tab');
    assert.equal(await host.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Add reaction');
    await row(1).focus();
    await host.page.keyboard.press('Shift+F10');
    const items = await host.page.locator('.popup .menu-item').allTextContents();
    assert.deepEqual(items, ['Add reaction', 'Reply in thread', 'Pin to room', 'Copy text']);
    await host.page.keyboard.press('ArrowDown');
    await host.page.keyboard.press('ArrowDown');
    await host.page.keyboard.press('Enter');
    const pin = await host.waitFor('changeMessage');
    assert.deepEqual({ seq: pin.seq, kind: pin.kind }, { seq: 1, kind: 'pin' });
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', BOB, { kind: 'pin', target: 1 })] }));
    assert.equal(await row(1).locator('.marker.pinned').count(), 1);
  });

  it('shows a thread summary, drills into the thread, replies live, and goes back to the same place', async () => {
    const long = [...history(), ...Array.from({ length: 40 }, (_, i) => message('general', i + 10, BOB, `filler ${i}`, T0 + (10 + i) * MIN))];
    await open(long);
    const summary = row(3).locator('.thread-summary');
    assert.match((await summary.textContent()) ?? '', new RegExp(`^2 replies · ${BOB}, ${ME} · last reply `));
    // Neither at the top nor at the bottom, with the root in view.
    await host.page.locator('.scroller').evaluate((s) => (s.scrollTop = 120));
    await host.settle();
    await host.settle();
    // What is in the middle of the view, and where.
    const middle = (): Promise<{ seq: string; top: number; scrollTop: number }> => host.page.locator('.scroller').evaluate((s) => {
      const box = s.getBoundingClientRect();
      const mid = box.top + s.clientHeight / 2;
      const el = [...s.querySelectorAll<HTMLElement>('.row.msg')].find((r) => r.getBoundingClientRect().top <= mid && r.getBoundingClientRect().bottom > mid);
      return { seq: el?.dataset.seq ?? '', top: (el?.getBoundingClientRect().top ?? 0) - box.top, scrollTop: s.scrollTop };
    });
    const before = await middle();
    assert.ok(before.scrollTop > 0 && before.seq !== '');
    await summary.click();
    const req = await host.waitFor('thread');
    assert.deepEqual({ room: req.room, root: req.root }, { room: 'general', root: 3 });
    const view = host.page.locator('.thread-view');
    await view.locator('.row.msg[data-seq="6"]').waitFor();
    assert.equal(await host.page.locator('.scroller').isVisible(), false);
    assert.deepEqual((await view.locator('.row.msg .md').allTextContents()).map((t) => t.trim()),
      ['Thread starter: should resume replay reactions?', 'Yes, as change events', 'Agreed']);

    // A reply arrives live; another only in the room's list would not show here.
    await host.post(Messages.create({ room: 'general', messages: [message('general', 60, CAROL, 'Then it is settled', T0 + 20 * MIN, { root: 3 })] }));
    await view.locator('.row.msg[data-seq="60"]').waitFor();
    assert.equal(await host.page.locator('.scroller .row.msg[data-seq="60"]', { hasText: 'settled' }).count(), 0, 'a thread-only reply stays out of the room');

    // Reply with "also send to the room".
    const box = view.locator('textarea.reply-input');
    await box.fill('Closing this');
    await view.locator('input.also-room').check();
    await box.press('Enter');
    const reply = await host.waitFor('reply');
    assert.deepEqual({ room: reply.room, root: reply.root, text: reply.text, inRoom: reply.inRoom }, { room: 'general', root: 3, text: 'Closing this', inRoom: true });

    // Resolve.
    await view.locator('.thread-resolve').click();
    const resolve = await host.waitFor('changeMessage');
    assert.deepEqual({ seq: resolve.seq, kind: resolve.kind }, { seq: 3, kind: 'resolve' });
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', ME, { kind: 'resolve', target: 3 })] }));
    assert.equal(await view.locator('.thread-resolve').textContent(), 'Reopen');
    assert.equal(await view.locator('.thread-root .marker.resolved').textContent(), `✓ Resolved by ${ME}`);

    // Escape goes back, to the same place.
    await view.locator('.thread-list').focus();
    await host.page.keyboard.press('Escape');
    assert.equal(await view.isVisible(), false);
    await host.settle();
    const after = await host.page.locator('.scroller').evaluate((s, seq) => {
      const el = s.querySelector<HTMLElement>(`.row.msg[data-seq="${seq}"]`);
      return (el?.getBoundingClientRect().top ?? -999) - s.getBoundingClientRect().top;
    }, before.seq);
    assert.ok(Math.abs(after - before.top) <= 2, `the same message at the same place (${before.top} → ${after})`);
    assert.match((await summary.textContent()) ?? '', /^3 replies/, 'the live reply counts in the room too');
  });

  it('edits my last reply with Up arrow in the thread; Escape first cancels the edit, then goes back', async () => {
    await open();
    await row(3).locator('.thread-summary').click();
    const view = host.page.locator('.thread-view');
    await view.locator('.row.msg[data-seq="6"]').waitFor();
    const box = view.locator('textarea.reply-input');
    await box.click();
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), 'Agreed');
    assert.match((await view.locator('.row.msg[data-seq="6"]').getAttribute('class')) ?? '', /\bediting\b/);
    await box.press('Escape');
    assert.equal(await view.isVisible(), true, 'the first Escape only cancels the edit');
    assert.equal(await box.inputValue(), '');
    await box.press('ArrowUp');
    await box.fill('Agreed, with a caveat');
    await box.press('Enter');
    const edit = await host.waitFor('changeMessage');
    assert.deepEqual({ seq: edit.seq, kind: edit.kind, text: edit.text }, { seq: 6, kind: 'edit', text: 'Agreed, with a caveat' });
    assert.equal(host.ofType('reply').length, 0, 'an edit is no reply');
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', ME, { kind: 'edit', target: 6, text: 'Agreed, with a caveat' })] }));
    await view.locator('.row.msg[data-seq="6"] .edited').waitFor();
    await box.press('Escape');
    assert.equal(await host.page.locator('.thread-view').count(), 0);
  });

  it('shows my reply as sending until it arrives; a refused one can be retried with the same cid', async () => {
    await open();
    let refuse = true;
    host.on('reply', (m) => (refuse
      ? ErrorMessage.create({ message: 'The server is unhappy', requestId: m.requestId as string })
      : Done.create({ requestId: m.requestId as string })));
    await row(3).locator('.thread-summary').click();
    const view = host.page.locator('.thread-view');
    await view.locator('.row.msg[data-seq="6"]').waitFor();
    const box = view.locator('textarea.reply-input');
    await box.fill('On its way');
    await box.press('Enter');
    const first = await host.waitFor('reply');
    await view.locator(`.row.pending.failed[data-cid="${first.cid}"]`).waitFor();
    assert.match((await view.locator('.composer-hint').textContent()) ?? '', /Not sent: The server is unhappy/);
    refuse = false;
    await view.locator(`.row.pending[data-cid="${first.cid}"] button.retry`).click();
    const again = await host.waitFor('reply', (m) => m !== first);
    assert.equal(again.cid, first.cid, 'the same cid, so the server stores it once');
    await view.locator(`.row.pending.sending[data-cid="${first.cid}"]`).waitFor();
    await host.post(Messages.create({ room: 'general', messages: [message('general', 61, ME, 'On its way', T0 + 30 * MIN, { root: 3, cid: first.cid as string })] }));
    await view.locator('.row.msg:not(.pending)[data-seq="61"]').waitFor();
    assert.equal(await view.locator('.row.pending').count(), 0);
    assert.equal(host.ofType('retry').length, 0, 'not a room message retry');
  });

  it('goes back from a thread with Alt+Left and the Back button', async () => {
    await open();
    await row(3).locator('.thread-summary').click();
    await host.page.locator('.thread-view .row.msg[data-seq="5"]').waitFor();
    await host.page.keyboard.press('Alt+ArrowLeft');
    assert.equal(await host.page.locator('.thread-view').isVisible(), false);
    await row(1).hover();
    await row(1).locator('.actions .act-reply').click();
    await host.page.locator('.thread-view').waitFor();
    assert.equal((await host.waitFor('thread', (m) => m.root === 1)).root, 1);
    await host.page.locator('.thread-back').click();
    assert.equal(await host.page.locator('.thread-view').isVisible(), false);
    assert.equal(await host.page.locator('.scroller').isVisible(), true);
  });

  it('shows a reply also sent to the room in its list, and opens its thread even when the root is not loaded', async () => {
    await open();
    const early = message('general', 0, CAROL, 'An early question', T0 - 60 * MIN, { replies: 1, repliers: [BOB], lastReply: T0 + 30 * MIN });
    host.on('thread', (m) => ThreadPage.create({ room: 'general', root: early, replies: [message('general', 30, BOB, 'Late answer', T0 + 30 * MIN, { root: 0, inRoom: true })], more: false, requestId: m.requestId as string }));
    await host.post(Messages.create({ room: 'general', messages: [message('general', 30, BOB, 'Late answer', T0 + 30 * MIN, { root: 0, inRoom: true })] }));
    await row(30).locator('.in-thread').click();
    assert.equal((await host.waitFor('thread')).root, 0);
    const view = host.page.locator('.thread-view');
    await view.locator('.thread-root .md', { hasText: 'An early question' }).waitFor();
    await view.locator('.row.msg[data-seq="30"]').waitFor();
  });

  it('opens the thread the host names with the room (a discussion link), loaded or not', async () => {
    await open();
    await host.post(ActiveRoom.create({ room: 'general', thread: 3 }));
    assert.equal((await host.waitFor('thread')).root, 3);
    const view = host.page.locator('.thread-view');
    await view.locator('.thread-root .md', { hasText: 'Thread starter' }).waitFor();
    await view.locator('.row.msg[data-seq="6"]').waitFor();
    await host.page.locator('.thread-back').click();
    // A root the room's list does not hold comes with its thread page.
    const early = message('general', 0, CAROL, 'An early question', T0 - 60 * MIN, { replies: 1, repliers: [BOB] });
    host.on('thread', (m) => ThreadPage.create({ room: 'general', root: early, replies: [message('general', 30, BOB, 'Late answer', T0 + 30 * MIN, { root: 0 })], more: false, requestId: m.requestId as string }));
    await host.post(ActiveRoom.create({ room: 'general', thread: 0 }));
    assert.equal((await host.waitFor('thread', (m) => m.root === 0)).root, 0);
    await view.locator('.thread-root .md', { hasText: 'An early question' }).waitFor();
    await view.locator('.row.msg[data-seq="30"]').waitFor();
  });

  it('pages a long thread: "Load more replies" asks for the replies after the last page, not after a live one', async () => {
    await open();
    const root = message('general', 90, CAROL, 'A long discussion', T0 - 60 * MIN, { replies: 250, repliers: [BOB], lastReply: T0 + 30 * MIN });
    const reply = (seq: number) => message('general', seq, BOB, `Reply ${seq}`, T0 + seq * 1000, { root: 90, ...(seq === 349 ? { inRoom: true } : {}) });
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => reply(from + i));
    host.on('thread', (m) => ThreadPage.create(m.after === undefined
      ? { room: 'general', root, replies: range(100, 299), more: true, requestId: m.requestId as string }
      : { room: 'general', root, replies: range((m.after as number) + 1, 350), more: false, requestId: m.requestId as string }));
    // A reply also sent to the room opens the thread from the room's list.
    await host.post(Messages.create({ room: 'general', messages: [reply(349)] }));
    await row(349).locator('.in-thread').click();
    const first = await host.waitFor('thread');
    assert.equal(first.after, undefined);
    const view = host.page.locator('.thread-view');
    const more = view.locator('button.thread-more');
    await more.waitFor();
    assert.equal(await view.locator('.row.msg:not(.thread-root)').count(), 200, 'the first page');
    // A new reply arrives live while the middle of the thread is not loaded yet.
    await host.post(Messages.create({ room: 'general', messages: [reply(350)] }));
    await view.locator('.row.msg[data-seq="350"]').waitFor();
    await more.click();
    const next = await host.waitFor('thread', (m) => m.after !== undefined);
    assert.equal(next.after, 299, 'the next page starts after the last paged reply');
    await view.locator('.row.msg[data-seq="300"]').waitFor();
    assert.equal(await view.locator('.row.msg:not(.thread-root)').count(), 251, 'every reply once');
    assert.equal(await more.count(), 0, 'nothing more to load');
    const seqs = await view.locator('.row.msg:not(.thread-root)').evaluateAll((rs) => rs.map((r) => Number((r as HTMLElement).dataset.seq)));
    assert.deepEqual(seqs, Array.from({ length: 251 }, (_, i) => 100 + i), 'in seq order');
  });

  it('lists open threads and pinned messages of the room', async () => {
    await open();
    host.on('threads', (m) => MessageList.create({ room: 'general', messages: [history()[2]], requestId: m.requestId as string }));
    host.on('pins', (m) => MessageList.create({ room: 'general', messages: [{ ...history()[0], pinned: true }], requestId: m.requestId as string }));
    await host.page.locator('.open-threads').click();
    assert.equal((await host.waitFor('threads')).room, 'general');
    const panel = host.page.locator('.list-panel');
    await panel.locator('.panel-entry').first().waitFor();
    assert.equal(await panel.locator('.panel-title').textContent(), 'Open threads');
    // Resolved live: it leaves the list of open threads.
    await host.post(Changes.create({ room: 'general', events: [changeEvent('general', BOB, { kind: 'resolve', target: 3 })] }));
    assert.equal(await panel.locator('.panel-empty').textContent(), 'No open threads in this room.');
    await host.page.locator('.pinned-list').click();
    await host.waitFor('pins');
    await panel.locator('.panel-entry .md', { hasText: 'Who reviews' }).waitFor();
    await panel.locator('button', { hasText: 'Unpin' }).click();
    const unpin = await host.waitFor('changeMessage', (m) => m.kind === 'unpin');
    assert.equal(unpin.seq, 1);
  });

  it('shows unread @mentions as a badge in the room list', async () => {
    await open();
    await host.post(Rooms.create({ rooms: rooms().map((r) => (r.id === 'design' ? { ...r, lastSeq: 9, lastRead: 5, unread: 4, mentions: 2 } : r)) }));
    const option = host.page.locator('.room-select option[value="design"]');
    assert.equal((await option.textContent())?.trim(), '# design · 2 mentions  (4)');
    await host.post(Messages.create({ room: 'design', messages: [message('design', 10, BOB, `@${ME} one more`)] }));
    assert.equal(await option.getAttribute('data-mentions'), '3');
  });

  it('counts in the room list the host\'s unread and others\' new messages, not changes or my own', async () => {
    await open();
    // lastSeq - lastRead is 7, but the host counts 1: the rest were my posts and reactions.
    await host.post(Rooms.create({ rooms: rooms().map((r) => (r.id === 'design' ? { ...r, lastSeq: 9, lastRead: 2, unread: 1 } : r)) }));
    const option = host.page.locator('.room-select option[value="design"]');
    const text = async () => (await option.textContent())?.trim();
    assert.equal(await text(), '# design  (1)');
    await host.post(Changes.create({ room: 'design', events: [changeEvent('design', BOB, { kind: 'react', target: 9, emoji: '🎉' }, 10)] }));
    await host.post(Messages.create({ room: 'design', messages: [{ ...message('design', 11, BOB, 'only in the thread'), root: 9 }] }));
    await host.post(Messages.create({ room: 'design', messages: [message('design', 12, CAROL, 'new here')] }));
    await waitUntil(async () => (await text()) === '# design  (2)', 'the new message counted, the reaction and the thread-only reply not');
    await host.post(Messages.create({ room: 'design', messages: [message('design', 13, ME, 'mine')] }));
    await waitUntil(async () => (await text()) === '# design', 'my own message reads the room');
  });
});
