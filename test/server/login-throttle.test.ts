import * as assert from 'node:assert/strict';
import type { Connection } from '../../client/connection';
import { ParleyError } from '../../protocol';
import { TestServer } from '../helpers/server';
import { connect, register, uniqueUser } from './chat-helpers';

// Every test client comes from loopback; on Linux each of 127.0.0.0/8 is a separate address, so
// binding a client to 127.0.0.2 makes it a different remote address to the server.
const ATTACKER = '127.0.0.2';
const OWNER = '127.0.0.3';

/** One sign-in attempt on its own connection from `from`: 'ok' or the error code. */
async function attempt(server: TestServer, from: string, user: string, password: string): Promise<string> {
  let conn: Connection | undefined;
  try {
    // Sign-ins queue for scrypt; on a small, busy machine twenty of them take a while.
    conn = await connect(server, { localAddress: from, timeoutMs: 50_000 });
    await conn.request({ t: 'login', user, password });
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof ParleyError, String(err));
    return err.code;
  } finally {
    conn?.close();
  }
}

describe('server: sign-in throttling over real TCP', function () {
  this.timeout(60_000);
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

  it("throttles one address's guesses at a user but lets the owner in from another", async () => {
    const server = await start([]);
    const victim = uniqueUser('victim');
    await register(server, victim, 'right-password');
    const guesses = await Promise.all(Array.from({ length: 6 }, (_, i) => attempt(server, ATTACKER, victim, `guess-${i}-wrong`)));
    // All at once, so each is charged on arrival and no refill happens in between.
    guesses.sort();
    assert.deepEqual(guesses, [...Array(5).fill('BAD_CREDENTIALS'), 'RATE_LIMITED']);
    // The owner, from an address with no failures, signs in at once.
    assert.equal(await attempt(server, OWNER, victim, 'right-password'), 'ok');
  });

  it('keeps the guessing address throttled for that user, right password or not', async () => {
    // 0.1 a minute: nothing refills while the test runs, however slow the machine.
    const server = await start(['--login-rate-limit', '0.1']);
    const victim = uniqueUser('victim');
    await register(server, victim, 'right-password');
    await Promise.all(Array.from({ length: 5 }, (_, i) => attempt(server, ATTACKER, victim, `guess-${i}-wrong`)));
    assert.equal(await attempt(server, ATTACKER, victim, 'right-password'), 'RATE_LIMITED');
    assert.equal(await attempt(server, OWNER, victim, 'right-password'), 'ok');
  });

  it('keeps throttling sign-ins with --rate-limit 0, which benchmarks use', async () => {
    const server = await start(['--rate-limit', '0']);
    const user = uniqueUser('bench');
    await register(server, user, 'right-password');
    const guesses = await Promise.all(Array.from({ length: 6 }, (_, i) => attempt(server, ATTACKER, user, `guess-${i}-wrong`)));
    assert.equal(guesses.filter((c) => c === 'RATE_LIMITED').length, 1);
  });

  it('throttles an address that guesses across many user names, and nobody else', async () => {
    const server = await start(['--login-rate-limit', '0.1']);
    const owner = uniqueUser('owner');
    await register(server, owner, 'right-password');
    const codes = await Promise.all(Array.from({ length: 21 }, (_, i) => attempt(server, ATTACKER, `nobody_${i}_here`, 'wrong-password')));
    codes.sort();
    assert.deepEqual(codes, [...Array(20).fill('BAD_CREDENTIALS'), 'RATE_LIMITED']);
    assert.equal(await attempt(server, ATTACKER, owner, 'right-password'), 'RATE_LIMITED');
    assert.equal(await attempt(server, OWNER, owner, 'right-password'), 'ok');
  });

  it('turns sign-in throttling off only with --login-rate-limit 0', async () => {
    const server = await start(['--login-rate-limit', '0']);
    const user = uniqueUser('plain');
    await register(server, user, 'right-password');
    const codes = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt(server, ATTACKER, user, `guess-${i}-wrong`)));
    assert.deepEqual(codes, Array(8).fill('BAD_CREDENTIALS'));
  });
});
