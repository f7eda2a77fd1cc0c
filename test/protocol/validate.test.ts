import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateBySchema, validateClientFrame } from '../../protocol';

// Values of every kind, with strings around the length limits of `send`'s fields.
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.string({ minLength: 127, maxLength: 130 }),
  fc.string({ minLength: 199, maxLength: 202 }),
  fc.constant(''),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.record({ code: fc.oneof(fc.string(), fc.integer()), language: fc.oneof(fc.string({ maxLength: 70 }), fc.constant(undefined)) }),
  fc.record({ code: fc.string(), language: fc.constant('ts'), startLine: fc.oneof(fc.integer(), fc.constant(undefined)) }),
);

describe('validateClientFrame: send', () => {
  it('answers every send header as its schema does', () => {
    fc.assert(
      fc.property(anyValue, anyValue, anyValue, anyValue, anyValue, (id, room, cid, text, snippet) => {
        const header: Record<string, unknown> = { t: 'send' };
        for (const [k, v] of Object.entries({ id, room, cid, text, snippet })) if (v !== undefined) header[k] = v;
        assert.deepEqual(validateClientFrame(header), validateBySchema(header));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts a well-formed send and names the first missing or wrong field', () => {
    const good = { t: 'send', id: 1, room: 'general', cid: 'c1', text: 'hi' };
    assert.deepEqual(validateClientFrame(good), { ok: true, frame: good });
    assert.deepEqual(validateClientFrame({ t: 'send', id: 2, cid: 'c' }), { ok: false, code: 'INVALID', message: '"send" needs the field "room".', id: 2 });
    assert.deepEqual(validateClientFrame({ t: 'send', id: {}, room: 'r', cid: 'c' }), { ok: false, code: 'INVALID', message: '"send" has a wrong "id".', id: undefined });
    assert.deepEqual(validateClientFrame({ t: 'send', id: 'x', room: 'r', cid: 'c'.repeat(129) }), {
      ok: false,
      code: 'INVALID',
      message: '"send" has a wrong "cid".',
      id: 'x',
    });
  });
});
