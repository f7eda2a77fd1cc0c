import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES, FrameDecoder, FrameError, encodeFrame } from '../../protocol';
import { validateClientFrame } from '../../protocol/validate';

const MAX_FRAME = 4096;

/** Feeds the input in random slices; only FrameError may come out, and nothing after a failure. */
function feed(input: Buffer, cuts: number[]): void {
  const decoder = new FrameDecoder(MAX_FRAME);
  let offset = 0;
  const points = [...cuts.map((c) => c % (input.length + 1)), input.length].sort((a, b) => a - b);
  for (const end of points) {
    if (end <= offset) continue;
    try {
      for (const frame of decoder.push(input.subarray(offset, end))) {
        assert.equal(typeof frame.header, 'object');
        validateClientFrame(frame.header);
      }
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      assert.ok((ERROR_CODES as readonly string[]).includes(err.code));
      return;
    }
    offset = end;
  }
}

const validFrame = fc
  .record({
    t: fc.constantFrom('hello', 'send', 'ping', 'login', 'history', 'nope', 'typing'),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 })),
    room: fc.string({ maxLength: 20 }),
    text: fc.string({ maxLength: 200 }),
  })
  .map((h) => encodeFrame(h));

/** Valid frames with a few bytes overwritten, truncated or duplicated. */
const mutated = fc
  .tuple(fc.array(validFrame, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
  .map(([frames, edits, trim]) => {
    const buf = Buffer.concat(frames);
    for (const [at, byte] of edits) buf[at % buf.length] = byte;
    return buf.subarray(0, buf.length - (trim % 3 === 0 ? trim % buf.length : 0));
  });

const randomBytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

describe('FrameDecoder fuzz', function () {
  this.timeout(120_000);

  it('never throws anything but FrameError on 100 000 random and mutated inputs', () => {
    fc.assert(
      fc.property(fc.oneof(randomBytes, mutated, validFrame), fc.array(fc.nat(), { maxLength: 6 }), (input, cuts) => {
        feed(input, cuts);
      }),
      { numRuns: 100_000, seed: 0x9a71e7 },
    );
  });
});
