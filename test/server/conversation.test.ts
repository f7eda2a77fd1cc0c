import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { downloadFile, uploadFile } from '../../client/transfers';
import type { AckReply, ChangeEvent, ChatMessage, ChangeKind, HistoryReply, MsgEvent, ServerFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, RawSocket, rejectsWith, resume, signIn } from './chat-helpers';
import { HashSink, mediaObjects, sha256, transferConnection, until } from './transfer-helpers';

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

let cids = 0;

function change(c: Client, room: string, kind: ChangeKind, target: number, extra: { emoji?: string; text?: string; cid?: string } = {}) {
  const { cid = `ch${++cids}`, ...rest } = extra;
  return c.conn.request<AckReply | Frame<'ok'>>({ t: 'change', room, cid, kind, target, ...rest });
}

function reply(c: Client, room: string, root: number, text: string, inRoom?: boolean) {
  return c.conn.request<AckReply>({ t: 'send', room, cid: `r${++cids}`, text, root, ...(inRoom ? { inRoom } : {}) });
}

/** The room's messages, without the room events (joins) that trio() adds. */
async function history(c: Client, room: string): Promise<ChatMessage[]> {
  return (await c.conn.request<HistoryReply>({ t: 'history', room, limit: 200 })).messages.filter((m) => m.event === undefined);
}

async function message(c: Client, room: string, seq: number): Promise<ChatMessage | undefined> {
  return (await history(c, room)).find((m) => m.seq === seq);
}

describe('server: conversations over real TCP', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: Client[] = [];
  const track = async (p: Promise<Client>) => {
    const c = await p;
    open.push(c);
    return c;
  };

  /** Three signed-in users sharing a fresh group room. */
  async function trio(): Promise<{ a: Client; b: Client; c: Client; room: string }> {
    const [a, b, c] = await Promise.all([track(signIn(server)), track(signIn(server)), track(signIn(server))]);
    const room = `conv-${++cids}-${Date.now().toString(36)}`;
    await a.conn.request({ t: 'create', name: room });
    await b.conn.request({ t: 'join', room });
    await c.conn.request({ t: 'join', room });
    return { a, b, c, room };
  }

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0', '--max-text', '256'] });
  });
  const transfers: { close(): void }[] = [];
  afterEach(() => {
    for (const c of [...open.splice(0), ...transfers.splice(0)]) c.close();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('speaks version 2 and still welcomes a version 1 client', async () => {
    for (const v of [1, 2]) {
      const raw = await RawSocket.open(server);
      raw.write({ t: 'hello', id: v, v, client: 'raw' });
      const welcome = await raw.waitFor((f) => f.id === v);
      assert.equal(welcome.t, 'welcome');
      assert.equal(welcome.v, v);
      raw.destroy();
    }
  });

  it('delivers a reply to every member with its root, keeps it out of the history, and counts it on the root', async () => {
    const { a, b, c, room } = await trio();
    const root = await a.send(room, 'who reviews #12?');
    const ack = await reply(b, room, root.seq, 'I will');
    assert.equal(ack.seq, root.seq + 1);
    for (const member of [a, c]) {
      const msg = await member.waitFor<MsgEvent>((f) => f.t === 'msg' && f.msgId === ack.msgId);
      assert.equal(msg.root, root.seq);
      assert.equal(msg.text, 'I will');
    }
    const shown = await history(c, room);
    assert.deepEqual(shown.map((m) => m.seq), [root.seq]);
    assert.equal(shown[0].replies, 1);
    assert.deepEqual(shown[0].repliers, [b.user]);
    const thread = await c.conn.request<Frame<'thread'>>({ t: 'thread', room, root: root.seq });
    assert.deepEqual(thread.replies.map((m) => [m.seq, m.from, m.text]), [[ack.seq, b.user, 'I will']]);
    assert.equal(thread.root.replies, 1);
    await reply(c, room, root.seq, 'me too, in the room', true);
    assert.deepEqual((await history(a, room)).map((m) => m.text), ['who reviews #12?', 'me too, in the room']);
  });

  it('refuses nested replies, replies to nothing, and inRoom without a root', async () => {
    const { a, b, room } = await trio();
    const root = await a.send(room, 'root');
    const r = await reply(b, room, root.seq, 'reply');
    const nested = await rejectsWith(reply(a, room, r.seq, 'nested'), 'NESTED_REPLY');
    assert.match(nested.message, /thread/);
    await rejectsWith(reply(a, room, 999, 'nowhere'), 'NOT_FOUND');
    await rejectsWith(a.conn.request({ t: 'send', room, cid: `x${++cids}`, text: 'bad', inRoom: true }), 'INVALID');
    await rejectsWith(a.conn.request({ t: 'thread', room, root: r.seq }), 'NESTED_REPLY');
    await rejectsWith(a.conn.request({ t: 'thread', room, root: 999 }), 'NOT_FOUND');
  });

  it('keeps every conversation request to members of the room', async () => {
    const { a, room } = await trio();
    const root = await a.send(room, 'members only');
    const eve = await track(signIn(server));
    await rejectsWith(reply(eve, room, root.seq, 'let me in'), 'FORBIDDEN');
    await rejectsWith(change(eve, room, 'react', root.seq, { emoji: '👍' }), 'FORBIDDEN');
    await rejectsWith(change(eve, room, 'pin', root.seq), 'FORBIDDEN');
    for (const request of [
      { t: 'thread', room, root: root.seq },
      { t: 'threads', room },
      { t: 'pins', room },
      { t: 'revisions', room, seq: root.seq },
      { t: 'events', room, after: 0 },
    ] as const) {
      await rejectsWith(eve.conn.request(request), 'FORBIDDEN');
    }
    assert.equal(eve.frames.some((f) => (f as { room?: string }).room === room), false, 'an outsider sees nothing of the room');
  });

  it('fans reactions out as change events, one per user and emoji, and takes them back', async () => {
    const { a, b, c, room } = await trio();
    const m = await a.send(room, 'ship it?');
    const ack = (await change(b, room, 'react', m.seq, { emoji: '👍' })) as AckReply;
    assert.equal(ack.t, 'ack');
    const seen = await c.waitFor<ChangeEvent>((f) => f.t === 'change' && f.seq === ack.seq);
    assert.deepEqual(seen.change, { kind: 'react', target: m.seq, emoji: '👍' });
    assert.equal(seen.from, b.user);
    const again = await change(b, room, 'react', m.seq, { emoji: '👍' });
    assert.equal(again.t, 'ok', 'a second identical reaction changes nothing');
    await change(c, room, 'react', m.seq, { emoji: '👍' });
    assert.deepEqual((await message(a, room, m.seq))?.reactions, { '👍': [b.user, c.user] });
    await change(b, room, 'unreact', m.seq, { emoji: '👍' });
    assert.deepEqual((await message(a, room, m.seq))?.reactions, { '👍': [c.user] });
  });

  it('refuses a reaction that is not one emoji', async () => {
    const { a, room } = await trio();
    const m = await a.send(room, 'react with text?');
    for (const emoji of ['<img src=x onerror=alert(1)>', 'thumbsup', '👍👍', '']) {
      await rejectsWith(change(a, room, 'react', m.seq, { emoji }), 'INVALID');
    }
    await rejectsWith(change(a, room, 'react', m.seq), 'INVALID');
  });

  it('caps the different reactions on a message', async () => {
    const { a, b, room } = await trio();
    const m = await a.send(room, 'so many feelings');
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩'];
    for (const e of emoji.slice(0, 20)) await change(b, room, 'react', m.seq, { emoji: e });
    const err = await rejectsWith(change(a, room, 'react', m.seq, { emoji: emoji[20] }), 'TOO_MANY_REACTIONS');
    assert.match(err.message, /20/);
  });

  it('lets only the author edit, within the text limit, and keeps the earlier versions', async () => {
    const { a, b, c, room } = await trio();
    const m = await a.send(room, 'teh typo');
    await rejectsWith(change(b, room, 'edit', m.seq, { text: 'hijacked' }), 'NOT_AUTHOR');
    await rejectsWith(change(a, room, 'edit', m.seq, { text: 'x'.repeat(257) }), 'TOO_LARGE');
    await rejectsWith(change(a, room, 'edit', m.seq), 'INVALID');
    const ack = (await change(a, room, 'edit', m.seq, { text: 'the typo, fixed' })) as AckReply;
    const seen = await c.waitFor<ChangeEvent>((f) => f.t === 'change' && f.seq === ack.seq);
    assert.deepEqual(seen.change, { kind: 'edit', target: m.seq, text: 'the typo, fixed' });
    const now = await message(b, room, m.seq);
    assert.equal(now?.text, 'the typo, fixed');
    assert.equal(typeof now?.edited, 'number');
    const revs = await b.conn.request<Frame<'revisions'>>({ t: 'revisions', room, seq: m.seq });
    assert.deepEqual(revs.revisions.map((r) => r.text), ['teh typo']);
    assert.equal((await c.conn.request<Frame<'results'>>({ t: 'search', query: 'teh', room })).messages.length, 0);
    assert.equal((await c.conn.request<Frame<'results'>>({ t: 'search', query: 'fixed', room })).messages.length, 1);
  });

  it('lets only the author delete, leaves a tombstone, and refuses changes to it', async () => {
    const { a, b, room } = await trio();
    const m = await a.send(room, 'oops, a password: hunter2');
    await reply(b, room, m.seq, 'careful!');
    await rejectsWith(change(b, room, 'delete', m.seq), 'NOT_AUTHOR');
    const ack = (await change(a, room, 'delete', m.seq)) as AckReply;
    const seen = await b.waitFor<ChangeEvent>((f) => f.t === 'change' && f.seq === ack.seq);
    assert.deepEqual(seen.change, { kind: 'delete', target: m.seq });
    const tomb = await message(b, room, m.seq);
    assert.equal(tomb?.deleted, true);
    assert.equal(tomb?.text, undefined);
    assert.equal(tomb?.replies, 1, 'the thread stays');
    assert.equal((await change(a, room, 'delete', m.seq)).t, 'ok');
    await rejectsWith(change(a, room, 'edit', m.seq, { text: 'back' }), 'MESSAGE_DELETED');
    await rejectsWith(change(b, room, 'react', m.seq, { emoji: '👀' }), 'MESSAGE_DELETED');
    await rejectsWith(reply(b, room, m.seq, 'late'), 'MESSAGE_DELETED');
    assert.equal((await b.conn.request<Frame<'results'>>({ t: 'search', query: 'hunter2' })).messages.length, 0);
    const log = await b.conn.request<Frame<'events'>>({ t: 'events', room, after: 0 });
    assert.equal(JSON.stringify(log).includes('hunter2'), false, 'the room log keeps no trace of the text');
  });

  it('pins, lists the pins, and resolves and reopens threads', async () => {
    const { a, b, c, room } = await trio();
    const rules = await a.send(room, 'house rules');
    const q = await b.send(room, 'is CI red?');
    await reply(a, room, q.seq, 'fixed now');
    await change(c, room, 'pin', rules.seq);
    assert.equal((await change(a, room, 'pin', rules.seq)).t, 'ok');
    const pins = await a.conn.request<Frame<'pins'>>({ t: 'pins', room });
    assert.deepEqual(pins.messages.map((m) => [m.seq, m.pinned]), [[rules.seq, true]]);
    await change(a, room, 'resolve', q.seq);
    assert.equal((await message(c, room, q.seq))?.resolvedBy, a.user);
    const open = await c.conn.request<Frame<'threads'>>({ t: 'threads', room, state: 'open' });
    assert.deepEqual(open.messages, []);
    const resolved = await c.conn.request<Frame<'threads'>>({ t: 'threads', room, state: 'resolved' });
    assert.deepEqual(resolved.messages.map((m) => m.seq), [q.seq]);
    await change(b, room, 'reopen', q.seq);
    assert.equal((await message(c, room, q.seq))?.resolvedBy, undefined);
    await change(c, room, 'unpin', rules.seq);
    assert.deepEqual((await a.conn.request<Frame<'pins'>>({ t: 'pins', room })).messages, []);
  });

  it('answers a resent change with its first ack and applies it once', async () => {
    const { a, b, room } = await trio();
    const m = await a.send(room, 'once only');
    const first = (await change(b, room, 'react', m.seq, { emoji: '🎉', cid: 'same-cid' })) as AckReply;
    const again = (await change(b, room, 'react', m.seq, { emoji: '🎉', cid: 'same-cid' })) as AckReply;
    assert.equal(again.t, 'ack');
    assert.equal(again.seq, first.seq);
    const log = await a.conn.request<Frame<'events'>>({ t: 'events', room, after: m.seq });
    assert.equal(log.events.length, 1);
  });

  it('counts unread mentions per room and reports them with the room at sign-in', async () => {
    const { a, b, c, room } = await trio();
    await b.send(room, `morning @${a.user}`);
    await a.send(room, `@${b.user} can you look?`);
    await a.send(room, 'heads up @room');
    const b2 = await track(resume(server, b));
    assert.equal(b2.session.rooms.find((r) => r.id === room)?.mentions, 2);
    const c2 = await track(resume(server, c));
    assert.equal(c2.session.rooms.find((r) => r.id === room)?.mentions, 1);
    // Alice posted after Bob's mention of her: posting moved her read mark past it.
    const a2 = await track(resume(server, a));
    assert.equal(a2.session.rooms.find((r) => r.id === room)?.mentions, undefined);
    const last = await c.send(room, `and @${a.user} too`);
    const a3 = await track(resume(server, a));
    assert.equal(a3.session.rooms.find((r) => r.id === room)?.mentions, 1);
    await b.conn.request({ t: 'read', room, seq: last.seq });
    const b3 = await track(resume(server, b));
    assert.equal(b3.session.rooms.find((r) => r.id === room)?.mentions, undefined);
  });

  it('finds messages by search filters', async () => {
    const { a, b, room } = await trio();
    const root = await a.send(room, 'flaky test in ci');
    await reply(b, room, root.seq, 'flaky again today');
    await b.send(room, 'flaky network');
    await change(a, room, 'pin', root.seq);
    const search = async (query: string) =>
      (await a.conn.request<Frame<'results'>>({ t: 'search', query })).messages.map((m) => m.text).sort();
    assert.deepEqual(await search(`flaky from:@${b.user} in:#${room}`), ['flaky again today', 'flaky network']);
    assert.deepEqual(await search(`flaky is:thread in:#${room}`), ['flaky again today', 'flaky test in ci']);
    assert.deepEqual(await search(`is:pinned in:#${room}`), ['flaky test in ci']);
    assert.deepEqual(await search(`flaky in:#${room} before:2000-01-01`), []);
    assert.equal((await search(`flaky in:#${room} after:2000-01-01`)).length, 3);
    await rejectsWith(a.conn.request({ t: 'search', query: 'after:yesterday' }), 'INVALID');
  });

  it('deletes a file from the media store once no remaining message refers to its content', async () => {
    const { a, b, room } = await trio();
    const [ta, tb] = [await transferConnection(server, a.token), await transferConnection(server, b.token)];
    transfers.push(ta, tb);
    const data = randomBytes(64 * 1024);
    const key = `${sha256(data).slice(0, 2)}/${sha256(data)}`;
    const mediaDir = path.join(server.dataDir, 'media');
    const first = await uploadFile(ta, { room, stream: Readable.from([data]), size: data.length, name: 'plan.bin' });
    const second = await uploadFile(tb, { room, stream: Readable.from([data]), size: data.length, name: 'copy.bin' });
    await change(a, room, 'delete', first.seq);
    await rejectsWith(downloadFile(tb, { fileId: first.file?.fileId as string, to: new HashSink() }), 'NOT_FOUND');
    assert.equal(mediaObjects(mediaDir).includes(key), true, 'the same bytes still belong to the second message');
    await change(b, room, 'delete', second.seq);
    await until(() => !mediaObjects(mediaDir).includes(key), 'the media store to let go of the bytes');
    assert.equal((await message(a, room, second.seq))?.file, undefined);
  });

  it('caps the pinned messages of a room', async () => {
    const { a, room } = await trio();
    const seqs: number[] = [];
    for (let i = 0; i < 101; i++) seqs.push((await a.send(room, `pin me ${i}`)).seq);
    for (const seq of seqs.slice(0, 100)) await change(a, room, 'pin', seq);
    const err = await rejectsWith(change(a, room, 'pin', seqs[100]), 'TOO_MANY_PINS');
    assert.match(err.message, /100/);
    assert.equal((await a.conn.request<Frame<'pins'>>({ t: 'pins', room })).messages.length, 100);
  });

  it('catches an offline member up on every change exactly once, in order, on resume', async () => {
    const { a, b, room } = await trio();
    const m1 = await a.send(room, 'first');
    const m2 = await a.send(room, 'second');
    const since = { [room]: m2.seq };
    b.close();
    const r = await reply(a, room, m1.seq, 'a reply');
    await change(a, room, 'react', m1.seq, { emoji: '👀' });
    await change(a, room, 'edit', m2.seq, { text: 'second, edited' });
    await change(a, room, 'pin', m1.seq);
    await change(a, room, 'delete', m2.seq);
    const back = await track(resume(server, b, since));
    await back.waitFor((f) => f.t === 'caught_up' && f.room === room);
    const replayed = back.frames.filter((f): f is MsgEvent | ChangeEvent => (f.t === 'msg' || f.t === 'change') && f.room === room);
    assert.deepEqual(
      replayed.map((f) => [f.t, f.seq, f.t === 'change' ? f.change.kind : f.root]),
      [
        ['msg', r.seq, m1.seq],
        ['change', r.seq + 1, 'react'],
        ['change', r.seq + 2, 'edit'],
        ['change', r.seq + 3, 'pin'],
        ['change', r.seq + 4, 'delete'],
      ],
    );
    const edit = replayed[2] as ChangeEvent;
    assert.equal(edit.change.text, undefined, 'the edit of a deleted message comes back without its text');
  });
});
