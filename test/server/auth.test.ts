import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ParleyError } from '../../protocol';
import { Auth } from '../../server/chat/auth';
import { SessionLife } from '../../server/chat/session-life';
import { createLogger } from '../../server/log';
import { hashToken } from '../../server/chat/tokens';
import { openStore, type Store } from '../../server/store';
import { tempDir } from '../helpers/server';
import { legacyHash } from './legacy-hash';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof ParleyError, String(err));
    return err.code;
  }
}

const LIFE = { sessionDays: 30, purgeIntervalMs: 3_600_000 };

describe('auth against the SQLite store', function () {
  this.timeout(60_000);
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = tempDir();
    store = await openStore({ kind: 'sqlite', dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores only a scrypt hash and a token hash', async () => {
    const auth = new Auth(store, { enabled: true, loginPerMinute: 6 }, new SessionLife(store, LIFE, createLogger('silent')));
    await auth.register('alice_1', 'open sesame', '10.0.0.1');
    const record = await store.getUser('alice_1');
    assert.match(record?.passwordHash ?? '', /^scrypt\$/);
    assert.ok(!record?.passwordHash.includes('open sesame'));
    const { token, tokenHash } = await auth.login('alice_1', 'open sesame', { address: '10.0.0.1' });
    assert.equal(tokenHash, hashToken(token));
    assert.equal((await store.getSession(tokenHash))?.user, 'alice_1');
    assert.equal(await store.getSession(token), undefined);
    const resumed = await auth.resume(token);
    assert.equal(resumed.user, 'alice_1');
    assert.equal(resumed.tokenHash, tokenHash);
    assert.ok(!JSON.stringify(await store.userSessions('alice_1')).includes(token), 'no listing holds the token');
    await auth.logout(tokenHash);
    assert.equal(await code(auth.resume(token)), 'SESSION_REVOKED');
    assert.equal(await code(auth.resume('never-issued-token')), 'UNAUTHENTICATED');
  });

  it('replaces an older hash at the next sign-in, and the password still works', async () => {
    const auth = new Auth(store, { enabled: true, loginPerMinute: 6 }, new SessionLife(store, LIFE, createLogger('silent')));
    const old = legacyHash('correct horse');
    await store.createUser({ name: 'dora_123', passwordHash: old, createdAt: 1 });
    assert.equal(await code(auth.login('dora_123', 'wrong horse', { address: '10.0.0.1' })), 'BAD_CREDENTIALS');
    assert.equal((await store.getUser('dora_123'))?.passwordHash, old, 'a failed sign-in changes nothing');
    assert.equal(await code(auth.login('dora_123', 'correct horse', { address: '10.0.0.1' })), 'ok');
    const upgraded = (await store.getUser('dora_123'))?.passwordHash ?? '';
    assert.match(upgraded, /^scrypt\$16384\$8\$5\$/);
    assert.equal(await code(auth.login('dora_123', 'correct horse', { address: '10.0.0.1' })), 'ok');
    assert.equal((await store.getUser('dora_123'))?.passwordHash, upgraded, 'a current hash is kept');
  });

  it('refuses passwords under 8 characters', async () => {
    const auth = new Auth(store, { enabled: true, loginPerMinute: 6 }, new SessionLife(store, LIFE, createLogger('silent')));
    assert.equal(await code(auth.register('eve_1234', '1234567', '10.0.0.1')), 'WEAK_PASSWORD');
    assert.equal(await code(auth.register('eve_1234', '12345678', '10.0.0.1')), 'ok');
  });

  it('limits registrations per address', async () => {
    // Sign-in throttling off: here taken names count against the registration budget only.
    const auth = new Auth(store, { enabled: true, loginPerMinute: 0 }, new SessionLife(store, LIFE, createLogger('silent')));
    const codes = [];
    // Invalid names are refused before they count; taken ones count.
    for (let i = 0; i < 31; i++) codes.push(await code(auth.register('taken_user', 'pw-123456', '10.0.0.2')));
    assert.equal(codes[0], 'ok');
    assert.deepEqual(codes.slice(1, 30), Array(29).fill('USER_EXISTS'));
    assert.equal(codes[30], 'RATE_LIMITED');
    assert.equal(await code(auth.register('other_user', 'pw-123456', '10.0.0.3')), 'ok');
  });

  it('charges a taken name to the address like a failed sign-in', async () => {
    const auth = new Auth(store, { enabled: false, loginPerMinute: 6 }, new SessionLife(store, LIFE, createLogger('silent')));
    assert.equal(await code(auth.register('probed_1', 'pw-123456', '10.0.0.8')), 'ok');
    const codes = [];
    for (let i = 0; i < 21; i++) codes.push(await code(auth.register('probed_1', 'pw-123456', '10.0.0.9')));
    assert.deepEqual(codes, [...Array(20).fill('USER_EXISTS'), 'RATE_LIMITED']);
    assert.equal(await code(auth.login('probed_1', 'wrong-pw', { address: '10.0.0.9' })), 'RATE_LIMITED');
    assert.equal(await code(auth.register('probed_1', 'pw-123456', '10.0.0.10')), 'USER_EXISTS');
  });

  it('throttles failed sign-ins per address across user names, and never successful ones', async () => {
    const auth = new Auth(store, { enabled: true, loginPerMinute: 6 }, new SessionLife(store, LIFE, createLogger('silent')));
    await auth.register('bob_1234', 'pw-123456', '10.0.0.4');
    for (let i = 0; i < 10; i++) assert.equal(await code(auth.login('bob_1234', 'pw-123456', { address: '10.0.0.5' })), 'ok');
    // All at once: the throttle charges each attempt before the scrypt work, so timing does not matter.
    const codes = await Promise.all(Array.from({ length: 21 }, (_, i) => code(auth.login(`nobody_${i}_x`, 'wrong-pw', { address: '10.0.0.5' }))));
    codes.sort();
    assert.deepEqual(codes, [...Array(20).fill('BAD_CREDENTIALS'), 'RATE_LIMITED']);
    // The same user from elsewhere is fine: its own budget was never touched.
    assert.equal(await code(auth.login('bob_1234', 'pw-123456', { address: '10.0.0.6' })), 'ok');
  });

  it('spends the same scrypt work on unknown users as on wrong passwords', async () => {
    const auth = new Auth(store, { enabled: false, loginPerMinute: 0 }, new SessionLife(store, LIFE, createLogger('silent')));
    await auth.register('carol_12', 'pw-123456', '10.0.0.7');
    const time = async (user: string) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) assert.equal(await code(auth.login(user, 'wrong-pw', { address: '10.0.0.8' })), 'BAD_CREDENTIALS');
      return Number(process.hrtime.bigint() - started) / 3e6;
    };
    await time('nobody_at_all');
    const known = await time('carol_12');
    const unknown = await time('nobody_at_all');
    assert.ok(unknown > known * 0.25 && unknown < known * 4, `unknown ${unknown.toFixed(1)} ms vs known ${known.toFixed(1)} ms`);
  });

  it('turns every throttle off when limits are disabled', async () => {
    const auth = new Auth(store, { enabled: false, loginPerMinute: 0 }, new SessionLife(store, LIFE, createLogger('silent')));
    for (let i = 0; i < 25; i++) assert.equal(await code(auth.login('nobody_here', 'wrong-pw', { address: '10.0.0.9' })), 'BAD_CREDENTIALS');
  });
});
