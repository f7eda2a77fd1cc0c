import * as assert from 'node:assert/strict';
import type { Connection } from '../../client/connection';
import { ParleyError } from '../../protocol';
import { TestServer } from '../helpers/server';
import { connect, register, uniqueUser } from './chat-helpers';

const PROBER = '127.0.0.2';
const OWNER = '127.0.0.3';

/** One request on its own connection from `from`: 'ok' or the error code, and how long it took. */
async function attempt(server: TestServer, from: string, frame: { t: string; user: string; password: string }): Promise<{ code: string; ms: number }> {
  let conn: Connection | undefined;
  try {
    conn = await connect(server, { localAddress: from, timeoutMs: 30_000 });
    const t0 = process.hrtime.bigint();
    try {
      await conn.request(frame, undefined, { timeoutMs: 30_000 });
      return { code: 'ok', ms: Number(process.hrtime.bigint() - t0) / 1e6 };
    } catch (err) {
      assert.ok(err instanceof ParleyError, String(err));
      return { code: err.code, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
    }
  } finally {
    conn?.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('server: nothing before sign-in tells whether a user exists, over real TCP', function () {
  this.timeout(120_000);
  const servers: TestServer[] = [];
  const start = async (args: string[]) => {
    const server = await TestServer.start({ args });
    servers.push(server);
    return server;
  };
  after(async () => {
    for (const s of servers) {
      await s.stop();
      s.cleanup();
    }
  });

  it('takes as long for an unknown user as for a wrong password, the very first time too', async () => {
    // Noise on a shared machine only ever adds time, so each figure is the least of a few tries:
    // a second hash would show in every one of them.
    const firsts: number[] = [];
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const server = await start(['--login-rate-limit', '0']);
      const known = uniqueUser('known');
      await register(server, known, 'right-password');
      // The first unknown user of a fresh server: a lazily made dummy hash would double its cost.
      const first = await attempt(server, PROBER, { t: 'login', user: uniqueUser('nobody'), password: 'wrong-password' });
      assert.equal(first.code, 'BAD_CREDENTIALS');
      firsts.push(first.ms);
      for (let i = 0; i < 3; i++) {
        const u = await attempt(server, PROBER, { t: 'login', user: uniqueUser('nobody'), password: 'wrong-password' });
        const w = await attempt(server, PROBER, { t: 'login', user: known, password: 'wrong-password' });
        assert.equal(u.code, 'BAD_CREDENTIALS');
        assert.equal(w.code, 'BAD_CREDENTIALS');
        unknown.push(u.ms);
        wrong.push(w.ms);
      }
    }
    const base = median(wrong);
    // One hash each; a second hash would make it about twice as long.
    assert.ok(Math.min(...firsts) < base * 1.5, `first unknown user ${firsts.map((ms) => ms.toFixed(0)).join('/')} ms, wrong password ${base.toFixed(0)} ms`);
    assert.ok(median(unknown) < base * 1.3 && median(unknown) > base / 1.3, `unknown ${median(unknown).toFixed(0)} ms, wrong ${base.toFixed(0)} ms`);
  });

  it('throttles registering taken names per address like failed sign-ins, with --rate-limit 0 too', async () => {
    // 0.1 failures a minute: nothing refills while the test runs.
    const server = await start(['--login-rate-limit', '0.1', '--rate-limit', '0']);
    const taken = uniqueUser('taken');
    await register(server, taken, 'right-password');
    const codes: string[] = [];
    for (let i = 0; i < 21; i++) codes.push((await attempt(server, PROBER, { t: 'register', user: taken, password: 'some-password' })).code);
    assert.deepEqual(codes, [...Array(20).fill('USER_EXISTS'), 'RATE_LIMITED']);
    // Another address is not charged for the prober's probes.
    assert.equal((await attempt(server, OWNER, { t: 'register', user: taken, password: 'some-password' })).code, 'USER_EXISTS');
    // A free name from the prober's address is still refused: its budget is spent whatever the name.
    assert.equal((await attempt(server, PROBER, { t: 'register', user: uniqueUser('fresh'), password: 'some-password' })).code, 'RATE_LIMITED');
    // A registration that succeeds costs nothing: the owner's address registers on.
    assert.equal((await attempt(server, OWNER, { t: 'register', user: uniqueUser('fresh'), password: 'some-password' })).code, 'ok');
  });
});
