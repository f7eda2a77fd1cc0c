import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TSchema } from '@sinclair/typebox';
import { CLIENT_FRAME_SCHEMAS } from '../../protocol/schema';
import { validateClientFrame } from '../../protocol/validate';
import { LEGACY_TYPES, validateClientFrame as legacyValidate } from '../helpers/legacy-validate';
import { anyValue, arbitraryOf } from '../helpers/schema-arbitrary';

/**
 * The schemas replaced hand-written checks (kept frozen in test/helpers/legacy-validate.ts).
 * On random and mutated frames of every type, both must accept and reject the same headers,
 * with the same code, reply id and first field at fault: the move changed no rule.
 */

// The frames both know: protocol 3's rooms frames were written as schemas from the start.
const TYPES = (Object.keys(CLIENT_FRAME_SCHEMAS) as (keyof typeof CLIENT_FRAME_SCHEMAS)[]).filter((t) => LEGACY_TYPES.has(t));
const NO_VALUE = Symbol('delete');

/** A frame of one type, then up to three fields (known, `t`, or unknown) deleted or overwritten. */
function mutatedFrameOf(t: (typeof TYPES)[number]): fc.Arbitrary<Record<string, unknown>> {
  const schema = CLIENT_FRAME_SCHEMAS[t] as TSchema;
  const keys = [...Object.keys(schema.properties), 't', 'extra'];
  const edit = fc.tuple(fc.constantFrom(...keys), fc.oneof(anyValue, fc.constant(NO_VALUE), fc.constantFrom(...TYPES), fc.constant('teleport')));
  return fc.tuple(arbitraryOf(schema), fc.array(edit, { maxLength: 3 })).map(([frame, edits]) => {
    const header = { ...(frame as Record<string, unknown>) };
    for (const [key, value] of edits) {
      if (value === NO_VALUE) delete header[key];
      else header[key] = value;
    }
    return header;
  });
}
const mutatedFrame = fc.oneof(...TYPES.map(mutatedFrameOf));

/** `"t" has a wrong "snippet.language": …` and the old `"t" has a wrong "snippet".` name the same field. */
function fault(message: string): string {
  const m = /^"([^"]+)" (needs the field|has a wrong) "([^"]+)"/.exec(message);
  if (!m) return message;
  const [, t, kind, path] = m;
  const nested = path.includes('.');
  return `${t} ${nested ? 'has a wrong' : kind} ${path.split('.')[0]}`;
}

describe('client frame schemas', function () {
  this.timeout(60_000);

  it('accept exactly what the hand-written checks accepted, and blame the same field', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutatedFrame, (header) => {
        const now = validateClientFrame(header);
        let before: ReturnType<typeof legacyValidate>;
        try {
          before = legacyValidate(header);
        } catch {
          // The old checks threw on a `t` object with no usable toString; now it is UNKNOWN_TYPE.
          assert.ok(!now.ok && now.code === 'UNKNOWN_TYPE', JSON.stringify(header));
          return;
        }
        assert.equal(now.ok, before.ok, `ok differs for ${JSON.stringify(header)}`);
        if (now.ok) accepted++;
        if (!now.ok && !before.ok) {
          assert.equal(now.code, before.code);
          assert.equal(now.id, before.id);
          if (now.code === 'INVALID') assert.equal(fault(now.message), fault(before.message), JSON.stringify(header));
        }
      }),
      { numRuns: 50_000, seed: 0x5c4e3a },
    );
    // Both sides of the rules were exercised, not only rejects.
    assert.ok(accepted > 5000, `only ${accepted} accepted frames`);
  });
});
