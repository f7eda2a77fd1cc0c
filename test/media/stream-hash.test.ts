import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { THREAD_HASH_MIN_BYTES, startHashThread, streamHash } from '../../common/stream-hash';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Feeds `data` in pieces of `piece` bytes, waiting for ready() whenever update() says so. */
async function hashInPieces(data: Buffer, piece: number, reuse = false): Promise<string> {
  const hash = streamHash(data.length);
  const scratch = Buffer.alloc(piece);
  for (let at = 0; at < data.length; at += piece) {
    let part = data.subarray(at, at + piece);
    if (reuse) {
      // the caller reuses its buffer right after update()
      part.copy(scratch);
      part = scratch.subarray(0, part.length);
    }
    const caughtUp = hash.update(part);
    if (reuse) scratch.fill(0);
    if (!caughtUp) await hash.ready();
  }
  return hash.digest();
}

describe('media: stream hash (worker thread for large transfers)', () => {
  before(async () => {
    assert.equal(await startHashThread(), true, 'the hashing thread runs here');
  });

  it('matches crypto for small, large, odd-sized and reused chunks', async function () {
    this.timeout(60_000);
    const small = randomBytes(1000);
    assert.equal(await hashInPieces(small, 100), sha256(small));
    const large = randomBytes(THREAD_HASH_MIN_BYTES * 12 + 13);
    for (const piece of [65_536, 256 * 1024 + 7, 3 * MiB, 10 * MiB, large.length]) {
      assert.equal(await hashInPieces(large, piece), sha256(large), `pieces of ${piece}`);
    }
    assert.equal(await hashInPieces(large, 1 * MiB + 1, true), sha256(large), 'reused buffers');
  });

  it('runs several hashes at once, and a disposed hash does not disturb the others', async function () {
    this.timeout(60_000);
    const data = [0, 1, 2, 3].map((i) => randomBytes(3 * MiB + i));
    const dropped = streamHash(8 * MiB);
    dropped.update(randomBytes(2 * MiB));
    const digests = Promise.all(data.map((d, i) => hashInPieces(d, 100_000 + i * 5000)));
    dropped.dispose();
    assert.deepEqual(await digests, data.map(sha256));
    await assert.rejects(dropped.digest());
  });

  it('never keeps a process alive, before or after its thread ran', function () {
    this.timeout(60_000);
    const module = JSON.stringify(path.join(__dirname, '../../common/stream-hash.ts'));
    for (const code of [
      // a large hash while the thread is still starting (hashed in this thread)
      `const { streamHash } = require(${module}); const h = streamHash(8 << 20); h.update(Buffer.alloc(1 << 20)); h.digest().then((d) => console.log(d));`,
      // a hash on the thread
      `const { streamHash, startHashThread } = require(${module}); startHashThread().then(() => { const h = streamHash(8 << 20); h.update(Buffer.alloc(1 << 20)); return h.digest(); }).then((d) => console.log(d));`,
    ]) {
      const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', code], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.signal, null, 'the process exited by itself');
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), sha256(Buffer.alloc(1 << 20)));
    }
  });

  it('hashes an empty transfer', async () => {
    const hash = streamHash(10 * MiB);
    assert.equal(await hash.digest(), sha256(Buffer.alloc(0)));
  });
});
