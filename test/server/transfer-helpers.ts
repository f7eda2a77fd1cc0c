import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Connection } from '../../client/connection';
import type { SessionReply } from '../../protocol';
import type { TestServer } from '../helpers/server';
import { connect } from './chat-helpers';

export const MiB = 1024 * 1024;

/** `size` bytes made on the fly (never held whole), hashed as they are made. */
export function generated(size: number): { stream: Readable; sha256: () => string } {
  const block = randomBytes(Math.min(MiB, Math.max(1, size)));
  const hash = createHash('sha256');
  let made = 0;
  let n = 0;
  const stream = new Readable({
    highWaterMark: MiB,
    read() {
      if (made >= size) {
        this.push(null);
        return;
      }
      const len = Math.min(block.length, size - made);
      // every block differs, so no two offsets of the stream look alike
      const chunk = Buffer.from(block.subarray(0, len));
      if (len >= 8) chunk.writeDoubleBE(n++, 0);
      hash.update(chunk);
      made += len;
      this.push(chunk);
    },
  });
  let digest: string | undefined;
  return {
    stream,
    sha256: () => {
      if (made < size) throw new Error('the stream was not read to its end');
      digest ??= hash.digest('hex');
      return digest;
    },
  };
}

/** A Writable that only hashes and counts what it gets. */
export class HashSink extends Writable {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor() {
    super({ highWaterMark: MiB });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback();
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A second connection signed in with the same token for transfers only: what clients use. */
export async function transferConnection(server: TestServer, token: string): Promise<Connection> {
  const conn = await connect(server);
  await conn.request<SessionReply>({ t: 'resume', token, transfer: true });
  return conn;
}

/** Content objects in a disk media dir (`ab/abcdef…`), temp files left out. */
export function mediaObjects(mediaDir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(mediaDir)) return out;
  for (const shard of fs.readdirSync(mediaDir)) {
    if (shard === '.tmp') continue;
    const dir = path.join(mediaDir, shard);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const name of fs.readdirSync(dir)) out.push(`${shard}/${name}`);
  }
  return out.sort();
}

export function tempFiles(mediaDir: string): string[] {
  const tmp = path.join(mediaDir, '.tmp');
  return fs.existsSync(tmp) ? fs.readdirSync(tmp) : [];
}

/** Resident memory of a process, from /proc. */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function openFds(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** Samples a process's RSS until stopped; returns the peak. */
export function rssPeak(pid: number, intervalMs = 20): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      // the process ended
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The smallest valid PNG: 1×1, one grey pixel. */
export const PNG_1x1 = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010800000000' + '3a7e9b550000000a49444154789c63600000000200015e2f3a5b0000000049454e44ae426082',
  'hex',
);
