import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { dmRoomId, encodeFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, RawSocket, signIn, sleep } from './chat-helpers';

// Generous: the point is that the healthy pair keeps chatting, on a machine that may be busy.
const ROUND_TRIP_BOUND_MS = 10_000;

/** Two users exchanging DMs; returns the slowest round trip in ms. Throws if any exchange fails. */
async function pingPong(a: Client, b: Client, rounds: number, tag: string): Promise<number> {
  const room = dmRoomId(a.user, b.user);
  let worst = 0;
  for (let i = 0; i < rounds; i++) {
    const started = Date.now();
    const text = `${tag}-${i}`;
    await a.send(room, text);
    await b.waitFor((f) => f.t === 'msg' && f.room === room && (f as { text?: string }).text === text, ROUND_TRIP_BOUND_MS, text);
    worst = Math.max(worst, Date.now() - started);
  }
  return worst;
}

describe('server: one bad connection never hurts the others', function () {
  this.timeout(60_000);
  let server: TestServer;
  let a: Client;
  let b: Client;

  before(async () => {
    server = await TestServer.start({ args: ['--outbound-buffer', '256k', '--max-frame', '65536'] });
    [a, b] = await Promise.all([signIn(server), signIn(server)]);
  });
  after(async () => {
    a?.close();
    b?.close();
    await server?.stop();
    server?.cleanup();
  });

  it('keeps a healthy pair chatting while others send garbage', async () => {
    let stop = false;
    const garbage = (async () => {
      let n = 0;
      while (!stop) {
        const raw = await RawSocket.open(server);
        const junk = Buffer.alloc(64 + (n++ % 512));
        for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + n * 17) & 0xff;
        raw.write(n % 3 === 0 ? Buffer.concat([encodeFrame({ t: 'ping' }), junk]) : junk);
        await raw.waitClosed(200);
        raw.destroy();
      }
    })();
    try {
      const worst = await pingPong(a, b, 30, 'garbage');
      assert.ok(worst < ROUND_TRIP_BOUND_MS, `a round trip took ${worst} ms`);
    } finally {
      stop = true;
      await garbage;
    }
  });

  it('keeps a healthy pair chatting while another user floods requests and messages', async () => {
    const flooder = await signIn(server);
    let stop = false;
    let refused = 0;
    const flood = (async () => {
      let i = 0;
      while (!stop && !flooder.conn.closed) {
        const batch = [];
        for (let k = 0; k < 50; k++) batch.push(flooder.send('general', `flood ${i++}`).catch(() => refused++));
        // Pages have a budget of their own: refusals of either kind show the flood was limited.
        for (let k = 0; k < 50; k++) batch.push(flooder.conn.request({ t: 'history', room: 'general', limit: 200 }).catch(() => refused++));
        await Promise.all(batch);
        await sleep(1);
      }
    })();
    try {
      const worst = await pingPong(a, b, 30, 'flood');
      assert.ok(worst < ROUND_TRIP_BOUND_MS, `a round trip took ${worst} ms`);
    } finally {
      stop = true;
      await flood;
    }
    assert.ok(refused > 0, 'the flood was never rate limited');
    assert.equal(flooder.conn.closed, false, 'a flooder that reads its replies is slowed down, not dropped');
    flooder.close();
  });

  it('drops a client that stops reading with SLOW_CONSUMER, and the others carry on', async () => {
    const slow = await signIn(server);
    // Presence goes to people who share a room.
    const room = `slow-${process.pid}-${Date.now()}`;
    await slow.conn.request({ t: 'create', name: room });
    await a.conn.request({ t: 'join', room });
    const token = slow.token;
    slow.close();
    await a.waitFor((f) => f.t === 'presence' && !!f.changes?.some((c) => c.user === slow.user && c.status === 'offline'));
    const before = a.frames.length;
    // A socket that resumes the session and then never reads again.
    const socket = net.connect({ host: server.host, port: server.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => {});
    socket.write(encodeFrame({ t: 'hello', id: 1, v: 1 }));
    socket.write(encodeFrame({ t: 'resume', id: 2, token }));
    await a.waitFor((f) => a.frames.indexOf(f) >= before && f.t === 'presence' && !!f.changes?.some((c) => c.user === slow.user && c.status === 'online'));
    socket.pause();
    const mark = a.frames.length;
    const offline = a.waitFor(
      (f) => a.frames.indexOf(f) >= mark && f.t === 'presence' && !!f.changes?.some((c) => c.user === slow.user && c.status === 'offline'),
      30_000,
      'slow consumer offline',
    );
    // The flood has done its job once the slow socket is dropped; more would only load the machine.
    let done = false;
    void offline.then(() => (done = true), () => undefined);
    // Several senders, so the per-user rate limit does not slow the fill-up.
    const senders = await Promise.all(Array.from({ length: 4 }, () => signIn(server)));
    const big = 'x'.repeat(16_000);
    const pump = Promise.all(
      senders.map(async (sender) => {
        let sent = 0;
        while (!done && sent < 1000 && !sender.conn.closed) {
          await Promise.all(Array.from({ length: 20 }, () => sender.send('general', big).then(() => sent++, () => undefined)));
          await sleep(1);
        }
      }),
    );
    try {
      const worst = await pingPong(a, b, 20, 'slow');
      await offline;
      assert.ok(worst < ROUND_TRIP_BOUND_MS, `a round trip took ${worst} ms`);
      assert.ok(
        server.logs.some((l) => l.code === 'SLOW_CONSUMER'),
        'the server did not report dropping a slow consumer',
      );
    } finally {
      done = true;
      await pump;
      for (const sender of senders) sender.close();
      socket.destroy();
    }
  });

  it('still serves a fresh client after all that', async () => {
    const c = await signIn(server);
    await c.conn.ping();
    await c.send('general', 'all good');
    c.close();
  });
});
