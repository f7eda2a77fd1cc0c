import * as assert from 'node:assert/strict';
import type { SessionListing } from '../../protocol';
import { spawn } from 'node:child_process';
import { CLI, CliUser } from '../helpers/cli';
import { TestServer } from '../helpers/server';

const sessionsOf = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as SessionListing);

describe('parley sessions and parley password against a real server', function () {
  this.timeout(90_000);
  let server: TestServer;
  const current = (): TestServer => server;
  const name = `Sess_${process.pid % 1000}_${Math.random().toString(36).slice(2, 6)}`;
  // One user on two machines: each its own config dir, so each its own session.
  const laptop = new CliUser(name, current);
  const desktop = new CliUser(name, current);

  before(async () => {
    server = await TestServer.start({ args: ['--login-rate-limit', '0'] });
    await laptop.ok(['register', '--user', name, '--password', 'first-password']);
    await laptop.ok(['login', '--user', name, '--password', 'first-password']);
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    for (const u of [laptop, desktop]) u.cleanup();
  });

  it('signs in with the name typed in another case, as the name is spelled', async () => {
    const out = await desktop.ok(['login', '--user', name.toUpperCase(), '--password', 'first-password']);
    assert.match(out, new RegExp(`^Logged in as ${name} on `));
  });

  it('lists the sessions with --json and as lines, this one marked', async () => {
    const listed = sessionsOf(await laptop.ok(['sessions', '--json']));
    assert.equal(listed.length, 2);
    assert.equal(listed.filter((s) => s.current === true).length, 1);
    for (const s of listed) assert.match(s.client ?? '', /^parley-cli\//);
    const text = await laptop.ok(['sessions']);
    const mine = listed.find((s) => s.current === true) as SessionListing;
    assert.match(text, new RegExp(`^${mine.id}  parley-cli/\\S+  from 127\\.0\\.0\\.1  last seen .* UTC  expires .* UTC  \\(this one\\)$`, 'm'));
  });

  it('ends another session by its id: that machine is told and asked to sign in again', async () => {
    const desktopId = sessionsOf(await desktop.ok(['sessions', '--json'])).find((s) => s.current === true)?.id as string;
    const tail = desktop.tail();
    await tail.waitFor(() => tail.stderr.includes('tailing'), 'tail to start');
    assert.equal((await laptop.ok(['sessions', 'revoke', desktopId])).trim(), `Ended session ${desktopId}.`);
    // The live tail is closed at once and not allowed back in: it exits by itself.
    const exited = await new Promise<number | null>((resolve) => {
      if (tail.proc.exitCode !== null) resolve(tail.proc.exitCode);
      else tail.proc.once('exit', (code) => resolve(code));
    });
    assert.equal(exited, 1, tail.stderr);
    assert.match(tail.stderr, /SESSION_REVOKED/);
    const after = await desktop.run(['history']);
    assert.equal(after.code, 1);
    assert.match(after.stderr, /not logged in|was ended/);
    assert.deepEqual(sessionsOf(await laptop.ok(['sessions', '--json'])).map((s) => s.current), [true]);
  });

  it('ends all other sessions with --all, and refuses bad forms', async () => {
    await desktop.ok(['login', '--user', name, '--password', 'first-password']);
    assert.equal((await laptop.ok(['sessions', 'revoke', '--all'])).trim(), 'Ended 1 other session.');
    const after = await desktop.run(['history']);
    assert.equal(after.code, 1);
    assert.match(after.stderr, /saved session for .* was ended .*SESSION_REVOKED/);
    for (const bad of [['sessions', 'revoke'], ['sessions', 'revoke', 'x', '--all'], ['sessions', 'delete', 'x'], ['sessions', '--all']]) {
      assert.equal((await laptop.run(bad)).code, 2, bad.join(' '));
    }
    const unknown = await laptop.run(['sessions', 'revoke', 'no-such-session']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /NOT_FOUND/);
  });

  it('changes the password from stdin, ending every other session', async () => {
    await desktop.ok(['login', '--user', name, '--password', 'first-password']);
    const wrong = await laptop.run(['password'], 'not-the-password\nsecond-password\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /BAD_CREDENTIALS/);
    const weak = await laptop.run(['password'], 'first-password\nshort\n');
    assert.equal(weak.code, 2);
    const done = await laptop.run(['passwd'], 'first-password\nsecond-password\n');
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /ended 1 other session/);
    assert.equal((await desktop.run(['history'])).code, 1, 'the other machine is signed out');
    assert.equal((await desktop.run(['login', '--user', name, '--password', 'first-password'])).code, 1);
    await desktop.ok(['login', '--user', name, '--password', 'second-password']);
    await laptop.ok(['history']);
  });

  it('prompts for the passwords on a terminal without echoing them', async () => {
    // script(1) gives the command a real terminal; what it shows is what the user would see.
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} password`, '/dev/null'], {
      env: laptop.env(),
      cwd: laptop.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (c: Buffer) => (screen += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const answer = async (prompt: string, text: string) => {
      const deadline = Date.now() + 15_000;
      while (!screen.includes(prompt)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${prompt}" prompt; the screen shows: ${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.stdin.write(`${text}\r`);
    };
    await answer('Current password: ', 'second-password');
    await answer('New password: ', 'third-password');
    await answer('New password again: ', 'third-password');
    assert.equal(await exited, 0, screen);
    assert.match(screen, /Changed the password of/);
    for (const secret of ['second-password', 'third-password']) assert.ok(!screen.includes(secret), `"${secret}" was echoed: ${screen}`);
    await desktop.ok(['login', '--user', name, '--password', 'third-password']);
  });

  it('ends its own session by id like a logout', async () => {
    const mine = sessionsOf(await laptop.ok(['sessions', '--json'])).find((s) => s.current === true)?.id as string;
    assert.match(await laptop.ok(['sessions', 'revoke', mine]), /this one/);
    const after = await laptop.run(['history']);
    assert.equal(after.code, 1);
    assert.match(after.stderr, /not logged in/);
  });

  it('deletes one\'s own account with the password from stdin: signed out, the name taken for good', async () => {
    const leaver = new CliUser(`Gone_${process.pid % 1000}_${Math.random().toString(36).slice(2, 6)}`, current);
    const witness = new CliUser(`Saw_${process.pid % 1000}_${Math.random().toString(36).slice(2, 6)}`, current);
    try {
      await witness.ok(['register', '--user', witness.name, '--password', 'witness-password']);
      await witness.ok(['login', '--user', witness.name, '--password', 'witness-password']);
      await leaver.ok(['register', '--user', leaver.name, '--password', 'leaving-password']);
      await leaver.ok(['login', '--user', leaver.name, '--password', 'leaving-password']);
      await leaver.ok(['send', 'so long']);
      const wrong = await leaver.run(['delete-account'], 'not-my-password\n');
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /not your password/);
      const done = await leaver.run(['delete-account'], 'leaving-password\n');
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, new RegExp(`^Deleted the account of ${leaver.name}; you are signed out`));
      assert.equal((await leaver.run(['history'])).code, 1, 'no saved session any more');
      const again = await leaver.run(['register', '--user', leaver.name, '--password', 'leaving-password']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /taken/);
      assert.match(await witness.ok(['history']), /deleted user.*so long/);
    } finally {
      leaver.cleanup();
      witness.cleanup();
    }
  });
});

describe('parley with a session that expired', function () {
  this.timeout(60_000);
  let server: TestServer;
  const user = new CliUser(`expiring_${process.pid % 1000}`, () => server);
  before(async () => {
    // 0.00002 days = 1.7 s.
    server = await TestServer.start({ args: ['--session-days', '0.00002'] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    user.cleanup();
  });

  it('says the saved session expired and how to sign in again', async () => {
    await user.ok(['register', '--user', user.name, '--password', 'a-password']);
    await user.ok(['login', '--user', user.name, '--password', 'a-password']);
    const [listed] = sessionsOf(await user.ok(['sessions', '--json']));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, listed.expiresAt - Date.now()) + 100));
    const r = await user.run(['history']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`saved session for ${user.name} has expired .*parley login --user ${user.name}.*SESSION_EXPIRED`));
  });

});
