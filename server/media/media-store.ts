import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { ParleyError } from '../../protocol/errors';

/**
 * Where uploaded bytes live. Backends: a local directory (default) and an FTP server.
 *
 * Keys are content addresses made by `contentKey()`. Every method rejects with
 * ParleyError('MEDIA_UNAVAILABLE') when the backend is unreachable or full (the cause goes
 * to the logger), and with ParleyError('INVALID') for a string that is not a key.
 */
export interface MediaStore {
  readonly kind: 'disk' | 'ftp';
  /** For start-up logs; never contains a password. */
  readonly description: string;
  init(): Promise<void>;
  /** Aborts what is still running; later calls reject with MEDIA_UNAVAILABLE. */
  close(): Promise<void>;

  /**
   * Stores the stream under `key`, replacing what was there. Nothing is visible under `key`
   * until the whole stream arrived; a failed or aborted put leaves nothing behind. When the
   * source fails (or the signal aborts) the put rejects with that error, not MEDIA_UNAVAILABLE.
   */
  put(key: string, source: Readable, options?: PutOptions): Promise<{ size: number }>;

  /**
   * Writes the stream to a private temporary name, for callers that learn the key only at the
   * end (the upload pipeline). Nothing is visible under any key until `commit()`. Error rules
   * as for put(); a rejected stage leaves nothing behind.
   */
  stage(source: Readable, options?: PutOptions): Promise<StagedMedia>;

  /**
   * Streams the stored bytes from `offset` (default 0) with backpressure. Rejects NOT_FOUND
   * for a missing key and INVALID for an offset past the end. The consumer must read the
   * stream to its end or destroy it: an FTP stream holds a connection until then.
   */
  get(key: string, options?: GetOptions): Promise<Readable>;
  stat(key: string): Promise<{ size: number } | undefined>;
  /** True when something was deleted; a missing key is not an error. */
  delete(key: string): Promise<boolean>;
}

export interface PutOptions {
  /**
   * Aborts the put. With a signal, a backend with a bounded set of connections (FTP) waits for
   * a free one until the signal aborts; without one, only a bounded time.
   */
  signal?: AbortSignal;
}

export interface GetOptions {
  offset?: number;
  /**
   * With a signal, a backend with a bounded set of connections (FTP) waits for a free one until
   * the signal aborts (rejecting with its reason); without one, only a bounded time.
   */
  signal?: AbortSignal;
}

/** Bytes written under a temporary name, waiting for their key. Exactly one of commit/discard. */
export interface StagedMedia {
  readonly size: number;
  /**
   * Moves the bytes under `key` in one atomic rename. With `replace: false` an existing key is
   * kept and the staged copy dropped (`stored: false`): identical content is stored once.
   * Two commits racing for one content key both succeed; either copy is the same bytes.
   */
  commit(key: string, options?: { replace?: boolean }): Promise<{ stored: boolean }>;
  /** Deletes the staged bytes; never rejects (leftovers are swept by a later init()). */
  discard(): Promise<void>;
}

/** The part of a pino logger the stores use. */
export interface MediaLogger {
  warn(obj: object, msg?: string): void;
}

export const silentLogger: MediaLogger = { warn() {} };

const SHA256_HEX = /^[0-9a-f]{64}$/;
const KEY = /^([0-9a-f]{2})\/([0-9a-f]{64})$/;

/** `ab/abcdef…` for a lower-case hex sha256; anything else is refused so no client string becomes a path. */
export function contentKey(sha256: string): string {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
    throw new ParleyError('INVALID', 'A file id is a lower-case hex sha256.');
  }
  return `${sha256.slice(0, 2)}/${sha256}`;
}

export function isContentKey(key: unknown): key is string {
  if (typeof key !== 'string') return false;
  const m = KEY.exec(key);
  return m !== null && m[2].startsWith(m[1]);
}

export function assertKey(key: unknown): asserts key is string {
  if (!isContentKey(key)) throw new ParleyError('INVALID', 'Not a media key.');
}

export function assertOffset(offset: unknown): number {
  const o = offset ?? 0;
  if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) {
    throw new ParleyError('INVALID', 'A download offset is a whole number of bytes.');
  }
  return o;
}

/** The one error for "the backend failed"; the cause is logged here, not sent to clients. */
export function mediaUnavailable(log: MediaLogger, op: string, cause: unknown, backend: string): ParleyError {
  if (cause instanceof ParleyError) return cause;
  log.warn({ err: cause, op, backend }, 'media store unavailable');
  const err = new ParleyError('MEDIA_UNAVAILABLE');
  (err as { cause?: unknown }).cause = cause;
  return err;
}

export function notFound(): ParleyError {
  return new ParleyError('NOT_FOUND', 'No such file.');
}

export function closedError(): ParleyError {
  return new ParleyError('MEDIA_UNAVAILABLE', 'The media store is closed.');
}

// Temp names start with their creation time, so init() can sweep leftovers of a crash
// without touching uploads another server process has in flight.
export function tempName(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(8).toString('hex')}.part`;
}

export function isStaleTemp(name: string, maxAgeMs: number, now = Date.now()): boolean {
  const m = /^([0-9a-z]+)-[0-9a-f]{16}\.part$/.exec(name);
  if (!m) return false;
  return now - parseInt(m[1], 36) >= maxAgeMs;
}

/** Temp files older than this are leftovers of a crash; init() deletes them. */
export const DEFAULT_STALE_TEMP_MS = 6 * 60 * 60 * 1000;

export function chunkBytes(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError('media sources yield bytes');
}

/**
 * Which side of a copy failed first. pipeline() destroys every stream with the first error,
 * so the error alone can't tell a client's broken upload from a full disk; listeners added
 * before pipeline's own see the first failure first.
 */
export function watchFailure(source: Readable, dest: Writable): () => 'source' | 'dest' | undefined {
  let first: 'source' | 'dest' | undefined;
  const mark = (side: 'source' | 'dest') => () => {
    first ??= side;
  };
  source.once('error', mark('source'));
  source.once('close', () => {
    if (!source.readableEnded) mark('source')();
  });
  dest.once('error', mark('dest'));
  return () => first;
}
