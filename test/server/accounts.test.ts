import * as assert from 'node:assert/strict';
import type { Connection } from '../../client/connection';
import { DELETED_USER, dmRoomId, type ParleyError, type ServerFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, connect, rejectsWith, resume, signIn, uniqueUser } from './chat-helpers';

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

let n = 0;
const roomName = (prefix: string) => `${prefix}-${++n}-${Date.now().toString(36)}`;

/** The code of the error the server closed the connection with. */
function closedWith(conn: Connection, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let code = 'none';
    conn.on('server-error', (err: ParleyError) => (code = err.code));
    const timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
    conn.once('close', () => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('server: deleted accounts, DMs that start with a message, runtime administrators — over real TCP', function () {
  this.timeout(60_000);
  let server: TestServer;
  const sysop = uniqueUser('sysop');
  const open: { close(): void }[] = [];
  const track = async (p: Promise<Client>) => {
    const c = await p;
    open.push(c);
    return c;
  };
  const user = (name = uniqueUser()) => track(signIn(server, name));
  let sysopRegistered = false;
  const asSysop = async () => {
    const c = await track(signIn(server, sysop, { register: !sysopRegistered }));
    sysopRegistered = true;
    return c;
  };
  const history = async (c: Client, room: string) => (await c.conn.request<Frame<'history'>>({ t: 'history', room, limit: 200 })).messages;
  const roomIds = async (c: Client) => (await c.conn.request<Frame<'rooms'>>({ t: 'rooms' })).rooms.map((r) => r.id);

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0', '--admin', sysop] });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  describe('delete_account', () => {
    it('deletes one\'s own account with the password: messages stay as the deleted user\'s, sessions end, the name stays taken', async () => {
      const alice = await user();
      const bob = await user();
      const bobElsewhere = await track(resume(server, bob));
      const room = roomName('team');
      await bob.conn.request({ t: 'create', name: room });
      await alice.conn.request({ t: 'join', room });
      await bob.send(room, 'bob was here');
      const dm = dmRoomId(alice.user, bob.user);
      await bob.send(dm, 'a private word');

      await rejectsWith(bob.conn.request({ t: 'delete_account' }), 'INVALID');
      await rejectsWith(bob.conn.request({ t: 'delete_account', password: 'not-the-password' }), 'BAD_CREDENTIALS');
      const elsewhereClosed = closedWith(bobElsewhere.conn);
      await bob.conn.request({ t: 'delete_account', password: 'secret-pw' });
      assert.equal(await elsewhereClosed, 'ACCOUNT_DELETED', 'the account\'s other connections end at once');
      await rejectsWith(bob.conn.request({ t: 'rooms' }), 'UNAUTHENTICATED');
      await rejectsWith(resume(server, bob), 'UNAUTHENTICATED');

      // The room keeps an owner, the messages stay, and nothing shows the name.
      const owned = (await alice.conn.request<Frame<'members'>>({ t: 'members', room })).members;
      assert.deepEqual(owned, [{ user: alice.user, role: 'owner' }], 'the only other member became owner');
      const said = (await history(alice, room)).filter((m) => m.text === 'bob was here');
      assert.deepEqual(said.map((m) => m.from), [DELETED_USER]);
      assert.deepEqual((await history(alice, dm)).map((m) => [m.from, m.text]), [[DELETED_USER, 'a private word']], 'the DM stays the other member\'s');
      assert.ok((await roomIds(alice)).includes(dm));

      // Nobody signs in as them, registers the name (in any case), or reaches them.
      const login = await connect(server);
      try {
        await rejectsWith(login.request({ t: 'login', user: bob.user, password: 'secret-pw' }), 'BAD_CREDENTIALS');
        await rejectsWith(login.request({ t: 'register', user: bob.user.toUpperCase(), password: 'secret-pw' }), 'USER_EXISTS');
      } finally {
        login.close();
      }
      await rejectsWith(alice.conn.request({ t: 'invite', room, user: bob.user }), 'NOT_FOUND');
      const other = await user();
      await rejectsWith(other.send(dmRoomId(other.user, bob.user), 'hello?'), 'NOT_FOUND');
    });

    it('lets a server administrator delete another account, but nobody else, and not a configured administrator', async () => {
      const admin = await asSysop();
      const victim = await user();
      const bystander = await user();
      await rejectsWith(bystander.conn.request({ t: 'delete_account', user: victim.user }), 'NOT_SERVER_ADMIN');
      await rejectsWith(admin.conn.request({ t: 'delete_account', user: 'nobody_at_all' }), 'NOT_FOUND');
      const closed = closedWith(victim.conn);
      await admin.conn.request({ t: 'delete_account', user: victim.user });
      assert.equal(await closed, 'ACCOUNT_DELETED');
      const log = (await admin.conn.request<Frame<'audit'>>({ t: 'audit', limit: 5 })).entries;
      assert.ok(log.some((e) => e.action === 'delete_account' && e.target === victim.user && e.actor === sysop), 'audited');
      await rejectsWith(admin.conn.request({ t: 'delete_account', user: victim.user }), 'NOT_FOUND');

      const promoted = await user();
      await admin.conn.request({ t: 'admin', user: promoted.user, admin: true });
      await rejectsWith(promoted.conn.request({ t: 'delete_account', user: sysop }), 'FIXED_ADMIN');
    });
  });

  describe('a DM room comes into being with its first message', () => {
    it('answers reads of an unwritten DM as an empty room and lists it for nobody until a message is sent', async () => {
      const alice = await user();
      const bob = await user();
      const dm = dmRoomId(alice.user, bob.user);
      assert.deepEqual(await history(alice, dm), []);
      await alice.conn.request({ t: 'read', room: dm, seq: 0 });
      alice.conn.send({ t: 'typing', room: dm });
      assert.deepEqual((await alice.conn.request<Frame<'threads'>>({ t: 'threads', room: dm })).messages, []);
      assert.deepEqual((await alice.conn.request<Frame<'pins'>>({ t: 'pins', room: dm })).messages, []);
      assert.deepEqual((await alice.conn.request<Frame<'events'>>({ t: 'events', room: dm, after: 0 })).events, []);
      await rejectsWith(alice.conn.request({ t: 'thread', room: dm, root: 1 }), 'NOT_FOUND');
      await rejectsWith(alice.conn.request({ t: 'change', room: dm, cid: 'c-none', kind: 'react', target: 1, emoji: '👍' }), 'NOT_FOUND');
      const resumed = await track(resume(server, alice, { [dm]: 0 }));
      await resumed.waitFor((f) => f.t === 'caught_up' && f.room === dm, 5000, 'caught_up for the unwritten DM');
      assert.equal((await roomIds(alice)).includes(dm), false, 'not listed for the one who looked');
      assert.equal((await roomIds(bob)).includes(dm), false, 'nor for the other');
      assert.equal(bob.frames.some((f) => 'room' in f && f.room === dm), false, 'the other heard nothing of it, typing included');

      const first = await alice.send(dm, 'hi bob');
      await bob.waitFor((f) => f.t === 'msg' && f.room === dm && f.seq === first.seq, 5000, 'the first message');
      assert.ok((await roomIds(alice)).includes(dm));
      assert.ok((await roomIds(bob)).includes(dm));
      assert.deepEqual((await history(bob, dm)).map((m) => m.text), ['hi bob']);
    });

    it('keeps a blocked sender from opening the DM', async () => {
      const alice = await user();
      const bob = await user();
      const dm = dmRoomId(alice.user, bob.user);
      await bob.conn.request({ t: 'block', user: alice.user });
      assert.deepEqual(await history(alice, dm), [], 'reading is still an empty room');
      await rejectsWith(alice.send(dm, 'let me in'), 'BLOCKED');
      assert.equal((await roomIds(bob)).includes(dm), false, 'nothing was created');
    });
  });

  describe('runtime server administrators', () => {
    it('promotes and demotes at runtime, audited, kept across a restart, and never demotes a configured one', async () => {
      const admin = await asSysop();
      const helper = await user();
      const plain = await user();
      await rejectsWith(plain.conn.request({ t: 'admin', user: helper.user, admin: true }), 'NOT_SERVER_ADMIN');
      await rejectsWith(plain.conn.request({ t: 'admins' }), 'NOT_SERVER_ADMIN');
      await rejectsWith(helper.conn.request({ t: 'audit' }), 'NOT_SERVER_ADMIN');
      await admin.conn.request({ t: 'admin', user: helper.user, admin: true });
      await helper.conn.request({ t: 'audit' });
      const listed = await helper.conn.request<Frame<'admins'>>({ t: 'admins' });
      assert.ok(listed.users.includes(helper.user) && listed.users.includes(sysop));
      assert.deepEqual(listed.fixed, [sysop]);
      await rejectsWith(helper.conn.request({ t: 'admin', user: sysop, admin: false }), 'FIXED_ADMIN');
      await rejectsWith(admin.conn.request({ t: 'admin', user: 'nobody_at_all', admin: true }), 'NOT_FOUND');
      const log = (await admin.conn.request<Frame<'audit'>>({ t: 'audit', limit: 10 })).entries;
      assert.ok(log.some((e) => e.action === 'admin_add' && e.target === helper.user && e.actor === sysop));

      for (const c of open.splice(0)) c.close();
      await server.stop();
      server = await server.restart();
      const again = await track(signIn(server, helper.user, { register: false }));
      await again.conn.request({ t: 'audit' });
      const later = await asSysop();
      await later.conn.request({ t: 'admin', user: helper.user, admin: false });
      await rejectsWith(again.conn.request({ t: 'audit' }), 'NOT_SERVER_ADMIN');
      const removed = (await later.conn.request<Frame<'audit'>>({ t: 'audit', limit: 10 })).entries;
      assert.ok(removed.some((e) => e.action === 'admin_remove' && e.target === helper.user));
    });
  });
});
