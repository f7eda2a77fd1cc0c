import { assertKey, type StagedMedia } from './media-store';

/** What a backend offers for a temp copy written by `stage()`. */
export interface TempBackend {
  commitTemp(tmp: string, key: string, replace: boolean): Promise<{ stored: boolean }>;
  discardTemp(tmp: string): Promise<void>;
}

/** A staged upload in a backend's temp area: committed under its key once, or discarded. */
export class StagedTemp implements StagedMedia {
  private done = false;

  constructor(
    private readonly backend: TempBackend,
    private readonly tmp: string,
    readonly size: number,
  ) {}

  async commit(key: string, options: { replace?: boolean } = {}): Promise<{ stored: boolean }> {
    assertKey(key);
    if (this.done) throw new Error('staged media already committed or discarded');
    this.done = true;
    return this.backend.commitTemp(this.tmp, key, options.replace ?? false);
  }

  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.backend.discardTemp(this.tmp);
  }
}
