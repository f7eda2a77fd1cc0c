import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptionalKind, type TSchema } from '@sinclair/typebox';
import { CLIENT_FRAME_SCHEMAS, SERVER_FRAME_SCHEMAS } from '../../protocol/schema';

/**
 * docs/protocol.md writes frames as `t {field, optional?, …}`. Each client → server frame must
 * appear there at least once in full (no `…`), with exactly its schema's fields and the
 * optional ones marked `?`, so the doc cannot drift from the schemas silently. Server → client
 * frames may leave optional fields out (a message's dozen state fields are described in prose),
 * but must show every required one and nothing the schema lacks.
 */

const DOC = readFileSync(join(__dirname, '../../docs/protocol.md'), 'utf8');

interface Shape {
  fields: Map<string, boolean>; // name → optional
  partial: boolean;
}

/** Splits on the commas outside any nested {…} or […]. */
function topLevelParts(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Every `t {…}` code span in the doc, by `t`. */
function framesInDoc(doc: string): Map<string, Shape[]> {
  const found = new Map<string, Shape[]>();
  for (const [, t, body] of doc.matchAll(/`([a-z_]+) \{([^`]*)\}`/g)) {
    const shape: Shape = { fields: new Map(), partial: false };
    for (const part of topLevelParts(body)) {
      const m = /^([A-Za-z0-9]+)(\?)?/.exec(part);
      if (m) shape.fields.set(m[1], m[2] === '?');
      else shape.partial = true; // `…` or `...`: an excerpt, not the whole frame
    }
    found.set(t, [...(found.get(t) ?? []), shape]);
  }
  return found;
}

function fieldsOf(schema: TSchema): Map<string, boolean> {
  const props = schema.properties as Record<string, TSchema>;
  return new Map(Object.entries(props).filter(([k]) => k !== 't').map(([k, s]) => [k, s[OptionalKind] === 'Optional']));
}

const show = (fields: Map<string, boolean>) => `{${[...fields].map(([k, o]) => k + (o ? '?' : '')).join(', ')}}`;

describe('docs/protocol.md', () => {
  const doc = framesInDoc(DOC);

  for (const [t, schema] of Object.entries(CLIENT_FRAME_SCHEMAS)) {
    it(`shows ${t} with every field of its schema`, () => {
      const want = show(fieldsOf(schema));
      const shown = (doc.get(t) ?? []).filter((s) => !s.partial).map((s) => show(s.fields));
      // Field order is free in the doc; compare as sorted sets.
      const norm = (s: string) => s.slice(1, -1).split(', ').filter(Boolean).sort().join(', ');
      assert.ok(
        shown.some((s) => norm(s) === norm(want)),
        `docs/protocol.md should show \`${t} ${want}\`; it shows ${shown.length ? shown.map((s) => `\`${t} ${s}\``).join(', ') : 'no complete one'}`,
      );
    });
  }

  for (const [t, schema] of Object.entries(SERVER_FRAME_SCHEMAS)) {
    it(`shows the server's ${t} with its required fields and no field its schema lacks`, () => {
      const fields = fieldsOf(schema);
      const fits = (shape: Shape) =>
        [...fields].every(([k, optional]) => optional || shape.fields.get(k) === false) &&
        [...shape.fields].every(([k, optional]) => fields.has(k) && (!optional || fields.get(k)));
      const shown = (doc.get(t) ?? []).filter((s) => !s.partial);
      assert.ok(
        shown.some(fits),
        `docs/protocol.md should show \`${t} ${show(fields)}\` (optional fields may be left out); it shows ${shown.length ? shown.map((s) => `\`${t} ${show(s.fields)}\``).join(', ') : 'no complete one'}`,
      );
    });
  }

  it('reads optional markers and excerpts as the doc writes them', () => {
    const parsed = framesInDoc('`x {id, since?:{roomId: lastSeq}, limit?≤200, state?: "a"|"b"}` and `y {…, root: SEQ}`');
    assert.equal(show(parsed.get('x')![0].fields), '{id, since?, limit?, state?}');
    assert.equal(parsed.get('y')![0].partial, true);
  });
});
