// The media cache on its own: hits without the network, LRU eviction under the cap, safe names.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MediaCache, safeName } from '../../extension/mediaCache';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('media cache', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'parley-media-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function put(body: string, name: string, usedAt: number): string {
    const entry = path.join(dir, sha(body));
    mkdirSync(entry);
    const file = path.join(entry, name);
    writeFileSync(file, body);
    utimesSync(file, usedAt / 1000, usedAt / 1000);
    return sha(body);
  }

  it('answers from disk for a file it knows the sha256 of, without a connection', async () => {
    const body = 'cached bytes';
    put(body, 'a.txt', Date.now());
    const cache = new MediaCache(dir);
    cache.note({ fileId: 'f1', name: 'a.txt', size: body.length, mime: 'text/plain', kind: 'file', sha256: sha(body) });
    const got = await cache.get(() => {
      throw new Error('no network expected');
    }, 'f1');
    assert.equal(got.path, path.join(dir, sha(body), 'a.txt'));
    assert.equal(got.mime, 'text/plain');
  });

  it('evicts the least recently used entries once over the cap, never the one just stored', async () => {
    const t = Date.now();
    const old = put('x'.repeat(400), 'old.bin', t - 30_000);
    const mid = put('y'.repeat(400), 'mid.bin', t - 20_000);
    const fresh = put('z'.repeat(400), 'new.bin', t - 40_000);
    await new MediaCache(dir, 900).evict(fresh);
    assert.equal(existsSync(path.join(dir, old)), false);
    assert.equal(existsSync(path.join(dir, mid)), true);
    assert.equal(existsSync(path.join(dir, fresh)), true);
  });

  it('makes names safe to write and keeps their extension', () => {
    assert.equal(safeName('../../etc/passwd'), 'passwd');
    assert.equal(safeName('a:b*c?.png'), 'a_b_c_.png');
    assert.equal(safeName('..'), 'file');
    assert.equal(safeName('dir\\evil.exe'), 'evil.exe');
  });
});
