import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import * as net from 'node:net';
import { Readable } from 'node:stream';
import { downloadFile, uploadFile } from '../../client/transfers';
import { FrameDecoder, encodeFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { startVsftpdForSuite, type Vsftpd } from '../media/vsftpd';
import { RawSocket, signIn, type Client } from './chat-helpers';
import { HashSink, MiB, generated, sha256, transferConnection, until } from './transfer-helpers';

/**
 * A transfer connection spoken by hand that starts a download and then stops reading its
 * socket, the way a stalled or misbehaving client does. It hashes the chunk bodies it gets.
 */
class StalledDownloader {
  readonly frames: Record<string, unknown>[] = [];
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly decoder = new FrameDecoder(64 * MiB);

  private constructor(private readonly socket: net.Socket) {
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) {
        this.frames.push(f.header);
        if (f.header.t === 'chunk' && f.header.id === 3) {
          this.hash.update(f.body);
          this.bytes += f.body.length;
        }
      }
    });
  }

  static async start(server: TestServer, token: string, fileId: string): Promise<StalledDownloader> {
    const socket = net.connect({ host: server.host, port: server.port });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const d = new StalledDownloader(socket);
    socket.write(encodeFrame({ t: 'hello', id: 1, v: 1 }));
    socket.write(encodeFrame({ t: 'resume', id: 2, token, transfer: true }));
    socket.write(encodeFrame({ t: 'download', id: 3, fileId }));
    await until(() => d.bytes > MiB, 'the stalled download to get going', 30_000);
    // from here on nothing is read: the kernel buffers fill, then the server's send queue
    socket.pause();
    return d;
  }

  /** Reads again, to the end of the download; returns the download_end frame. */
  async finish(): Promise<Record<string, unknown>> {
    this.socket.resume();
    await until(() => this.frames.some((f) => f.id === 3 && (f.t === 'download_end' || f.t === 'error')), 'the stalled download to end', 60_000);
    return this.frames.find((f) => f.id === 3 && (f.t === 'download_end' || f.t === 'error')) as Record<string, unknown>;
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Settles with the promise, or rejects once `ms` passed (a bound, not a speed check). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

describe('server: a small FTP pool is not starved by clients that stop reading (vsftpd)', function () {
  this.timeout(180_000);
  let ftp: Vsftpd;
  let runDir: string;
  const servers: TestServer[] = [];
  const open: { close(): void }[] = [];
  const trackRaw = (r: RawSocket): RawSocket => {
    open.push({ close: () => r.destroy() });
    return r;
  };
  const track = <T extends { close(): void }>(c: T): T => {
    open.push(c);
    return c;
  };

  before(async function () {
    ({ ftp, runDir } = await startVsftpdForSuite(this, 'parley-transfer-ftp-pool-'));
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    for (const s of servers) {
      await s.stop();
      s.cleanup();
    }
    await ftp?.close();
    if (runDir) await rm(runDir, { recursive: true, force: true });
  });

  const startServer = async (pool: number): Promise<TestServer> => {
    const s = await TestServer.start({ args: ['--ftp', `${ftp.url}pool${pool}`, '--ftp-pool', String(pool), '--max-upload', '512m', '--rate-limit', '0',
      // a stalled socket stays connected for the whole test, however long a busy machine takes
      '--ping-interval', '600'] });
    servers.push(s);
    return s;
  };
  const user = async (s: TestServer): Promise<Client> => track(await signIn(s));

  for (const pool of [1, 2]) {
    it(`with --ftp-pool ${pool}, ${pool} stalled downloader(s) do not stop another user's upload and download; they finish exactly later`, async () => {
      const server = await startServer(pool);
      const [a, b] = await Promise.all([user(server), user(server)]);
      const ta = track(await transferConnection(server, a.token));
      // large enough that the kernel's socket buffers and the server's send queue fill long before the end
      const size = 40 * MiB;
      const source = generated(size);
      const big = await uploadFile(ta, { room: 'general', stream: source.stream, size, name: 'big.bin' });
      const fileId = big.file?.fileId as string;
      ta.close();

      // as many stalled downloads as the pool has connections
      const stalled: StalledDownloader[] = [];
      for (let i = 0; i < pool; i++) stalled.push(track(await StalledDownloader.start(server, a.token, fileId)));

      // another user's upload and download go through meanwhile
      const tb = track(await transferConnection(server, b.token));
      const data = randomBytes(3 * MiB);
      const up = await within(
        uploadFile(tb, { room: 'general', stream: Readable.from([data]), size: data.length, name: 'other.bin' }),
        45_000,
        'the other user\u2019s upload',
      );
      assert.equal(up.file?.sha256, sha256(data));
      const sink = new HashSink();
      await within(downloadFile(tb, { fileId: up.file.fileId, to: sink }), 45_000, 'the other user\u2019s download');
      assert.equal(sink.digest(), sha256(data));
      const bigSink = new HashSink();
      await within(downloadFile(tb, { fileId, to: bigSink }), 45_000, 'the other user\u2019s download of the large file');
      assert.equal(bigSink.digest(), source.sha256());

      // the stalled clients read again: every byte arrives once, in order
      for (const d of stalled) {
        const end = await d.finish();
        assert.equal(end.t, 'download_end', `the stalled download ended with ${JSON.stringify(end)}`);
        assert.equal(d.bytes, size);
        assert.equal(d.digest(), source.sha256());
        assert.equal(end.sha256, source.sha256());
      }
    });
  }

  it('a download waiting for a free FTP connection does not hold up later frames on its connection', async () => {
    const server = await startServer(1);
    const [a, b] = await Promise.all([user(server), user(server)]);
    const ta = track(await transferConnection(server, a.token));
    const data = randomBytes(64 * 1024);
    const up = await uploadFile(ta, { room: 'general', stream: Readable.from([data]), size: data.length, name: 'small.bin' });
    const fileId = up.file?.fileId as string;

    // an upload that never sends its bytes holds the only FTP connection
    const holder = trackRaw(await RawSocket.open(server));
    holder.write({ t: 'hello', id: 1, v: 1 });
    holder.write({ t: 'resume', id: 2, token: a.token, transfer: true });
    holder.write({ t: 'upload', id: 3, room: 'general', name: 'held.bin', size: MiB });
    const ready = await holder.waitFor((f) => f.id === 3, 10_000);
    assert.equal(ready.t, 'upload_ready');
    holder.write(encodeFrame({ t: 'chunk', uploadId: ready.uploadId }, randomBytes(1024)));

    const raw = trackRaw(await RawSocket.open(server));
    raw.write({ t: 'hello', id: 1, v: 1 });
    raw.write({ t: 'resume', id: 2, token: b.token, transfer: true });
    await raw.waitFor((f) => f.id === 2, 10_000);
    raw.write({ t: 'download', id: 3, fileId });
    raw.write({ t: 'ping', id: 4 });
    await raw.waitFor((f) => f.t === 'pong' && f.id === 4, 30_000);
    assert.ok(!raw.frames.some((f) => f.id === 3), `the download answered before the ping: ${JSON.stringify(raw.frames.find((f) => f.id === 3))}`);

    // once the connection is free the waiting download goes ahead
    holder.destroy();
    const end = await raw.waitFor((f) => f.id === 3 && (f.t === 'download_end' || f.t === 'error'), 30_000);
    assert.equal(end.t, 'download_end', JSON.stringify(end));
    assert.equal(end.sha256, sha256(data));
  });
});
