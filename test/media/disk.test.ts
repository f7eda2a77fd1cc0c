import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DiskMediaStore } from '../../server/media/disk-store';
import { contentKey } from '../../server/media/media-store';
import { defaultMediaConfig, openMediaStore } from '../../server/media/open-media-store';
import { mediaStoreContract } from './contract';
import { MiB, generated, listFiles, memoryLogger, rejectsWithCode, sha256, tinyFilesystem } from './helpers';

mediaStoreContract('disk', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'parley-media-'));
  return {
    root,
    open: () => new DiskMediaStore({ dir: root }),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
});

describe('DiskMediaStore', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'parley-media-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is the default, under <dataDir>/media', () => {
    const store = openMediaStore(defaultMediaConfig('/srv/parley'));
    assert.equal(store.kind, 'disk');
    assert.equal(store.description, 'disk /srv/parley/media');
  });

  it('maps a broken backing directory to MEDIA_UNAVAILABLE and logs the cause', async () => {
    const log = memoryLogger();
    const store = new DiskMediaStore({ dir: root, log });
    await store.init();
    // the temp dir replaced by a file: every write fails the way a broken disk would
    await rm(path.join(root, '.tmp'), { recursive: true });
    await writeFile(path.join(root, '.tmp'), '');
    const data = Buffer.from('hello');
    const err = await rejectsWithCode(store.put(contentKey(sha256(data)), Readable.from([data])), 'MEDIA_UNAVAILABLE');
    assert.equal(err.message, 'The media store is unavailable; try again later.');
    assert.equal(log.entries.length, 1);
    assert.match(String((log.entries[0].obj as { err: Error }).err), /ENOTDIR/);
  });

  it('reports a full disk as MEDIA_UNAVAILABLE and leaves nothing behind', async function () {
    const mnt = path.join(root, 'tiny');
    const unmount = await tinyFilesystem(mnt);
    if (!unmount) return this.skip();
    try {
      const log = memoryLogger();
      const store = new DiskMediaStore({ dir: mnt, log });
      await store.init();
      const big = generated(4 * MiB);
      await rejectsWithCode(store.put(contentKey(big.sha256), big.stream), 'MEDIA_UNAVAILABLE');
      assert.match(String((log.entries[0].obj as { err: Error }).err), /ENOSPC/);
      assert.deepEqual(await listFiles(mnt), []);
      const small = Buffer.from('still fits');
      await store.put(contentKey(sha256(small)), Readable.from([small]));
      assert.deepEqual(await listFiles(mnt), [contentKey(sha256(small))]);
    } finally {
      await unmount();
    }
  });

  it('fails init() with MEDIA_UNAVAILABLE when the directory cannot be made', async () => {
    await writeFile(path.join(root, 'file'), '');
    const store = new DiskMediaStore({ dir: path.join(root, 'file', 'media') });
    await rejectsWithCode(store.init(), 'MEDIA_UNAVAILABLE');
  });
});
