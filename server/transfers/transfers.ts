import {
  MAX_AVATAR_UPLOAD,
  ParleyError,
  type AvatarRequest,
  type ChunkFrame,
  type DownloadRequest,
  type UploadAbortRequest,
  type UploadEndRequest,
  type UploadRequest,
} from '../../protocol';
import { checkMayPost } from '../chat/governance';
import { blockedInDm } from '../chat/messaging';
import { replyError, type ChatContext } from '../chat/context';
import type { ChatHandlers } from '../chat/handlers';
import type { Peer } from '../chat/peer';
import { contentKey, type MediaStore } from '../media/media-store';
import { SERVER_HASH_NICE, startHashThread } from '../../common/stream-hash';
import { Download } from './download';
import { displayName } from './file-name';
import { FiledMedia } from './filed-media';
import { Upload } from './upload';
import { AvatarUpload } from './avatar-upload';
import { avatarAsFile } from './avatar-download';

/** Transfers one connection may run at once; each holds a media-store stream (an FTP connection). */
const MAX_UPLOADS = 8;
const MAX_DOWNLOADS = 8;
// A download stops reading its media stream while this much is queued for the socket.
const DOWNLOAD_HIGH_WATER = 1024 * 1024;
// A download paused that long by a client that does not read gives its media-store connection
// back (FTP connections are a small shared pool) and reopens the file where it stopped later.
const DOWNLOAD_PARK_MS = 3000;

/** The transfers of one connection; all of them end when it closes. */
class PeerTransfers {
  /** Files and avatars: both take chunk, upload_end and upload_abort. */
  readonly uploads = new Map<string, Upload | AvatarUpload>();
  readonly downloads = new Set<Download>();

  constructor(peer: Peer) {
    peer.conn.socket.once('close', () => this.closed());
  }

  private closed(): void {
    // An upload whose upload_end arrived finishes and is posted; the rest are dropped.
    for (const upload of [...this.uploads.values()]) if (!upload.ended) upload.cancel();
    for (const download of [...this.downloads]) download.cancel();
  }
}

/**
 * Serves `upload`, `avatar`, `chunk`, `upload_end`, `upload_abort` and `download` on any signed-in
 * connection (clients use a second one, so chat frames never wait behind file bytes).
 */
export function registerTransfers(handlers: ChatHandlers, ctx: ChatContext, media: MediaStore): void {
  // ready before the first large upload, which would otherwise hash on the main thread
  void startHashThread(SERVER_HASH_NICE);
  const byPeer = new WeakMap<Peer, PeerTransfers>();
  const filedMedia = new FiledMedia(media, ctx.logger);
  const transfersOf = (peer: Peer): PeerTransfers => {
    let t = byPeer.get(peer);
    if (t === undefined) {
      t = new PeerTransfers(peer);
      byPeer.set(peer, t);
    }
    return t;
  };

  handlers.register('upload', async (_ctx, peer, f: UploadRequest) => {
    const user = peer.user as string;
    const max = ctx.limits.maxUpload;
    if (f.size > max) throw new ParleyError('TOO_LARGE', `Files are at most ${max} bytes on this server.`);
    const room = await ctx.rooms.access(f.room, user);
    // A DM's first message may be a file: refused now, not after the bytes, when they are blocked.
    if (room !== 'general' && blockedInDm(ctx, room, user)) throw new ParleyError('BLOCKED', 'They do not take direct messages from you.');
    // A read-only room takes files from its owners and admins only, as it does messages.
    if (room !== 'general') await checkMayPost(ctx, room, user);
    if (!peer.conn.isOpen) return;
    const t = transfersOf(peer);
    if (t.uploads.size >= MAX_UPLOADS) throw new ParleyError('RATE_LIMITED', `At most ${MAX_UPLOADS} uploads at once per connection.`);
    const spec = { requestId: f.id, room: f.room, name: displayName(f.name), size: f.size, user };
    const upload = new Upload(ctx, peer, media, filedMedia, spec, (u) => {
      if (t.uploads.delete(u.uploadId)) ctx.counters.uploadsFinished++;
    });
    t.uploads.set(upload.uploadId, upload);
    ctx.counters.uploadsStarted++;
    peer.conn.send({ t: 'upload_ready', id: f.id, uploadId: upload.uploadId, chunk: ctx.limits.chunk });
  });

  // An avatar comes like a file but is no message: no room, a smaller limit, a profile as the answer.
  handlers.register('avatar', (_ctx, peer, f: AvatarRequest) => {
    if (f.size > MAX_AVATAR_UPLOAD) throw new ParleyError('TOO_LARGE', `Avatars are at most ${MAX_AVATAR_UPLOAD} bytes.`);
    if (!peer.conn.isOpen) return;
    const t = transfersOf(peer);
    if (t.uploads.size >= MAX_UPLOADS) throw new ParleyError('RATE_LIMITED', `At most ${MAX_UPLOADS} uploads at once per connection.`);
    const upload = new AvatarUpload(ctx, peer, media, { requestId: f.id, size: f.size, user: peer.user as string }, (u) => {
      if (t.uploads.delete(u.uploadId)) ctx.counters.uploadsFinished++;
    });
    t.uploads.set(upload.uploadId, upload);
    ctx.counters.uploadsStarted++;
    peer.conn.send({ t: 'upload_ready', id: f.id, uploadId: upload.uploadId, chunk: ctx.limits.chunk });
  });

  handlers.register('chunk', (_ctx, peer, f: ChunkFrame, body) => {
    // chunks of an upload that failed or was cancelled are dropped without a word
    if (f.uploadId !== undefined) byPeer.get(peer)?.uploads.get(f.uploadId)?.chunk(body);
  });

  handlers.register('upload_end', (_ctx, peer, f: UploadEndRequest) => {
    const upload = byPeer.get(peer)?.uploads.get(f.uploadId);
    if (upload === undefined) throw new ParleyError('NOT_FOUND', 'No such upload on this connection.');
    upload.end(f.id, f.sha256);
  });

  handlers.register('upload_abort', (_ctx, peer, f: UploadAbortRequest) => {
    const upload = byPeer.get(peer)?.uploads.get(f.uploadId);
    if (upload !== undefined && !upload.ended) upload.cancel();
  });

  handlers.register('download', (_ctx, peer, f: DownloadRequest) => {
    const user = peer.user as string;
    if (!peer.conn.isOpen) return;
    const t = transfersOf(peer);
    const ended = (d: Download) => {
      if (t.downloads.delete(d)) ctx.counters.downloadsFinished++;
    };
    if (t.downloads.size >= MAX_DOWNLOADS) throw new ParleyError('RATE_LIMITED', `At most ${MAX_DOWNLOADS} downloads at once per connection.`);
    const download = new Download(
      peer.conn,
      f.id,
      {
        chunkSize: ctx.limits.chunk,
        highWater: Math.min(DOWNLOAD_HIGH_WATER, ctx.outboundBuffer / 8),
        parkAfterMs: DOWNLOAD_PARK_MS,
        logger: ctx.logger,
      },
      ended,
    );
    // the slot is taken at once, so a burst of requests cannot overrun it
    t.downloads.add(download);
    ctx.counters.downloadsStarted++;
    // Not awaited: a download waiting for a media-store connection must not hold up the
    // connection's later frames (other downloads, upload chunks); it answers by itself.
    void (async () => {
      const posted = await ctx.store.getFile(f.fileId);
      // A file is its room's members'; avatars are every signed-in user's to see.
      const file = posted ?? (await avatarAsFile(ctx, f.fileId));
      if (file === undefined) throw new ParleyError('NOT_FOUND', 'No such file.');
      if (posted !== undefined) await ctx.rooms.access(posted.room, user);
      const offset = f.offset ?? 0;
      if (offset > file.size) throw new ParleyError('INVALID', `The offset is past the end of the ${file.size}-byte file.`);
      const key = contentKey(file.sha256);
      const stream = await media.get(key, { offset });
      if (download.done || !peer.conn.isOpen) {
        stream.destroy();
        download.cancel();
        return;
      }
      peer.conn.send({ t: 'download_start', id: f.id, fileId: file.fileId, size: file.size, offset, name: file.name, mime: file.mime });
      // a reopen after a pause waits for a free media-store connection as long as the download lives
      download.run(stream, (at, signal) => media.get(key, { offset: at, signal }), offset, file.size, file.sha256);
    })().catch((err: unknown) => {
      ended(download);
      if (download.done || !peer.conn.isOpen) return;
      download.cancel();
      replyError(ctx, peer, f.id, err);
    });
  });
}
