import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { DEFAULT_ERROR_MESSAGES, ParleyError, encodeFrame, type FileRef, type RequestId } from '../../protocol';
import { replyError, type ChatContext } from '../chat/context';
import type { Peer } from '../chat/peer';
import type { RoomEntry } from '../chat/rooms';
import { ingest, type IngestResult } from '../media/ingest';
import type { MediaStore } from '../media/media-store';
import type { NewMessage } from '../store/store';
import type { FiledMedia } from './filed-media';

/**
 * Upload bytes held between the socket and the media store. Past this the connection stops
 * reading, so a slow media store slows the uploader down instead of filling memory.
 */
const SOURCE_HIGH_WATER = 1024 * 1024;

export interface UploadSpec {
  /** The `upload` request's id: errors before `upload_end` carry it. */
  requestId: RequestId;
  room: string;
  /** Display name, already cleaned. */
  name: string;
  size: number;
  user: string;
}

/**
 * Random ids for uploads and files; a fileId is not the content hash, so it reveals nothing about
 * the bytes. Never starting with '-': people pass file ids as arguments (`parley get FILEID`),
 * where a leading dash reads as an option.
 */
export function randomId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (id[0] !== '-') return id;
  }
}

/**
 * One upload on one connection: `chunk` bodies are pushed into ingest() as they arrive, and
 * `upload_end` ends the stream with the client's sha256. Once ingest() has hashed, checked and
 * filed the bytes, the file message goes through the group commit like any other message.
 * Any failure discards the staged bytes; nothing is posted.
 */
export class Upload {
  readonly uploadId = randomId();
  private received = 0;
  private endId: RequestId | undefined;
  private claimed: string | undefined;
  private failed: ParleyError | undefined;
  private cancelled = false;
  private settled = false;
  private held = false;
  private readonly source: Readable;
  private readonly controller = new AbortController();

  constructor(
    private readonly ctx: ChatContext,
    private readonly peer: Peer,
    media: MediaStore,
    private readonly filedMedia: FiledMedia,
    private readonly spec: UploadSpec,
    /** Called once the upload needs no more frames: answered, cancelled or gone. */
    private readonly onSettled: (upload: Upload) => void,
  ) {
    this.source = new Readable({ highWaterMark: SOURCE_HIGH_WATER, read: () => this.unhold() });
    ingest(media, {
      size: spec.size,
      maxSize: ctx.limits.maxUpload,
      source: this.source,
      // The source ends only in end(), after the claim is known.
      sha256: () => this.claimed,
      signal: this.controller.signal,
      // Names the type when the content does not (notes.txt).
      name: spec.name,
    }).then(
      (result) => this.stored(result),
      (err: unknown) => this.ingestFailed(err),
    );
  }

  /** True once `upload_end` arrived; the upload then finishes even if the connection drops. */
  get ended(): boolean {
    return this.endId !== undefined;
  }

  chunk(body: Buffer): void {
    if (this.failed || this.cancelled || this.ended || body.length === 0) return;
    if (this.received + body.length > this.spec.size) {
      this.fail(new ParleyError('INVALID', `The upload is larger than the ${this.spec.size} bytes announced.`));
      return;
    }
    this.received += body.length;
    if (!this.source.push(body)) this.hold();
  }

  end(id: RequestId, sha256: string): void {
    if (this.ended) {
      this.peer.conn.sendError(id, 'INVALID', 'This upload has ended already.');
      return;
    }
    this.endId = id;
    this.claimed = sha256;
    // no more bytes of this upload will come: whatever the store does now, reading may go on
    this.unhold();
    if (this.failed) this.answerFailure();
    else this.source.push(null);
  }

  /** `upload_abort`, or the connection closed before `upload_end`: stop and keep nothing. */
  cancel(): void {
    if (this.cancelled || this.settled) return;
    this.cancelled = true;
    this.unhold();
    this.controller.abort(new ParleyError('INVALID', 'The upload was cancelled.'));
    this.settle();
  }

  private stored(result: IngestResult): void {
    const id = this.endId as RequestId;
    const { room, user } = this.spec;
    // bytes this upload filed are removed again if its message cannot be stored
    this.filedMedia.filed(result.key, result.stored);
    const posted = (ok: boolean) => this.filedMedia.settled(result.key, ok);
    // Membership is checked again: the uploader may have left the room meanwhile.
    // The file's message may be a DM's first: it brings the DM into being.
    this.ctx.rooms.access(room, user, { create: true }).then(
      (entry) => {
        const file: FileRef = {
          fileId: randomId(),
          name: this.spec.name,
          size: result.size,
          mime: result.mime,
          kind: result.kind,
          sha256: result.sha256,
        };
        postFile(this.ctx, this.peer, id, { room, from: user, cid: `upload:${this.uploadId}`, ts: Date.now(), file }, entry, posted);
        this.settle();
      },
      (err: unknown) => {
        posted(false);
        replyError(this.ctx, this.peer, id, err);
        this.settle();
      },
    );
  }

  private ingestFailed(err: unknown): void {
    this.unhold();
    if (this.cancelled) return;
    this.fail(this.toProtocolError(err));
  }

  /** Reports the first failure: to `upload_end` if it came, else at once under the upload's id. */
  private fail(err: ParleyError): void {
    if (this.failed) return;
    this.failed = err;
    this.unhold();
    // stops ingest() if it still runs; it discards what it staged
    this.controller.abort(err);
    if (this.ended) {
      this.answerFailure();
      return;
    }
    this.peer.conn.send({ t: 'error', id: this.spec.requestId, uploadId: this.uploadId, code: err.code, message: err.message });
  }

  private answerFailure(): void {
    const err = this.failed as ParleyError;
    this.peer.conn.sendError(this.endId, err.code, err.message);
    this.settle();
  }

  private toProtocolError(err: unknown): ParleyError {
    if (err instanceof ParleyError) return err;
    this.ctx.logger.error({ err, conn: this.peer.conn.id, upload: this.uploadId }, 'upload failed');
    return new ParleyError('INTERNAL', DEFAULT_ERROR_MESSAGES.INTERNAL);
  }

  private hold(): void {
    if (this.held) return;
    this.held = true;
    this.peer.conn.pauseReading();
  }

  private unhold(): void {
    if (!this.held) return;
    this.held = false;
    this.peer.conn.resumeReading();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.unhold();
    this.onSettled(this);
  }
}

/**
 * Stores a file message through the group commit, then acks the uploader (with the file, so it
 * learns the fileId and sniffed type) and delivers `msg` to the room, like `send` does. The rate
 * limit was applied when the upload started, not here, so a finished upload is never refused.
 */
function postFile(
  ctx: ChatContext,
  peer: Peer,
  id: RequestId,
  message: NewMessage,
  room: RoomEntry | 'general',
  posted: (ok: boolean) => void,
): void {
  const conn = peer.conn;
  conn.hold();
  ctx.commits.add(message, (err, result) => {
    conn.release();
    posted(err === undefined && result !== undefined);
    if (err !== undefined || result === undefined) {
      ctx.logger.warn({ err, room: message.room }, 'append of a file message failed');
      conn.sendError(id, 'STORE_UNAVAILABLE');
      return;
    }
    const stored = result.message;
    conn.send({ t: 'ack', id, cid: message.cid, room: stored.room, seq: stored.seq, ts: stored.ts, msgId: stored.msgId, file: stored.file });
    if (result.duplicate) return;
    ctx.hub.toRoom(stored.room, room === 'general' ? undefined : room.members, stored.seq, encodeFrame({ t: 'msg', ...stored }), peer);
  });
}
