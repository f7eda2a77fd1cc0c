// Rooms people run, on several nodes: a private room's events, a kick and a ban made on one node
// take effect for the member's connections on another.
import * as assert from 'node:assert/strict';
import type { ServerFrame } from '../../protocol';
import { rejectsWith, uniqueUser, type Client } from '../server/chat-helpers';
import { signInAt } from './failover-check';
import { useClusterNodes } from './harness';

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

describe('cluster: moderation across nodes', function () {
  this.timeout(120_000);
  const { nodes } = useClusterNodes(['k1', 'k2']);
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
});
