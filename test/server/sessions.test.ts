import * as assert from 'node:assert/strict';
import type { Connection } from '../../client/connection';
import type { ParleyError, RevokedReply, SessionReply, SessionsReply } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, connect, rejectsWith, uniqueUser } from './chat-helpers';

const DAY_MS = 24 * 3_600_000;

async function login(server: TestServer, user: string, password = 'secret-pw', clientName = 'server-tests'): Promise<Client> {
  const conn = await connect(server, { clientName });
  const client = new Client(conn, user);
  client.session = await conn.request<SessionReply>({ t: 'login', user, password });
  return client;
}

async function registered(server: TestServer, prefix: string, password = 'secret-pw'): Promise<string> {
  const user = uniqueUser(prefix);
  const conn = await connect(server);
  await conn.request({ t: 'register', user, password });
  conn.close();
  return user;
}

async function resumeOn(server: TestServer, token: string): Promise<Client> {
  const conn = await connect(server);
  const client = new Client(conn, '');
  client.session = await conn.request<SessionReply>({ t: 'resume', token });
  return client;
}

async function tryResume(server: TestServer, token: string): Promise<void> {
  const conn = await connect(server);
  try {
    await conn.request({ t: 'resume', token });
  } finally {
    conn.close();
  }
}

/** Resolves with the code of the error the server closed the connection with. */
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

const listSessions = async (c: Client) => (await c.conn.request<SessionsReply>({ t: 'sessions' })).sessions;

describe('server: sessions that can be listed and ended, over real TCP', function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ args: ['--login-rate-limit', '0'] });
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it('lists every live session with its client, address and times, by an id that is not the token', async () => {
    const user = await registered(server, 'list');
    const first = await login(server, user, 'secret-pw', 'parley-cli/9.9');
    const second = await login(server, user, 'secret-pw', 'parley-vscode/1.0 (VS Code 1.100)');
    try {
      const listed = await listSessions(second);
      assert.equal(listed.length, 2);
      assert.deepEqual(listed.map((s) => s.client).sort(), ['parley-cli/9.9', 'parley-vscode/1.0 (VS Code 1.100)']);
      assert.deepEqual(listed.filter((s) => s.current === true).map((s) => s.client), ['parley-vscode/1.0 (VS Code 1.100)']);
      for (const s of listed) {
        assert.equal(s.address, '127.0.0.1');
        assert.equal(s.expiresAt - s.lastSeen, 30 * DAY_MS, 'the default lifetime is 30 days');
        assert.ok(s.lastSeen >= s.createdAt);
        for (const token of [first.token, second.token]) assert.ok(!JSON.stringify(s).includes(token) && !token.includes(s.id));
      }
      // Another user sees only their own.
      const other = await login(server, await registered(server, 'other'));
      assert.equal((await listSessions(other)).length, 1);
      other.close();
    } finally {
      first.close();
      second.close();
    }
  });

  it('revoking a session closes its connections at once with SESSION_REVOKED, and it cannot resume', async () => {
    const user = await registered(server, 'revoke');
    const victim = await login(server, user);
    const victimTransfer = await connect(server);
    await victimTransfer.request({ t: 'resume', token: victim.token, transfer: true });
    const victimAgain = await resumeOn(server, victim.token);
    const keeper = await login(server, user);
    try {
      const id = (await listSessions(keeper)).find((s) => s.current !== true)?.id as string;
      const closes = [closedWith(victim.conn), closedWith(victimAgain.conn), closedWith(victimTransfer)];
      const reply = await keeper.conn.request<RevokedReply>({ t: 'revoke', session: id });
      assert.equal(reply.count, 1);
      assert.deepEqual(await Promise.all(closes), ['SESSION_REVOKED', 'SESSION_REVOKED', 'SESSION_REVOKED']);
      await rejectsWith(tryResume(server, victim.token), 'SESSION_REVOKED');
      // The other session carries on.
      await keeper.send('general', 'still here');
      assert.deepEqual((await listSessions(keeper)).map((s) => s.current), [true]);
      await rejectsWith(keeper.conn.request({ t: 'revoke', session: id }), 'NOT_FOUND');
      await rejectsWith(keeper.conn.request({ t: 'revoke' }), 'INVALID');
      await rejectsWith(keeper.conn.request({ t: 'revoke', session: id, all: true }), 'INVALID');
    } finally {
      keeper.close();
    }
  });

  it("cannot end another user's session", async () => {
    const alice = await login(server, await registered(server, 'alice'));
    const mallory = await login(server, await registered(server, 'mallory'));
    try {
      const id = (await listSessions(alice))[0].id;
      await rejectsWith(mallory.conn.request({ t: 'revoke', session: id }), 'NOT_FOUND');
      await alice.send('general', 'unharmed');
    } finally {
      alice.close();
      mallory.close();
    }
  });

  it('revoking all others ends every other session and keeps this one', async () => {
    const user = await registered(server, 'all');
    const a = await login(server, user);
    const b = await login(server, user);
    const me = await login(server, user);
    try {
      const closes = [closedWith(a.conn), closedWith(b.conn)];
      assert.equal((await me.conn.request<RevokedReply>({ t: 'revoke', all: true })).count, 2);
      assert.deepEqual(await Promise.all(closes), ['SESSION_REVOKED', 'SESSION_REVOKED']);
      for (const token of [a.token, b.token]) await rejectsWith(tryResume(server, token), 'SESSION_REVOKED');
      assert.deepEqual((await listSessions(me)).map((s) => s.current), [true]);
      (await resumeOn(server, me.token)).close();
    } finally {
      me.close();
    }
  });

  it('a password change needs the current password, a strong new one, and ends every other session', async () => {
    const user = await registered(server, 'passwd', 'old-password');
    const other = await login(server, user, 'old-password');
    const me = await login(server, user, 'old-password');
    try {
      await rejectsWith(me.conn.request({ t: 'password', old: 'wrong-password', new: 'new-password' }), 'BAD_CREDENTIALS');
      await rejectsWith(me.conn.request({ t: 'password', old: 'old-password', new: 'short' }), 'WEAK_PASSWORD');
      await other.send('general', 'not ended by refused changes');
      const closed = closedWith(other.conn);
      assert.equal((await me.conn.request<RevokedReply>({ t: 'password', old: 'old-password', new: 'new-password' })).count, 1);
      assert.equal(await closed, 'SESSION_REVOKED');
      await rejectsWith(tryResume(server, other.token), 'SESSION_REVOKED');
      await me.send('general', 'this session stays');
      await rejectsWith(login(server, user, 'old-password'), 'BAD_CREDENTIALS');
      (await login(server, user, 'new-password')).close();
      // The new hash is a full scrypt hash, like registration's.
      assert.ok(!server.logs.some((l) => JSON.stringify(l).includes('new-password')));
    } finally {
      me.close();
    }
  });

  it('sends the connections of a logged-out session away with UNAUTHENTICATED; its token then resumes as SESSION_REVOKED', async () => {
    const user = await registered(server, 'logout');
    const me = await login(server, user);
    const twin = await resumeOn(server, me.token);
    const closed = closedWith(twin.conn);
    await me.conn.request({ t: 'logout' });
    assert.equal(await closed, 'UNAUTHENTICATED');
    await rejectsWith(tryResume(server, me.token), 'SESSION_REVOKED');
    await rejectsWith(tryResume(server, 'a-token-never-issued'), 'UNAUTHENTICATED');
    me.close();
  });
});

describe('server: sessions expire and slide, over real TCP', function () {
  this.timeout(60_000);
  // 0.00004 days = 3.456 s; the expiry slides with use, written at most every 10th of that.
  const LIFETIME_MS = Math.round(0.00004 * DAY_MS);
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ args: ['--login-rate-limit', '0', '--session-days', '0.00004'] });
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it('ends a session unused for longer than --session-days with SESSION_EXPIRED, and keeps one in use alive', async () => {
    const user = await registered(server, 'expire');
    const idle = await login(server, user);
    const busy = await login(server, user);
    const [listed] = (await listSessions(idle)).filter((s) => s.current === true);
    assert.equal(listed.expiresAt - listed.lastSeen, LIFETIME_MS);
    idle.close();
    // The busy connection pings until well past the idle session's expiry.
    const until = listed.expiresAt + LIFETIME_MS / 2;
    while (Date.now() < until) {
      await busy.conn.request({ t: 'ping' });
      await new Promise((resolve) => setTimeout(resolve, LIFETIME_MS / 20));
    }
    await rejectsWith(tryResume(server, idle.token), 'SESSION_EXPIRED');
    const again = await resumeOn(server, busy.token);
    assert.equal(again.session.user, user);
    // Not listed once expired.
    assert.deepEqual((await listSessions(again)).map((s) => s.current), [true]);
    again.close();
    busy.close();
  });
});

describe('server: expired and revoked sessions are purged, over real TCP', function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ args: ['--login-rate-limit', '0', '--session-days', '0.00002', '--session-purge-interval', '0.5'] });
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it('deletes them from the store on a timer: their tokens are then unknown', async () => {
    const user = await registered(server, 'purge');
    const expiring = await login(server, user);
    const [listed] = (await listSessions(expiring)).filter((s) => s.current === true);
    const revoked = await login(server, user);
    await revoked.conn.request({ t: 'logout' });
    expiring.close();
    revoked.close();
    // Past its expiry (a resume of an expired or revoked token does not slide it), then until the
    // timer has deleted both: SESSION_EXPIRED / SESSION_REVOKED turn into UNAUTHENTICATED.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, listed.expiresAt - Date.now()) + 50));
    const codeOf = (token: string) => tryResume(server, token).then(() => 'ok', (err: ParleyError) => err.code);
    const seen = new Set<string>();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const codes = [await codeOf(expiring.token), await codeOf(revoked.token)];
      for (const c of codes) seen.add(c);
      if (codes.every((c) => c === 'UNAUTHENTICATED') || Date.now() > deadline) {
        assert.deepEqual(codes, ['UNAUTHENTICATED', 'UNAUTHENTICATED'], `still there after 20 s (seen ${[...seen].join(', ')})`);
        break;
      }
      assert.ok(codes.every((c) => c !== 'ok'), 'an expired or revoked token never resumes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(server.logs.some((l) => l.msg === 'purged expired and revoked sessions'));
  });
});
