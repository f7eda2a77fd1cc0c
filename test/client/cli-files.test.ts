import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dmRoomId, type AckReply } from '../../protocol';
import { CliUser, finished } from '../helpers/cli';
import { TestServer, tempDir } from '../helpers/server';

const MiB = 1024 * 1024;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const sha256File = (file: string) => sha256(fs.readFileSync(file));

/** Writes `size` random bytes to `file` a MiB at a time; returns their sha256. */
function randomFile(file: string, size: number): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  try {
    for (let done = 0; done < size; ) {
      const block = randomBytes(Math.min(MiB, size - done));
      hash.update(block);
      fs.writeSync(fd, block);
      done += block.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

describe('parley send-file / get against a real server', function () {
  this.timeout(120_000);
  let server: TestServer;
  const current = () => server;
  const alice = new CliUser('alice_files', current);
  const bob = new CliUser('bob_files', current);
  const eve = new CliUser('eve_files', current);
  let work: string;

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0', '--max-upload', '400m'] });
    work = tempDir('parley-cli-files-work-');
    for (const u of [alice, bob, eve]) {
      const reg = await u.run(['register', '--user', u.name, '--password', 'secret-pw']);
      assert.equal(reg.code, 0, reg.stderr);
      const login = await u.run(['login', '--user', u.name, '--password', 'secret-pw']);
      assert.equal(login.code, 0, login.stderr);
    }
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    for (const u of [alice, bob, eve]) u.cleanup();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('sends a file to a user and gets it back byte for byte', async () => {
    const file = path.join(work, 'notes.bin');
    // Random bytes now and then look like an MP3 frame to the type sniffer; a zero
    // prefix keeps the file typeless, as the expected label says.
    const data = Buffer.concat([Buffer.alloc(4096), randomBytes(3 * MiB + 17 - 4096)]);
    fs.writeFileSync(file, data);
    const sent = await alice.run(['send-file', '--to', bob.name, file]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, new RegExp(`^Sent notes\\.bin \\(application/octet-stream, 3\\.0 MiB\\) \\[${dmRoomId(alice.name, bob.name).replace(/[.]/g, '\\.')} #1\\]`));
    const fileId = /parley get (\S+)/.exec(sent.stdout)?.[1];
    assert.ok(fileId, sent.stdout);
    assert.equal(sent.stderr, '', 'no progress output when stderr is not a terminal');

    const out = path.join(work, 'copy.bin');
    const got = await bob.run(['get', fileId, '-o', out]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^Saved .*copy\.bin \(application\/octet-stream, 3\.0 MiB, sha256 [0-9a-f]{12}… checked\)\n$/);
    assert.ok(fs.readFileSync(out).equals(data));
    assert.ok(!fs.existsSync(`${out}.part`));

    // without -o: the sender's file name in the current directory, never over an existing file
    const first = await bob.run(['get', fileId]);
    assert.equal(first.code, 0, first.stderr);
    const second = await bob.run(['get', fileId, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const saved = JSON.parse(second.stdout) as { path: string; sha256: string; name: string };
    assert.equal(saved.path, path.join(bob.cwd, 'notes (1).bin'));
    assert.equal(saved.sha256, sha256(data));
    assert.deepEqual(fs.readdirSync(bob.cwd).sort(), ['notes (1).bin', 'notes.bin']);
    assert.equal(sha256File(path.join(bob.cwd, 'notes.bin')), sha256(data));
  });

  it('prints the ack as JSON with --json, file metadata included', async () => {
    const file = path.join(work, 'pixel.txt');
    // a PNG under a text name: the server says what it really is
    fs.writeFileSync(file, Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55', 'hex'));
    const sent = await alice.run(['send-file', '--json', file]);
    assert.equal(sent.code, 0, sent.stderr);
    const ack = JSON.parse(sent.stdout) as AckReply;
    assert.equal(ack.room, 'general');
    assert.deepEqual({ name: ack.file?.name, mime: ack.file?.mime, kind: ack.file?.kind }, { name: 'pixel.txt', mime: 'image/png', kind: 'image' });
  });

  it('explains refusals: too large, not allowed, no such file or room, unreadable path', async () => {
    const huge = path.join(work, 'huge.iso');
    // sparse: 500 MiB announced without writing them
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 500 * MiB);
    const tooLarge = await alice.run(['send-file', huge]);
    assert.equal(tooLarge.code, 1);
    assert.equal(tooLarge.stderr, 'parley: huge.iso is 500.0 MiB; this server accepts files up to 400.0 MiB (TOO_LARGE)\n');

    const small = path.join(work, 'small.txt');
    fs.writeFileSync(small, 'hello');
    const dm = await eve.run(['send-file', '--room', dmRoomId(alice.name, bob.name), small]);
    assert.equal(dm.code, 1);
    assert.match(dm.stderr, /^parley: not allowed to send files to dm:.*\(FORBIDDEN\)\n$/);
    const noRoom = await eve.run(['send-file', '--room', 'no-such-room', small]);
    assert.equal(noRoom.code, 1);
    assert.match(noRoom.stderr, /^parley: no room no-such-room: .*\(NOT_FOUND\)\n$/);
    const missing = await eve.run(['send-file', path.join(work, 'nope.txt')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^parley: cannot read .*nope\.txt: no such file\n$/);

    const privately = await alice.run(['send-file', '--json', '--to', bob.name, small]);
    const fileId = (JSON.parse(privately.stdout) as AckReply).file?.fileId as string;
    const forbidden = await eve.run(['get', fileId, '-o', path.join(work, 'stolen.txt')]);
    assert.equal(forbidden.code, 1);
    assert.equal(forbidden.stderr, `parley: not allowed to download ${fileId}: it was shared in a room you are not in (FORBIDDEN)\n`);
    assert.ok(!fs.existsSync(path.join(work, 'stolen.txt')));
    const unknown = await eve.run(['get', 'no-such-file']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'parley: no file no-such-file on this server (NOT_FOUND)\n');
    const usage = await eve.run(['get']);
    assert.equal(usage.code, 2);
  });

  it('resumes an interrupted get from its .part file, and starts over when the .part is wrong', async function () {
    this.timeout(300_000);
    const file = path.join(work, 'large.bin');
    const digest = randomFile(file, 300 * MiB);
    const sent = await alice.run(['send-file', '--json', '--to', bob.name, file]);
    assert.equal(sent.code, 0, sent.stderr);
    const fileId = (JSON.parse(sent.stdout) as AckReply).file?.fileId as string;
    const out = path.join(work, 'large-copy.bin');
    const part = `${out}.part`;

    // the server dies mid-download: the client says so and keeps what it has
    const child = bob.spawn(['get', fileId, '-o', out]);
    const result = finished(child);
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(part) && fs.statSync(part).size > MiB)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the download did not start');
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGSTOP');
    await server.kill();
    child.kill('SIGCONT');
    const broken = await result;
    assert.equal(broken.code, 3, broken.stderr);
    assert.match(broken.stderr, /^parley: the download was interrupted after .* of 300\.0 MiB .*; run the same command again to resume\n$/);
    const have = fs.statSync(part).size;
    assert.ok(have > 0 && have < 300 * MiB, `.part holds ${have} bytes`);

    server = await server.restart();
    const resumed = await bob.run(['get', fileId, '-o', out, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const info = JSON.parse(resumed.stdout) as { offset: number; sha256: string };
    assert.equal(info.offset, have, 'the second run went on where the first stopped');
    assert.equal(info.sha256, digest);
    assert.equal(sha256File(out), digest);
    assert.ok(!fs.existsSync(part));

    // a .part that is not a prefix of the file fails the check and is removed; the next run starts over
    fs.writeFileSync(part, randomBytes(MiB));
    fs.rmSync(out);
    const wrong = await bob.run(['get', fileId, '-o', out]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /did not match the file's sha256 and were removed; run the command again/);
    assert.ok(!fs.existsSync(part) && !fs.existsSync(out));
    const again = await bob.run(['get', fileId, '-o', out]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(sha256File(out), digest);
    fs.rmSync(file);
    fs.rmSync(out);
  });

  it('says when the server cannot store files (media store unavailable)', async () => {
    // an FTP media store on a port nobody listens on
    const broken = await TestServer.start({ args: ['--ftp', 'ftp://user:pw@127.0.0.1:1/media'] });
    const carol = new CliUser('carol_files', () => broken);
    try {
      assert.equal((await carol.run(['register', '--user', carol.name, '--password', 'secret-pw'])).code, 0);
      assert.equal((await carol.run(['login', '--user', carol.name, '--password', 'secret-pw'])).code, 0);
      const small = path.join(work, 'small2.txt');
      fs.writeFileSync(small, 'hello');
      const r = await carol.run(['send-file', small]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'parley: the server cannot store files right now (its media store is unavailable); nothing was sent, try again later (MEDIA_UNAVAILABLE)\n');
      const chat = await carol.run(['send', 'chat still works']);
      assert.equal(chat.code, 0, chat.stderr);
    } finally {
      await broken.stop();
      broken.cleanup();
      carol.cleanup();
    }
  });
});
