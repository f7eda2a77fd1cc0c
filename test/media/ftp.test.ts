import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { FtpMediaStore, parseFtpUrl, type FtpMediaStoreOptions } from '../../server/media/ftp-store';
import { contentKey } from '../../server/media/media-store';
import { openMediaStore } from '../../server/media/open-media-store';
import { mediaStoreContract } from './contract';
import { ingestSuite } from './ingest-suite';
import {
  MiB, collect, digest, generated, listFiles, memoryLogger, rejectsWithCode, sha256, tinyFilesystem, waitFor,
} from './helpers';
import { startVsftpd, startVsftpdForSuite, type Vsftpd } from './vsftpd';

const keyOf = (data: Uint8Array) => contentKey(sha256(data));

describe('FTP media store against vsftpd', function () {
  this.timeout(60_000);
  let ftp: Vsftpd;
  let runDir: string;
  let n = 0;

  before(async function () {
    ({ ftp, runDir } = await startVsftpdForSuite(this, 'parley-vsftpd-'));
  });

  after(async () => {
    await ftp?.close();
    if (runDir) await rm(runDir, { recursive: true, force: true });
  });

  /** A fresh directory on the server for one test. */
  function place(options: Partial<FtpMediaStoreOptions> = {}) {
    const sub = `t${++n}`;
    const root = path.join(ftp.root, sub);
    const url = `${ftp.url}${sub}`;
    return {
      root,
      url,
      open: (more: Partial<FtpMediaStoreOptions> = {}) => new FtpMediaStore({ url, timeoutMs: 5000, ...options, ...more }),
      dispose: () => rm(root, { recursive: true, force: true }),
    };
  }

  mediaStoreContract('ftp (vsftpd)', async () => place());
  ingestSuite('ftp (vsftpd)', async () => place());

  describe('FtpMediaStore', () => {
    const stores: FtpMediaStore[] = [];
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      if (!ftp.running) await ftp.start();
    });
    async function opened(options: Partial<FtpMediaStoreOptions> = {}) {
      const p = place(options);
      const log = memoryLogger();
      const store = p.open({ log });
      stores.push(store);
      await store.init();
      return { store, log, root: p.root, url: p.url };
    }

    it('parses URLs and keeps the password out of the description', () => {
      const t = parseFtpUrl('ftp://me:p%40ss%3Aword@files.example:2121/media/parley/');
      assert.deepEqual(
        { ...t },
        {
          host: 'files.example',
          port: 2121,
          user: 'me',
          password: 'p@ss:word',
          secure: false,
          dir: 'media/parley',
          description: 'ftp://me@files.example:2121/media/parley',
        },
      );
      assert.equal(parseFtpUrl('ftpes://me:x@h/').secure, true);
      assert.equal(parseFtpUrl('ftpes://me:x@h/').description, 'ftpes://me@h/');
      assert.equal(parseFtpUrl('ftp://me:x@h/', true).secure, true);
      assert.equal(parseFtpUrl('ftp://h').port, 21);
      assert.equal(parseFtpUrl('ftp://h').user, 'anonymous');
      assert.throws(() => parseFtpUrl('sftp://h/'), /ftp:\/\/ or ftpes:\/\//);
      assert.throws(() => parseFtpUrl('not a url'), /not a URL/);
      const store = openMediaStore({ kind: 'ftp', url: ftp.url });
      assert.equal(store.kind, 'ftp');
      assert.ok(!store.description.includes(ftp.password));
    });

    it('fails fast with MEDIA_UNAVAILABLE while the server is down, and recovers by itself', async () => {
      const { store, log } = await opened();
      const data = randomBytes(100_000);
      const key = keyOf(data);
      await store.put(key, Readable.from([data]));

      await ftp.stop();
      const started = Date.now();
      await rejectsWithCode(store.stat(key), 'MEDIA_UNAVAILABLE');
      await rejectsWithCode(store.get(key), 'MEDIA_UNAVAILABLE');
      await rejectsWithCode(store.put(keyOf(randomBytes(4)), Readable.from([Buffer.from('x')])), 'MEDIA_UNAVAILABLE');
      await rejectsWithCode(store.delete(key), 'MEDIA_UNAVAILABLE');
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 2000, `four refusals took ${elapsed} ms`);
      assert.ok(log.entries.length >= 4, 'causes logged');
      assert.match(String((log.entries[0].obj as { err: Error }).err), /ECONNREFUSED|closed/);

      await ftp.start();
      assert.deepEqual(await store.stat(key), { size: data.length });
      assert.ok((await collect(await store.get(key))).equals(data));
      const more = randomBytes(1000);
      await store.put(keyOf(more), Readable.from([more]));
      assert.deepEqual(await store.stat(keyOf(more)), { size: more.length });
    });

    it('reconnects transparently after the server dropped idle connections', async () => {
      const { store, log } = await opened();
      const data = randomBytes(1000);
      await Promise.all([1, 2, 3].map(() => store.stat(keyOf(data))));
      await ftp.stop();
      await ftp.start();
      await store.put(keyOf(data), Readable.from([data]));
      assert.deepEqual(await store.stat(keyOf(data)), { size: 1000 });
      assert.equal(log.entries.length, 0);
    });

    it('fails a download cut off by a server crash with MEDIA_UNAVAILABLE, never a short end', async () => {
      const { store } = await opened();
      const data = randomBytes(64 * MiB);
      const key = keyOf(data);
      await store.put(key, Readable.from([data]));
      const stream = await store.get(key);
      let received = 0;
      const done = (async () => {
        for await (const chunk of stream) {
          received += (chunk as Buffer).length;
          // read slowly so the crash lands mid-transfer
          if (received > MiB) await new Promise((r) => setTimeout(r, 1));
        }
      })();
      const outcome = done.then(() => undefined, (err: unknown) => err);
      await waitFor(() => received > 2 * MiB);
      await ftp.stop();
      await rejectsWithCode(Promise.reject(await outcome), 'MEDIA_UNAVAILABLE');
      assert.ok(received < data.length);
      await ftp.start();
      assert.equal((await digest(await store.get(key))).sha256, sha256(data));
    });

    it('fails an upload cut off by a server crash, and removes the partial file once the server is back', async () => {
      const { store, root } = await opened();
      const source = new PassThrough();
      const key = keyOf(randomBytes(8));
      const outcome = store.put(key, source).then(() => undefined, (err: unknown) => err);
      source.write(randomBytes(4 * MiB));
      await waitFor(async () => (await listFiles(root)).some((f) => f.startsWith('.tmp/')));
      await ftp.stop();
      await rejectsWithCode(Promise.reject(await outcome), 'MEDIA_UNAVAILABLE');
      source.destroy();
      await ftp.start();
      assert.equal(await store.stat(key), undefined);
      await waitFor(async () => (await listFiles(root)).length === 0);
    });

    it('reports a full server disk as MEDIA_UNAVAILABLE and leaves nothing behind', async function () {
      const mnt = path.join(runDir, 'tiny-root');
      const unmount = await tinyFilesystem(mnt);
      if (!unmount) return this.skip();
      const small = await startVsftpd({ dir: path.join(runDir, 'tiny-server'), root: mnt });
      try {
        const log = memoryLogger();
        const store = new FtpMediaStore({ url: small.url, timeoutMs: 5000, log });
        stores.push(store);
        await store.init();
        const big = generated(4 * MiB);
        await rejectsWithCode(store.put(contentKey(big.sha256), big.stream), 'MEDIA_UNAVAILABLE');
        assert.ok(log.entries.length >= 1);
        await waitFor(async () => (await listFiles(mnt)).length === 0);
        const fits = Buffer.from('still fits');
        await store.put(keyOf(fits), Readable.from([fits]));
        assert.deepEqual(await listFiles(mnt), [keyOf(fits)]);
      } finally {
        await small.close();
        await unmount();
      }
    });

    it('waits a bounded time for a free connection', async () => {
      const { store, log } = await opened({ poolSize: 1, acquireTimeoutMs: 300 });
      const data = randomBytes(16 * MiB);
      const key = keyOf(data);
      await store.put(key, Readable.from([data]));
      // an unread download holds the only connection
      const held = await store.get(key);
      const started = Date.now();
      await rejectsWithCode(store.stat(key), 'MEDIA_UNAVAILABLE');
      const waited = Date.now() - started;
      assert.ok(waited >= 250 && waited < 1500, `waited ${waited} ms`);
      assert.match(String((log.entries.at(-1)?.obj as { err: Error }).err), /no free FTP connection/);
      // giving the stream up frees the connection
      held.destroy();
      assert.deepEqual(await store.stat(key), { size: data.length });
      // a finished stream frees it too
      assert.equal((await digest(await store.get(key))).size, data.length);
      assert.deepEqual(await store.stat(key), { size: data.length });
    });

    it('lets a cancellable upload wait for a free connection past the acquire timeout, until cancelled', async () => {
      const { store } = await opened({ poolSize: 1, acquireTimeoutMs: 300 });
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const data = randomBytes(16 * MiB);
      const key = keyOf(data);
      await store.put(key, Readable.from([data]));
      // an unread download holds the only connection, for longer than acquireTimeoutMs
      const held = await store.get(key);
      const next = randomBytes(MiB);
      const staged = store.stage(Readable.from([next]), { signal: new AbortController().signal });
      await pause(800);
      held.destroy();
      await (await staged).commit(keyOf(next));
      assert.deepEqual(await store.stat(keyOf(next)), { size: next.length });
      // cancelled while waiting: rejects with its reason, and the pool serves the next call
      const heldAgain = await store.get(key);
      const cancel = new AbortController();
      const cancelled = store.stage(Readable.from([randomBytes(1000)]), { signal: cancel.signal });
      await pause(100);
      cancel.abort(new Error('cancelled by the uploader'));
      await assert.rejects(cancelled, /cancelled by the uploader/);
      heldAgain.destroy();
      assert.deepEqual(await store.stat(key), { size: data.length });
    });

    it('lets a get with a signal wait for a free connection past the acquire timeout, until aborted', async () => {
      const { store } = await opened({ poolSize: 1, acquireTimeoutMs: 300 });
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const data = randomBytes(16 * MiB);
      const key = keyOf(data);
      await store.put(key, Readable.from([data]));
      // a download read part-way and then given up, as a parked download does, frees the connection
      const held = await store.get(key);
      const first = await new Promise<Buffer>((resolve) =>
        held.once('data', (chunk: Buffer) => {
          held.pause();
          resolve(chunk);
        }),
      );
      const waiting = store.get(key, { offset: first.length, signal: new AbortController().signal });
      await pause(800);
      held.destroy();
      // the rest from that offset on the next connection: the bytes join exactly
      const rest = await collect(await waiting);
      assert.equal(sha256(Buffer.concat([first, rest])), sha256(data));
      // aborted while waiting: rejects with its reason, and the pool serves the next call
      const heldAgain = await store.get(key);
      const abort = new AbortController();
      const aborted = store.get(key, { signal: abort.signal });
      await pause(100);
      abort.abort(new Error('the download ended'));
      await assert.rejects(aborted, /the download ended/);
      heldAgain.destroy();
      assert.deepEqual(await store.stat(key), { size: data.length });
    });

    it('serves more concurrent calls than connections', async () => {
      const { store } = await opened({ poolSize: 2 });
      const blobs = Array.from({ length: 10 }, () => randomBytes(200_000));
      await Promise.all(blobs.map((b) => store.put(keyOf(b), Readable.from([b]))));
      const back = await Promise.all(blobs.map(async (b) => sha256(await collect(await store.get(keyOf(b))))));
      assert.deepEqual(back, blobs.map(sha256));
    });

    it('does not fall back to plain FTP when TLS was asked for', async () => {
      const p = place();
      const log = memoryLogger();
      const store = new FtpMediaStore({ url: p.url, secure: true, timeoutMs: 3000, log });
      stores.push(store);
      await rejectsWithCode(store.init(), 'MEDIA_UNAVAILABLE');
      assert.equal(log.entries.length, 1);
    });

    it('reports a wrong password as MEDIA_UNAVAILABLE without logging the password', async () => {
      const log = memoryLogger();
      const url = ftp.url.replace(encodeURIComponent(ftp.password), 'wrong-password');
      const store = new FtpMediaStore({ url, timeoutMs: 3000, log });
      stores.push(store);
      await rejectsWithCode(store.init(), 'MEDIA_UNAVAILABLE');
      assert.ok(!store.description.includes('wrong-password'));
      assert.ok(!JSON.stringify(log.entries.map((e) => ({ ...e.obj, err: String((e.obj as { err: unknown }).err) }))).includes('wrong-password'));
    });
  });
});
