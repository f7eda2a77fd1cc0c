import * as assert from 'node:assert/strict';
import { dmRoomId, type AckReply, type RoomInfo, type RoomsReply, type ServerFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, resume, signIn } from './chat-helpers';

let cids = 0;

function change(c: Client, room: string, kind: 'react' | 'pin' | 'delete' | 'edit', target: number, extra: { emoji?: string; text?: string } = {}) {
  return c.conn.request<AckReply>({ t: 'change', room, cid: `u${++cids}`, kind, target, ...extra });
}

function reply(c: Client, room: string, root: number, text: string, inRoom?: boolean) {
  return c.conn.request<AckReply>({ t: 'send', room, cid: `ur${++cids}`, text, root, ...(inRoom ? { inRoom } : {}) });
}

const roomOf = (rooms: RoomInfo[], id: string): RoomInfo => {
  const found = rooms.find((r) => r.id === id);
  assert.ok(found, `${id} is listed`);
  return found;
};

describe('server: unread counts over real TCP', function () {
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

  /** A new connection of the same session, as a reload makes: what does its session say? */
  async function reloaded(c: Client, since?: Record<string, number>): Promise<RoomInfo[]> {
    return (await track(resume(server, c, since))).session.rooms;
  }

  it('shows nothing unread to the sender of a DM after a reload, and one to its reader', async () => {
    const [alice, bob] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const dm = dmRoomId(alice.user, bob.user);
    const ack = await alice.send(dm, 'are you there?');
    await bob.waitFor((f) => f.t === 'msg' && f.room === dm);
    const mine = roomOf(await reloaded(alice), dm);
    assert.deepEqual({ lastSeq: mine.lastSeq, lastRead: mine.lastRead, unread: mine.unread }, { lastSeq: ack.seq, lastRead: ack.seq, unread: 0 });
    // Resuming from an old seq (a reconnect) says the same.
    assert.equal(roomOf(await reloaded(alice, { [dm]: 0 }), dm).unread, 0);
    const theirs = roomOf(await reloaded(bob), dm);
    assert.deepEqual({ lastRead: theirs.lastRead, unread: theirs.unread }, { lastRead: 0, unread: 1 });
  });

  it('counts no change event, no thread-only reply and no deleted message, in session and rooms alike', async () => {
    const [alice, bob] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const dm = dmRoomId(alice.user, bob.user);
    const root = await alice.send(dm, 'what do we ship?');
    await change(bob, dm, 'react', root.seq, { emoji: '👍' });
    await change(bob, dm, 'pin', root.seq);
    await reply(bob, dm, root.seq, 'the parser, in the thread');
    const gone = await bob.send(dm, 'oops');
    await change(bob, dm, 'delete', gone.seq);
    const typo = await alice.send(dm, 'typo');
    await change(alice, dm, 'edit', typo.seq, { text: 'fixed' });
    let rooms = await reloaded(alice);
    assert.equal(roomOf(rooms, dm).lastSeq, 8);
    assert.equal(roomOf(rooms, dm).unread, 0, 'eight events, none of them someone else\'s message still shown');
    const shown = await reply(bob, dm, root.seq, 'and in the room', true);
    await bob.send(dm, 'plain');
    rooms = await reloaded(alice);
    assert.equal(roomOf(rooms, dm).unread, 2);
    // The rooms request carries the same count, and the rooms to join carry 0.
    const listed = await alice.conn.request<RoomsReply>({ t: 'rooms' });
    assert.equal(roomOf(listed.rooms, dm).unread, 2);
    for (const r of listed.rooms) assert.equal(typeof r.unread, 'number', `${r.id} carries unread`);
    await alice.conn.request<ServerFrame>({ t: 'read', room: dm, seq: shown.seq });
    assert.equal(roomOf(await reloaded(alice), dm).unread, 1);
  });

  it('moves the sender\'s read mark when they post in a room, not when they react', async () => {
    const [alice, bob] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const name = `unread-${Date.now().toString(36)}`;
    await alice.conn.request({ t: 'create', name });
    await bob.conn.request({ t: 'join', room: name });
    const first = await bob.send(name, 'one');
    await bob.send(name, 'two');
    assert.equal(roomOf(await reloaded(alice), name).unread, 2);
    await change(alice, name, 'react', first.seq, { emoji: '🎉' });
    assert.equal(roomOf(await reloaded(alice), name).unread, 2, 'a reaction reads nothing');
    const answer = await alice.send(name, 'answered both');
    const after = roomOf(await reloaded(alice), name);
    assert.deepEqual({ lastRead: after.lastRead, unread: after.unread }, { lastRead: answer.seq, unread: 0 });
    assert.equal(roomOf(await reloaded(bob), name).unread, 1, 'Bob has Alice\'s answer to read');
  });
});
