import type { Readable } from 'node:stream';
import { DEFAULT_ERROR_MESSAGES, ParleyError, encodeFrameHead, type RequestId } from '../../protocol';
import type { Logger } from '../log';
import type { Connection } from '../net/connection';

/** Opens the stored file from a byte offset; `signal` aborts a wait for a media-store connection. */
export type MediaOpener = (offset: number, signal: AbortSignal) => Promise<Readable>;

export interface DownloadOptions {
  chunkSize: number;
  highWater: number;
  /**
   * How long a download may sit paused by a full send queue before it lets go of its media
   * stream (an FTP connection from a small shared pool). It reopens the file where it stopped
   * once the client reads again.
   */
  parkAfterMs: number;
  logger: Logger;
}

/**
 * One download on one connection: the media stream's bytes go out as `chunk {id}` frames of at
 * most `chunkSize` bytes. Reading stops while the connection's send queue is above `highWater`
 * and starts again below half of it, so a slow reader holds at most that much in memory. A
 * download paused for longer than `parkAfterMs` closes its media stream, so a client that stops
 * reading cannot keep a media-store connection from everyone else; when the queue drains it
 * opens the file again at the next byte it owes the client. The stream is destroyed when the
 * download is cancelled (the client went away).
 */
export class Download {
  private stream: Readable | undefined;
  private finished = false;
  private readonly chunkHeader: { t: 'chunk'; id: RequestId };
  /** Aborts a reopen that waits for a media-store connection. */
  private readonly abort = new AbortController();
  private open: MediaOpener | undefined;
  /** A parked download is opening the file again. */
  private opening = false;
  /** Absolute offset of the next byte owed to the client. */
  private position = 0;
  private size = 0;
  private sha256 = '';

  constructor(
    private readonly conn: Connection,
    private readonly id: RequestId,
    private readonly options: DownloadOptions,
    /** Called once, when the download ended in any way. */
    private readonly onFinished: (download: Download) => void,
  ) {
    this.chunkHeader = { t: 'chunk', id };
  }

  get done(): boolean {
    return this.finished;
  }

  /** Streams the file from `offset` to its `size`, then `download_end` with the whole file's digest. */
  run(stream: Readable, open: MediaOpener, offset: number, size: number, sha256: string): void {
    if (this.finished) {
      stream.destroy();
      return;
    }
    this.open = open;
    this.position = offset;
    this.size = size;
    this.sha256 = sha256;
    this.attach(stream);
  }

  private attach(stream: Readable): void {
    this.stream = stream;
    const { chunkSize, highWater, parkAfterMs } = this.options;
    const current = () => this.stream === stream && !this.finished;
    stream.on('data', (data: Buffer) => {
      if (!current()) return;
      this.position += data.length;
      if (this.position > this.size) {
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
        const park = setTimeout(() => this.park(stream), parkAfterMs);
        void this.conn.outbound.whenBelow(highWater / 2).then(() => {
          clearTimeout(park);
          if (this.finished) return;
          if (!this.conn.isOpen) this.cancel();
          else if (this.stream === stream) stream.resume();
          else if (this.stream === undefined) this.reopen();
        });
      }
    });
    stream.once('end', () => {
      if (!current()) return;
      if (this.position !== this.size) {
        this.fail(new ParleyError('MEDIA_UNAVAILABLE', 'The stored file is shorter than its record.'));
        return;
      }
      this.conn.send({ t: 'download_end', id: this.id, sha256: this.sha256 });
      this.finish();
    });
    // stays attached after the end, so a late error from a destroyed stream is never unhandled
    stream.on('error', (err) => {
      if (current()) this.fail(err);
    });
  }

  /** The client has not read for a while: give the media stream back; bytes it buffered are read again later. */
  private park(stream: Readable): void {
    if (this.finished || this.stream !== stream) return;
    this.stream = undefined;
    stream.destroy();
  }

  private reopen(): void {
    if (this.opening) return;
    this.opening = true;
    (this.open as MediaOpener)(this.position, this.abort.signal).then(
      (stream) => {
        this.opening = false;
        if (this.finished) {
          stream.on('error', () => {});
          stream.destroy();
          return;
        }
        this.attach(stream);
      },
      (err: unknown) => {
        this.opening = false;
        this.fail(err);
      },
    );
  }

  /** The client went away (or never will read): stop reading the media store. */
  cancel(): void {
    if (this.finished) return;
    this.finish();
    this.stopStream();
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
    this.stopStream();
  }

  private stopStream(): void {
    this.abort.abort(new Error('the download ended'));
    this.stream?.destroy();
  }

  private finish(): void {
    this.finished = true;
    this.onFinished(this);
  }
}
