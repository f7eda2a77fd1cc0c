import { createHash, type Hash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * sha256 of a stream of bytes, computed as they pass. Large transfers hash on a worker thread,
 * so hashing (the costliest work of a relayed byte) runs beside the socket I/O instead of
 * between it; the server's thread also runs at a lower priority, so it never delays chat.
 * Depends on Node built-ins only: the server and the client both use it.
 */
export interface StreamHash {
  /**
   * Adds bytes; the caller may reuse them at once. False when the hash lags by more than its
   * bound: wait for ready() before the next update to keep memory flat.
   */
  update(data: Uint8Array): boolean;
  /** Resolves once the lag is back under half the bound (at once for an in-thread hash). */
  ready(): Promise<void>;
  /** Lower-case hex digest of everything updated; ends the hash. */
  digest(): Promise<string>;
  /** Drops the hash without a digest (a failed or cancelled transfer). */
  dispose(): void;
}

/** Below this many bytes a worker round trip costs more than it saves. */
export const THREAD_HASH_MIN_BYTES = 1024 * 1024;
/**
 * Each thread hash owns a ring of shared memory this large: bytes are copied in, the worker
 * hashes them in place and says so, and the space is used again. Nothing is allocated per
 * chunk, so memory stays flat however large the transfer.
 */
const RING_BYTES = 4 * 1024 * 1024;
/** Ring bytes handed to the worker in one message: fewer, larger messages cost less. */
const POST_BYTES = 256 * 1024;
/** update() returns false above this lag; ready() resolves at or below half of it. */
const HIGH_LAG = RING_BYTES / 2;
/**
 * Nice value the server's hashing thread runs at (Linux; elsewhere threads keep the normal
 * priority): uploads then take the CPU that chat leaves, rather than delay it.
 */
export const SERVER_HASH_NICE = 10;

/** A hash in this thread, for small transfers or when no worker thread can run. */
class LocalHash implements StreamHash {
  private readonly hash: Hash = createHash('sha256');

  update(data: Uint8Array): boolean {
    this.hash.update(data);
    return true;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  digest(): Promise<string> {
    return Promise.resolve(this.hash.digest('hex'));
  }

  dispose(): void {}
}

// Plain CommonJS run by the worker thread, so no bundler has to find a second entry point.
// Messages in: [id, ring] opens a hash over a SharedArrayBuffer, [id, at, n] adds ring bytes
// at..at+n, [id, null] asks for the digest, [id, false] drops the hash.
// Messages out: [id, n] once n bytes are hashed (their ring space is free), [id, hex] the digest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
if (workerData.nice) {
  try {
    // On Linux a thread has its own nice value: lower this thread only, not the server.
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    require('node:os').setPriority(tid, workerData.nice);
  } catch {}
}
const hashes = new Map();
parentPort.on('message', ([id, a, n]) => {
  if (a instanceof SharedArrayBuffer) {
    hashes.set(id, { hash: createHash('sha256'), ring: new Uint8Array(a) });
    return;
  }
  const h = hashes.get(id);
  if (h === undefined) return;
  if (a === false) {
    hashes.delete(id);
  } else if (a === null) {
    hashes.delete(id);
    parentPort.postMessage([id, h.hash.digest('hex')]);
  } else {
    h.hash.update(h.ring.subarray(a, a + n));
    parentPort.postMessage([id, n]);
  }
});
`;

/**
 * One hashing thread per nice value in use; started on first use, restarted if it dies. Hashes
 * go to it only once it runs: until then (and wherever no worker thread can start) they are
 * computed in the calling thread, so a platform without worker threads loses nothing.
 */
class HashThread {
  private static readonly threads = new Map<number, HashThread>();
  private readonly worker: Worker;
  private readonly hashes = new Map<number, ThreadHash>();
  private nextId = 1;
  private dead = false;
  online = false;
  readonly started: Promise<boolean>;

  static get(nice: number): HashThread {
    let thread = HashThread.threads.get(nice);
    if (thread === undefined || thread.dead) {
      thread = new HashThread(nice);
      HashThread.threads.set(nice, thread);
    }
    return thread;
  }

  private constructor(nice: number) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { nice: nice > 0 && canLowerThreadPriority() ? nice : 0 } });
    this.worker.on('message', ([id, value]: [number, number | string]) => this.hashes.get(id)?.reply(value));
    this.started = new Promise((resolve) => {
      this.worker.once('online', () => {
        this.online = true;
        // An idle hashing thread never keeps a process alive (starting, it does: someone may
        // wait for it). After the listeners: adding a 'message' listener refs the worker again.
        if (this.hashes.size === 0) this.worker.unref();
        resolve(true);
      });
      this.worker.once('exit', () => resolve(false));
    });
    this.worker.on('error', (err) => this.died(err));
    this.worker.on('exit', (code) => this.died(new Error(`the hashing thread exited with code ${code}`)));
  }

  open(hash: ThreadHash): number {
    const id = this.nextId++;
    if (this.hashes.size === 0) this.worker.ref();
    this.hashes.set(id, hash);
    return id;
  }

  close(id: number, drop: boolean): void {
    if (!this.hashes.delete(id)) return;
    if (drop && !this.dead) this.post([id, false]);
    if (this.hashes.size === 0) this.worker.unref();
  }

  post(message: [number, SharedArrayBuffer | number | null | false, number?]): void {
    this.worker.postMessage(message);
  }

  private died(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    // a thread that never ran will not run next time either
    if (!this.online) threadsWork = false;
    for (const hash of [...this.hashes.values()]) hash.fail(err);
    this.hashes.clear();
  }
}

class ThreadHash implements StreamHash {
  private readonly thread: HashThread;
  private readonly id: number;
  private readonly ring = new Uint8Array(new SharedArrayBuffer(RING_BYTES));
  /** Where the next bytes go in the ring. */
  private at = 0;
  /** Bytes in the ring not yet hashed (the unposted ones included). */
  private lag = 0;
  /** Ring bytes at postAt..at not yet handed to the worker. */
  private postAt = 0;
  private unposted = 0;
  /** Bytes that did not fit in the ring yet (copies: the caller may reuse its buffers). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private waiters: (() => void)[] = [];
  private result: { resolve(hex: string): void; reject(err: Error): void } | undefined;
  private error: Error | undefined;
  private ended = false;
  private digestAsked = false;

  constructor(thread: HashThread) {
    this.thread = thread;
    this.id = this.thread.open(this);
    this.thread.post([this.id, this.ring.buffer as SharedArrayBuffer]);
  }

  update(data: Uint8Array): boolean {
    if (this.ended) throw new Error('hash already ended');
    if (this.error) return true;
    const rest = this.pending.length === 0 ? this.copyIn(data) : data;
    if (rest.byteLength > 0) {
      this.pending.push(Uint8Array.prototype.slice.call(rest));
      this.pendingBytes += rest.byteLength;
    }
    return this.lag + this.pendingBytes <= HIGH_LAG;
  }

  ready(): Promise<void> {
    if (this.error || this.ended || this.lag + this.pendingBytes <= HIGH_LAG / 2) return Promise.resolve();
    this.flush();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  digest(): Promise<string> {
    if (this.ended) return Promise.reject(new Error('hash already ended'));
    this.ended = true;
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.result = { resolve, reject };
      // asked for once every byte is in the ring; the worker answers in order
      if (this.pending.length === 0) this.askDigest();
    });
  }

  dispose(): void {
    this.ended = true;
    this.result = undefined;
    this.pending = [];
    this.thread.close(this.id, true);
    this.wake();
  }

  /** @internal from the thread */
  reply(value: number | string): void {
    if (typeof value === 'string') {
      this.thread.close(this.id, false);
      this.result?.resolve(value);
      return;
    }
    this.lag -= value;
    while (this.pending.length > 0) {
      const first = this.pending[0];
      const rest = this.copyIn(first);
      this.pendingBytes -= first.byteLength - rest.byteLength;
      if (rest.byteLength > 0) {
        this.pending[0] = rest;
        break;
      }
      this.pending.shift();
    }
    // digest() came while bytes were still waiting for ring space
    if (this.pending.length === 0 && this.result !== undefined) this.askDigest();
    if (this.lag + this.pendingBytes <= HIGH_LAG / 2) this.wake();
  }

  /** @internal the thread died */
  fail(err: Error): void {
    this.error = err;
    this.pending = [];
    this.wake();
    this.result?.reject(err);
  }

  private askDigest(): void {
    if (this.digestAsked) return;
    this.digestAsked = true;
    this.flush();
    this.thread.post([this.id, null]);
  }

  /** Hands the bytes copied since the last message to the worker. */
  private flush(): void {
    if (this.unposted === 0) return;
    this.thread.post([this.id, this.postAt, this.unposted]);
    this.postAt = this.at;
    this.unposted = 0;
  }

  /** Copies as much as fits into the ring and hands it to the worker; returns what did not fit. */
  private copyIn(data: Uint8Array): Uint8Array {
    let rest = data;
    while (rest.byteLength > 0 && this.lag < RING_BYTES) {
      const at = this.at;
      const n = Math.min(rest.byteLength, RING_BYTES - this.lag, RING_BYTES - at);
      this.ring.set(rest.subarray(0, n), at);
      this.at = (at + n) % RING_BYTES;
      this.lag += n;
      this.unposted += n;
      rest = rest.subarray(n);
      // a message covers one contiguous stretch: post at the ring's end, or once enough piled up
      if (this.unposted >= POST_BYTES || this.at === 0) this.flush();
    }
    // the ring is full: what is in it must reach the worker, or no space would ever come back
    if (rest.byteLength > 0) this.flush();
    return rest;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

let threadsWork = true;

/**
 * A hash for a transfer of about `expectedBytes`: on a hashing thread when that is large, in
 * this thread when it is small or no worker thread can be started. `nice` (default 0) lowers
 * the hashing thread's priority; the server uses SERVER_HASH_NICE, clients the default.
 */
export function streamHash(expectedBytes: number, options: { nice?: number } = {}): StreamHash {
  if (expectedBytes < THREAD_HASH_MIN_BYTES || !threadsWork) return new LocalHash();
  const thread = hashThread(options.nice ?? 0);
  return thread?.online ? new ThreadHash(thread) : new LocalHash();
}

/**
 * Starts the hashing thread for `nice` ahead of the first large transfer; resolves with whether
 * it runs. Transfers work without calling this: the first ones then hash in this thread.
 */
export function startHashThread(nice = 0): Promise<boolean> {
  return hashThread(nice)?.started ?? Promise.resolve(false);
}

function hashThread(nice: number): HashThread | undefined {
  if (!threadsWork) return undefined;
  try {
    return HashThread.get(nice);
  } catch {
    threadsWork = false;
    return undefined;
  }
}

let lowerPriority: boolean | undefined;

/** Whether this platform gives threads their own nice value (Linux does). */
function canLowerThreadPriority(): boolean {
  if (lowerPriority === undefined) {
    try {
      lowerPriority = process.platform === 'linux' && readlinkSync('/proc/thread-self').length > 0 && typeof setPriority === 'function';
    } catch {
      lowerPriority = false;
    }
  }
  return lowerPriority;
}
