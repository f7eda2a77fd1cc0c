import type { Readable } from 'node:stream';
import { DEFAULT_ERROR_MESSAGES, ParleyError, encodeFrameHead, type RequestId } from '../../protocol';
import type { Logger } from '../log';
import type { Connection } from '../net/connection';

/**
 * One download on one connection: the media stream's bytes go out as `chunk {id}` frames of at
 * most `chunkSize` bytes. Reading stops while the connection's send queue is above `highWater`
 * and starts again below half of it, so a slow reader holds at most that much in memory. The
 * stream is destroyed when the download is cancelled (the client went away).
 */
export class Download {
  private stream: Readable | undefined;
  private finished = false;
  private readonly chunkHeader: { t: 'chunk'; id: RequestId };

  constructor(
    private readonly conn: Connection,
    private readonly id: RequestId,
    private readonly options: { chunkSize: number; highWater: number; logger: Logger },
    /** Called once, when the download ended in any way. */
    private readonly onFinished: (download: Download) => void,
  ) {
    this.chunkHeader = { t: 'chunk', id };
  }

  get done(): boolean {
    return this.finished;
  }

  /** Streams `expected` bytes, then `download_end` with the whole file's digest. */
  run(stream: Readable, expected: number, sha256: string): void {
    if (this.finished) {
      stream.destroy();
      return;
    }
    this.stream = stream;
    const { chunkSize, highWater } = this.options;
    let sent = 0;
    stream.on('data', (data: Buffer) => {
      if (this.finished) return;
      sent += data.length;
      if (sent > expected) {
        this.fail(new ParleyError('MEDIA_UNAVAILABLE', 'The stored file is longer than its record.'));
        return;
      }
      for (let at = 0; at < data.length; at += chunkSize) {
        const body = at === 0 && data.length <= chunkSize ? data : data.subarray(at, at + chunkSize);
        // head and body queued back to back: the body is not copied into a frame of its own
        if (!this.conn.write(encodeFrameHead(this.chunkHeader, body.length)) || !this.conn.write(body)) {
          // the connection is gone or was dropped as a slow consumer
          this.cancel();
          return;
        }
      }
      if (this.conn.outbound.pendingBytes > highWater) {
        stream.pause();
        void this.conn.outbound.whenBelow(highWater / 2).then(() => {
          if (!this.finished) stream.resume();
        });
      }
    });
    stream.once('end', () => {
      if (this.finished) return;
      if (sent !== expected) {
        this.fail(new ParleyError('MEDIA_UNAVAILABLE', 'The stored file is shorter than its record.'));
        return;
      }
      this.conn.send({ t: 'download_end', id: this.id, sha256 });
      this.finish();
    });
    // stays attached after the end, so a late error from a destroyed stream is never unhandled
    stream.on('error', (err) => this.fail(err));
  }

  /** The client went away (or never will read): stop reading the media store. */
  cancel(): void {
    if (this.finished) return;
    this.finish();
    this.stream?.destroy();
  }

  private fail(err: unknown): void {
    if (this.finished) return;
    let error: ParleyError;
    if (err instanceof ParleyError) error = err;
    else {
      this.options.logger.error({ err, conn: this.conn.id }, 'download failed');
      error = new ParleyError('INTERNAL', DEFAULT_ERROR_MESSAGES.INTERNAL);
    }
    this.conn.sendError(this.id, error.code, error.message);
    this.finish();
    this.stream?.destroy();
  }

  private finish(): void {
    this.finished = true;
    this.onFinished(this);
  }
}
