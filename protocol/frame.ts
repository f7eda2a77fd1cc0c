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

/** A big-endian u32 at `at`, without the bounds and argument checks of readUInt32BE. */
function u32(buf: Buffer, at: number): number {
  return buf[at] * 0x1000000 + ((buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]);
}

/**
 * Incremental decoder: feed it socket chunks, get whole frames back.
 * Stops at the first error: the stream can no longer be trusted after it.
 *
 * A chunk that starts on a frame boundary is decoded where it lies: nothing is copied or
 * allocated but the frames themselves. Only a frame split over reads is held, and its pieces are
 * joined once, when the last one arrives.
 */
export class FrameDecoder {
  /** The start of a frame not complete yet (undefined when nothing is held). */
  private held: Buffer | undefined;
  /** Further pieces of it, when it came in more than one read after `held`. */
  private pieces: Buffer[] | undefined;
  private buffered = 0;
  private failed = false;

  constructor(private readonly maxFrame: number) {}

  /** Bytes held for a frame not yet complete. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds bytes and returns the frames they complete, appended to `frames` when given (a caller's
   * own queue). Throws FrameError on a bad stream.
   */
  push(chunk: Buffer, frames: Frame[] = []): Frame[] {
    if (this.failed) throw new FrameError('BAD_FRAME', 'The stream already failed.');
    if (chunk.length === 0) return frames;
    try {
      if (this.held === undefined) this.decode(chunk, frames);
      else this.add(chunk, frames);
    } catch (err) {
      this.failed = true;
      this.held = undefined;
      this.pieces = undefined;
      this.buffered = 0;
      throw err;
    }
    return frames;
  }

  /** Frames whose length prefix says they are this long are refused before their bytes arrive. */
  private check(frameLength: number): void {
    if (frameLength > this.maxFrame) {
      throw new FrameError('FRAME_TOO_LARGE', `Frame of ${frameLength} bytes is over the ${this.maxFrame}-byte limit.`);
    }
    if (frameLength < LENGTH_BYTES) throw new FrameError('BAD_FRAME', 'Frame length is shorter than its header length field.');
  }

  /** Decodes the whole frames at the start of `buf` (which starts on a frame boundary) and holds the rest. */
  private decode(buf: Buffer, frames: Frame[]): void {
    const n = buf.length;
    let offset = 0;
    while (n - offset >= LENGTH_BYTES) {
      const length = u32(buf, offset);
      this.check(length);
      if (n - offset < LENGTH_BYTES + length) break;
      frames.push(parseFrame(buf, offset + LENGTH_BYTES, length));
      offset += LENGTH_BYTES + length;
    }
    if (offset < n) {
      this.held = offset === 0 ? buf : buf.subarray(offset);
      this.buffered = n - offset;
    }
  }

  /** A chunk after held bytes: joins them once the held frame is complete. */
  private add(chunk: Buffer, frames: Frame[]): void {
    const held = this.held as Buffer;
    if (this.pieces === undefined) this.pieces = [held];
    this.pieces.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < LENGTH_BYTES) return;
    let first = held;
    if (first.length < LENGTH_BYTES) {
      // The length prefix itself was split: join what is here.
      first = Buffer.concat(this.pieces, this.buffered);
      this.pieces = [first];
      this.held = first;
    }
    const length = u32(first, 0);
    this.check(length);
    // Join only once a whole frame is here, so a large body arriving in pieces is copied once.
    if (this.buffered < LENGTH_BYTES + length) return;
    const joined = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.buffered);
    this.held = undefined;
    this.pieces = undefined;
    this.buffered = 0;
    this.decode(joined, frames);
  }
}

function parseFrame(buf: Buffer, start: number, frameLength: number): Frame {
  const headerLength = u32(buf, start);
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
