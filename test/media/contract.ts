import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { contentKey, tempName, type MediaStore } from '../../server/media/media-store';
import {
  MiB, collect, digest, failingSource, generated, listFiles, peakRssGrowth, rejectsWithCode, sha256,
} from './helpers';

export interface MediaStoreFixture {
  /** A new store instance on this fixture's (initially empty) backing directory; not yet initialised. */
  open(): MediaStore;
  /** The local directory holding what the store writes, to look for leftovers. */
  root: string;
  dispose?(): Promise<void>;
}

const keyOf = (data: Uint8Array) => contentKey(sha256(data));

/**
 * The behaviour every MediaStore backend shares. A backend's test file calls this with a factory
 * that gives each test a fresh, empty backing directory.
 */
export function mediaStoreContract(name: string, factory: () => Promise<MediaStoreFixture>): void {
  describe(`MediaStore contract: ${name}`, function () {
    this.timeout(120_000);
    let fx: MediaStoreFixture;
    let store: MediaStore;
    const opened: MediaStore[] = [];
    const open = async () => {
      const s = fx.open();
      opened.push(s);
      await s.init();
      return s;
    };

    beforeEach(async () => {
      fx = await factory();
      store = await open();
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await fx.dispose?.();
    });

    /** Files in the backend other than committed media: temps, partial copies. */
    const strays = async () => (await listFiles(fx.root)).filter((f) => !/^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f));

    it('describes itself without secrets', () => {
      assert.ok(store.description.length > 0);
      assert.doesNotMatch(store.description, /:[^/@:]+@/);
    });

    for (const size of [0, 1, 3 * MiB]) {
      it(`round-trips ${size} B`, async () => {
        const data = randomBytes(size);
        const key = keyOf(data);
        assert.deepEqual(await store.put(key, Readable.from([data])), { size });
        assert.deepEqual(await store.stat(key), { size });
        const back = await collect(await store.get(key));
        assert.equal(back.length, size);
        assert.equal(sha256(back), sha256(data));
        assert.deepEqual(await strays(), []);
        assert.deepEqual(await listFiles(fx.root), [key]);
      });
    }

    it('reads from an offset', async () => {
      const data = randomBytes(300_000);
      const key = keyOf(data);
      await store.put(key, Readable.from([data]));
      for (const offset of [0, 1, 65_536, 123_457, 299_999]) {
        assert.ok((await collect(await store.get(key, { offset }))).equals(data.subarray(offset)), `offset ${offset}`);
      }
      assert.equal((await collect(await store.get(key, { offset: data.length }))).length, 0);
      await rejectsWithCode(store.get(key, { offset: data.length + 1 }), 'INVALID');
      await rejectsWithCode(store.get(key, { offset: -1 }), 'INVALID');
    });

    it('reports a missing key as NOT_FOUND / undefined / false', async () => {
      const key = keyOf(randomBytes(8));
      await rejectsWithCode(store.get(key), 'NOT_FOUND');
      assert.equal(await store.stat(key), undefined);
      assert.equal(await store.delete(key), false);
    });

    it('deletes', async () => {
      const data = randomBytes(1000);
      const key = keyOf(data);
      await store.put(key, Readable.from([data]));
      assert.equal(await store.delete(key), true);
      assert.equal(await store.stat(key), undefined);
      await rejectsWithCode(store.get(key), 'NOT_FOUND');
      assert.equal(await store.delete(key), false);
    });

    it('replaces on put', async () => {
      const key = keyOf(randomBytes(8));
      await store.put(key, Readable.from([Buffer.from('first')]));
      await store.put(key, Readable.from([Buffer.from('second!')]));
      assert.equal((await collect(await store.get(key))).toString(), 'second!');
      assert.deepEqual(await strays(), []);
    });

    it('refuses strings that are not content keys', async () => {
      const bad = ['', '../etc/passwd', 'ab/../../x', `AB/${'a'.repeat(64)}`, `ab/${'c'.repeat(64)}`, `ab/${'a'.repeat(63)}`, `ab/ab${'a'.repeat(62)}/x`];
      for (const key of bad) {
        await rejectsWithCode(store.get(key), 'INVALID');
        await rejectsWithCode(store.stat(key), 'INVALID');
        await rejectsWithCode(store.delete(key), 'INVALID');
        await rejectsWithCode(store.put(key, Readable.from([Buffer.from('x')])), 'INVALID');
      }
      assert.throws(() => contentKey('../'.padEnd(64, 'a')), { code: 'INVALID' });
      assert.throws(() => contentKey('A'.repeat(64)), { code: 'INVALID' });
      assert.equal(contentKey('ab'.padEnd(64, '0')), `ab/${'ab'.padEnd(64, '0')}`);
      assert.deepEqual(await listFiles(fx.root), []);
    });

    it('shows nothing under the key until the whole stream arrived', async () => {
      const key = keyOf(randomBytes(8));
      const source = new PassThrough();
      const put = store.put(key, source);
      source.write(randomBytes(MiB));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await store.stat(key), undefined);
      await rejectsWithCode(store.get(key), 'NOT_FOUND');
      source.end(randomBytes(1000));
      assert.deepEqual(await put, { size: MiB + 1000 });
      assert.deepEqual(await store.stat(key), { size: MiB + 1000 });
    });

    it('leaves nothing behind when the source fails midway, and rejects with its error', async () => {
      const key = keyOf(randomBytes(8));
      const boom = new Error('client went away');
      await assert.rejects(store.put(key, failingSource(2 * MiB, boom)), (err) => err === boom);
      assert.equal(await store.stat(key), undefined);
      assert.deepEqual(await listFiles(fx.root), []);
      // and the store still works
      const data = randomBytes(10);
      await store.put(keyOf(data), Readable.from([data]));
      assert.deepEqual(await listFiles(fx.root), [keyOf(data)]);
    });

    it('leaves nothing behind when a put is aborted', async () => {
      const key = keyOf(randomBytes(8));
      const source = new PassThrough();
      const ac = new AbortController();
      const put = store.put(key, source, { signal: ac.signal });
      source.write(randomBytes(MiB));
      await new Promise((r) => setTimeout(r, 100));
      const reason = new Error('upload cancelled');
      ac.abort(reason);
      await assert.rejects(put, (err) => err === reason);
      assert.equal(await store.stat(key), undefined);
      assert.deepEqual(await listFiles(fx.root), []);
    });

    it('stages, then commits under a key or discards', async () => {
      const data = randomBytes(5000);
      const key = keyOf(data);
      const staged = await store.stage(Readable.from([data]));
      assert.equal(staged.size, data.length);
      assert.equal(await store.stat(key), undefined);
      assert.deepEqual(await staged.commit(key), { stored: true });
      assert.ok((await collect(await store.get(key))).equals(data));

      // the same content again: the first copy stays, the second is dropped
      const again = await store.stage(Readable.from([data]));
      assert.deepEqual(await again.commit(key, { replace: false }), { stored: false });
      assert.deepEqual(await listFiles(fx.root), [key]);

      const dropped = await store.stage(Readable.from([randomBytes(3000)]));
      await dropped.discard();
      await dropped.discard();
      assert.deepEqual(await listFiles(fx.root), [key]);
    });

    it('handles 8 puts and 8 gets at once', async () => {
      const blobs = Array.from({ length: 8 }, (_, i) => randomBytes(MiB + i * 1000));
      const sizes = await Promise.all(blobs.map((b) => store.put(keyOf(b), Readable.from([b]))));
      assert.deepEqual(sizes.map((s) => s.size), blobs.map((b) => b.length));
      const back = await Promise.all(blobs.map(async (b) => digest(await store.get(keyOf(b)))));
      assert.deepEqual(back, blobs.map((b) => ({ size: b.length, sha256: sha256(b) })));
      // mixed: reads of old content while new content is written
      const more = Array.from({ length: 8 }, () => randomBytes(512 * 1024));
      await Promise.all([
        ...more.map((b) => store.put(keyOf(b), Readable.from([b]))),
        ...blobs.map(async (b) => assert.equal((await digest(await store.get(keyOf(b)))).sha256, sha256(b))),
      ]);
      assert.equal((await listFiles(fx.root)).length, 16);
      assert.deepEqual(await strays(), []);
    });

    it('frees what a get holds when the reader destroys the stream early', async () => {
      const data = randomBytes(3 * MiB);
      const key = keyOf(data);
      await store.put(key, Readable.from([data]));
      for (let i = 0; i < 6; i++) {
        const stream = await store.get(key);
        await new Promise<void>((resolve) => stream.once('data', () => resolve()));
        stream.destroy();
      }
      // an unread stream, given up without reading anything
      (await store.get(key)).destroy();
      assert.deepEqual(await store.stat(key), { size: data.length });
      assert.equal((await digest(await store.get(key))).sha256, sha256(data));
    });

    it('streams 200 MiB each way with flat memory', async () => {
      const total = 200 * MiB;
      const { stream, sha256: expected } = generated(total);
      const key = contentKey(expected);
      const up = await peakRssGrowth(() => store.put(key, stream));
      assert.deepEqual(up.result, { size: total });
      const down = await peakRssGrowth(async () => digest(await store.get(key)));
      assert.deepEqual(down.result, { size: total, sha256: expected });
      const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
      assert.ok(up.growth < 64 * MiB, `RSS grew ${mib(up.growth)} during the upload`);
      assert.ok(down.growth < 64 * MiB, `RSS grew ${mib(down.growth)} during the download`);
      console.log(`      RSS growth: put ${mib(up.growth)}, get ${mib(down.growth)}`);
      await store.delete(key);
    });

    it('sweeps temp files a crash left behind, but not fresh ones', async () => {
      const tmp = path.join(fx.root, '.tmp');
      await mkdir(tmp, { recursive: true });
      const stale = tempName(Date.now() - 7 * 60 * 60 * 1000);
      const fresh = tempName();
      await writeFile(path.join(tmp, stale), 'partial');
      await writeFile(path.join(tmp, fresh), 'in flight elsewhere');
      await store.close();
      await open();
      const left = await listFiles(fx.root);
      assert.ok(!left.includes(`.tmp/${stale}`), 'stale temp swept');
      assert.ok(left.includes(`.tmp/${fresh}`), 'fresh temp kept');
    });

    it('refuses work after close()', async () => {
      await store.close();
      await rejectsWithCode(store.stat(keyOf(Buffer.from('x'))), 'MEDIA_UNAVAILABLE');
      await rejectsWithCode(store.put(keyOf(Buffer.from('x')), Readable.from([Buffer.from('x')])), 'MEDIA_UNAVAILABLE');
    });
  });
}
