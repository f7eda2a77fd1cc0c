// A member joins a room on one node while connected to another node that has never loaded the
// room: posts published while that node is still reading the room from the store reach the
// member's connection there once each, in seq order, after its `room` frame.
import * as assert from 'node:assert/strict';
import type { ServerFrame } from '../../protocol';
import { uniqueUser, type Client } from '../server/chat-helpers';
import { assertOrderedOnce, resumeAt, signInAt } from './failover-check';
import { until, useClusterNodes } from './harness';

const ROUNDS = 6;
const BURST = 12;

describe('cluster: events for a room still loading after a join on another node', function () {
  this.timeout(180_000);
  const { nodes } = useClusterNodes(['l1', 'l2']);
  const clients: Client[] = [];
  after(() => {
    for (const c of clients) c.close();
  });

  it(`delivers a burst posted right after the join, the last post too, once and in order (${ROUNDS} rooms)`, async () => {
    const owner = await signInAt(nodes[0], uniqueUser('own'));
    const member = await signInAt(nodes[0], uniqueUser('mem'));
    const elsewhere = await resumeAt(nodes[1], { user: member.user, token: member.session.token });
    clients.push(owner, member, elsewhere);
    for (let round = 0; round < ROUNDS; round++) {
      const room = `l${round}${Date.now().toString(36)}`;
      await owner.conn.request({ t: 'create', name: room });
      await member.conn.request({ t: 'join', room });
      // Posted at once, while node 2 reads the room for the join it was told of: nothing posted
      // after the burst would reveal a lost tail.
      const acks = await Promise.all(Array.from({ length: BURST }, (_, i) => owner.send(room, `burst ${round}.${i}`)));
      const want = acks.map((a) => a.seq).sort((a, b) => a - b);
      const got = () => elsewhere.msgs(room).filter((m) => m.event === undefined).map((m) => m.seq);
      await until(() => want.every((s) => got().includes(s)), 20_000, `round ${round}: every post of the burst on node 2 (had ${got().join(',')} of ${want.join(',')})`);
      assertOrderedOnce(elsewhere.msgs(room).map((m) => m.seq), `round ${round}, node 2`);
      const frameAt = elsewhere.frames.findIndex((f: ServerFrame) => f.t === 'room' && f.room.id === room);
      const firstMsgAt = elsewhere.frames.findIndex((f: ServerFrame) => f.t === 'msg' && f.room === room);
      assert.ok(frameAt !== -1 && frameAt < firstMsgAt, `round ${round}: the room frame before the room's events on node 2`);
    }
  });
});
