import * as assert from 'node:assert/strict';
import { FrameDecoder, FrameError, encodeFrame, encodeFrameHead, type Frame } from '../../protocol';
import { validateClientFrame } from '../../protocol/validate';

function rawFrame(headerJson: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.from(headerJson, 'utf8');
  const out = Buffer.alloc(8 + header.length + body.length);
  out.writeUInt32BE(4 + header.length + body.length, 0);
  out.writeUInt32BE(header.length, 4);
  header.copy(out, 8);
  body.copy(out, 8 + header.length);
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FrameError, `expected FrameError, got ${String(err)}`);
    return err.code;
  }
  return undefined;
}

describe('FrameDecoder', () => {
  it('decodes a frame split byte by byte', () => {
    const bytes = encodeFrame({ t: 'send', id: 1, room: 'general', cid: 'c1', text: 'héllo ✓' }, Buffer.from('body'));
    const decoder = new FrameDecoder(1024);
    const frames: Frame[] = [];
    for (let i = 0; i < bytes.length; i++) frames.push(...decoder.push(bytes.subarray(i, i + 1)));
    assert.equal(frames.length, 1);
    assert.deepEqual(frames[0].header, { t: 'send', id: 1, room: 'general', cid: 'c1', text: 'héllo ✓' });
    assert.equal(frames[0].body.toString(), 'body');
    assert.equal(decoder.pendingBytes, 0);
  });

  it('decodes many frames from one chunk, and a partial tail later', () => {
    const parts = Array.from({ length: 500 }, (_, i) => encodeFrame({ t: 'ping', id: i }));
    const all = Buffer.concat(parts);
    const decoder = new FrameDecoder(1024);
    const cut = all.length - 5;
    const first = decoder.push(all.subarray(0, cut));
    assert.equal(first.length, 499);
    assert.deepEqual(
      first.map((f) => f.header.id),
      Array.from({ length: 499 }, (_, i) => i),
    );
    const rest = decoder.push(all.subarray(cut));
    assert.deepEqual(rest.map((f) => f.header.id), [499]);
  });

  it('accepts a frame of exactly maxFrame and refuses one byte more with FRAME_TOO_LARGE', () => {
    const body = Buffer.alloc(100);
    const frame = encodeFrame({ t: 'chunk', uploadId: 'u' }, body);
    const frameLength = frame.readUInt32BE(0);
    assert.equal(new FrameDecoder(frameLength).push(frame).length, 1);
    assert.equal(codeOf(() => new FrameDecoder(frameLength - 1).push(frame)), 'FRAME_TOO_LARGE');
  });

  it('refuses an oversized length prefix before the bytes arrive', () => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(0xffffffff, 0);
    assert.equal(codeOf(() => new FrameDecoder(1 << 20).push(prefix)), 'FRAME_TOO_LARGE');
  });

  it('answers non-JSON, non-object headers and bad lengths with BAD_FRAME', () => {
    assert.equal(codeOf(() => new FrameDecoder(1024).push(rawFrame('not json'))), 'BAD_FRAME');
    assert.equal(codeOf(() => new FrameDecoder(1024).push(rawFrame('[1,2]'))), 'BAD_FRAME');
    assert.equal(codeOf(() => new FrameDecoder(1024).push(rawFrame('null'))), 'BAD_FRAME');
    assert.equal(codeOf(() => new FrameDecoder(1024).push(rawFrame('"t"'))), 'BAD_FRAME');
    const short = Buffer.alloc(4);
    short.writeUInt32BE(2, 0);
    assert.equal(codeOf(() => new FrameDecoder(1024).push(short)), 'BAD_FRAME');
    const overlong = rawFrame('{}');
    overlong.writeUInt32BE(999, 4);
    assert.equal(codeOf(() => new FrameDecoder(1024).push(overlong)), 'BAD_FRAME');
  });

  it('stays failed after the first error', () => {
    const decoder = new FrameDecoder(1024);
    assert.equal(codeOf(() => decoder.push(rawFrame('nope'))), 'BAD_FRAME');
    assert.equal(codeOf(() => decoder.push(encodeFrame({ t: 'ping' }))), 'BAD_FRAME');
  });

  it('passes an unknown t through; validation answers UNKNOWN_TYPE with the id', () => {
    const [frame] = new FrameDecoder(1024).push(encodeFrame({ t: 'teleport', id: 'x7' }));
    const checked = validateClientFrame(frame.header);
    assert.equal(checked.ok, false);
    assert.ok(!checked.ok && checked.code === 'UNKNOWN_TYPE' && checked.id === 'x7');
  });

  it('decodes a frame written as head and body the same as one encoded whole', () => {
    const body = Buffer.alloc(300 * 1024, 7);
    const header = { t: 'chunk', uploadId: 'u1' };
    const split = Buffer.concat([encodeFrameHead(header, body.length), body]);
    assert.ok(split.equals(encodeFrame(header, body)));
    const decoder = new FrameDecoder(1024 * 1024);
    const frames: Frame[] = [];
    for (let at = 0; at < split.length; at += 65536) frames.push(...decoder.push(split.subarray(at, at + 65536)));
    assert.equal(frames.length, 1);
    assert.deepEqual(frames[0].header, header);
    assert.ok(frames[0].body.equals(body));
  });

  it('copies small bodies out of the chunk they came in, so they never pin it', () => {
    const big = Buffer.alloc(60_000, 1);
    const chunk = Buffer.concat([encodeFrame({ t: 'chunk', id: 1 }, Buffer.from('tiny')), encodeFrame({ t: 'chunk', id: 2 }, big)]);
    const frames = new FrameDecoder(1024 * 1024).push(chunk);
    assert.equal(frames[0].body.toString(), 'tiny');
    assert.ok(frames[0].body.buffer.byteLength < 60_000, 'the small body holds on to the whole chunk');
    assert.ok(frames[1].body.equals(big));
  });

  it('validates field types with INVALID', () => {
    const checked = validateClientFrame({ t: 'send', id: 1, room: 'general', cid: 5 });
    assert.ok(!checked.ok && checked.code === 'INVALID' && checked.id === 1);
  });

  it('appends the frames of a chunk to the array it is given, and holds a split frame until it is whole', () => {
    const a = encodeFrame({ t: 'ping', id: 1 });
    const b = encodeFrame({ t: 'ping', id: 2 });
    const c = encodeFrame({ t: 'ping', id: 3 });
    const all = Buffer.concat([a, b, c]);
    const queue: Frame[] = [{ header: { t: 'queued' }, body: Buffer.alloc(0) }];
    const decoder = new FrameDecoder(1024);
    // Cut inside c's length prefix, then inside its header.
    const cut = a.length + b.length + 2;
    assert.equal(decoder.push(all.subarray(0, cut), queue), queue);
    assert.deepEqual(queue.map((f) => f.header.id ?? f.header.t), ['queued', 1, 2]);
    assert.equal(decoder.pendingBytes, 2);
    decoder.push(all.subarray(cut, cut + 5), queue);
    assert.equal(queue.length, 3);
    assert.equal(decoder.pendingBytes, 7);
    decoder.push(all.subarray(cut + 5), queue);
    assert.deepEqual(queue.map((f) => f.header.id ?? f.header.t), ['queued', 1, 2, 3]);
    assert.equal(decoder.pendingBytes, 0);
  });
});
