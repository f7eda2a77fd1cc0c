import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Connection, ConnectionError } from '../../client/connection';
import { downloadFile, uploadFile } from '../../client/transfers';
import { ParleyError, dmRoomId, type MsgEvent } from '../../protocol';
import { TestServer } from '../helpers/server';
import { startVsftpdForSuite, type Vsftpd } from '../media/vsftpd';
import { Client, rejectsWith, signIn, sleep } from './chat-helpers';
import { HashSink, MiB, generated, rssOf, sha256, transferConnection, until } from './transfer-helpers';

/** Every vsftpd process (listener and sessions) running one instance's config. */
function vsftpdPids(ftp: Vsftpd & { dir?: string }): number[] {
  const want = `/usr/sbin/vsftpd\0${path.join(ftp.dir as string, 'vsftpd.conf')}`;
  const pids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'latin1').replace(/\0$/, '');
      if (cmd === want) pids.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

describe('server: file transfers with the media on a real FTP server (vsftpd)', function () {
  this.timeout(120_000);
  let ftp: Vsftpd;
  let runDir: string;
  let server: TestServer;
  let mediaRoot: string;
  const open: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => {
    open.push(c);
    return c;
  };
  const user = async (s = server) => track(await signIn(s));
  const transfer = async (c: Client, s = server) => track(await transferConnection(s, c.token));
  const ftpObjects = () =>
    fs.existsSync(mediaRoot)
      ? fs.readdirSync(mediaRoot).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => fs.readdirSync(path.join(mediaRoot, d)).map((f) => `${d}/${f}`))
      : [];
  const ftpTemps = () => (fs.existsSync(path.join(mediaRoot, '.tmp')) ? fs.readdirSync(path.join(mediaRoot, '.tmp')) : []);

  before(async function () {
    ({ ftp, runDir } = await startVsftpdForSuite(this, 'parley-transfer-ftp-'));
    mediaRoot = path.join(ftp.root, 'parley');
    server = await TestServer.start({ args: ['--ftp', `${ftp.url}parley`, '--max-upload', '512m', '--rate-limit', '0'] });
  });
  afterEach(async () => {
    for (const c of open.splice(0)) c.close();
    if (ftp && !ftp.running) await ftp.start();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    await ftp?.close();
    if (runDir) await rm(runDir, { recursive: true, force: true });
  });

  it('names the FTP media store in the start-up log, without the password', () => {
    const listening = server.logs.find((l) => l.msg.startsWith('parley-server listening'));
    assert.equal(listening?.media, `ftp://${ftp.user}@${ftp.host}:${ftp.port}/parley`);
    const everything = JSON.stringify(server.logs) + server.stderr.join('');
    assert.ok(!everything.includes(ftp.password), 'the FTP password appears in the logs');
  });

  it('uploads and downloads 0-byte, 1-byte, 3 MiB and 48 MiB files through vsftpd, stored once each', async function () {
    this.timeout(300_000);
    const [a, b] = await Promise.all([user(), user()]);
    const [ta, tb] = await Promise.all([transfer(a), transfer(b)]);
    for (const size of [0, 1, 3 * MiB]) {
      const data = randomBytes(size);
      const ack = await uploadFile(ta, { room: 'general', stream: Readable.from(size ? [data] : []), size, name: `ftp${size}.bin` });
      assert.equal(ack.file?.sha256, sha256(data));
      const sink = new HashSink();
      const got = await downloadFile(tb, { fileId: ack.file.fileId, to: sink });
      assert.equal(sink.digest(), sha256(data));
      assert.equal(got.size, size);
      const key = `${sha256(data).slice(0, 2)}/${sha256(data)}`;
      assert.ok(ftpObjects().includes(key), `${key} on the FTP server`);
      assert.equal(fs.statSync(path.join(mediaRoot, key)).size, size);
    }
    const big = generated(48 * MiB);
    const ack = await uploadFile(ta, { room: 'general', stream: big.stream, size: 48 * MiB, name: 'big.bin' });
    assert.equal(ack.file?.sha256, big.sha256());
    const again = await uploadFile(tb, { room: 'general', stream: generated(0).stream, size: 0, name: 'empty-again' });
    assert.equal(again.file?.sha256, sha256(Buffer.alloc(0)));
    assert.equal(ftpObjects().filter((k) => k.endsWith(sha256(Buffer.alloc(0)))).length, 1, 'identical content stored once');
    const sink = new HashSink();
    await downloadFile(tb, { fileId: ack.file.fileId, to: sink });
    assert.equal(sink.digest(), big.sha256());
    assert.deepEqual(ftpTemps(), []);
  });

  it('lets go of the FTP connection of every download whose client vanished; resume still works', async function () {
    this.timeout(300_000);
    const [a, b] = await Promise.all([user(), user()]);
    const ta = await transfer(a);
    const size = 24 * MiB;
    const source = generated(size);
    const ack = await uploadFile(ta, { room: 'general', stream: source.stream, size, name: 'vanish.bin' });
    const fileId = ack.file?.fileId as string;
    // more vanished downloads than the store's FTP pool has connections
    for (let i = 0; i < 6; i++) {
      const conn = await transferConnection(server, b.token);
      let cut = false;
      const sink = new HashSink();
      await assert.rejects(
        downloadFile(conn, {
          fileId,
          to: sink,
          onProgress: (n) => {
            if (!cut && n > 2 * MiB) {
              cut = true;
              conn.close(new ConnectionError('CLOSED', 'killed'));
            }
          },
        }),
        ConnectionError,
      );
    }
    const tb = await transfer(b);
    const file = path.join(runDir, 'vanish.bin');
    const started = Date.now();
    const got = await downloadFile(tb, { fileId, to: file });
    assert.ok(Date.now() - started < 8000, 'a download waited for a leaked FTP connection');
    assert.equal(got.sha256, source.sha256());
    // a resume from the middle (FTP REST) checks the whole file against the prefix the caller holds
    const mid = 10 * MiB + 123;
    const resumed = new HashSink();
    const rest = await downloadFile(tb, { fileId, offset: mid, to: resumed, prefix: fs.createReadStream(file, { start: 0, end: mid - 1 }) });
    assert.equal(rest.sha256, source.sha256());
    assert.equal(resumed.bytes, size - mid);
    fs.rmSync(file);
  });

  it('pauses reading an upload while the FTP server stalls, and finishes once it goes on', async function () {
    this.timeout(300_000);
    const a = await user();
    const ta = await transfer(a);
    const size = 256 * MiB;
    const source = generated(size);
    const pid = server.proc.pid as number;
    const rssBefore = rssOf(pid);
    let sent = 0;
    const upload = uploadFile(ta, { room: 'general', stream: source.stream, size, name: 'stall.bin', onProgress: (n) => (sent = n) });
    // awaited at the end; a failed assertion before that must not leave it unhandled
    upload.catch(() => undefined);
    await until(() => sent > 16 * MiB, 'the upload to get going', 60_000);
    const pids = vsftpdPids(ftp);
    assert.ok(pids.length >= 2, 'vsftpd listener and session found');
    signalAll(pids, 'SIGSTOP');
    const sentAtStop = sent;
    let stalledAt = 0;
    let grown = 0;
    try {
      // Socket buffers fill at the machine's pace: wait until the client is held back (no
      // progress for 1.5 s), however long a loaded machine takes to get there.
      const deadline = Date.now() + 60_000;
      for (;;) {
        stalledAt = sent;
        await sleep(1500);
        if (sent === stalledAt) break;
        assert.ok(Date.now() < deadline, 'the client could go on sending while the FTP server took nothing');
        assert.ok(sent - sentAtStop < 64 * MiB, `${((sent - sentAtStop) / MiB).toFixed(1)} MiB sent after the FTP server stalled`);
      }
      grown = rssOf(pid) - rssBefore;
    } finally {
      signalAll(pids, 'SIGCONT');
    }
    // what got through after the stall is socket buffers and about 1 MiB in the server, not the file
    assert.ok(stalledAt - sentAtStop < 64 * MiB, `${((stalledAt - sentAtStop) / MiB).toFixed(1)} MiB sent after the FTP server stalled`);
    assert.ok(grown < 48 * MiB, `server RSS grew by ${(grown / MiB).toFixed(1)} MiB while the FTP server stalled`);
    const ack = await upload;
    assert.equal(ack.file?.sha256, source.sha256());
  });

  it('answers MEDIA_UNAVAILABLE when the FTP server dies mid-upload, keeps chatting, and recovers when it is back', async function () {
    this.timeout(300_000);
    const [a, b] = await Promise.all([user(), user()]);
    const ta = await transfer(a);
    const tb = await transfer(b);
    const before = randomBytes(100_000);
    const kept = await uploadFile(ta, { room: 'general', stream: Readable.from([before]), size: before.length, name: 'kept.bin' });
    const room = dmRoomId(a.user, b.user);
    const pid = server.proc.pid;

    const size = 200 * MiB;
    let sent = 0;
    const upload = uploadFile(ta, { room, stream: generated(size).stream, size, name: 'doomed.bin', onProgress: (n) => (sent = n) });
    const outcome = upload.then(
      () => new Error('the upload succeeded'),
      (err: unknown) => err,
    );
    await until(() => sent > 8 * MiB, 'the upload to get going', 60_000);
    await ftp.stop();
    const err = await outcome;
    assert.ok(
      (err instanceof ParleyError && err.code === 'MEDIA_UNAVAILABLE') || err instanceof ConnectionError,
      `uploader got ${String(err)}`,
    );
    if (err instanceof ParleyError) assert.ok(!ta.closed, 'the transfer connection stays usable');

    // chat goes on while the media store is down
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const ack = await a.send(room, `while down ${i}`);
      const msg = await b.waitFor<MsgEvent>((f) => f.t === 'msg' && f.room === room && f.seq === ack.seq, 5000);
      assert.equal(msg.text, `while down ${i}`);
      assert.ok(Date.now() - started < 2000, 'a chat message took over 2 s while the FTP server was down');
    }
    // transfers say so, quickly
    const t0 = Date.now();
    const conn = ta.closed ? await transfer(a) : ta;
    await rejectsWith(uploadFile(conn, { room, stream: Readable.from([Buffer.from('x')]), size: 1, name: 'x' }), 'MEDIA_UNAVAILABLE');
    await rejectsWith(downloadFile(tb, { fileId: kept.file?.fileId as string, to: new HashSink() }), 'MEDIA_UNAVAILABLE');
    assert.ok(Date.now() - t0 < 15_000);
    assert.equal(b.msgs(room).filter((m) => m.file).length, 0, 'no file message was posted');

    await ftp.start();
    const data = randomBytes(2 * MiB);
    const ack = await uploadFile(conn, { room, stream: Readable.from([data]), size: data.length, name: 'after.bin' });
    assert.equal(ack.file?.sha256, sha256(data));
    const sink = new HashSink();
    await downloadFile(tb, { fileId: kept.file?.fileId as string, to: sink });
    assert.equal(sink.digest(), sha256(before));
    assert.equal(server.proc.pid, pid, 'parley-server was not restarted');
    assert.ok(server.running);
    // the partial temp file the dead FTP server kept is removed once it answers again
    await until(() => ftpTemps().length === 0, `FTP temp files gone (left: ${ftpTemps().join(', ')})`, 20_000);
  });

  it('starts while the FTP server is down, serves chat, and takes files once it is up', async function () {
    this.timeout(120_000);
    await ftp.stop();
    const second = await TestServer.start({ args: ['--ftp', `${ftp.url}second`, '--rate-limit', '0'] });
    try {
      assert.ok(second.logs.some((l) => l.msg === 'media store unavailable at start-up'));
      const [a, b] = await Promise.all([user(second), user(second)]);
      const ack = await a.send('general', 'chat without media');
      await b.waitFor((f) => f.t === 'msg' && f.seq === ack.seq);
      const ta = await transfer(a, second);
      await rejectsWith(uploadFile(ta, { room: 'general', stream: Readable.from([Buffer.from('hi')]), size: 2, name: 'hi.txt' }), 'MEDIA_UNAVAILABLE');
      await ftp.start();
      const up = await uploadFile(ta, { room: 'general', stream: Readable.from([Buffer.from('hi')]), size: 2, name: 'hi.txt' });
      assert.equal(up.file?.sha256, sha256(Buffer.from('hi')));
      const sink = new HashSink();
      await downloadFile(b.conn as Connection, { fileId: up.file.fileId, to: sink });
      assert.equal(sink.digest(), sha256(Buffer.from('hi')));
    } finally {
      await second.stop();
      second.cleanup();
    }
  });
});
