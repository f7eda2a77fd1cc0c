import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Connection, ConnectionError } from '../../client/connection';
import { downloadFile, uploadFile } from '../../client/transfers';
import {
  ParleyError,
  dmRoomId,
  type AckReply,
  type DownloadStartReply,
  type ErrorFrame,
  type HistoryReply,
  type MsgEvent,
  type ServerFrame,
  type UploadReadyReply,
} from '../../protocol';
import { TestServer, tempDir } from '../helpers/server';
import { Client, rejectsWith, signIn, sleep } from './chat-helpers';
import {
  HashSink, MiB, PNG_1x1, generated, mediaObjects, openFds, rssOf, rssPeak, sha256, tempFiles, transferConnection, until,
} from './transfer-helpers';

const MAX_UPLOAD = 256 * MiB;

describe('server: file transfers over real TCP (disk media store)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let mediaDir: string;
  let work: string;
  const open: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => {
    open.push(c);
    return c;
  };
  const user = async () => track(await signIn(server));
  const transfer = async (c: Client) => track(await transferConnection(server, c.token));

  before(async () => {
    server = await TestServer.start({ args: ['--max-upload', String(MAX_UPLOAD), '--rate-limit', '0'] });
    mediaDir = path.join(server.dataDir, 'media');
    work = tempDir('parley-transfers-');
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function lastSeq(c: Client, room: string): Promise<number> {
    const page = await c.conn.request<HistoryReply>({ t: 'history', room, limit: 1 });
    return page.messages.at(-1)?.seq ?? 0;
  }

  /** Nothing staged is left behind once the server has let go of it. */
  async function noTempFiles(): Promise<void> {
    await until(() => tempFiles(mediaDir).length === 0, `no temp files (left: ${tempFiles(mediaDir).join(', ')})`);
  }

  it('uploads and downloads 0-byte, 1-byte and 3 MiB files with their sha256 checked', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const [ta, tb] = await Promise.all([transfer(a), transfer(b)]);
    for (const size of [0, 1, 3 * MiB]) {
      const data = randomBytes(size);
      const ack = await uploadFile(ta, { room: 'general', stream: Readable.from(size ? [data] : []), size, name: `f${size}.bin` });
      assert.equal(ack.t, 'ack');
      assert.ok(ack.file, 'the ack carries the file');
      assert.equal(ack.file.size, size);
      assert.equal(ack.file.sha256, sha256(data));
      assert.equal(ack.file.name, `f${size}.bin`);
      const sink = new HashSink();
      const got = await downloadFile(tb, { fileId: ack.file.fileId, to: sink });
      assert.deepEqual(
        { size: got.size, sha256: got.sha256, bytes: sink.bytes, digest: sink.digest(), name: got.name },
        { size, sha256: sha256(data), bytes: size, digest: sha256(data), name: `f${size}.bin` },
      );
    }
  });

  it('streams a 200 MiB file up and down without holding it in memory', async function () {
    this.timeout(300_000);
    const [a, b] = await Promise.all([user(), user()]);
    const [ta, tb] = await Promise.all([transfer(a), transfer(b)]);
    const pid = server.proc.pid as number;
    const before = rssOf(pid);
    const sampler = rssPeak(pid);
    const size = 200 * MiB;
    const source = generated(size);
    const ack = await uploadFile(ta, { room: 'general', stream: source.stream, size, name: 'big.bin' });
    assert.equal(ack.file?.sha256, source.sha256());
    const sink = new HashSink();
    const got = await downloadFile(tb, { fileId: ack.file.fileId, to: sink });
    const peak = sampler.stop();
    assert.equal(sink.bytes, size);
    assert.equal(sink.digest(), source.sha256());
    assert.equal(got.sha256, ack.file.sha256);
    // a copy of the file would be 200 MiB; buffers of a few MiB plus GC slack are expected
    assert.ok(peak - before < 96 * MiB, `server RSS grew by ${((peak - before) / MiB).toFixed(1)} MiB`);
  });

  it('takes concurrent uploads from several clients, each posted once with its own seq', async function () {
    this.timeout(120_000);
    const clients = await Promise.all([user(), user(), user(), user()]);
    const conns = await Promise.all(clients.map((c) => transfer(c)));
    const files = conns.flatMap((conn, i) => [0, 1].map((k) => ({ conn, data: randomBytes((1 + i + k) * MiB + k), name: `c${i}-${k}.bin` })));
    const acks = await Promise.all(files.map((f) => uploadFile(f.conn, { room: 'general', stream: Readable.from([f.data]), size: f.data.length, name: f.name })));
    const seqs = acks.map((a) => a.seq);
    assert.equal(new Set(seqs).size, files.length, 'every upload got its own seq');
    const watcher = clients[0];
    for (let i = 0; i < files.length; i++) {
      assert.equal(acks[i].file?.sha256, sha256(files[i].data));
      const sink = new HashSink();
      await downloadFile(conns[(i + 1) % conns.length], { fileId: acks[i].file?.fileId as string, to: sink });
      assert.equal(sink.digest(), sha256(files[i].data));
    }
    // the other clients' uploads reached the watcher as msg frames, in seq order
    const others = acks.filter((_, i) => i >= 2).map((a) => a.seq);
    await until(() => others.every((s) => watcher.msgs('general').some((m) => m.seq === s)), 'msg frames of every upload');
    const order = watcher.msgs('general').map((m) => m.seq);
    assert.deepEqual(order, [...order].sort((x, y) => x - y));
  });

  it('resumes a download broken by a dead socket from its offset, and lets go of the media file', async function () {
    this.timeout(120_000);
    const [a, b] = await Promise.all([user(), user()]);
    const ta = await transfer(a);
    const size = 40 * MiB;
    const source = generated(size);
    const ack = await uploadFile(ta, { room: 'general', stream: source.stream, size, name: 'resume.bin' });
    const fileId = ack.file?.fileId as string;
    const target = path.join(work, 'resume.bin');
    const pid = server.proc.pid as number;
    const fdsBefore = openFds(pid);

    const first = await transferConnection(server, b.token);
    let cut = false;
    const broken = downloadFile(first, {
      fileId,
      to: target,
      onProgress: (n) => {
        if (!cut && n > 5 * MiB) {
          cut = true;
          // like a client killed mid-download: no goodbye, the socket just goes
          first.close(new ConnectionError('CLOSED', 'killed'));
        }
      },
    });
    await assert.rejects(broken, (err: unknown) => err instanceof ConnectionError);
    const have = fs.statSync(target).size;
    assert.ok(have > 5 * MiB && have < size, `partial file of ${have} bytes`);
    // the server closed the media stream of the dead connection
    await until(() => openFds(pid) <= fdsBefore, `server fds back to ${fdsBefore} (now ${openFds(pid)})`);

    const second = track(await transferConnection(server, b.token));
    let startedAt = -1;
    const got = await downloadFile(second, { fileId, to: target, offset: have, onProgress: (n) => (startedAt = startedAt < 0 ? n : startedAt) });
    assert.equal(startedAt, have, 'the resumed download started at the offset');
    assert.equal(got.offset, have);
    assert.equal(got.sha256, source.sha256());
    assert.equal(fs.statSync(target).size, size);
  });

  it('lets only members of the file’s room download it: FORBIDDEN, NOT_FOUND, INVALID offset', async () => {
    const [a, b, eve] = await Promise.all([user(), user(), user()]);
    const room = dmRoomId(a.user, b.user);
    const ta = await transfer(a);
    const data = randomBytes(1000);
    const ack = await uploadFile(ta, { room, stream: Readable.from([data]), size: data.length, name: 'secret.txt' });
    const fileId = ack.file?.fileId as string;
    const te = await transfer(eve);
    await rejectsWith(te.request({ t: 'download', fileId }), 'FORBIDDEN');
    await rejectsWith(te.request({ t: 'download', fileId: 'no-such-file' }), 'NOT_FOUND');
    const tb = await transfer(b);
    await rejectsWith(tb.request({ t: 'download', fileId, offset: 1001 }), 'INVALID');
    // the end exactly: a download of nothing that still proves the whole file
    const starts: DownloadStartReply[] = [];
    const end = await tb.request<Extract<ServerFrame, { t: 'download_end' }>>({ t: 'download', fileId, offset: 1000 }, undefined, {
      onPartial: (f) => {
        if (f.t === 'download_start') starts.push(f);
      },
    });
    assert.deepEqual(starts.map((s) => ({ size: s.size, offset: s.offset, name: s.name })), [{ size: 1000, offset: 1000, name: 'secret.txt' }]);
    assert.equal(end.sha256, sha256(data));
    const sink = new HashSink();
    await downloadFile(tb, { fileId, to: sink });
    assert.equal(sink.digest(), sha256(data));
  });

  it('refuses uploads to rooms the user cannot post to, and announced sizes over maxUpload', async () => {
    const [a, b, eve] = await Promise.all([user(), user(), user()]);
    const te = await transfer(eve);
    await rejectsWith(te.request({ t: 'upload', room: dmRoomId(a.user, b.user), name: 'x', size: 1 }), 'FORBIDDEN');
    await rejectsWith(te.request({ t: 'upload', room: 'no-such-room', name: 'x', size: 1 }), 'NOT_FOUND');
    const err = await rejectsWith(te.request({ t: 'upload', room: 'general', name: 'huge.iso', size: MAX_UPLOAD + 1 }), 'TOO_LARGE');
    assert.match(err.message, new RegExp(String(MAX_UPLOAD)));
    // exactly the limit is fine to announce
    const ready = await te.request<UploadReadyReply>({ t: 'upload', room: 'general', name: 'edge', size: MAX_UPLOAD });
    te.send({ t: 'upload_abort', uploadId: ready.uploadId });
    // the client refuses too, before asking
    const local = await rejectsWith(uploadFile(te, { room: 'general', stream: Readable.from([]), size: MAX_UPLOAD + 1 }), 'TOO_LARGE');
    assert.ok(local instanceof ParleyError);
    await noTempFiles();
  });

  it('rejects a size lie (more or fewer bytes) and a wrong sha256 with INVALID; nothing is posted or kept', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const room = dmRoomId(a.user, b.user);
    await a.send(room, 'before');
    const seqBefore = await lastSeq(a, room);
    const objectsBefore = mediaObjects(mediaDir);
    const ta = await transfer(a);
    const data = randomBytes(64 * 1024);

    // more bytes than announced: the server says so at once, tagged with the uploadId
    const more = await ta.request<UploadReadyReply>({ t: 'upload', room, name: 'more.bin', size: 1000 });
    const early = new Promise<ErrorFrame>((resolve) =>
      ta.on('frame', (f) => {
        if (f.t === 'error' && f.uploadId === more.uploadId) resolve(f);
      }),
    );
    ta.send({ t: 'chunk', uploadId: more.uploadId }, data.subarray(0, 600));
    ta.send({ t: 'chunk', uploadId: more.uploadId }, data.subarray(600, 1200));
    const warned = await early;
    assert.equal(warned.code, 'INVALID');
    await rejectsWith(ta.request({ t: 'upload_end', uploadId: more.uploadId, sha256: sha256(data.subarray(0, 1000)) }), 'INVALID');

    // fewer bytes than announced
    const fewer = await ta.request<UploadReadyReply>({ t: 'upload', room, name: 'fewer.bin', size: 2000 });
    ta.send({ t: 'chunk', uploadId: fewer.uploadId }, data.subarray(0, 1500));
    await rejectsWith(ta.request({ t: 'upload_end', uploadId: fewer.uploadId, sha256: sha256(data.subarray(0, 1500)) }), 'INVALID');

    // right size, wrong digest
    const wrong = await ta.request<UploadReadyReply>({ t: 'upload', room, name: 'wrong.bin', size: data.length });
    ta.send({ t: 'chunk', uploadId: wrong.uploadId }, data);
    const bad = await rejectsWith(ta.request({ t: 'upload_end', uploadId: wrong.uploadId, sha256: sha256(Buffer.from('other')) }), 'INVALID');
    assert.match(bad.message, /sha256/);

    // a finished upload id is gone
    await rejectsWith(ta.request({ t: 'upload_end', uploadId: wrong.uploadId, sha256: sha256(data) }), 'NOT_FOUND');
    assert.equal(await lastSeq(a, room), seqBefore, 'nothing was posted');
    await a.send(room, 'after');
    const msgs = await b.waitFor<MsgEvent>((f) => f.t === 'msg' && f.room === room && f.text === 'after');
    assert.equal(msgs.seq, seqBefore + 1);
    assert.equal(b.msgs(room).filter((m) => m.file).length, 0, 'no file message reached the room');
    await noTempFiles();
    assert.deepEqual(mediaObjects(mediaDir), objectsBefore, 'no object was stored');
  });

  it('delivers the file message to the room’s members with sniffed mime; a PNG named .txt is image/png', async () => {
    const [a, b, eve] = await Promise.all([user(), user(), user()]);
    const roomName = `pics-${Date.now().toString(36)}`;
    await a.conn.request({ t: 'create', name: roomName });
    await b.conn.request({ t: 'join', room: roomName });
    const a2 = await transfer(a);
    const ack = await uploadFile(a2, { room: roomName, stream: Readable.from([PNG_1x1]), size: PNG_1x1.length, name: '../../etc/not-a-picture.txt', mime: 'text/plain' });
    // The file message, not the room event of b's join that came first.
    const msg = await b.waitFor<MsgEvent>((f) => f.t === 'msg' && f.room === roomName && f.file !== undefined);
    // the uploader's chat connection hears of it too
    const own = await a.waitFor<MsgEvent>((f) => f.t === 'msg' && f.room === roomName && f.file !== undefined);
    assert.deepEqual(own.file, msg.file);
    assert.deepEqual(msg.file, ack.file);
    assert.equal(msg.seq, ack.seq);
    assert.equal(msg.from, a.user);
    const file = msg.file as NonNullable<MsgEvent['file']>;
    assert.equal(file.mime, 'image/png');
    assert.equal(file.kind, 'image');
    assert.equal(file.name, 'not-a-picture.txt');
    assert.equal(file.size, PNG_1x1.length);
    assert.equal(file.sha256, sha256(PNG_1x1));
    assert.notEqual(file.fileId, file.sha256);
    assert.ok(!file.fileId.includes(file.sha256.slice(0, 16)));
    // history has it as well, and outsiders got nothing
    const page = await b.conn.request<HistoryReply>({ t: 'history', room: roomName });
    assert.deepEqual(page.messages.at(-1)?.file, file);
    await a.send('general', 'marker');
    await eve.waitFor((f) => f.t === 'msg' && (f as MsgEvent).text === 'marker');
    assert.equal(eve.msgs(roomName).length, 0);
  });

  it('labels a file the content does not identify by its name: notes.txt is text/plain, data.csv text/csv', async () => {
    const a = await user();
    const ta = await transfer(a);
    const text = Buffer.from('first line\nsecond line\n');
    const notes = await uploadFile(ta, { room: 'general', stream: Readable.from([text]), size: text.length, name: 'notes.txt' });
    assert.deepEqual([notes.file?.mime, notes.file?.kind], ['text/plain', 'file']);
    const csv = Buffer.from('a,b\n1,2\n');
    const table = await uploadFile(ta, { room: 'general', stream: Readable.from([csv]), size: csv.length, name: 'data.csv' });
    assert.deepEqual([table.file?.mime, table.file?.kind], ['text/csv', 'file']);
  });

  it('stores identical content once, under its sha256, for every upload of it', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const [ta, tb] = await Promise.all([transfer(a), transfer(b)]);
    const data = randomBytes(3 * MiB);
    const key = `${sha256(data).slice(0, 2)}/${sha256(data)}`;
    const first = await uploadFile(ta, { room: 'general', stream: Readable.from([data]), size: data.length, name: 'one.bin' });
    const second = await uploadFile(tb, { room: 'general', stream: Readable.from([data]), size: data.length, name: 'two.bin' });
    assert.notEqual(first.file?.fileId, second.file?.fileId);
    assert.notEqual(first.seq, second.seq);
    assert.equal(mediaObjects(mediaDir).filter((k) => k === key).length, 1);
    assert.equal(fs.statSync(path.join(mediaDir, key)).size, data.length);
    for (const ack of [first, second]) {
      const sink = new HashSink();
      const got = await downloadFile(ta, { fileId: ack.file?.fileId as string, to: sink });
      assert.equal(sink.digest(), sha256(data));
      assert.equal(got.name, ack.file?.name);
    }
    await noTempFiles();
  });

  it('frees everything on upload_abort and on a disconnect mid-upload; nothing is posted', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const room = dmRoomId(a.user, b.user);
    const seqBefore = await lastSeq(a, room);
    const objectsBefore = mediaObjects(mediaDir);
    const ta = await transfer(a);
    const chunk = randomBytes(256 * 1024);

    const aborted = await ta.request<UploadReadyReply>({ t: 'upload', room, name: 'aborted.bin', size: 10 * MiB });
    for (let i = 0; i < 8; i++) ta.send({ t: 'chunk', uploadId: aborted.uploadId }, chunk);
    await until(() => tempFiles(mediaDir).length > 0, 'the upload to be staged');
    ta.send({ t: 'upload_abort', uploadId: aborted.uploadId });
    await noTempFiles();
    await rejectsWith(ta.request({ t: 'upload_end', uploadId: aborted.uploadId, sha256: sha256(chunk) }), 'NOT_FOUND');

    const dropped = await transferConnection(server, a.token);
    const ready = await dropped.request<UploadReadyReply>({ t: 'upload', room, name: 'dropped.bin', size: 10 * MiB });
    for (let i = 0; i < 8; i++) dropped.send({ t: 'chunk', uploadId: ready.uploadId }, chunk);
    await until(() => tempFiles(mediaDir).length > 0, 'the upload to be staged');
    dropped.close();
    await noTempFiles();

    // the same connection, and the server, go on as before
    const data = randomBytes(5000);
    const ack = await uploadFile(ta, { room, stream: Readable.from([data]), size: data.length, name: 'fine.bin' });
    assert.equal(ack.seq, seqBefore + 1, 'only the finished upload was posted');
    assert.deepEqual(mediaObjects(mediaDir), [...objectsBefore, `${ack.file?.sha256.slice(0, 2)}/${ack.file?.sha256}`].sort());
  });

  it('stops reading the media file while a downloader does not read, without dropping it', async function () {
    this.timeout(120_000);
    const [a, b] = await Promise.all([user(), user()]);
    const ta = await transfer(a);
    const size = 64 * MiB;
    const source = generated(size);
    const ack = await uploadFile(ta, { room: 'general', stream: source.stream, size, name: 'slow.bin' });
    const tb = await transfer(b);
    const pid = server.proc.pid as number;
    const before = rssOf(pid);
    let received = 0;
    let paused = false;
    const sink = new HashSink();
    const done = downloadFile(tb, {
      fileId: ack.file?.fileId as string,
      to: sink,
      onProgress: (n) => {
        received = n;
        if (!paused && n > 4 * MiB) {
          paused = true;
          tb.pauseReading();
        }
      },
    });
    // awaited at the end; a failed assertion before that must not leave it unhandled
    done.catch(() => undefined);
    await until(() => paused, 'the download to start');
    await sleep(1500);
    const stalledAt = received;
    const grown = rssOf(pid) - before;
    await sleep(500);
    assert.equal(received, stalledAt, 'nothing arrives while the client does not read');
    assert.ok(grown < 32 * MiB, `server RSS grew by ${(grown / MiB).toFixed(1)} MiB while the reader stalled`);
    tb.resumeReading();
    const got = await done;
    assert.equal(got.sha256, source.sha256());
    assert.equal(sink.digest(), source.sha256());
    assert.ok(!tb.closed, 'the slow reader was not dropped');
  });

  it('keeps chat events off a transfer-only session, which refuses chat requests and ends with a logout', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const ta = await transfer(a);
    const seen: ServerFrame[] = [];
    ta.on('frame', (f: ServerFrame) => seen.push(f));
    const data = randomBytes(70_000);
    const ack = await uploadFile(ta, { room: 'general', stream: Readable.from([data]), size: data.length, name: 'quiet.bin' });
    // the uploader's chat connection and the room get the file message; the transfer connection only its replies
    await a.waitFor((f) => f.t === 'msg' && (f as MsgEvent).file?.fileId === ack.file?.fileId);
    await b.waitFor((f) => f.t === 'msg' && (f as MsgEvent).file?.fileId === ack.file?.fileId);
    await b.send('general', 'not for the transfer connection');
    await a.waitFor((f) => f.t === 'msg' && (f as MsgEvent).text === 'not for the transfer connection');
    await sleep(100);
    // replies resolve their requests; no event reached the transfer connection
    assert.deepEqual(
      seen.map((f) => f.t),
      [],
    );
    await rejectsWith(ta.request({ t: 'send', room: 'general', cid: 'x1', text: 'hi' }), 'FORBIDDEN');
    await rejectsWith(ta.request({ t: 'history', room: 'general' }), 'FORBIDDEN');
    await rejectsWith(ta.request({ t: 'resume', token: a.token, transfer: true, since: { general: 0 } }), 'INVALID');
    // a user whose only connection is a transfer one is not online
    const solo = await user();
    // Presence goes to people who share a room.
    const shared = `solo-${process.pid}-${Date.now()}`;
    await solo.conn.request({ t: 'create', name: shared });
    await b.conn.request({ t: 'join', room: shared });
    const ts = await transfer(solo);
    solo.close();
    await b.waitFor((f) => f.t === 'presence' && (f as { changes?: { user: string; status: string }[] }).changes?.some((c) => c.user === solo.user && c.status === 'offline') === true);
    ts.close();
    // signing out closes every connection of the token, the transfer-only one too
    const closed = new Promise<void>((resolve) => ta.once('close', () => resolve()));
    await a.conn.request({ t: 'logout' });
    await closed;
  });

  it('serves transfers on the chat connection too', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const data = randomBytes(70_000);
    const ack: AckReply = await uploadFile(a.conn, { room: 'general', stream: Readable.from([data]), size: data.length, name: 'inline.bin' });
    const sink = new HashSink();
    await downloadFile(b.conn as Connection, { fileId: ack.file?.fileId as string, to: sink });
    assert.equal(sink.digest(), sha256(data));
    // and chat still works on both
    await a.send('general', 'still here');
    await b.waitFor((f) => f.t === 'msg' && (f as MsgEvent).text === 'still here');
  });
});
