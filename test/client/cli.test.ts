import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { dmRoomId } from '../../protocol';
import { CliUser, type Tail } from '../helpers/cli';
import { TestServer } from '../helpers/server';
import { selfSignedCert, type SelfSignedCert } from '../helpers/tls';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('parley CLI against a real server', function () {
  this.timeout(60_000);
  let server: TestServer;
  const current = (): TestServer => server;
  const alice = new CliUser('alice_1', current);
  const bob = new CliUser('bob_222', current);
  const tails: Tail[] = [];

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0'] });
  });

  afterEach(async () => {
    for (const t of tails.splice(0)) await t.stop();
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
    for (const u of [alice, bob]) fs.rmSync(u.configDir, { recursive: true, force: true });
  });

  it('registers users, and refuses a taken name with exit 1', async () => {
    for (const u of [alice, bob]) {
      const r = await u.run(['register', '--user', u.name, '--password', `${u.name}-pw`]);
      assert.equal(r.code, 0, r.stderr);
    }
    const again = await alice.run(['register', '--user', alice.name, '--password', 'whatever1']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^parley: .*USER_EXISTS.*\n$/);
  });

  it('logs in and keeps the token in a 0600 file in a 0700 dir', async () => {
    for (const u of [alice, bob]) {
      const r = await u.run(['login', '--user', u.name, '--password', `${u.name}-pw`]);
      assert.equal(r.code, 0, r.stderr);
      const file = path.join(u.configDir, 'sessions.json');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(fs.statSync(u.configDir).mode & 0o777, 0o700);
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { user: string; token: string }>;
      assert.equal(saved[`${server.host}:${server.port}`].user, u.name);
    }
  });

  it('reads the password from piped stdin when --password is omitted', async () => {
    const r = await alice.run(['login', '--user', alice.name], `${alice.name}-pw\n`);
    assert.equal(r.code, 0, r.stderr);
  });

  it('rejects a wrong password with exit 1 and the BAD_CREDENTIALS message', async () => {
    const r = await alice.run(['login', '--user', alice.name, '--password', 'not-the-password']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^parley: .*BAD_CREDENTIALS.*\n$/);
    // The saved session of the earlier login is untouched.
    assert.equal((await alice.run(['rooms'])).code, 0);
  });

  it('sends a message that history shows to another user', async () => {
    const sent = await alice.run(['send', 'hello', 'everyone']);
    assert.equal(sent.code, 0, sent.stderr);
    const h = await bob.run(['history', '--room', 'general']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^\[general #\d+\] alice_1: hello everyone$/m);
    const js = await bob.run(['history', '--room', 'general', '--json', '--limit', '1']);
    const last = JSON.parse(js.stdout.trim()) as { text: string; from: string };
    assert.deepEqual([last.from, last.text], ['alice_1', 'hello everyone']);
  });

  it('sends "text ~user" privately to that user', async () => {
    const sent = await alice.run(['send', 'psst, just for you ~bob_222']);
    assert.equal(sent.code, 0, sent.stderr);
    const room = dmRoomId('alice_1', 'bob_222');
    const h = await bob.run(['history', '--room', room]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, new RegExp(`^\\[${room} #1\\] alice_1: psst, just for you$`, 'm'));
    const general = await bob.run(['history', '--room', 'general']);
    assert.doesNotMatch(general.stdout, /psst/);
  });

  it('tail prints a message sent by another CLI process', async () => {
    const tail = bob.tail();
    tails.push(tail);
    await tail.waitFor(() => tail.stderr.includes('tailing'), 'start');
    const sent = await alice.run(['send', '--room', 'general', 'live one']);
    assert.equal(sent.code, 0, sent.stderr);
    await tail.waitFor(() => tail.stdout.includes('live one'), 'message');
    assert.match(tail.stdout, /^\[general #\d+\] alice_1: live one$/m);
    assert.equal(await tail.stop(), 0);
  });

  it('tail resumes after the server is killed and restarted, without duplicates', async () => {
    const tail = bob.tail(['--json', '--room', 'general']);
    tails.push(tail);
    await tail.waitFor(() => tail.stderr.includes('tailing'), 'start');
    assert.equal((await alice.run(['send', 'before the crash'])).code, 0);
    await tail.waitFor(() => tail.stdout.includes('before the crash'), 'first message');

    await server.kill();
    await tail.waitFor(() => /Reconnecting/.test(tail.stderr), 'reconnecting notice');
    server = await server.restart();
    // Sent while the tail is still away: must come through the resume replay.
    assert.equal((await alice.run(['send', 'while you were away'])).code, 0);
    await tail.waitFor(() => tail.stderr.includes('reconnected'), 'reconnect', 40_000);
    assert.equal((await alice.run(['send', 'after the restart'])).code, 0);
    await tail.waitFor(() => tail.stdout.includes('after the restart'), 'last message');
    await new Promise((r) => setTimeout(r, 200));

    const got = tail.lines().map((l) => JSON.parse(l) as { seq: number; text: string });
    const seqs = got.map((m) => m.seq);
    assert.deepEqual(
      got.map((m) => m.text),
      ['before the crash', 'while you were away', 'after the restart'],
    );
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(new Set(seqs).size, seqs.length);
  });

  it('lists who is there, rooms, and creates and joins rooms', async () => {
    const who = await alice.run(['who']);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /^alice_1\tonline$/m);
    assert.match(who.stdout, /^bob_222\t(offline|online|away)$/m);

    const created = await alice.run(['create', 'design']);
    assert.equal(created.code, 0, created.stderr);
    const joined = await bob.run(['join', 'design']);
    assert.equal(joined.code, 0, joined.stderr);
    const rooms = await bob.run(['rooms', '--json']);
    const ids = rooms.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    assert.ok(ids.includes('general') && ids.includes('design'), rooms.stdout);
  });

  it('searches messages', async () => {
    const r = await bob.run(['search', 'everyone']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /alice_1: hello everyone/);
  });

  it('exits 2 on usage errors, 3 when it cannot connect, 1 when not logged in', async () => {
    const usage = await alice.run(['send', '--nope', 'x']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^parley: /);
    assert.equal((await alice.run(['frobnicate'])).code, 2);
    assert.equal((await alice.run(['history', '--limit', 'many'])).code, 2);
    const help = await alice.run(['tail', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: parley tail/);

    const port = await freePort();
    const down = await alice.run(['--port', String(port), 'login', '--user', 'alice_1', '--password', 'x']);
    assert.equal(down.code, 3);
    assert.match(down.stderr, /^parley: Cannot connect/);

    const stranger = new CliUser('nobody', current);
    const r = await stranger.run(['rooms']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not logged in/);
    fs.rmSync(stranger.configDir, { recursive: true, force: true });
  });

  it('logout revokes the token on the server', async () => {
    const file = path.join(alice.configDir, 'sessions.json');
    const before = fs.readFileSync(file, 'utf8');
    const r = await alice.run(['logout']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await alice.run(['rooms'])).code, 1);
    // Put the old token back: the server must refuse it now.
    fs.writeFileSync(file, before, { mode: 0o600 });
    const stale = await alice.run(['rooms']);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /saved session for alice_1 was ended .*SESSION_REVOKED/);
  });
});

describe('parley CLI over TLS', function () {
  this.timeout(60_000);
  let server: TestServer;
  let cert: SelfSignedCert;
  const user = new CliUser('tls_user', () => server);

  before(async () => {
    cert = selfSignedCert();
    server = await TestServer.start({ args: ['--rate-limit', '0', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile] });
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
    cert?.cleanup();
    fs.rmSync(user.configDir, { recursive: true, force: true });
  });

  it('works with --ca, refuses an unknown certificate (exit 3), and accepts it with --insecure', async () => {
    const reg = await user.run(['--ca', cert.certFile, 'register', '--user', user.name, '--password', 'tls-secret']);
    assert.equal(reg.code, 0, reg.stderr);
    const login = await user.run(['--ca', cert.certFile, 'login', '--user', user.name, '--password', 'tls-secret']);
    assert.equal(login.code, 0, login.stderr);
    const sent = await user.run(['send', '--ca', cert.certFile, 'over tls']);
    assert.equal(sent.code, 0, sent.stderr);

    const untrusted = await user.run(['--tls', 'history']);
    assert.equal(untrusted.code, 3);
    assert.match(untrusted.stderr, /^parley: Cannot connect/);
    const plain = await user.run(['history']);
    assert.equal(plain.code, 3);
    assert.match(plain.stderr, /add --tls/);

    const insecure = await user.run(['--insecure', 'history']);
    assert.equal(insecure.code, 0, insecure.stderr);
    assert.match(insecure.stdout, /tls_user: over tls/);
  });
});
