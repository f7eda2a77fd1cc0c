import type { ErrorCode } from './errors';

/**
 * Frame layout: u32 BE frameLength · u32 BE headerLength · header (UTF-8 JSON) · body.
 * frameLength counts every byte after itself, so a frame occupies 4 + frameLength bytes.
 */
export const LENGTH_BYTES = 4;
const PREFIX_BYTES = 8;
const EMPTY = Buffer.alloc(0);
// Bodies this large are not copied out of the decoder's buffer when they fill most of it.
const IN_PLACE_BODY = 16 * 1024;

export interface Frame {
  header: Record<string, unknown>;
  body: Buffer;
}

/** Encodes a frame into one buffer; encode once and write the same buffer to every recipient. */
export function encodeFrame(header: object, body: Buffer = EMPTY): Buffer {
  const json = JSON.stringify(header);
  const headerLength = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(PREFIX_BYTES + headerLength + body.length);
  out.writeUInt32BE(LENGTH_BYTES + headerLength + body.length, 0);
  out.writeUInt32BE(headerLength, 4);
  out.write(json, PREFIX_BYTES, 'utf8');
  if (body.length > 0) body.copy(out, PREFIX_BYTES + headerLength);
  return out;
}

/**
 * The length prefix and header of a frame whose body goes out as a buffer of its own, so a large
 * body (a file chunk) is never copied: write this, then exactly `bodyLength` bytes of body.
 */
export function encodeFrameHead(header: object, bodyLength: number): Buffer {
  const json = JSON.stringify(header);
  const headerLength = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(PREFIX_BYTES + headerLength);
  out.writeUInt32BE(LENGTH_BYTES + headerLength + bodyLength, 0);
  out.writeUInt32BE(headerLength, 4);
  out.write(json, PREFIX_BYTES, 'utf8');
  return out;
}

export class FrameError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * Incremental decoder: feed it socket chunks, get whole frames back.
 * Stops at the first error: the stream can no longer be trusted after it.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  constructor(private readonly maxFrame: number) {}

  /** Bytes held for a frame not yet complete. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds bytes and returns the frames they complete. Throws FrameError on a bad stream. */
  push(chunk: Buffer): Frame[] {
    if (this.failed) throw new FrameError('BAD_FRAME', 'The stream already failed.');
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    try {
      this.drain(frames);
    } catch (err) {
      this.failed = true;
      this.chunks = [];
      this.buffered = 0;
      throw err;
    }
    return frames;
  }

  private drain(frames: Frame[]): void {
    while (this.buffered >= LENGTH_BYTES) {
      const frameLength = this.peekLength();
      if (frameLength > this.maxFrame) {
        throw new FrameError('FRAME_TOO_LARGE', `Frame of ${frameLength} bytes is over the ${this.maxFrame}-byte limit.`);
      }
      if (frameLength < LENGTH_BYTES) throw new FrameError('BAD_FRAME', 'Frame length is shorter than its header length field.');
      const total = LENGTH_BYTES + frameLength;
      if (this.buffered < total) return;
      // Join only once a whole frame is here, so a large body arriving in pieces is copied once.
      const joined = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
      let offset = 0;
      while (joined.length - offset >= LENGTH_BYTES) {
        const length = joined.readUInt32BE(offset);
        if (length > this.maxFrame) {
          throw new FrameError('FRAME_TOO_LARGE', `Frame of ${length} bytes is over the ${this.maxFrame}-byte limit.`);
        }
        if (length < LENGTH_BYTES) throw new FrameError('BAD_FRAME', 'Frame length is shorter than its header length field.');
        if (joined.length - offset < LENGTH_BYTES + length) break;
        frames.push(parseFrame(joined, offset + LENGTH_BYTES, length));
        offset += LENGTH_BYTES + length;
      }
      const rest = offset === joined.length ? undefined : joined.subarray(offset);
      this.chunks = rest ? [rest] : [];
      this.buffered = rest ? rest.length : 0;
    }
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first.length >= LENGTH_BYTES) return first.readUInt32BE(0);
    const head = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [head];
    return head.readUInt32BE(0);
  }
}

function parseFrame(buf: Buffer, start: number, frameLength: number): Frame {
  const headerLength = buf.readUInt32BE(start);
  if (headerLength > frameLength - LENGTH_BYTES) {
    throw new FrameError('BAD_FRAME', 'Header length runs past the end of the frame.');
  }
  const headerStart = start + LENGTH_BYTES;
  const headerEnd = headerStart + headerLength;
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', headerStart, headerEnd));
  } catch {
    throw new FrameError('BAD_FRAME', 'Frame header is not valid JSON.');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FrameError('BAD_FRAME', 'Frame header is not a JSON object.');
  }
  const bodyEnd = start + frameLength;
  const span = buf.subarray(headerEnd, bodyEnd);
  // A small body is copied out so it never pins a whole socket chunk in memory; a body that fills
  // most of its buffer (a file chunk) is used in place, saving a copy of every transferred byte.
  const body = span.length === 0 ? EMPTY : span.length >= IN_PLACE_BODY && span.length * 2 >= buf.length ? span : Buffer.from(span);
  return { header: header as Record<string, unknown>, body };
}
