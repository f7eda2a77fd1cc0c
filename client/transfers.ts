import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import {
  MAX_AVATAR_UPLOAD,
  ParleyError,
  type AckReply,
  type ProfileEvent,
  type DownloadEndReply,
  type DownloadStartReply,
  type ServerFrame,
  type UploadReadyReply,
} from '../protocol';
import { streamHash, type StreamHash } from '../common/stream-hash';
import { Connection, ConnectionError, type OutgoingFrame } from './connection';
import type { ParleyClient } from './session';

/** A signed-in client (a transfer connection is opened and closed per call) or a connection to use as is. */
export type TransferTarget = ParleyClient | Connection;

export type TransferErrorCode = 'SHA_MISMATCH' | 'SIZE_MISMATCH';

/** The bytes did not turn out as announced; checked on this side, not refused by the server. */
export class TransferError extends Error {
  constructor(
    readonly code: TransferErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}

export interface UploadOptions {
  room: string;
  /** A file to send; or give `stream` and `size`. */
  path?: string;
  stream?: Readable;
  /** Shown to the room; defaults to the base name of `path`. */
  name?: string;
  /** Bytes the stream will yield; required with `stream`. */
  size?: number;
  /** A hint only: the server sniffs the type from the content. */
  mime?: string;
  signal?: AbortSignal;
  onProgress?: (sent: number, total: number) => void;
  /** How long the server may take to file the upload after its last byte (default 120 s). */
  timeoutMs?: number;
}

export interface DownloadOptions {
  fileId: string;
  /** Resume: bytes already held. With a path they are the file's first `offset` bytes. */
  offset?: number;
  /** A path (written from `offset` on, truncated there first) or a stream that gets the bytes from `offset` on. */
  to: string | Writable;
  /** With a Writable and an offset: the bytes already held, so the whole file's sha256 can be checked. */
  prefix?: Readable | Buffer;
  /** Aborting closes the transfer connection: the protocol has no way to stop one download. */
  signal?: AbortSignal;
  /** `received` counts the whole file, the resumed prefix included. */
  onProgress?: (received: number, total: number) => void;
  /** Longest silence from the server before giving up (default 60 s). */
  timeoutMs?: number;
}

export interface DownloadResult {
  fileId: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  /** Where this download started. */
  offset: number;
}

const DEFAULT_END_TIMEOUT_MS = 120_000;
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * Uploads a file or stream into `room` and resolves with the server's ack, which carries the
 * stored `file` (fileId, sniffed mime). The sha256 is computed while sending; the server checks
 * it and the size, and posts nothing when either is off.
 */
export async function uploadFile(target: TransferTarget, options: UploadOptions): Promise<AckReply> {
  const { size, name } = await describeSource(options);
  return withConnection(target, async (conn) => {
    const max = conn.limits.maxUpload;
    if (size > max) throw new ParleyError('TOO_LARGE', `${name} is ${size} bytes; this server accepts files up to ${max} bytes.`);
    options.signal?.throwIfAborted();
    const request: OutgoingFrame = { t: 'upload', room: options.room, name, size };
    if (options.mime !== undefined) request.mime = options.mime;
    const ready = await conn.request<UploadReadyReply>(request);
    const source = options.stream ?? fs.createReadStream(options.path as string, { highWaterMark: ready.chunk });
    const sha256 = await sendBody(conn, ready, source, size, options);
    return conn.request<AckReply>({ t: 'upload_end', uploadId: ready.uploadId, sha256 }, undefined, {
      timeoutMs: options.timeoutMs ?? DEFAULT_END_TIMEOUT_MS,
    });
  });
}

export type AvatarOptions = Omit<UploadOptions, 'room' | 'mime'>;

/**
 * Uploads a picture as the signed-in user's avatar and resolves with their new profile. The server
 * keeps only a 128×128 PNG made from it; anything but a PNG, JPEG, GIF or BMP is UNSUPPORTED_IMAGE.
 */
export async function uploadAvatar(target: TransferTarget, options: AvatarOptions): Promise<ProfileEvent> {
  const { size, name } = await describeSource({ ...options, room: '' });
  return withConnection(target, async (conn) => {
    if (size > MAX_AVATAR_UPLOAD) throw new ParleyError('TOO_LARGE', `${name} is ${size} bytes; avatars are at most ${MAX_AVATAR_UPLOAD} bytes.`);
    options.signal?.throwIfAborted();
    const ready = await conn.request<UploadReadyReply>({ t: 'avatar', size, name });
    const source = options.stream ?? fs.createReadStream(options.path as string, { highWaterMark: ready.chunk });
    const sha256 = await sendBody(conn, ready, source, size, { ...options, room: '' });
    return conn.request<ProfileEvent>({ t: 'upload_end', uploadId: ready.uploadId, sha256 }, undefined, {
      timeoutMs: options.timeoutMs ?? DEFAULT_END_TIMEOUT_MS,
    });
  });
}

async function describeSource(options: UploadOptions): Promise<{ size: number; name: string }> {
  if (options.path !== undefined) {
    const st = await fs.promises.stat(options.path);
    if (!st.isFile()) throw new Error(`${options.path} is not a file.`);
    return { size: options.size ?? st.size, name: options.name ?? path.basename(options.path) };
  }
  if (options.stream === undefined) throw new TypeError('uploadFile needs a path or a stream.');
  if (options.size === undefined || !Number.isSafeInteger(options.size) || options.size < 0) {
    throw new TypeError('uploadFile needs the size of a stream.');
  }
  return { size: options.size, name: options.name ?? 'file' };
}

/** Streams the bytes as chunk frames with backpressure; resolves with their sha256. */
function sendBody(conn: Connection, ready: UploadReadyReply, source: Readable, size: number, options: UploadOptions): Promise<string> {
  const { uploadId } = ready;
  const chunkSize = Math.max(1, Math.min(ready.chunk, conn.limits.maxFrame - 1024));
  const header = { t: 'chunk', uploadId };
  // a large file hashes on a worker thread, beside the socket writes rather than between them
  const hash = streamHash(size);
  let sent = 0;
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    // the source is paused while the socket's queue is full or the hash lags; both must clear
    let socketFull = false;
    let hashBehind = false;
    const resumeSource = (): void => {
      if (!settled && !socketFull && !hashBehind) source.resume();
    };
    const finish = (err?: Error, abort = false): void => {
      if (settled) return;
      settled = true;
      conn.off('frame', onFrame);
      conn.off('close', onClose);
      conn.off('drain', onDrain);
      options.signal?.removeEventListener('abort', onAbort);
      source.off('data', onData);
      if (err === undefined) {
        resolve(hash.digest());
        return;
      }
      hash.dispose();
      source.destroy();
      if (abort && !conn.closed) conn.send({ t: 'upload_abort', uploadId });
      reject(err);
    };
    const onFrame = (frame: ServerFrame): void => {
      // the server gave up on the upload before its end (media store down, size exceeded)
      if (frame.t === 'error' && frame.uploadId === uploadId) finish(new ParleyError(frame.code, frame.message));
    };
    const onClose = (err?: Error): void => finish(err ?? new ConnectionError('CLOSED', 'The connection closed during the upload.'));
    const onDrain = (): void => {
      socketFull = false;
      resumeSource();
    };
    const onAbort = (): void => finish(abortReason(options.signal), true);
    const onData = (data: Buffer | string): void => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      if (sent + bytes.length > size) {
        finish(new TransferError('SIZE_MISMATCH', `The source yielded more than the ${size} bytes announced.`), true);
        return;
      }
      const hashCaughtUp = hash.update(bytes);
      sent += bytes.length;
      let open = true;
      try {
        for (let at = 0; at < bytes.length; at += chunkSize) {
          open = conn.send(header, at === 0 && bytes.length <= chunkSize ? bytes : bytes.subarray(at, at + chunkSize));
        }
      } catch (err) {
        finish(err as Error);
        return;
      }
      options.onProgress?.(sent, size);
      if (!open) {
        socketFull = true;
        source.pause();
      }
      if (!hashCaughtUp && !hashBehind) {
        hashBehind = true;
        source.pause();
        void hash.ready().then(() => {
          hashBehind = false;
          resumeSource();
        });
      }
    };
    conn.on('frame', onFrame);
    conn.on('close', onClose);
    conn.on('drain', onDrain);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    source.on('data', onData);
    source.once('end', () => {
      if (sent !== size) finish(new TransferError('SIZE_MISMATCH', `The source ended after ${sent} of the ${size} bytes announced.`), true);
      else finish();
    });
    source.once('error', (err) => finish(err, true));
    if (options.signal?.aborted) onAbort();
  });
}

/**
 * Downloads a file and checks the whole file's sha256 at the end (a resumed download hashes
 * the prefix it already holds first). Resolves once every byte is written; for a path the
 * bytes received so far stay in the file when it fails, ready for a resume with their count.
 */
export async function downloadFile(target: TransferTarget, options: DownloadOptions): Promise<DownloadResult> {
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new TypeError('offset must be a whole number of bytes.');
  // a resumed download hashes its prefix first; a fresh one learns its size from download_start
  let hash: StreamHash | undefined;
  if (offset > 0) {
    hash = streamHash(offset);
    try {
      await hashPrefix(hash, options, offset);
      options.signal?.throwIfAborted();
    } catch (err) {
      hash.dispose();
      throw err;
    }
  }
  return withConnection(target, async (conn) => {
    const out = typeof options.to === 'string' ? openOutput(options.to, offset) : options.to;
    const ownsOutput = typeof options.to === 'string';
    let start: DownloadStartReply | undefined;
    let received = 0;
    let writeError: Error | undefined;
    let paused = false;
    let hashBehind = false;
    const onWriteError = (err: Error): void => {
      writeError ??= err;
      conn.close(err);
    };
    out.on('error', onWriteError);
    const onAbort = (): void => conn.close(abortReason(options.signal));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const end = await conn.request<DownloadEndReply>({ t: 'download', fileId: options.fileId, ...(offset > 0 ? { offset } : {}) }, undefined, {
        timeoutMs: options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
        onPartial: (frame, body) => {
          if (frame.t === 'download_start') {
            start = frame;
            hash ??= streamHash(frame.size);
            options.onProgress?.(offset, frame.size);
            return;
          }
          if (frame.t !== 'chunk' || body.length === 0) return;
          hash ??= streamHash(0);
          if (!hash.update(body) && !hashBehind) {
            // the hashing thread is behind: stop reading until it catches up
            hashBehind = true;
            conn.pauseReading();
            void hash.ready().then(() => {
              hashBehind = false;
              conn.resumeReading();
            });
          }
          received += body.length;
          if (!out.write(body) && !paused) {
            paused = true;
            conn.pauseReading();
            out.once('drain', () => {
              paused = false;
              conn.resumeReading();
            });
          }
          if (start !== undefined) options.onProgress?.(offset + received, start.size);
        },
      });
      if (start === undefined) throw new ConnectionError('PROTOCOL', 'The server ended a download it never started.');
      if (offset + received !== start.size) {
        throw new TransferError('SIZE_MISMATCH', `Received ${offset + received} of ${start.size} bytes.`);
      }
      await endOutput(out, ownsOutput);
      if (writeError) throw writeError;
      const digest = await (hash ?? streamHash(0)).digest();
      if (digest !== end.sha256) throw new TransferError('SHA_MISMATCH', 'The downloaded bytes do not match the file’s sha256.');
      return { fileId: start.fileId, name: start.name, mime: start.mime, size: start.size, sha256: digest, offset };
    } catch (err) {
      // keep what arrived: a path can be resumed from its size
      if (ownsOutput) await endOutput(out, true).catch(() => undefined);
      throw writeError ?? (options.signal?.aborted ? abortReason(options.signal) : err);
    } finally {
      hash?.dispose();
      if (paused) conn.resumeReading();
      options.signal?.removeEventListener('abort', onAbort);
      out.off('error', onWriteError);
    }
  });
}

async function hashPrefix(hash: StreamHash, options: DownloadOptions, offset: number): Promise<void> {
  let source: Readable;
  if (typeof options.to === 'string') {
    const size = (await fs.promises.stat(options.to)).size;
    if (size < offset) throw new TypeError(`${options.to} holds ${size} bytes, fewer than the offset ${offset}.`);
    source = fs.createReadStream(options.to, { start: 0, end: offset - 1, highWaterMark: 1024 * 1024 });
  } else if (options.prefix !== undefined) {
    source = Buffer.isBuffer(options.prefix) ? Readable.from([options.prefix]) : options.prefix;
  } else {
    throw new TypeError('A resumed download into a stream needs the prefix, to check the whole file.');
  }
  let n = 0;
  for await (const chunk of source) {
    const bytes = chunk as Buffer;
    const take = Math.min(bytes.length, offset - n);
    if (!hash.update(take === bytes.length ? bytes : bytes.subarray(0, take))) await hash.ready();
    n += take;
    if (n >= offset) break;
  }
  if (n !== offset) throw new TypeError(`The prefix holds ${n} bytes, not the offset ${offset}.`);
}

// Room for a few chunks, so the socket is not paused for every write.
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024;

function openOutput(file: string, offset: number): fs.WriteStream {
  if (offset === 0) return fs.createWriteStream(file, { highWaterMark: OUTPUT_HIGH_WATER });
  // bytes past the offset are from a download that was cut off; they come again
  fs.truncateSync(file, offset);
  return fs.createWriteStream(file, { flags: 'r+', start: offset, highWaterMark: OUTPUT_HIGH_WATER });
}

/** Waits until everything written reached the file (or the stream's consumer). */
function endOutput(out: Writable, close: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.writableFinished || out.destroyed) {
      resolve();
      return;
    }
    const done = close ? 'close' : 'finish';
    const onError = (err: Error): void => {
      out.off(done, onDone);
      reject(err);
    };
    const onDone = (): void => {
      out.off('error', onError);
      resolve();
    };
    out.once(done, onDone);
    out.once('error', onError);
    out.end();
  });
}

async function withConnection<T>(target: TransferTarget, fn: (conn: Connection) => Promise<T>): Promise<T> {
  if (target instanceof Connection) return fn(target);
  const conn = await target.openTransferConnection();
  try {
    return await fn(conn);
  } finally {
    conn.close();
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The transfer was aborted.', 'AbortError');
}
