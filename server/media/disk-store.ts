import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ParleyError } from '../../protocol/errors';
import {
  DEFAULT_STALE_TEMP_MS, assertKey, assertOffset, closedError, isStaleTemp, mediaUnavailable,
  notFound, silentLogger, tempName, watchFailure,
  type MediaLogger, type GetOptions, type MediaStore, type PutOptions, type StagedMedia,
} from './media-store';
import { StagedTemp } from './staged-temp';

export interface DiskMediaStoreOptions {
  /** The media directory, e.g. `<dataDir>/media`. */
  dir: string;
  log?: MediaLogger;
  staleTempMs?: number;
}

// Temp files live inside the media dir, so the final rename never crosses file systems.
const TEMP_DIR = '.tmp';
const MISSING = new Set(['ENOENT', 'ENOTDIR']);

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Media in a local directory: `<dir>/ab/abcdef…`, temp files in `<dir>/.tmp`. */
export class DiskMediaStore implements MediaStore {
  readonly kind = 'disk' as const;
  readonly description: string;
  readonly dir: string;
  private readonly tmpDir: string;
  private readonly log: MediaLogger;
  private readonly staleTempMs: number;
  private closed = false;

  constructor(options: DiskMediaStoreOptions) {
    this.dir = path.resolve(options.dir);
    this.tmpDir = path.join(this.dir, TEMP_DIR);
    this.log = options.log ?? silentLogger;
    this.staleTempMs = options.staleTempMs ?? DEFAULT_STALE_TEMP_MS;
    this.description = `disk ${this.dir}`;
  }

  async init(): Promise<void> {
    this.closed = false;
    try {
      await mkdir(this.tmpDir, { recursive: true });
      for (const name of await readdir(this.tmpDir)) {
        if (isStaleTemp(name, this.staleTempMs)) await rm(path.join(this.tmpDir, name), { force: true });
      }
    } catch (err) {
      throw this.unavailable('init', err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async put(key: string, source: Readable, options: PutOptions = {}): Promise<{ size: number }> {
    assertKey(key);
    const staged = await this.stage(source, options);
    await staged.commit(key, { replace: true });
    return { size: staged.size };
  }

  async stage(source: Readable, options: PutOptions = {}): Promise<StagedMedia> {
    this.checkOpen();
    const { signal } = options;
    const tmp = path.join(this.tmpDir, tempName());
    // flush: the bytes are on disk before the rename makes them visible.
    const out = createWriteStream(tmp, { flags: 'wx', flush: true });
    const firstFailure = watchFailure(source, out);
    try {
      await pipeline(source, out, { signal });
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      if (signal?.aborted) throw signal.reason;
      if (firstFailure() === 'dest') throw this.unavailable('put', err);
      throw err;
    }
    return new StagedTemp(this, tmp, out.bytesWritten);
  }

  /** @internal used by StagedTemp */
  async discardTemp(tmp: string): Promise<void> {
    await rm(tmp, { force: true }).catch(() => {});
  }

  /** @internal used by StagedTemp */
  async commitTemp(tmp: string, key: string, replace: boolean): Promise<{ stored: boolean }> {
    assertKey(key);
    this.checkOpen();
    const file = this.pathOf(key);
    try {
      if (!replace && (await this.stat(key)) !== undefined) {
        await rm(tmp, { force: true });
        return { stored: false };
      }
      await mkdir(path.dirname(file), { recursive: true });
      await rename(tmp, file);
      await syncDir(path.dirname(file));
      return { stored: true };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw this.unavailable('commit', err);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    assertKey(key);
    const offset = assertOffset(options.offset);
    this.checkOpen();
    let fh;
    try {
      fh = await open(this.pathOf(key), 'r');
    } catch (err) {
      if (MISSING.has(errCode(err) ?? '')) throw notFound();
      throw this.unavailable('get', err);
    }
    try {
      const { size } = await fh.stat();
      if (offset > size) throw new ParleyError('INVALID', 'The offset is past the end of the file.');
      return fh.createReadStream({ start: offset, highWaterMark: 256 * 1024 });
    } catch (err) {
      await fh.close().catch(() => {});
      throw this.unavailable('get', err);
    }
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    assertKey(key);
    this.checkOpen();
    try {
      const st = await stat(this.pathOf(key));
      return st.isFile() ? { size: st.size } : undefined;
    } catch (err) {
      if (MISSING.has(errCode(err) ?? '')) return undefined;
      throw this.unavailable('stat', err);
    }
  }

  async delete(key: string): Promise<boolean> {
    assertKey(key);
    this.checkOpen();
    try {
      await unlink(this.pathOf(key));
      return true;
    } catch (err) {
      if (MISSING.has(errCode(err) ?? '')) return false;
      throw this.unavailable('delete', err);
    }
  }

  private pathOf(key: string): string {
    return path.join(this.dir, key);
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }

  private unavailable(op: string, err: unknown): ParleyError {
    return mediaUnavailable(this.log, op, err, this.description);
  }
}

// Makes the rename itself durable, not only the file's bytes.
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
