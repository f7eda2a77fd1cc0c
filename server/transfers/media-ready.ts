import type { Readable } from 'node:stream';
import { ParleyError } from '../../protocol/errors';
import type { MediaStore, PutOptions, StagedMedia } from '../media/media-store';

/**
 * A media store whose init() may fail without stopping the server: chat does not need the
 * media backend, so a server started while its FTP server is down still serves chat, answers
 * transfers with MEDIA_UNAVAILABLE, and runs init() again on the next transfer until it works.
 */
export class RetryingMediaStore implements MediaStore {
  readonly kind: MediaStore['kind'];
  readonly description: string;
  private ready = false;
  private initializing: Promise<void> | undefined;

  constructor(private readonly inner: MediaStore) {
    this.kind = inner.kind;
    this.description = inner.description;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** One attempt; rejects like the backend's init(). Concurrent callers share the attempt. */
  init(): Promise<void> {
    if (this.ready) return Promise.resolve();
    this.initializing ??= this.inner.init().then(
      () => {
        this.ready = true;
        this.initializing = undefined;
      },
      (err: unknown) => {
        this.initializing = undefined;
        throw err;
      },
    );
    return this.initializing;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async put(key: string, source: Readable, options?: PutOptions): Promise<{ size: number }> {
    await this.ensure();
    return this.inner.put(key, source, options);
  }

  async stage(source: Readable, options?: PutOptions): Promise<StagedMedia> {
    await this.ensure();
    return this.inner.stage(source, options);
  }

  async get(key: string, options?: { offset?: number }): Promise<Readable> {
    await this.ensure();
    return this.inner.get(key, options);
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    await this.ensure();
    return this.inner.stat(key);
  }

  async delete(key: string): Promise<boolean> {
    await this.ensure();
    return this.inner.delete(key);
  }

  private async ensure(): Promise<void> {
    if (this.ready) return;
    try {
      await this.init();
    } catch (err) {
      // the backend logged the cause; clients only learn that media is unavailable
      if (err instanceof ParleyError && err.code === 'MEDIA_UNAVAILABLE') throw err;
      throw new ParleyError('MEDIA_UNAVAILABLE');
    }
  }
}
