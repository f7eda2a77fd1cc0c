import * as assert from 'node:assert/strict';
import type { AckReply, HistoryReply, RoomInfo, RoomReply, ServerFrame, ThreadReply, ThreadsReply } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, rejectsWith, resume, signIn } from './chat-helpers';

let cids = 0;

function reply(c: Client, room: string, root: number, text: string, inRoom?: boolean) {
  return c.conn.request<AckReply>({ t: 'send', room, cid: `tr${++cids}`, text, root, ...(inRoom ? { inRoom } : {}) });
}

const threadOf = (c: Client, room: string, root: number) => c.conn.request<ThreadReply>({ t: 'thread', room, root });
const threadsOf = (c: Client, room: string) => c.conn.request<ThreadsReply>({ t: 'threads', room });
const historyOf = (c: Client, room: string) => c.conn.request<HistoryReply>({ t: 'history', room, limit: 50 });

describe('server: thread unread counts over real TCP', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: Client[] = [];
  const track = async (p: Promise<Client>) => {
    const c = await p;
    open.push(c);
    return c;
  };

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0'] });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  async function trio(): Promise<{ a: Client; b: Client; c: Client; room: string }> {
    const [a, b, c] = await Promise.all([track(signIn(server)), track(signIn(server)), track(signIn(server))]);
    const room = `tu-${++cids}-${Date.now().toString(36)}`;
    await a.conn.request({ t: 'create', name: room });
    await b.conn.request({ t: 'join', room });
    await c.conn.request({ t: 'join', room });
    return { a, b, c, room };
  }

  async function listed(c: Client, room: string): Promise<RoomInfo> {
    const found = (await track(resume(server, c))).session.rooms.find((r) => r.id === room);
    assert.ok(found, `${room} is listed`);
    return found;
  }

  it('reports a participant\'s unread replies per thread and per room; reading the thread moves its mark', async () => {
    const { a, b, c, room } = await trio();
    const root = await a.send(room, 'who reviews the parser?');
    await reply(b, room, root.seq, 'I can');
    const last = await reply(b, room, root.seq, 'tomorrow morning');

    // Per thread, in each listing that carries the root.
    assert.equal((await threadOf(a, room, root.seq)).unread, 2);
    assert.deepEqual((await threadsOf(a, room)).threadUnread, { [root.seq]: 2 });
    assert.deepEqual((await historyOf(a, room)).threadUnread, { [root.seq]: 2 });
    assert.equal((await threadOf(b, room, root.seq)).unread, 0, 'his own replies');
    assert.equal((await threadOf(c, room, root.seq)).unread, undefined, 'Carol takes no part');
    assert.equal((await threadsOf(c, room)).threadUnread, undefined);
    // Per room, with the session and the room list.
    assert.equal((await listed(a, room)).threadUnread, 2);
    assert.equal((await listed(c, room)).threadUnread, undefined);

    // Reading on one connection: the others hear of it, and every one gets the room again.
    const other = await track(resume(server, a));
    await a.conn.request({ t: 'read', room, root: root.seq, seq: last.seq });
    const read = await other.waitFor<Extract<ServerFrame, { t: 'read' }>>((f) => f.t === 'read' && f.room === room && f.root === root.seq);
    assert.equal(read.seq, last.seq);
    const pushed = await a.waitFor<RoomReply>((f) => f.t === 'room' && f.room.id === room && f.id === undefined);
    assert.equal(pushed.room.threadUnread, undefined, 'nothing unread in threads any more');
    assert.equal((await threadOf(a, room, root.seq)).unread, 0);
    assert.equal((await listed(a, room)).threadUnread, undefined);

    // New replies by others count; Alice's own does not, and moves her mark.
    await reply(c, room, root.seq, 'count me in');
    assert.equal((await threadOf(a, room, root.seq)).unread, 1);
    await reply(a, room, root.seq, 'thanks both');
    assert.equal((await threadOf(a, room, root.seq)).unread, 0);
    assert.equal((await threadOf(b, room, root.seq)).unread, 2, 'Carol\'s and Alice\'s');
    assert.equal((await threadOf(c, room, root.seq)).unread, 1, 'Carol joined by replying');
  });

  it('does not count edits, reactions or deletes, and forgets a deleted reply', async () => {
    const { a, b, room } = await trio();
    const root = await a.send(room, 'root');
    const r1 = await reply(b, room, root.seq, 'typo');
    const r2 = await reply(b, room, root.seq, 'gone soon');
    await b.conn.request({ t: 'change', room, cid: `e${++cids}`, kind: 'edit', target: r1.seq, text: 'fixed' });
    await b.conn.request({ t: 'change', room, cid: `e${++cids}`, kind: 'react', target: root.seq, emoji: '👍' });
    assert.equal((await threadOf(a, room, root.seq)).unread, 2);
    await b.conn.request({ t: 'change', room, cid: `e${++cids}`, kind: 'delete', target: r2.seq });
    assert.equal((await threadOf(a, room, root.seq)).unread, 1);
    assert.equal((await listed(a, room)).threadUnread, 1);
  });

  it('counts a mention in a reply from that reply on, and a reply also sent to the room in unread only', async () => {
    const { a, b, c, room } = await trio();
    const root = await a.send(room, 'release notes');
    await reply(b, room, root.seq, 'draft is up');
    await reply(b, room, root.seq, `@${c.user} can you check?`);
    assert.equal((await threadOf(c, room, root.seq)).unread, 1, 'the reply that mentions her');
    await reply(b, room, root.seq, 'also here', true);
    const info = await listed(c, room);
    assert.deepEqual({ unread: info.unread, threadUnread: info.threadUnread }, { unread: 2, threadUnread: 1 });
  });

  it('checks access and input: no mark in a room one is not in, and a bad root is INVALID', async () => {
    const { a, b, room } = await trio();
    const outsider = await track(signIn(server));
    const root = await a.send(room, 'private');
    await reply(a, room, root.seq, 'self-answer');
    await rejectsWith(outsider.conn.request({ t: 'read', room, root: root.seq, seq: 5 }), 'FORBIDDEN');
    await rejectsWith(a.conn.request({ t: 'read', room, root: 0, seq: 5 } as never), 'INVALID');
    // A mark past the last event is kept at it.
    await a.conn.request({ t: 'read', room, root: root.seq, seq: 10_000 });
    await reply(b, room, root.seq, 'after the capped mark');
    assert.equal((await threadOf(a, room, root.seq)).unread, 1);
  });
});
