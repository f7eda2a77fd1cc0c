import fc from 'fast-check';
import { FormatRegistry, Kind, KindGuard, OptionalKind, type TSchema } from '@sinclair/typebox';

/**
 * fast-check arbitraries drawn from a TypeBox schema: values that are mostly valid but sit on
 * the edges of each constraint (lengths at and past the limits, integers at 0 / 1 / 2^53), so a
 * generated frame lands on both sides of every rule. Only the kinds the frame schemas use.
 */

// JSON-ish values of every kind: what a hostile or buggy client could put in any field.
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 1, 1.5, Number.MAX_SAFE_INTEGER + 1, '', '👍', 'general'),
  fc.string({ maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxKeys: 2 }),
);

const EMOJI_LIKE = ['👍', '❤️', '🇫🇷', '1️⃣', '👍🏽', '👨‍👩‍👧', 'a', ':)', '👍👍', '🇫', '\u200D'];

/** Short strings of any code units, and strings one below, at and one past `max` (cheap: repeated units). */
function aroundLength(min: number, max: number | undefined): fc.Arbitrary<string> {
  const short = fc.oneof(fc.string({ maxLength: Math.max(min + 2, 3) }), fc.string({ maxLength: 3, unit: 'binary' }));
  if (max === undefined) return short;
  const long = fc.tuple(fc.integer({ min: max - 1, max: max + 1 }), fc.constantFrom('a', 'é', '\u{1F600}')).map(([n, u]) => u.repeat(Math.ceil(n / u.length)).slice(0, n));
  return fc.oneof(short, long);
}

export function arbitraryOf(schema: TSchema): fc.Arbitrary<unknown> {
  if (KindGuard.IsLiteral(schema)) return fc.constant(schema.const);
  if (KindGuard.IsUnion(schema)) return fc.oneof(...schema.anyOf.map(arbitraryOf));
  if (KindGuard.IsBoolean(schema)) return fc.boolean();
  if (KindGuard.IsNumber(schema)) return fc.oneof(fc.integer(), fc.double());
  if (KindGuard.IsInteger(schema)) {
    const lo = schema.minimum ?? 0;
    return fc.oneof(fc.integer({ min: lo, max: lo + 1000 }), fc.constantFrom(lo - 1, lo, lo + 1, -0, 2.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2));
  }
  if (KindGuard.IsString(schema)) {
    if (schema.format !== undefined) {
      if (!FormatRegistry.Has(schema.format)) throw new Error(`no arbitrary for format ${schema.format}`);
      return fc.oneof(fc.constantFrom(...EMOJI_LIKE), fc.string({ maxLength: 3 }));
    }
    if (schema.pattern === '^[0-9a-f]{64}$') {
      return fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.stringMatching(/^[0-9a-fA-F]{63,65}$/));
    }
    if (schema.pattern !== undefined) {
      // Matching strings, and near misses (upper case, a character short or long).
      const pattern = new RegExp(schema.pattern as string);
      return fc.oneof(fc.stringMatching(pattern), fc.stringMatching(pattern).map((v) => v.toUpperCase()), fc.stringMatching(pattern).map((v) => v.slice(1)), fc.string({ maxLength: 3 }));
    }
    return aroundLength(schema.minLength ?? 0, schema.maxLength);
  }
  if (KindGuard.IsArray(schema)) {
    // Around the item limit: just under, at, and just over it.
    const max = schema.maxItems ?? 5;
    return fc.array(arbitraryOf(schema.items), { maxLength: max + 1 });
  }
  if (KindGuard.IsRecord(schema)) {
    const value = arbitraryOf(Object.values(schema.patternProperties)[0] as TSchema);
    const key = aroundLength(1, 200);
    return fc.dictionary(key, value, { maxKeys: 3 });
  }
  if (KindGuard.IsObject(schema)) {
    const props = schema.properties as Record<string, TSchema>;
    const arbs = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, arbitraryOf(s)]));
    const requiredKeys = Object.keys(props).filter((k) => props[k][OptionalKind] !== 'Optional');
    return fc.record(arbs, { requiredKeys });
  }
  throw new Error(`no arbitrary for schema kind ${String(schema[Kind])}`);
}
