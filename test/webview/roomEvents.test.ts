// Room events (joined, invited, topic, role…) as quiet system lines of the timeline, the room's
// topic in the header, and a read-only room's composer closed to its members: the real bundle in
// headless Chromium, driven through a fake extension host.
import assert from 'node:assert/strict';
import type { ChatMessage, RoomEvent, RoomInfo } from '../../protocol/messages';
import { Messages, RunCommand, Rooms } from '../../webview/messages';
import { BOB, CAROL, T0, init, message, rooms } from './fixtures';
import { serveHistory, webviewSuite, type FakeHost } from './harness';

const MIN = 60_000;
const ROOM = 'design';

function event(seq: number, from: string, e: RoomEvent, ts = T0 + seq * MIN): ChatMessage {
  return { room: ROOM, seq, ts, msgId: `e-${seq}`, from, cid: `event:${seq}`, event: e };
}

/** The rooms, with `design` as given. */
function roomsWith(design: Partial<RoomInfo>): RoomInfo[] {
  return rooms().map((r) => (r.id === ROOM ? { ...r, ...design } : r));
}

describe('webview room events and room header (Chromium)', function () {
  this.timeout(30_000);
  const ui = webviewSuite({ csp: true });
  let host: FakeHost;

  async function open(history: ChatMessage[], design: Partial<RoomInfo> = {}, opts = {}): Promise<FakeHost> {
    host = await ui.open(opts);
    serveHistory(host, { [ROOM]: history });
    await host.post(init({ rooms: roomsWith({ lastSeq: history.at(-1)?.seq ?? 0, lastRead: history.at(-1)?.seq ?? 0, ...design }), activeRoom: ROOM }));
    await host.settle();
    return host;
  }

  const lines = async (): Promise<string[]> => (await host.page.locator('.row.event .event-text').allTextContents()).map((t) => t.trim());

  it('shows each kind of room event as a system line between the messages', async () => {
    await open([
      message(ROOM, 1, BOB, 'hello'),
      event(2, BOB, { kind: 'invited', user: CAROL }),
      event(3, CAROL, { kind: 'joined', user: CAROL }),
      event(4, BOB, { kind: 'topic', text: 'Q3 planning' }),
      event(5, BOB, { kind: 'role', user: CAROL, role: 'admin' }),
      event(6, BOB, { kind: 'renamed', text: 'design-team' }),
      event(7, BOB, { kind: 'readonly', on: true }),
      event(8, BOB, { kind: 'removed', user: 'dave.ops' }),
      event(9, BOB, { kind: 'topic', text: '' }),
      event(10, BOB, { kind: 'banned', user: 'eve_x' }),
      message(ROOM, 11, BOB, 'after'),
    ]);
    assert.deepEqual(await lines(), [
      `${BOB} invited ${CAROL}`,
      `${CAROL} joined`,
      `${BOB} changed the topic to “Q3 planning”`,
      `${CAROL} is now an admin`,
      `${BOB} renamed the room to design-team`,
      `${BOB} made the room read-only`,
      `${BOB} removed dave.ops`,
      `${BOB} cleared the topic`,
      `${BOB} banned eve_x`,
    ]);
    // A system line is no message: no author header, no actions, and the message after it starts a new group.
    assert.equal(await host.page.locator('.row.event .author, .row.event .actions').count(), 0);
    assert.deepEqual((await host.page.locator('.row.msg .md').allTextContents()).map((t) => t.trim()), ['hello', 'after']);
    assert.equal(await host.page.locator('.row.msg.head').count(), 2, 'the message after the events has its own header');
  });

  it('renders names and texts of events as inert text', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">**bold**';
    await open([event(1, BOB, { kind: 'topic', text: hostile }), event(2, BOB, { kind: 'renamed', text: '<b>x</b>' })]);
    assert.deepEqual(await lines(), [`${BOB} changed the topic to “${hostile}”`, `${BOB} renamed the room to <b>x</b>`]);
    assert.equal(await host.page.locator('.row.event img, .row.event b, .row.event strong').count(), 0);
    assert.equal(await host.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('speaks the display language', async () => {
    await open([event(1, CAROL, { kind: 'joined', user: CAROL }), event(2, BOB, { kind: 'role', user: CAROL, role: 'owner' })], {}, { language: 'zh-cn' });
    assert.deepEqual(await lines(), [`${CAROL} 加入了聊天室`, `${CAROL} 现在是所有者`]);
  });

  it('counts live room events as nothing unread and shows a new one at once', async () => {
    await open([message(ROOM, 1, BOB, 'hello')]);
    // Seen from general, design's count must not move for an event.
    await host.post({ type: 'activeRoom', room: 'general' });
    await host.settle();
    await host.post(Messages.create({ room: ROOM, messages: [event(2, BOB, { kind: 'topic', text: 'Ship it' })] }));
    await host.post(Messages.create({ room: ROOM, messages: [message(ROOM, 3, CAROL, 'one unread')] }));
    await host.settle();
    const option = await host.page.locator(`.room-select option[value="${ROOM}"]`).textContent();
    assert.match(option ?? '', /\(1\)/, `one unread, not two: ${option}`);
    await host.post({ type: 'activeRoom', room: ROOM });
    await host.settle();
    assert.deepEqual(await lines(), [`${BOB} changed the topic to “Ship it”`]);
  });

  it("shows the room's topic in the header as text, which opens Room Settings", async () => {
    await open([message(ROOM, 1, BOB, 'hello')], { topic: 'Where the mockups live', role: 'member', visibility: 'public' });
    const topic = host.page.locator('.room-topic');
    assert.equal((await topic.textContent())?.trim(), 'Where the mockups live');
    assert.ok(await topic.isVisible());
    await host.post(Rooms.create({ rooms: roomsWith({ lastSeq: 1, lastRead: 1, topic: 'New topic <i>x</i>' }) }));
    await host.settle();
    assert.equal((await topic.textContent())?.trim(), 'New topic <i>x</i>');
    assert.equal(await host.page.locator('.room-topic i').count(), 0);
    await topic.click();
    const run = await host.waitFor('runCommand');
    assert.equal(run.command, 'parley.roomSettings');
    assert.ok(RunCommand.is(run));
    // A DM has none.
    await host.post({ type: 'activeRoom', room: rooms()[2].id });
    await host.settle();
    assert.equal(await topic.isVisible(), false);
  });

  it("closes a read-only room's composer to members with a hint, and opens it to admins", async () => {
    await open([message(ROOM, 1, BOB, 'hello')], { readOnly: true, role: 'member' });
    const textarea = host.page.locator('.composer textarea');
    assert.equal(await textarea.isDisabled(), true);
    assert.equal(await textarea.getAttribute('placeholder'), 'Only owners and admins can post in this read-only room.');
    // Promoted: the room list says so, and the composer opens.
    await host.post(Rooms.create({ rooms: roomsWith({ lastSeq: 1, lastRead: 1, readOnly: true, role: 'admin' }) }));
    await host.settle();
    assert.equal(await textarea.isDisabled(), false);
    assert.equal(await textarea.getAttribute('placeholder'), `Message #${ROOM}`);
    // Read-only lifted for everyone.
    await host.post(Rooms.create({ rooms: roomsWith({ lastSeq: 1, lastRead: 1, readOnly: false, role: 'member' }) }));
    await host.settle();
    assert.equal(await textarea.isDisabled(), false);
  });
});
