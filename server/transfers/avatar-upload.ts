import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ParleyError, type RequestId } from '../../protocol';
import { replyError, type ChatContext } from '../chat/context';
import type { Peer } from '../chat/peer';
import { announceProfile, dropAvatarBytes, toWireProfile } from '../chat/profiles';
import { makeAvatar } from '../media/avatar';
import { contentKey, type MediaStore } from '../media/media-store';
import { randomId } from './upload';

export interface AvatarSpec {
  /** The `avatar` request's id: errors before `upload_end` carry it. */
  requestId: RequestId;
  size: number;
  user: string;
}

/**
 * One avatar upload: `chunk` bodies are held in memory (at most MAX_AVATAR_UPLOAD bytes), and at
 * `upload_end` the picture is checked, made into a small square PNG (server/media/avatar.ts),
 * stored under its content address and set as the user's avatar. The original is never stored.
 * Takes the same frames as an Upload, so the transfer handlers route to either.
 */
export class AvatarUpload {
  readonly uploadId = randomId();
  private parts: Buffer[] = [];
  private received = 0;
  private endId: RequestId | undefined;
  private failed: ParleyError | undefined;
  private cancelled = false;
  private settled = false;

  constructor(
    private readonly ctx: ChatContext,
    private readonly peer: Peer,
    private readonly media: MediaStore,
    private readonly spec: AvatarSpec,
    private readonly onSettled: (upload: AvatarUpload) => void,
  ) {}

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
    // a copy: the connection reuses its read buffers
    this.parts.push(Buffer.from(body));
  }

  end(id: RequestId, sha256: string): void {
    if (this.ended) {
      this.peer.conn.sendError(id, 'INVALID', 'This upload has ended already.');
      return;
    }
    this.endId = id;
    if (this.failed) {
      this.peer.conn.sendError(id, this.failed.code, this.failed.message);
      this.settle();
      return;
    }
    this.finish(id, sha256).then(
      () => this.settle(),
      (err: unknown) => {
        replyError(this.ctx, this.peer, id, err);
        this.settle();
      },
    );
  }

  cancel(): void {
    if (this.cancelled || this.settled) return;
    this.cancelled = true;
    this.settle();
  }

  private async finish(id: RequestId, claimed: string): Promise<void> {
    if (this.received !== this.spec.size) {
      throw new ParleyError('INVALID', `The upload ended after ${this.received} of the ${this.spec.size} bytes announced.`);
    }
    const bytes = Buffer.concat(this.parts);
    this.parts = [];
    if (createHash('sha256').update(bytes).digest('hex') !== claimed) throw new ParleyError('INVALID', 'The sha256 does not match the bytes received.');
    const png = await makeAvatar(bytes);
    const sha256 = createHash('sha256').update(png).digest('hex');
    await this.media.put(contentKey(sha256), Readable.from([png]));
    const update = await this.ctx.store.setProfile(this.spec.user, { avatar: { fileId: randomId(), sha256, size: png.length } });
    if (update === undefined) {
      await dropAvatarBytes(this.ctx, sha256);
      throw new ParleyError('NOT_FOUND', 'No such user.');
    }
    const profile = toWireProfile(update.profile);
    this.peer.conn.send({ t: 'profile', id, profile });
    // The uploader's chat connections learn it with everyone else (this one carries transfers only).
    announceProfile(this.ctx, profile, this.peer);
    if (update.replaced !== undefined && update.replaced.sha256 !== sha256) await dropAvatarBytes(this.ctx, update.replaced.sha256);
  }

  /** Reports a failure before `upload_end` at once, under the request's id, as uploads do. */
  private fail(err: ParleyError): void {
    if (this.failed) return;
    this.failed = err;
    this.parts = [];
    this.peer.conn.send({ t: 'error', id: this.spec.requestId, uploadId: this.uploadId, code: err.code, message: err.message });
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.parts = [];
    this.onSettled(this);
  }
}
