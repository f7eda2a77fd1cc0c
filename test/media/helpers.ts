import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ParleyError, type ErrorCode } from '../../protocol/errors';
import type { MediaLogger } from '../../server/media/media-store';

export const MiB = 1024 * 1024;

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads a stream to its end, returning its bytes. */
export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Reads a stream to its end without keeping it: its size and sha256. */
export async function digest(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * `total` bytes made on demand (a random block repeated), with the sha256 it will have:
 * lets a test move hundreds of MiB without holding them.
 */
export function generated(total: number, chunk = MiB): { stream: Readable; sha256: string } {
  const block = randomBytes(chunk);
  const hash = createHash('sha256');
  for (let left = total; left > 0; left -= chunk) hash.update(left >= chunk ? block : block.subarray(0, left));
  let sent = 0;
  const stream = new Readable({
    highWaterMark: chunk,
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, total - sent);
      sent += n;
      this.push(n === chunk ? block : block.subarray(0, n));
    },
  });
  return { stream, sha256: hash.digest('hex') };
}

/** A source that sends `before` bytes, then fails with `error`. */
export function failingSource(before: number, error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(randomBytes(before));
        return;
      }
      setTimeout(() => this.destroy(error), 5);
    },
  });
}

/** Every regular file under `root`, relative, sorted ('' when root is missing). */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else out.push(path.relative(root, full));
    }
  }
  await walk(root);
  return out.sort();
}

export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<ParleyError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ParleyError, `expected ParleyError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected rejection with ${code}`);
}

/** Peak RSS growth over a baseline while `fn` runs, sampled every 10 ms. */
export async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - base };
  } finally {
    clearInterval(timer);
  }
}

/** A logger that keeps what it was given, to check that causes are logged. */
export function memoryLogger(): MediaLogger & { entries: Array<{ obj: object; msg?: string }> } {
  const entries: Array<{ obj: object; msg?: string }> = [];
  return {
    entries,
    warn(obj: object, msg?: string) {
      entries.push({ obj, msg });
    },
  };
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A tiny tmpfs to fill up, or undefined where mounting is not allowed (not root, no
 * CAP_SYS_ADMIN). The caller unmounts it with the returned function.
 */
export async function tinyFilesystem(dir: string, size = '1m'): Promise<(() => Promise<void>) | undefined> {
  await mkdir(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return async () => {
    spawnSync('umount', ['-l', dir]);
  };
}
