import * as assert from 'node:assert/strict';
import { dmRoomId, type ResultsReply, type RoomsReply, type SessionReply } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, connect, rejectsWith, signIn, uniqueUser } from './chat-helpers';

/** A name with upper-case letters, unique per run. */
function mixedCase(prefix: string): string {
  const name = uniqueUser(prefix);
  return name[0].toUpperCase() + name.slice(1, 4) + name.slice(4).toLowerCase();
}

describe('server: names that differ only in case are one name, over real TCP', function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ args: ['--login-rate-limit', '0'] });
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it('refuses to register Alice01 when alice01 exists, in any mix of case', async () => {
    const alice = uniqueUser('alice').toLowerCase();
    const conn = await connect(server);
    try {
      await conn.request({ t: 'register', user: alice, password: 'secret-pw' });
      for (const clash of [alice[0].toUpperCase() + alice.slice(1), alice.toUpperCase()]) {
        await rejectsWith(conn.request({ t: 'register', user: clash, password: 'other-password' }), 'USER_EXISTS');
      }
    } finally {
      conn.close();
    }
  });

  it('signs ALICE01 in as alice01, spelled as registered, with alice01’s password only', async () => {
    const alice = mixedCase('alice');
    const conn = await connect(server);
    try {
      await conn.request({ t: 'register', user: alice, password: 'secret-pw' });
      for (const typed of [alice.toUpperCase(), alice.toLowerCase()]) {
        const session = await conn.request<SessionReply>({ t: 'login', user: typed, password: 'secret-pw' });
        assert.equal(session.user, alice, typed);
      }
      await rejectsWith(conn.request({ t: 'login', user: alice.toUpperCase(), password: 'wrong-password' }), 'BAD_CREDENTIALS');
    } finally {
      conn.close();
    }
  });

  it('reaches the user from ~ALICE01, @ALICE01 and from:@ALICE01 typed in any case', async () => {
    const alice = mixedCase('alice');
    const aliceClient = await signIn(server, alice);
    const bob = await signIn(server, uniqueUser('bob'));
    try {
      // A DM addressed with another spelling lands in the one DM room of the two.
      const dm = dmRoomId(alice, bob.user);
      const ack = await bob.send(dmRoomId(alice.toUpperCase(), bob.user), 'psst, wrong case');
      assert.equal(ack.room, dm);
      const got = await aliceClient.waitFor((f) => f.t === 'msg' && f.room === dm, 5000, 'the DM');
      assert.equal(got.t === 'msg' && got.text, 'psst, wrong case');
      await bob.send(dmRoomId(alice.toLowerCase(), bob.user), 'and again');
      const rooms = (await aliceClient.conn.request<RoomsReply>({ t: 'rooms' })).rooms.filter((r) => r.kind === 'dm');
      assert.deepEqual(rooms.map((r) => [r.id, r.lastSeq]), [[dm, 2]]);

      // A mention in another case counts as a mention of alice.
      await bob.send('general', `look here @${alice.toLowerCase()}`);
      const general = (await aliceClient.conn.request<RoomsReply>({ t: 'rooms' })).rooms.find((r) => r.id === 'general');
      assert.equal(general?.mentions, 1);

      await aliceClient.send('general', 'casefolded search target');
      const found = await bob.conn.request<ResultsReply>({ t: 'search', query: `from:@${alice.toUpperCase()} casefolded` });
      assert.deepEqual(found.messages.map((m) => m.from), [alice]);
    } finally {
      aliceClient.close();
      bob.close();
    }
  });

  it('keeps each name’s spelling in what others see', async () => {
    const carol = mixedCase('carol');
    const client: Client = await signIn(server, carol);
    try {
      const ack = await client.send('general', 'spelled my way');
      const other = await signIn(server, uniqueUser('reader'));
      const history = await other.conn.request<{ messages: { seq: number; from: string }[] }>({ t: 'history', room: 'general', limit: 200 });
      assert.equal(history.messages.find((m) => m.seq === ack.seq)?.from, carol);
      other.close();
    } finally {
      client.close();
    }
  });
});
