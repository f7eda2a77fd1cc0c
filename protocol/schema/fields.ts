import { FormatRegistry, Type } from '@sinclair/typebox';
import { isEmoji } from '../emoji';

/**
 * Field types shared by the frame schemas. Each carries a `description` that finishes the
 * sentence "it must be …": validate.ts quotes it when a field is wrong, so the rule and its
 * explanation are written once.
 */

// JSON Schema cannot say "one emoji"; a named format keeps it in the schema all the same.
FormatRegistry.Set('emoji', isEmoji);

/** A string of 1 to `max` UTF-16 units. */
export const ShortString = (max: number) =>
  Type.String({ minLength: 1, maxLength: max, description: `a string of 1 to ${max} characters` });

export const AnyString = () => Type.String({ description: 'a string' });
export const NonEmptyString = () => Type.String({ minLength: 1, description: 'a non-empty string' });
export const Bool = () => Type.Boolean({ description: 'true or false' });

/** Safe integers only: a seq or size past 2^53 would be silently rounded. */
export const NonNegativeInt = () =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'a whole number ≥ 0' });
export const PositiveInt = () =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'a whole number ≥ 1' });

/** Lower-case hex, the form every digest on the wire takes. */
export const Sha256 = () =>
  Type.String({ pattern: '^[0-9a-f]{64}$', description: 'a sha256 digest in lower-case hex' });

export const Emoji = () => Type.String({ format: 'emoji', description: 'one emoji' });

/** Chosen by the client and echoed in the reply; opaque to the server. */
export const RequestIdSchema = Type.Union([Type.Number(), Type.String({ minLength: 1, maxLength: 128 })], {
  description: 'a number, or a string of 1 to 128 characters',
});

export const Room = () => ShortString(200);
export const Cid = () => ShortString(128);
