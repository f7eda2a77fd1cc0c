// Rooms people run, on several nodes: a private room's events, a kick and a ban made on one node
// take effect for the member's connections on another, with the same reason; an account deleted
// or disabled on one node ends its sessions (and, deleted, its name) on the other.
import * as assert from 'node:assert/strict';
import type { ServerFrame } from '../../protocol';
import { rejectsWith, uniqueUser, type Client } from '../server/chat-helpers';
import { DELETED_USER, dmRoomId } from '../../protocol';
import { resumeAt, signInAt } from './failover-check';
import { useClusterNodes } from './harness';

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

describe('cluster: moderation across nodes', function () {
  this.timeout(120_000);
  const admin = uniqueUser('sysop');
  const { nodes } = useClusterNodes(['k1', 'k2'], ['--admin', admin]);
  const clients: Client[] = [];
  after(() => {
    for (const c of clients) c.close();
  });

  const on = async (node: number, user = uniqueUser()) => {
    const c = await signInAt(nodes[node], user);
    clients.push(c);
    return c;
  };

  it('a private room on node 1: its events reach a member on node 2, and a kick there stops delivery and access', async () => {
    const owner = await on(0);
    const member = await on(1);
    const room = `p${Date.now().toString(36)}`;
    await owner.conn.request({ t: 'create', name: room, visibility: 'private' });
    await owner.conn.request({ t: 'invite', room, user: member.user });
    await member.waitFor((f) => f.t === 'invited', 20_000, 'the invitation told on the other node');
    await member.conn.request({ t: 'accept', room });
    const hello = await owner.send(room, 'hello from node 1');
    await member.waitFor((f) => f.t === 'msg' && f.room === room && f.seq === hello.seq, 20_000, 'the post on node 2');
    await owner.conn.request({ t: 'room_set', room, topic: 'on call' });
    await member.waitFor((f) => f.t === 'msg' && f.room === room && f.event?.kind === 'topic', 20_000, 'the topic event on node 2');

    await owner.conn.request({ t: 'kick', room, user: member.user });
    const left = await member.waitFor<Frame<'room_left'>>((f) => f.t === 'room_left' && f.room === room, 20_000, 'room_left on node 2');
    assert.equal(left.reason, 'removed', 'the member on the other node is told why, as on the kicking node');
    // The room's post is published before the general marker, so the marker's arrival shows the post would have come.
    const after = await owner.send(room, 'after the kick');
    const marker = await owner.send('general', `marker ${room}`);
    await member.waitFor((f) => f.t === 'msg' && f.room === 'general' && f.seq === marker.seq, 20_000, 'the marker on node 2');
    assert.equal(member.msgs(room).some((m) => m.seq === after.seq), false, 'nothing of the room after the kick');
    await rejectsWith(member.conn.request({ t: 'history', room }), 'NOT_FOUND');
    // Each event once, on either node: none of them came around the room's order as well.
    for (const c of [owner, member]) {
      const seqs = c.msgs(room).map((m) => m.seq);
      assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), `${c.user}: each event of the room once, in order`);
    }
  });

  it('a ban on node 2 keeps the member out when they try again on node 1', async () => {
    const owner = await on(1);
    const troll = await on(0);
    const room = `b${Date.now().toString(36)}`;
    await owner.conn.request({ t: 'create', name: room });
    await troll.conn.request({ t: 'join', room });
    const first = await owner.send(room, 'before the ban');
    await troll.waitFor((f) => f.t === 'msg' && f.room === room && f.seq === first.seq, 20_000, 'the post on node 1');
    await owner.conn.request({ t: 'ban', room, user: troll.user });
    const left = await troll.waitFor<Frame<'room_left'>>((f) => f.t === 'room_left' && f.room === room, 20_000, 'room_left on node 1');
    assert.equal(left.reason, 'banned', 'the banned member on the other node is told why');
    await rejectsWith(troll.conn.request({ t: 'join', room }), 'BANNED');
  });

  it('an account deleted on node 1 ends its session on node 2 at once, and node 2 forgets the name', async () => {
    const leaver = await on(0);
    const friend = await on(1);
    const dm = dmRoomId(leaver.user, friend.user);
    const hello = await leaver.send(dm, 'goodbye from node 1');
    await friend.waitFor((f) => f.t === 'msg' && f.room === dm && f.seq === hello.seq, 20_000, 'the DM on node 2');
    const there = await resumeAt(nodes[1], leaver);
    clients.push(there);
    const closed = new Promise<string>((resolve) => {
      let code = 'none';
      there.conn.on('server-error', (err: { code: string }) => (code = err.code));
      there.conn.once('close', () => resolve(code));
    });
    await leaver.conn.request({ t: 'delete_account', password: 'secret-pw' });
    assert.equal(await closed, 'ACCOUNT_DELETED', 'the connection on the other node closed with the reason');
    const history = (await friend.conn.request<Frame<'history'>>({ t: 'history', room: dm })).messages;
    assert.deepEqual(history.map((m) => [m.from, m.text]), [[DELETED_USER, 'goodbye from node 1']]);
    // The name is gone on node 2 too: a new DM to it finds nobody.
    const stranger = await on(1);
    await rejectsWith(stranger.send(dmRoomId(stranger.user, leaver.user), 'anyone there?'), 'NOT_FOUND');
  });

  it('an account disabled on node 1 has its session on node 2 closed at once', async () => {
    const sysop = await on(0, admin);
    const target = await on(1);
    const closed = new Promise<string>((resolve) => {
      let code = 'none';
      target.conn.on('server-error', (err: { code: string }) => (code = err.code));
      target.conn.once('close', () => resolve(code));
    });
    await sysop.conn.request({ t: 'disable', user: target.user });
    assert.equal(await closed, 'ACCOUNT_DISABLED');
  });
});
