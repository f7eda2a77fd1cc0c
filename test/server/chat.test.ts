import * as assert from 'node:assert/strict';
import { dmRoomId, type HistoryReply, type MsgEvent, type PresenceEvent, type ServerFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, connect, register, rejectsWith, resume, signIn, sleep, uniqueUser } from './chat-helpers';

describe('server: chat over real TCP', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: Client[] = [];
  const track = async (p: Promise<Client>) => {
    const c = await p;
    open.push(c);
    return c;
  };

  before(async () => {
    // Send limits have their own suite below; here they would only slow the bursts down.
    server = await TestServer.start({ args: ['--max-text', '64', '--rate-limit', '0'] });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('delivers general messages to everyone else, with the ack carrying seq and msgId', async () => {
    const [a, b, c] = await Promise.all([track(signIn(server)), track(signIn(server)), track(signIn(server))]);
    assert.ok(a.session.rooms.some((r) => r.id === 'general'));
    const ack = await a.send('general', 'hello everyone');
    assert.equal(ack.t, 'ack');
    assert.equal(ack.room, 'general');
    for (const other of [b, c]) {
      const msg = await other.waitFor<MsgEvent>((f) => f.t === 'msg' && f.msgId === ack.msgId);
      assert.deepEqual(
        { room: msg.room, seq: msg.seq, from: msg.from, text: msg.text },
        { room: 'general', seq: ack.seq, from: a.user, text: 'hello everyone' },
      );
    }
  });

  it('delivers a DM to both members only (and the sender’s other connections)', async () => {
    const [a, b, eve] = await Promise.all([track(signIn(server)), track(signIn(server)), track(signIn(server))]);
    const a2 = await track(resume(server, a));
    const room = dmRoomId(a.user, b.user);
    const ack = await a.send(room, 'psst');
    await b.waitFor((f) => f.t === 'msg' && f.room === room);
    await a2.waitFor((f) => f.t === 'msg' && f.room === room);
    await a.send('general', 'marker');
    await eve.waitFor((f) => f.t === 'msg' && f.room === 'general' && (f as { text?: string }).text === 'marker');
    assert.equal(eve.msgs(room).length, 0, 'a non-member got the DM');
    assert.equal(a.msgs(room).length, 0, 'the sending connection gets the ack, not the msg');
    assert.equal(ack.seq, 1);
  });

  it('keeps group rooms to their members; FORBIDDEN for outsiders, NOT_FOUND for no room', async () => {
    const [a, b, c] = await Promise.all([track(signIn(server)), track(signIn(server)), track(signIn(server))]);
    const name = `team-${Date.now().toString(36)}`;
    const created = await a.conn.request<Extract<ServerFrame, { t: 'room' }>>({ t: 'create', name });
    assert.equal(created.room.id, name);
    await b.conn.request({ t: 'join', room: name });
    await rejectsWith(c.send(name, 'let me in'), 'FORBIDDEN');
    await rejectsWith(c.conn.request({ t: 'history', room: name }), 'FORBIDDEN');
    await rejectsWith(c.send('no-such-room', 'hi'), 'NOT_FOUND');
    await rejectsWith(a.conn.request({ t: 'create', name }), 'INVALID');
    await a.send(name, 'team only');
    await b.waitFor((f) => f.t === 'msg' && f.room === name);
    await b.conn.request({ t: 'leave', room: name });
    await a.send(name, 'after leaving');
    await a.send('general', 'marker2');
    await c.waitFor((f) => f.t === 'msg' && (f as { text?: string }).text === 'marker2');
    await b.waitFor((f) => f.t === 'msg' && (f as { text?: string }).text === 'marker2');
    assert.equal(c.msgs(name).length, 0);
    // Besides the room events of joining (their own), b got the one message sent while a member.
    assert.equal(b.msgs(name).filter((m) => m.event === undefined).length, 1);
    await rejectsWith(a.conn.request({ t: 'leave', room: 'general' }), 'FORBIDDEN');
    const list = await a.conn.request<Extract<ServerFrame, { t: 'rooms' }>>({ t: 'rooms' });
    assert.ok(list.rooms.some((r) => r.id === name));
  });

  it('refuses someone else’s DM with FORBIDDEN and a DM with an unknown user with NOT_FOUND', async () => {
    const [a, b, eve] = await Promise.all([track(signIn(server)), track(signIn(server)), track(signIn(server))]);
    const room = dmRoomId(a.user, b.user);
    await a.send(room, 'secret');
    await rejectsWith(eve.conn.request({ t: 'history', room }), 'FORBIDDEN');
    await rejectsWith(eve.send(room, 'hi'), 'FORBIDDEN');
    await rejectsWith(a.send(dmRoomId(a.user, 'nobody_here_123'), 'hi'), 'NOT_FOUND');
    const page = await b.conn.request<HistoryReply>({ t: 'history', room });
    assert.deepEqual(
      page.messages.map((m) => m.text),
      ['secret'],
    );
  });

  it('treats a resent cid as the same message: same seq and msgId, delivered once', async () => {
    const [a, b] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const room = dmRoomId(a.user, b.user);
    const first = await a.send(room, 'once', 'cid-1');
    const again = await a.send(room, 'once', 'cid-1');
    const a2 = await track(resume(server, a));
    const third = await a2.send(room, 'once', 'cid-1');
    assert.equal(again.seq, first.seq);
    assert.equal(again.msgId, first.msgId);
    assert.equal(third.msgId, first.msgId);
    await a.send(room, 'next', 'cid-2');
    await b.waitFor((f) => f.t === 'msg' && (f as { text?: string }).text === 'next');
    assert.deepEqual(
      b.msgs(room).map((m) => m.seq),
      [1, 2],
    );
  });

  it('refuses text of maxText+1 bytes with TOO_LARGE and takes exactly maxText', async () => {
    const a = await track(signIn(server));
    await rejectsWith(a.send('general', 'x'.repeat(65)), 'TOO_LARGE');
    await rejectsWith(a.send('general', 'é'.repeat(32) + 'x'), 'TOO_LARGE');
    const ok = await a.send('general', 'é'.repeat(32));
    assert.equal(ok.t, 'ack');
    await rejectsWith(a.conn.request({ t: 'send', room: 'general', cid: 'empty' }), 'INVALID');
  });

  it('replays exactly the missed messages in order on resume, then caught_up', async () => {
    const [a, b] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const room = dmRoomId(a.user, b.user);
    await a.send(room, 'm1');
    await b.waitFor((f) => f.t === 'msg' && f.room === room);
    const lastSeen = b.msgs(room).at(-1)?.seq as number;
    b.close();
    const sent = [];
    for (let i = 2; i <= 12; i++) sent.push(await a.send(room, `m${i}`));
    const back = await track(resume(server, b, { [room]: lastSeen }));
    const caught = await back.waitFor((f) => f.t === 'caught_up' && f.room === room);
    assert.equal((caught as { seq: number }).seq, sent.at(-1)?.seq);
    const replayed = back.msgs(room);
    assert.deepEqual(
      replayed.map((m) => m.text),
      sent.map((_, i) => `m${i + 2}`),
    );
    assert.deepEqual(
      replayed.map((m) => m.seq),
      sent.map((s) => s.seq),
    );
    const order = back.frames.map((f) => f.t);
    assert.ok(order.indexOf('caught_up') > order.lastIndexOf('msg'), 'caught_up came before the replay ended');
    // Live messages after the catch-up arrive once.
    await a.send(room, 'live');
    await back.waitFor((f) => f.t === 'msg' && (f as { text?: string }).text === 'live');
    assert.equal(back.msgs(room).filter((m) => m.text === 'live').length, 1);
  });

  it('resume during a burst of live messages: every seq once, in order, no gap', async () => {
    const [a, b] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const room = dmRoomId(a.user, b.user);
    for (let i = 0; i < 20; i++) await a.send(room, `pre${i}`);
    b.close();
    let stop = false;
    let last = 0;
    const burst = (async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        const acks = await Promise.all(Array.from({ length: 10 }, (_, k) => a.send(room, `live${i}-${k}`)));
        last = acks.at(-1)?.seq as number;
      }
    })();
    await sleep(50);
    const back = await track(resume(server, b, { [room]: 10 }));
    await back.waitFor((f) => f.t === 'caught_up' && f.room === room);
    await sleep(100);
    stop = true;
    await burst;
    await back.waitFor((f) => f.t === 'msg' && f.room === room && f.seq === last);
    const seqs = back.msgs(room).map((m) => m.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: last - 10 }, (_, i) => i + 11),
    );
  });

  it('resume with nothing missed reports caught_up at the given seq', async () => {
    const a = await track(signIn(server));
    const back = await track(resume(server, a, { [dmRoomId(a.user, 'zzzzzz_nobody')]: 0 }));
    const caught = await back.waitFor((f) => f.t === 'caught_up');
    assert.equal((caught as { seq: number }).seq, 0);
  });

  it('logout revokes the token and closes the other connections using it', async () => {
    const a = await track(signIn(server));
    const a2 = await track(resume(server, a));
    const closed = new Promise<void>((resolve) => a2.conn.once('close', () => resolve()));
    await a.conn.request({ t: 'logout' });
    await closed;
    await rejectsWith(a.send('general', 'after logout'), 'UNAUTHENTICATED');
    const conn = await connect(server);
    try {
      await rejectsWith(conn.request({ t: 'resume', token: a.token }), 'SESSION_REVOKED');
    } finally {
      conn.close();
    }
  });

  it('sends a presence snapshot after session, then changes as users who share a room come and go', async () => {
    const a = await track(signIn(server));
    const snapshot = await a.waitFor<PresenceEvent>((f) => f.t === 'presence' && f.users !== undefined);
    assert.equal(snapshot.users?.find((u) => u.user === a.user)?.status, 'online');
    const room = `seen-${process.pid}-${Date.now()}`;
    await a.conn.request({ t: 'create', name: room });
    const user = uniqueUser();
    const b = await track(signIn(server, user));
    // Joining a room introduces the two: each learns the other's state.
    await b.conn.request({ t: 'join', room });
    await a.waitFor((f) => f.t === 'presence' && !!f.changes?.some((c) => c.user === user && c.status === 'online'));
    await b.waitFor((f) => f.t === 'presence' && !!f.changes?.some((c) => c.user === a.user && c.status === 'online'));
    const b2 = await track(resume(server, b));
    b.conn.request({ t: 'ping' }).catch(() => {});
    b2.conn.send({ t: 'status', status: 'away', context: 'src/x.ts' });
    await a.waitFor((f) => f.t === 'presence' && !!f.changes?.some((c) => c.user === user && c.status === 'away' && c.context === 'src/x.ts'));
    const mark = a.frames.length;
    const wentOffline = (f: ServerFrame) => a.frames.indexOf(f) >= mark && f.t === 'presence' && !!f.changes?.some((c) => c.user === user && c.status === 'offline');
    b.close();
    await sleep(200);
    assert.ok(!a.frames.some(wentOffline), 'offline while a connection is open');
    b2.close();
    await a.waitFor(wentOffline);
    // A later sign-in's snapshot lists the people it shares a room with.
    const c = await track(resume(server, a));
    const snap = await c.waitFor<PresenceEvent>((f) => f.t === 'presence' && f.users !== undefined);
    assert.equal(snap.users?.find((u) => u.user === user)?.status, 'offline');
  });

  it('tells everyone about a newly registered user', async () => {
    const a = await track(signIn(server));
    const user = uniqueUser();
    await register(server, user);
    await a.waitFor((f) => f.t === 'presence' && !!f.changes?.some((c) => c.user === user && c.status === 'offline'));
  });

  it('keeps read marks within the room’s messages', async () => {
    const [a, b] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const room = dmRoomId(a.user, b.user);
    const ack = await a.send(room, 'one');
    await b.conn.request({ t: 'read', room, seq: 999 });
    const read = await a.waitFor((f) => f.t === 'read' && f.room === room);
    assert.equal((read as { seq: number }).seq, ack.seq);
  });

  it('relays typing to other members and read marks to the DM partner', async () => {
    const [a, b] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const room = dmRoomId(a.user, b.user);
    const ack = await a.send(room, 'read me');
    a.conn.send({ t: 'typing', room });
    await b.waitFor((f) => f.t === 'typing' && f.room === room && f.user === a.user);
    await b.conn.request({ t: 'read', room, seq: ack.seq });
    const read = await a.waitFor((f) => f.t === 'read' && f.room === room);
    assert.equal((read as { seq: number }).seq, ack.seq);
    assert.ok(!a.frames.some((f) => f.t === 'typing'), 'typing echoed to its sender');
  });

  it('pages history newest-first into ascending pages, limit capped at 200', async () => {
    const [a, b] = await Promise.all([track(signIn(server)), track(signIn(server))]);
    const room = dmRoomId(a.user, b.user);
    for (let i = 1; i <= 5; i++) await a.send(room, `h${i}`);
    const page = await b.conn.request<HistoryReply>({ t: 'history', room, limit: 2 });
    assert.deepEqual(
      page.messages.map((m) => m.text),
      ['h4', 'h5'],
    );
    assert.equal(page.more, true);
    const older = await b.conn.request<HistoryReply>({ t: 'history', room, before: 4, limit: 500 });
    assert.deepEqual(
      older.messages.map((m) => m.text),
      ['h1', 'h2', 'h3'],
    );
    assert.equal(older.more, false);
  });

  it('searches only rooms the user belongs to', async () => {
    const [a, b, eve] = await Promise.all([track(signIn(server)), track(signIn(server)), track(signIn(server))]);
    const word = `zebra${Date.now()}`;
    await a.send(dmRoomId(a.user, b.user), `the ${word} is private`);
    const mine = await b.conn.request<Extract<ServerFrame, { t: 'results' }>>({ t: 'search', query: word });
    assert.equal(mine.messages.length, 1);
    const theirs = await eve.conn.request<Extract<ServerFrame, { t: 'results' }>>({ t: 'search', query: word });
    assert.equal(theirs.messages.length, 0);
    await rejectsWith(eve.conn.request({ t: 'search', query: word, room: dmRoomId(a.user, b.user) }), 'FORBIDDEN');
  });
});

describe('server: registration and sign-in rules', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('checks user names and passwords, and refuses a taken name', async () => {
    const conn = await connect(server);
    try {
      await rejectsWith(conn.request({ t: 'register', user: 'short', password: 'secret-pw' }), 'INVALID_USERNAME');
      await rejectsWith(conn.request({ t: 'register', user: 'has space!', password: 'secret-pw' }), 'INVALID_USERNAME');
      await rejectsWith(conn.request({ t: 'register', user: 'x'.repeat(33), password: 'secret-pw' }), 'INVALID_USERNAME');
      const user = uniqueUser();
      await rejectsWith(conn.request({ t: 'register', user, password: '1234567' }), 'WEAK_PASSWORD');
      await conn.request({ t: 'register', user, password: '12345678' });
      await rejectsWith(conn.request({ t: 'register', user, password: '123456789' }), 'USER_EXISTS');
    } finally {
      conn.close();
    }
  });

  it('gives the same BAD_CREDENTIALS for an unknown user and a wrong password', async () => {
    const user = uniqueUser();
    const a = await signIn(server, user);
    a.close();
    const conn = await connect(server);
    try {
      const wrong = await rejectsWith(conn.request({ t: 'login', user, password: 'not-the-password' }), 'BAD_CREDENTIALS');
      const unknown = await rejectsWith(conn.request({ t: 'login', user: uniqueUser(), password: 'not-the-password' }), 'BAD_CREDENTIALS');
      assert.equal(wrong.message, unknown.message);
    } finally {
      conn.close();
    }
  });

  it('throttles failed sign-ins per user with RATE_LIMITED, even for the right password', async () => {
    const user = uniqueUser();
    (await signIn(server, user)).close();
    const conn = await connect(server);
    try {
      // At once over separate connections: each attempt is charged before its scrypt work, so
      // the outcome does not depend on how long the hashing takes.
      const conns = await Promise.all(Array.from({ length: 7 }, () => connect(server)));
      const codes = await Promise.all(
        conns.map((c) => c.request({ t: 'login', user, password: 'wrong-password' }).then(() => 'ok', (e) => e.code as string)),
      );
      for (const c of conns) c.close();
      assert.deepEqual(codes.sort(), [...Array(5).fill('BAD_CREDENTIALS'), 'RATE_LIMITED', 'RATE_LIMITED']);
      await rejectsWith(conn.request({ t: 'login', user, password: 'secret-pw' }), 'RATE_LIMITED');
      // Another user from the same address is not locked out by this one.
      const other = await signIn(server);
      other.close();
    } finally {
      conn.close();
    }
  });
});

describe('server: per-user send rate limit', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    // One token a second: the burst of 20 is answered long before a token comes back, even on a busy machine.
    server = await TestServer.start({ args: ['--rate-limit', '1', '--rate-burst', '10'] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('refuses sends past the burst with RATE_LIMITED, stores none of them, and recovers', async () => {
    const [a, b] = await Promise.all([signIn(server), signIn(server)]);
    const room = dmRoomId(a.user, b.user);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => a.send(room, `r${i}`, `rl-${i}`).then((ack) => ack.seq, (e) => e.code as string)),
    );
    const stored = results.filter((r) => typeof r === 'number');
    assert.equal(stored.length, 10);
    assert.ok(results.slice(10).every((r) => r === 'RATE_LIMITED'));
    const page = await b.conn.request<HistoryReply>({ t: 'history', room });
    assert.equal(page.messages.length, 10);
    // The refused cid may be retried once tokens are back.
    let retry: number | string = 'RATE_LIMITED';
    for (let attempt = 0; attempt < 40 && retry === 'RATE_LIMITED'; attempt++) {
      if (attempt > 0) await sleep(100);
      retry = await a.send(room, 'r10', 'rl-10').then((ack) => ack.seq, (e) => e.code as string);
    }
    assert.equal(retry, 11);
    a.close();
    b.close();
  });
});
