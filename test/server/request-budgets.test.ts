import * as assert from 'node:assert/strict';
import type { ServerFrame, SessionReply } from '../../protocol';
import { ParleyError } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, connect, uniqueUser } from './chat-helpers';

const FLOODER = '127.0.0.2';
const OTHER = '127.0.0.3';
const BURST = 3;

// Every kind gets BURST at once and next to no refill, so the test never races a refill.
const KINDS = ['create', 'join', 'leave', 'rooms', 'search', 'history', 'read', 'thread', 'threads', 'pins', 'revisions', 'events', 'sessions', 'revoke', 'password', 'status'];
const LIMITS = KINDS.map((k) => `${k}=0.001/${BURST}`).join(',');

async function signInFrom(server: TestServer, from: string, user = uniqueUser('budget')): Promise<Client> {
  const conn = await connect(server, { localAddress: from });
  await conn.request({ t: 'register', user, password: 'secret-pw' });
  const client = new Client(conn, user);
  client.session = await conn.request<SessionReply>({ t: 'login', user, password: 'secret-pw' });
  return client;
}

/** 'ok' or the error code, and the error's message. */
async function outcome(client: Client, frame: Record<string, unknown>): Promise<{ code: string; message?: string }> {
  try {
    await client.conn.request(frame as { t: string });
    return { code: 'ok' };
  } catch (err) {
    assert.ok(err instanceof ParleyError, String(err));
    return { code: err.code, message: err.message };
  }
}

/** One request of each kind, each costing one token (pages of at most one token's size); its own answer (ok, NOT_FOUND, …) does not matter, only whether it was let through. */
function requestOf(kind: string, n: number): Record<string, unknown> {
  switch (kind) {
    case 'create':
      return { t: 'create', name: `budget-${process.pid}-${n}-${Math.random().toString(36).slice(2, 6)}` };
    case 'join':
    case 'leave':
      return { t: kind, room: 'no-such-room' };
    case 'rooms':
      return { t: 'rooms' };
    case 'search':
      return { t: 'search', query: 'hello' };
    case 'history':
      return { t: 'history', room: 'general' };
    case 'read':
      return { t: 'read', room: 'general', seq: 0 };
    case 'thread':
      return { t: 'thread', room: 'general', root: 1, limit: 50 };
    case 'threads':
      return { t: 'threads', room: 'general' };
    case 'pins':
      return { t: 'pins', room: 'general' };
    case 'revisions':
      return { t: 'revisions', room: 'general', seq: 1 };
    case 'events':
      return { t: 'events', room: 'general', after: 0, limit: 100 };
    case 'sessions':
      return { t: 'sessions' };
    case 'revoke':
      return { t: 'revoke', session: 'no-such-session' };
    case 'password':
      return { t: 'password', old: 'not-the-password', new: 'another-password' };
    default:
      throw new Error(kind);
  }
}

describe('server: a budget for every request kind, over real TCP', function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ args: ['--request-limits', LIMITS] });
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  for (const kind of KINDS.filter((k) => k !== 'status')) {
    it(`answers RATE_LIMITED naming "${kind}" past its budget, and serves every other kind`, async () => {
      const client = await signInFrom(server, FLOODER);
      try {
        const seen: string[] = [];
        for (let i = 0; i < BURST; i++) seen.push((await outcome(client, requestOf(kind, i))).code);
        assert.ok(!seen.includes('RATE_LIMITED'), `within the budget: ${seen.join(', ')}`);
        const over = await outcome(client, requestOf(kind, BURST));
        assert.equal(over.code, 'RATE_LIMITED');
        assert.match(over.message ?? '', new RegExp(`"${kind}"`));
        // The flood's kind is spent; the connection and the other kinds are not.
        await client.conn.request({ t: 'ping' });
        const other = kind === 'history' ? 'events' : 'history';
        assert.notEqual((await outcome(client, requestOf(other, 0))).code, 'RATE_LIMITED');
      } finally {
        client.close();
      }
    });
  }

  it('does nothing for a refused request: a create over budget makes no room', async () => {
    const client = await signInFrom(server, FLOODER);
    try {
      for (let i = 0; i < BURST; i++) await outcome(client, requestOf('create', i));
      const name = `refused-${process.pid}-${Date.now()}`;
      assert.equal((await outcome(client, { t: 'create', name })).code, 'RATE_LIMITED');
      const rooms = await client.conn.request<Extract<ServerFrame, { t: 'rooms' }>>({ t: 'rooms' });
      assert.ok(!rooms.rooms.some((r) => r.id === name));
    } finally {
      client.close();
    }
  });

  it('ignores status changes past the budget', async () => {
    const flipper = await signInFrom(server, FLOODER);
    const watcherUser = uniqueUser('watch');
    const watcher = await signInFrom(server, OTHER, watcherUser);
    try {
      // Presence goes to people who share a room.
      const room = `flip-${process.pid}-${Date.now()}`;
      await flipper.conn.request({ t: 'create', name: room });
      await watcher.conn.request({ t: 'join', room });
      for (let i = 1; i <= BURST + 2; i++) flipper.conn.send({ t: 'status', status: 'away', context: `c${i}` });
      // The statuses were handled before this answer; a new session's snapshot shows where they stopped.
      await flipper.conn.request({ t: 'ping' });
      const again = new Client(await connect(server, { localAddress: OTHER }), watcherUser);
      again.session = await again.conn.request<SessionReply>({ t: 'login', user: watcherUser, password: 'secret-pw' });
      const snap = await again.waitFor<Extract<ServerFrame, { t: 'presence' }>>((f) => f.t === 'presence' && f.users !== undefined);
      again.close();
      assert.deepEqual(
        snap.users?.find((u) => u.user === flipper.user),
        { user: flipper.user, status: 'away', context: `c${BURST}` },
      );
    } finally {
      flipper.close();
      watcher.close();
    }
  });

  it('reads a connection that keeps being refused more slowly, and answers every request', async () => {
    const client = await signInFrom(server, OTHER);
    try {
      for (let i = 0; i < BURST; i++) await outcome(client, requestOf('pins', i));
      const started = Date.now();
      const codes = await Promise.all(Array.from({ length: 60 }, (_, i) => outcome(client, requestOf('pins', i))));
      const elapsed = Date.now() - started;
      assert.ok(codes.every((c) => c.code === 'RATE_LIMITED'));
      // After 16 refusals in a row each further one waits 10 ms: the flood costs the server little.
      assert.ok(elapsed >= 40 * 10, `60 refusals answered in ${elapsed} ms`);
      // And a request of another kind after them is served.
      assert.notEqual((await outcome(client, requestOf('history', 0))).code, 'RATE_LIMITED');
    } finally {
      client.close();
    }
  });

  it('charges a page by its size: a history page of 200 costs what four of 50 do', async () => {
    const client = await signInFrom(server, OTHER);
    try {
      // BURST is 3 tokens: one page of 200 (4 tokens, more than the bucket holds) takes them all.
      assert.notEqual((await outcome(client, { t: 'history', room: 'general', limit: 200 })).code, 'RATE_LIMITED');
      assert.equal((await outcome(client, { t: 'history', room: 'general', limit: 50 })).code, 'RATE_LIMITED');
    } finally {
      client.close();
    }
  });

  it("charges an address for all its users, and leaves other addresses' budgets alone", async () => {
    // address=1: the address's budget is one user's worth.
    const own = await TestServer.start({ args: ['--request-limits', `threads=0.001/${BURST},address=1`] });
    const server = own;
    const a = await signInFrom(server, FLOODER);
    const b = await signInFrom(server, FLOODER);
    const c = await signInFrom(server, OTHER);
    try {
      for (let i = 0; i < BURST; i++) assert.notEqual((await outcome(a, requestOf('threads', i))).code, 'RATE_LIMITED');
      assert.equal((await outcome(b, requestOf('threads', 0))).code, 'RATE_LIMITED');
      assert.notEqual((await outcome(c, requestOf('threads', 0))).code, 'RATE_LIMITED');
    } finally {
      a.close();
      b.close();
      c.close();
      await own.stop();
      own.cleanup();
    }
  });
});
