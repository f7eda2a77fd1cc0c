import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { ingest, kindOf } from '../../server/media/ingest';
import { contentKey, type MediaStore } from '../../server/media/media-store';
import type { MediaStoreFixture } from './contract';
import { collect, listFiles, rejectsWithCode, sha256 } from './helpers';

const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG = Buffer.concat([
  Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
  randomBytes(2000),
  Buffer.from('ffd9', 'hex'),
]);
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WAVEfmt '), randomBytes(100)]);
const MP4 = Buffer.concat([Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex'), randomBytes(500)]);

/** Yields `data` in `size`-byte chunks, counting how many were taken. */
function chunked(data: Buffer, size = 100) {
  const state = { pulled: 0 };
  async function* gen() {
    for (let i = 0; i < data.length; i += size) {
      state.pulled++;
      yield data.subarray(i, i + size);
    }
  }
  return { source: gen(), state };
}

/** The upload pipeline on top of a store backend. */
export function ingestSuite(name: string, factory: () => Promise<MediaStoreFixture>): void {
  describe(`ingest into ${name}`, function () {
    this.timeout(60_000);
    let fx: MediaStoreFixture;
    let store: MediaStore;
    beforeEach(async () => {
      fx = await factory();
      store = fx.open();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
      await fx.dispose?.();
    });
    const files = () => listFiles(fx.root);
    const maxSize = 10 * 1024 * 1024;

    it('stores under the content address and reports size, digest and sniffed type', async () => {
      const { source } = chunked(PNG_1x1, 7);
      const r = await ingest(store, { size: PNG_1x1.length, maxSize, source, sha256: sha256(PNG_1x1) });
      assert.deepEqual(r, {
        key: contentKey(sha256(PNG_1x1)),
        sha256: sha256(PNG_1x1),
        size: PNG_1x1.length,
        mime: 'image/png',
        kind: 'image',
        stored: true,
      });
      assert.ok((await collect(await store.get(r.key))).equals(PNG_1x1));
      assert.deepEqual(await files(), [r.key]);
    });

    it('sniffs the type from the bytes, whatever the client calls the file', async () => {
      const cases: Array<[Buffer, string, string]> = [
        [JPEG, 'image/jpeg', 'image'],
        [WAV, 'audio/wav', 'audio'],
        [MP4, 'video/mp4', 'video'],
        [Buffer.from('just some text, named photo.png by the client'), 'text/plain', 'file'],
        [randomBytes(5000), 'application/octet-stream', 'file'],
        [Buffer.alloc(0), 'application/octet-stream', 'file'],
      ];
      for (const [data, mime, kind] of cases) {
        const r = await ingest(store, { size: data.length, maxSize, source: chunked(data).source });
        assert.deepEqual([r.mime, r.kind], [mime, kind], `${mime} expected`);
      }
      assert.equal(kindOf('image/svg+xml'), 'image');
      assert.equal(kindOf('application/pdf'), 'file');
    });

    it('names the type from the file name when the bytes say nothing, text/plain for text', async () => {
      const notes = Buffer.from('Meeting notes\n- ship the parser\n- naïve café ✓\n');
      const csv = Buffer.from('name,size\nparser.ts,1200\n');
      const cases: Array<[Buffer, string | undefined, string, string]> = [
        [notes, 'notes.txt', 'text/plain', 'file'],
        [csv, 'data.csv', 'text/csv', 'file'],
        [Buffer.from('{"a":1}'), 'config.json', 'application/json', 'file'],
        [notes, 'README', 'text/plain', 'file'],
        [notes, undefined, 'text/plain', 'file'],
        // The name never overrules the bytes, nor makes an image of text.
        [PNG_1x1, 'notes.txt', 'image/png', 'image'],
        [notes, 'photo.png', 'text/plain', 'file'],
        [randomBytes(3000), 'photo.png', 'application/octet-stream', 'file'],
        [randomBytes(3000), 'archive.blob', 'application/octet-stream', 'file'],
        [Buffer.from([0x68, 0x69, 0x00, 0x01]), 'dump', 'application/octet-stream', 'file'],
        [Buffer.from([0xc3, 0x28, 0x41]), 'latin', 'application/octet-stream', 'file'],
      ];
      for (const [data, name, mime, kind] of cases) {
        const r = await ingest(store, { size: data.length, maxSize, source: chunked(data).source, name });
        assert.deepEqual([r.mime, r.kind], [mime, kind], `${name}: ${mime} expected`);
      }
      // Text whose sniffed head ends inside a character is still text.
      const long = Buffer.from('é'.repeat(40_000));
      const r = await ingest(store, { size: long.length, maxSize, source: chunked(long, 4096).source, name: 'notes' });
      assert.equal(r.mime, 'text/plain');
    });

    it('stores identical content once', async () => {
      const data = randomBytes(50_000);
      const first = await ingest(store, { size: data.length, maxSize, source: chunked(data).source });
      const second = await ingest(store, { size: data.length, maxSize, source: chunked(data, 999).source });
      assert.equal(first.stored, true);
      assert.equal(second.stored, false);
      assert.equal(second.key, first.key);
      const racing = await Promise.all(
        [1, 2, 3].map(() => ingest(store, { size: JPEG.length, maxSize, source: chunked(JPEG).source })),
      );
      assert.ok(racing.every((r) => r.key === contentKey(sha256(JPEG))));
      assert.deepEqual(await files(), [first.key, contentKey(sha256(JPEG))].sort());
    });

    it('refuses more bytes than announced the moment they arrive, leaving nothing', async () => {
      const data = randomBytes(100_000);
      const { source, state } = chunked(data, 1000);
      await rejectsWithCode(ingest(store, { size: 10_000, maxSize, source }), 'TOO_LARGE');
      assert.ok(state.pulled >= 11 && state.pulled <= 13, `stopped reading after chunk ${state.pulled} of 100`);
      assert.deepEqual(await files(), []);
    });

    it('refuses an announced size over the limit without reading anything', async () => {
      const { source, state } = chunked(randomBytes(100));
      await rejectsWithCode(ingest(store, { size: 100, maxSize: 99, source }), 'TOO_LARGE');
      assert.equal(state.pulled, 0);
      for (const size of [-1, 1.5, Number.NaN]) {
        await rejectsWithCode(ingest(store, { size, maxSize, source: chunked(Buffer.alloc(1)).source }), 'INVALID');
      }
      assert.deepEqual(await files(), []);
    });

    it('refuses fewer bytes than announced, leaving nothing', async () => {
      const data = randomBytes(1000);
      const err = await rejectsWithCode(ingest(store, { size: 2000, maxSize, source: chunked(data).source }), 'INVALID');
      assert.match(err.message, /1000 of the 2000/);
      assert.deepEqual(await files(), []);
    });

    it('refuses a wrong sha256, read only after the last chunk, leaving nothing', async () => {
      const data = randomBytes(3000);
      const { source, state } = chunked(data);
      let askedAfter = -1;
      const claim = () => {
        askedAfter = state.pulled;
        return sha256(Buffer.from('something else'));
      };
      await rejectsWithCode(ingest(store, { size: data.length, maxSize, source, sha256: claim }), 'INVALID');
      assert.equal(askedAfter, 30);
      assert.deepEqual(await files(), []);
      // the right claim, in any case, is accepted
      const ok = await ingest(store, { size: data.length, maxSize, source: chunked(data).source, sha256: sha256(data).toUpperCase() });
      assert.equal(ok.sha256, sha256(data));
    });

    it('passes a failing source\'s error on, leaving nothing', async () => {
      const boom = new Error('connection reset');
      async function* source() {
        yield randomBytes(100_000);
        throw boom;
      }
      await assert.rejects(ingest(store, { size: 200_000, maxSize, source: source() }), (err) => err === boom);
      assert.deepEqual(await files(), []);
    });
  });
}
