import { Client, FTPError } from 'basic-ftp';
import { posix } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { ParleyError } from '../../protocol/errors';
import { FtpPool, PoolClosedError } from './ftp-pool';
import {
  DEFAULT_STALE_TEMP_MS, assertKey, assertOffset, closedError, isStaleTemp,
  mediaUnavailable, notFound, silentLogger, tempName,
  type GetOptions, type MediaLogger, type MediaStore, type PutOptions, type StagedMedia,
} from './media-store';
import { StagedTemp } from './staged-temp';

export interface FtpMediaStoreOptions {
  /** `ftp://user:pass@host:port/dir`, or `ftpes://…` for explicit TLS. The dir is relative to the login directory. */
  url: string;
  /** Explicit TLS (AUTH TLS) even for an `ftp://` URL. */
  secure?: boolean;
  /** For TLS, e.g. `{ ca }` or `{ rejectUnauthorized: false }` for a self-signed test server. */
  secureOptions?: ConnectionOptions;
  /** Connections kept at most (default DEFAULT_FTP_POOL); every running transfer holds one. */
  poolSize?: number;
  /** Connect and control-reply timeout, and stall timeout of a transfer (default 10 s). */
  timeoutMs?: number;
  /** How long a call waits when every connection is busy (default 10 s). */
  acquireTimeoutMs?: number;
  staleTempMs?: number;
  log?: MediaLogger;
}

export interface FtpTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  secure: boolean;
  /** Decoded URL path without the leading slash. */
  dir: string;
  /** The URL without the password. */
  description: string;
}

export function parseFtpUrl(url: string, secure?: boolean): FtpTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('FTP media URL is not a URL (expected ftp://user:pass@host:port/dir)');
  }
  if (u.protocol !== 'ftp:' && u.protocol !== 'ftpes:') {
    throw new Error(`FTP media URL must start with ftp:// or ftpes:// (got ${u.protocol}//)`);
  }
  if (!u.hostname) throw new Error('FTP media URL has no host');
  const tls = secure ?? u.protocol === 'ftpes:';
  const user = decodeURIComponent(u.username) || 'anonymous';
  const port = u.port ? Number(u.port) : 21;
  const dir = decodeURIComponent(u.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  const scheme = tls ? 'ftpes' : 'ftp';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    user,
    password: decodeURIComponent(u.password) || (u.username ? '' : 'guest'),
    secure: tls,
    dir,
    description: `${scheme}://${encodeURIComponent(user)}@${u.host}/${dir}`,
  };
}

/** FTP connections a store keeps at most unless told otherwise (`--ftp-pool`). */
export const DEFAULT_FTP_POOL = 4;
const TEMP_DIR = '.tmp';
const DOWNLOAD_HWM = 256 * 1024;
const UPLOAD_HWM = 256 * 1024;

function ftpCode(err: unknown): number | undefined {
  return err instanceof FTPError ? err.code : undefined;
}

/**
 * Media on an FTP server through basic-ftp: `<dir>/ab/abcdef…`, temp uploads in `<dir>/.tmp`,
 * made visible by RNFR/RNTO. Every call borrows one connection from a small pool.
 */
export class FtpMediaStore implements MediaStore {
  readonly kind = 'ftp' as const;
  readonly description: string;
  private readonly target: FtpTarget;
  private readonly log: MediaLogger;
  private readonly timeoutMs: number;
  private readonly staleTempMs: number;
  private pool: FtpPool;
  private base = '';
  private closed = false;
  /** Clients that completed a command: a failure on them may just mean the server dropped an idle connection. */
  private readonly used = new WeakSet<Client>();
  /** Temp files a failed upload may have left; deleted once the server answers again. */
  private readonly orphans = new Set<string>();
  private reaping = false;

  constructor(private readonly options: FtpMediaStoreOptions) {
    this.target = parseFtpUrl(options.url, options.secure);
    this.description = this.target.description;
    this.log = options.log ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.staleTempMs = options.staleTempMs ?? DEFAULT_STALE_TEMP_MS;
    this.pool = this.makePool();
  }

  async init(): Promise<void> {
    if (this.closed) {
      this.closed = false;
      this.pool = this.makePool();
    }
    await this.run('init', async (client) => {
      // RFC 1738: the URL path is relative to the login directory.
      this.base = posix.resolve(await client.pwd(), this.target.dir);
      await client.ensureDir(this.tmpDir);
      for (const entry of await client.list(this.tmpDir)) {
        if (entry.isFile && isStaleTemp(entry.name, this.staleTempMs)) {
          await client.remove(posix.join(this.tmpDir, entry.name), true);
        }
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pool.close();
  }

  async put(key: string, source: Readable, options: PutOptions = {}): Promise<{ size: number }> {
    assertKey(key);
    const staged = await this.stage(source, options);
    await staged.commit(key, { replace: true });
    return { size: staged.size };
  }

  async stage(source: Readable, options: PutOptions = {}): Promise<StagedMedia> {
    this.checkReady();
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;
    const tmp = posix.join(this.tmpDir, tempName());
    const onAbort = () => {
      // an upload may be cancelled before a connection was free, with nothing reading the source yet
      if (source.listenerCount('error') === 0) source.on('error', () => {});
      source.destroy(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let copy: CleanCopy | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        // an upload that can be cancelled waits for a free connection as long as it takes
        const client = await this.acquire('put', signal);
        copy ??= cleanCopy(source, this.target.secure);
        try {
          await client.uploadFrom(copy.body, tmp);
        } catch (err) {
          const reused = this.used.has(client);
          this.pool.release(client, !client.closed);
          // nothing was sent yet: the same body can go to a fresh connection
          if (!copy.body.readableDidRead && !copy.body.destroyed && reused && client.closed && attempt === 0 && !this.closed) continue;
          copy.body.destroy();
          source.destroy();
          // The server may hold a partial temp file. Delete it now if the server still answers
          // (e.g. its disk is full), without making the caller wait for that.
          void this.discardTemp(tmp);
          throw this.unavailable('put', err);
        }
        this.used.add(client);
        if (copy.error() !== undefined) {
          try {
            await client.remove(tmp);
            this.pool.release(client, true);
          } catch {
            this.pool.release(client, !client.closed);
            this.orphans.add(tmp);
          }
          throw signal?.aborted ? signal.reason : copy.error();
        }
        this.pool.release(client, true);
        this.reapLater();
        return new StagedTemp(this, tmp, copy.size());
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** @internal used by StagedTemp */
  async commitTemp(tmp: string, key: string, replace: boolean): Promise<{ stored: boolean }> {
    const dest = this.pathOf(key);
    try {
      return await this.run('commit', async (client) => {
        if (!replace && (await sizeOf(client, dest)) !== undefined) {
          await client.remove(tmp, true);
          return { stored: false };
        }
        try {
          await client.rename(tmp, dest);
        } catch (err) {
          if (ftpCode(err) === undefined) throw err;
          // first file of its shard: make the directory and try once more
          await client.sendIgnoringError(`MKD ${posix.dirname(dest)}`);
          await client.rename(tmp, dest);
        }
        return { stored: true };
      });
    } catch (err) {
      await this.discardTemp(tmp);
      throw err;
    }
  }

  /** @internal used by StagedTemp */
  async discardTemp(tmp: string): Promise<void> {
    if (!(await this.removeTemp(tmp))) this.orphans.add(tmp);
  }

  private async removeTemp(tmp: string): Promise<boolean> {
    try {
      await this.run('discard', (client) => client.remove(tmp, true));
      return true;
    } catch {
      return false;
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    assertKey(key);
    const offset = assertOffset(options.offset);
    this.checkReady();
    const file = this.pathOf(key);
    for (let attempt = 0; ; attempt++) {
      const client = await this.acquire('get', options.signal);
      let size: number | undefined;
      try {
        size = await sizeOf(client, file);
      } catch (err) {
        const reused = this.used.has(client);
        this.pool.release(client, !client.closed);
        if (reused && client.closed && attempt === 0 && !this.closed) continue;
        throw this.unavailable('get', err);
      }
      this.used.add(client);
      if (size === undefined || offset > size) {
        this.pool.release(client, true);
        if (size === undefined) throw notFound();
        throw new ParleyError('INVALID', 'The offset is past the end of the file.');
      }
      if (offset === size) {
        this.pool.release(client, true);
        return Readable.from([]);
      }
      return this.download(client, file, offset);
    }
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    assertKey(key);
    const file = this.pathOf(key);
    return this.run('stat', async (client) => {
      const size = await sizeOf(client, file);
      return size === undefined ? undefined : { size };
    });
  }

  async delete(key: string): Promise<boolean> {
    assertKey(key);
    const file = this.pathOf(key);
    return this.run('delete', async (client) => {
      const res = await client.remove(file, true);
      return res.code >= 200 && res.code < 300;
    });
  }

  private download(client: Client, file: string, offset: number): Readable {
    // basic-ftp ends its destination even when the transfer fails, so it writes into `sink`
    // and only a completed transfer ends `out`: a consumer never mistakes a cut-off for the end.
    let done = false;
    let resume: (() => void) | undefined;
    const out = new Readable({
      highWaterMark: DOWNLOAD_HWM,
      read() {
        const next = resume;
        resume = undefined;
        next?.();
      },
      destroy(err, callback) {
        // the consumer gave up: abort the transfer, which drops the connection
        if (!done) sink.destroy(err ?? new Error('download stream closed before the end'));
        callback(err);
      },
    });
    const sink = new Writable({
      highWaterMark: DOWNLOAD_HWM,
      write(chunk: Buffer, _encoding, callback) {
        if (out.push(chunk)) callback();
        else resume = callback;
      },
      final(callback) {
        callback();
      },
    });
    client.downloadTo(sink, file, offset).then(
      () => {
        done = true;
        this.pool.release(client, true);
        out.push(null);
      },
      (err: unknown) => {
        done = true;
        this.pool.release(client, false);
        if (out.destroyed) return;
        out.destroy(ftpCode(err) === 550 ? notFound() : this.unavailable('get', err));
      },
    );
    return out;
  }

  private get tmpDir(): string {
    this.checkReady();
    return posix.join(this.base, TEMP_DIR);
  }

  private pathOf(key: string): string {
    this.checkReady();
    return posix.join(this.base, key);
  }

  private makePool(): FtpPool {
    return new FtpPool({
      size: this.options.poolSize ?? DEFAULT_FTP_POOL,
      acquireTimeoutMs: this.options.acquireTimeoutMs ?? 10_000,
      open: () => this.connect(),
    });
  }

  private async connect(): Promise<Client> {
    const client = new Client(this.timeoutMs);
    const t = this.target;
    try {
      await client.access({
        host: t.host,
        port: t.port,
        user: t.user,
        password: t.password,
        secure: t.secure,
        secureOptions: this.options.secureOptions,
      });
      return client;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  private async acquire(op: string, signal?: AbortSignal): Promise<Client> {
    this.checkOpen();
    try {
      return await this.pool.acquire(signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof PoolClosedError) throw closedError();
      throw this.unavailable(op, err);
    }
  }

  /** One command sequence on one connection; retried once when a long-idle connection turned out dead. */
  private async run<T>(op: string, fn: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.acquire(op);
      try {
        const result = await fn(client);
        this.used.add(client);
        this.pool.release(client, true);
        this.reapLater();
        return result;
      } catch (err) {
        const reused = this.used.has(client);
        this.pool.release(client, !client.closed);
        if (err instanceof ParleyError) throw err;
        if (reused && client.closed && attempt === 0 && !this.closed) continue;
        throw this.unavailable(op, err);
      }
    }
  }

  private reapLater(): void {
    if (this.orphans.size === 0 || this.reaping || this.closed) return;
    this.reaping = true;
    void (async () => {
      try {
        for (const tmp of [...this.orphans]) {
          await this.run('cleanup', (client) => client.remove(tmp, true));
          this.orphans.delete(tmp);
        }
      } catch {
        // still unreachable; the next successful call tries again
      } finally {
        this.reaping = false;
      }
    })();
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }

  private checkReady(): void {
    this.checkOpen();
    if (!this.base) throw new Error('FtpMediaStore: init() first');
  }

  private unavailable(op: string, err: unknown): ParleyError {
    return mediaUnavailable(this.log, op, err, this.description);
  }
}

interface CleanCopy {
  body: Readable;
  size(): number;
  error(): unknown;
}

/**
 * The source piped into a counting stream that ends cleanly when the source fails. The upload
 * then finishes instead of failing, so the connection stays usable and deletes the partial temp
 * file at once (a failed transfer closes the connection and leaves the file to a later sweep).
 * pipe() keeps the copy synchronous: an async-iterator relay here cost about 40% of throughput.
 */
/**
 * vsftpd fails a TLS data connection that the client closes at once after the handshake (its
 * read sees a broken record and the session dies with "500 OOPS"), which is what an empty file
 * over FTPS does. Holding the end of an empty body this long lets the server settle first.
 */
const EMPTY_TLS_BODY_HOLD_MS = 200;

function cleanCopy(source: Readable, tls: boolean): CleanCopy {
  let size = 0;
  let error: unknown;
  const body = new Transform({
    highWaterMark: UPLOAD_HWM,
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      // An empty write on a TLS data socket becomes an empty record, which vsftpd answers with
      // a decode_error alert: a 0-byte upload over FTPS would fail.
      callback(null, chunk.length > 0 ? chunk : undefined);
    },
    flush(callback) {
      if (size > 0 || !tls || error !== undefined) callback();
      else setTimeout(callback, EMPTY_TLS_BODY_HOLD_MS);
    },
  });
  const fail = (err: unknown) => {
    if (error !== undefined) return;
    error = err;
    source.unpipe(body);
    body.end();
  };
  source.once('error', fail);
  source.once('close', () => {
    if (!source.readableEnded) fail(new Error('the upload source closed before its end'));
  });
  source.pipe(body);
  return { body, size: () => size, error: () => error };
}

/** SIZE, or undefined when the server says there is no such file (550). */
async function sizeOf(client: Client, file: string): Promise<number | undefined> {
  try {
    return await client.size(file);
  } catch (err) {
    if (ftpCode(err) === 550) return undefined;
    throw err;
  }
}
