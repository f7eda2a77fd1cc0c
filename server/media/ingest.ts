import { Readable, Transform, pipeline } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { lookup as mimeFromName } from 'mime-types';
import { ParleyError } from '../../protocol/errors';
import type { FileKind } from '../../protocol/messages';
import { contentKey, type MediaStore } from './media-store';
import { SERVER_HASH_NICE, streamHash } from '../../common/stream-hash';

// Enough for file-type to see past the headers of the common formats (it needs ~4 KB for most;
// more helps with ID3-tagged audio). Kept per upload, so it stays small.
const SNIFF_BYTES = 64 * 1024;
const FALLBACK_MIME = 'application/octet-stream';

export interface IngestOptions {
  /** The size the client announced in `upload`. */
  size: number;
  /** The server's upload limit. */
  maxSize: number;
  /** The upload's bytes, in order; may be a Readable. Ends when the client sent `upload_end`. */
  source: AsyncIterable<Uint8Array | Buffer>;
  /**
   * The digest the client claims (lower-case hex). The protocol sends it in `upload_end`, after
   * the last chunk, so a function is read only once the source has ended.
   */
  sha256?: string | (() => string | undefined | Promise<string | undefined>);
  signal?: AbortSignal;
  /**
   * The file's name as the client gave it. Only consulted when the content says nothing
   * (notes.txt, data.csv); a name never makes the file an image, video or audio.
   */
  name?: string;
}

export interface IngestResult {
  /** Where the bytes are: `contentKey(sha256)`. */
  key: string;
  sha256: string;
  size: number;
  /** Sniffed from the content; only when that finds nothing, taken from the name or text. */
  mime: string;
  kind: FileKind;
  /** False when the same content was stored before and this copy was dropped. */
  stored: boolean;
}

/**
 * Streams an upload into the media store while hashing, counting and sniffing it, then files it
 * under its content address.
 *
 * The address is known only after the last byte, so the bytes go to the store's own temp area
 * (`stage`) and one rename on the same backend files them (`commit`). Staging on local disk
 * instead would write every byte twice and need local space in FTP deployments; holding bytes
 * in memory is out. A failure at any point discards the temp file, and temps a crash leaves
 * behind are swept by the store's init().
 */
export async function ingest(store: MediaStore, options: IngestOptions): Promise<IngestResult> {
  const { size: announced, maxSize, source, signal } = options;
  if (!Number.isSafeInteger(announced) || announced < 0) {
    throw new ParleyError('INVALID', 'The upload size is not a whole number of bytes.');
  }
  if (announced > maxSize) throw tooLarge(maxSize);

  // large uploads hash on a lower-priority thread: chat keeps the event loop and the CPU
  const hash = streamHash(announced, { nice: SERVER_HASH_NICE });
  const head: Buffer[] = [];
  let headBytes = 0;
  let received = 0;
  // A Transform on pipe(), not an async generator: the relay stays synchronous, which keeps
  // upload throughput near that of the backend.
  const checked = new Transform({
    highWaterMark: 256 * 1024,
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      // refuse the moment the limit is crossed, before storing the chunk
      if (received > maxSize) return callback(tooLarge(maxSize));
      if (received > announced) {
        return callback(new ParleyError('TOO_LARGE', `The upload is larger than the ${announced} bytes announced.`));
      }
      const caughtUp = hash.update(chunk);
      if (headBytes < SNIFF_BYTES) {
        // a copy: the caller may reuse its chunk buffers
        const part = Buffer.from(chunk.subarray(0, SNIFF_BYTES - headBytes));
        head.push(part);
        headBytes += part.length;
      }
      // the bytes go on at once; only the next chunk waits while the hash lags too far behind
      if (caughtUp) return callback(null, chunk);
      this.push(chunk);
      hash.ready().then(() => callback(), callback);
    },
  });
  const input = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  // Errors of either side reach stage() as `checked` failing; stage() then leaves nothing behind.
  pipeline(input, checked, () => {});

  let staged;
  try {
    staged = await store.stage(checked, { signal });
  } catch (err) {
    // stop reading the client's bytes too
    checked.destroy();
    hash.dispose();
    throw err;
  }
  try {
    if (received !== announced) {
      throw new ParleyError('INVALID', `The upload ended after ${received} of the ${announced} bytes announced.`);
    }
    const sha256 = await hash.digest();
    const claimed = typeof options.sha256 === 'function' ? await options.sha256() : options.sha256;
    if (claimed !== undefined && (typeof claimed !== 'string' || claimed.toLowerCase() !== sha256)) {
      throw new ParleyError('INVALID', 'The sha256 does not match the bytes received.');
    }
    const { mime, kind } = await fileType(Buffer.concat(head), options.name);
    const key = contentKey(sha256);
    const { stored } = await staged.commit(key, { replace: false });
    return { key, sha256, size: received, mime, kind, stored };
  } catch (err) {
    hash.dispose();
    await staged.discard();
    throw err;
  }
}

export async function sniffMime(head: Uint8Array): Promise<string> {
  if (head.length === 0) return FALLBACK_MIME;
  try {
    return (await fileTypeFromBuffer(head))?.mime ?? FALLBACK_MIME;
  } catch {
    // a truncated or malformed header is just an unknown type
    return FALLBACK_MIME;
  }
}

/**
 * The type of an upload: what its bytes show; failing that, what its name says, unless the name
 * claims an image, video or audio the bytes did not show; failing that, `text/plain` for text.
 */
export async function fileType(head: Uint8Array, name?: string): Promise<{ mime: string; kind: FileKind }> {
  const sniffed = await sniffMime(head);
  if (sniffed !== FALLBACK_MIME) return { mime: sniffed, kind: kindOf(sniffed) };
  const named = name ? mimeFromName(name) : false;
  if (named && kindOf(named) === 'file') return { mime: named, kind: 'file' };
  return { mime: looksLikeText(head) ? 'text/plain' : FALLBACK_MIME, kind: 'file' };
}

/** UTF-8 without NUL or other control bytes besides tab, line feed, form feed and carriage return. */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const b of head) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f) return false;
  }
  try {
    // `stream`: the sniffed head may end inside a character, which is no error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

export function kindOf(mime: string): FileKind {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'file';
}

function tooLarge(maxSize: number): ParleyError {
  return new ParleyError('TOO_LARGE', `The upload is larger than the ${maxSize} bytes this server accepts.`);
}
