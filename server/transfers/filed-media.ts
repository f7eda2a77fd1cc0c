import type { Logger } from '../log';
import type { MediaStore } from '../media/media-store';

/**
 * Content keys filed by uploads whose file message is not stored yet. When none of the uploads
 * of one content gets its message stored (the chat store is down, or the uploader left the
 * room) and one of them put the bytes there, the bytes are deleted again: nothing refers to
 * them. Bytes that were there before (identical content posted earlier) are never touched.
 */
export class FiledMedia {
  private readonly open = new Map<string, { pending: number; posted: boolean; ours: boolean }>();

  constructor(
    private readonly media: MediaStore,
    private readonly logger: Logger,
  ) {}

  /** An upload filed `key`; `stored` is false when the same bytes were already there. */
  filed(key: string, stored: boolean): void {
    let entry = this.open.get(key);
    if (entry === undefined) {
      entry = { pending: 0, posted: false, ours: false };
      this.open.set(key, entry);
    }
    entry.pending++;
    if (stored) entry.ours = true;
  }

  /** The upload's message was stored (`posted`), or will not be. */
  settled(key: string, posted: boolean): void {
    const entry = this.open.get(key);
    if (entry === undefined) return;
    if (posted) entry.posted = true;
    if (--entry.pending > 0) return;
    this.open.delete(key);
    if (entry.posted || !entry.ours) return;
    this.media.delete(key).then(
      () => this.logger.info({ key }, 'removed media whose message could not be stored'),
      (err: unknown) => this.logger.warn({ err, key }, 'could not remove media whose message was not stored'),
    );
  }
}
