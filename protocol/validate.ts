import { Value } from '@sinclair/typebox/value';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { OptionalKind, TypeGuard, type TObject, type TSchema } from '@sinclair/typebox';
import type { ClientFrame, ClientFrameType } from './messages';
import { CLIENT_FRAME_SCHEMAS, RequestIdSchema } from './schema';

/**
 * Runtime checks for every client → server frame, compiled from the schemas in ./schema.
 * The server trusts nothing else: a frame that fails here is answered with INVALID (or
 * UNKNOWN_TYPE) and never reaches a handler. Unknown fields are ignored, as in JSON Schema.
 */

export type Validation =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: 'UNKNOWN_TYPE' | 'INVALID'; message: string; id?: string | number };

/** One type's compiled checks: the whole frame, and each field for naming what is wrong. */
interface Compiled {
  check: (value: unknown) => boolean;
  fields: { key: string; optional: boolean; check: (value: unknown) => boolean; schema: TSchema }[];
}

// Compiled on first use of each type, so a process that never validates (the extension) never pays.
const compiled = new Map<string, Compiled>();
const requestId = TypeCompiler.Compile(RequestIdSchema);

function compile(schema: TObject): Compiled {
  const whole = TypeCompiler.Compile(schema);
  const fields = Object.entries(schema.properties as Record<string, TSchema>).map(([key, field]) => {
    const c = TypeCompiler.Compile(field);
    return { key, optional: field[OptionalKind] === 'Optional', check: (v: unknown) => c.Check(v), schema: field };
  });
  return { check: (v) => whole.Check(v), fields };
}

export function isClientFrameType(t: unknown): t is ClientFrameType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(CLIENT_FRAME_SCHEMAS, t);
}

/** Checks a decoded header against the schema of its `t`. */
export function validateClientFrame(header: Record<string, unknown>): Validation {
  const t = header.t;
  let c = typeof t === 'string' ? compiled.get(t) : undefined;
  if (c === undefined) {
    if (!isClientFrameType(t)) {
      return { ok: false, code: 'UNKNOWN_TYPE', message: `Unknown frame type ${typeName(t)}.`, id: replyId(header) };
    }
    c = compile(CLIENT_FRAME_SCHEMAS[t]);
    compiled.set(t, c);
  }
  if (c.check(header)) return { ok: true, frame: header as unknown as ClientFrame };
  return { ok: false, code: 'INVALID', message: explain(c, header, t as string), id: replyId(header) };
}

/** The same check as validateClientFrame; kept for callers that name the schema path explicitly. */
export const validateBySchema = validateClientFrame;

/** `t` for the error message; String() would throw on `{"toString": 1}`, which JSON can carry. */
function typeName(t: unknown): string {
  if (typeof t === 'object' && t !== null) return Array.isArray(t) ? 'array' : 'object';
  return JSON.stringify(String(t)).slice(0, 60);
}

/** The `id` an error reply carries: the request's, when it is a valid one. */
function replyId(header: Record<string, unknown>): string | number | undefined {
  return requestId.Check(header.id) ? header.id : undefined;
}

/**
 * Names the first missing or wrong field, in the schema's property order, descending into
 * nested objects (`snippet.language`). Runs only for rejected frames.
 */
function explain(c: Compiled, value: Record<string, unknown>, t: string): string {
  for (const field of c.fields) {
    const v = value[field.key];
    if (v === undefined) {
      if (field.optional) continue;
      return `"${t}" needs the field "${field.key}".`;
    }
    if (!field.check(v)) return wrongField(field.schema, v, t, field.key);
  }
  return `"${t}" is not well-formed.`;
}

function wrongField(schema: TSchema, v: unknown, t: string, path: string): string {
  if (TypeGuard.IsObject(schema) && typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const [key, field] of Object.entries(schema.properties as Record<string, TSchema>)) {
      if (o[key] === undefined) {
        if (field[OptionalKind] === 'Optional') continue;
        return `"${t}" needs the field "${path}.${key}".`;
      }
      if (!Value.Check(field, o[key])) return wrongField(field, o[key], t, `${path}.${key}`);
    }
  }
  return `"${t}" has a wrong "${path}": it must be ${schema.description ?? 'well-formed'}.`;
}
