import * as assert from 'node:assert/strict';
import { MAX_LISTED_ROOMS, type RoomsReply } from '../../protocol';
import { TestServer } from '../helpers/server';
import { signIn } from './chat-helpers';

describe('server: listings are bounded, over real TCP', function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    // Budgets off: the test makes more rooms than a user may make at once.
    server = await TestServer.start({ args: ['--rate-limit', '0'] });
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it(`lists the user's rooms and at most ${MAX_LISTED_ROOMS} rooms to join, with more`, async () => {
    const maker = await signIn(server);
    const reader = await signIn(server);
    try {
      const prefix = `many-${process.pid}-`;
      const ids = Array.from({ length: MAX_LISTED_ROOMS + 2 }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
      await Promise.all(ids.map((name) => maker.conn.request({ t: 'create', name })));
      await reader.conn.request({ t: 'join', room: ids[ids.length - 1] });
      const reply = await reader.conn.request<RoomsReply>({ t: 'rooms' });
      const joinable = reply.rooms.filter((r) => r.id.startsWith(prefix) && !r.members?.includes(reader.user));
      assert.equal(joinable.length, MAX_LISTED_ROOMS);
      assert.equal(reply.more, true);
      // Its own rooms are all there, general first.
      assert.equal(reply.rooms[0].id, 'general');
      assert.ok(reply.rooms.some((r) => r.id === ids[ids.length - 1]));
      const few = await maker.conn.request<RoomsReply>({ t: 'rooms' });
      assert.equal(few.more, undefined);
    } finally {
      maker.close();
      reader.close();
    }
  });
});
