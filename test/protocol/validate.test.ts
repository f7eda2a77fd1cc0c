import * as assert from 'node:assert/strict';
import { validateClientFrame } from '../../protocol/validate';

const invalid = (message: string, id?: string | number) => ({ ok: false, code: 'INVALID', message, id });

describe('validateClientFrame', () => {
  it('accepts a well-formed send and names the first missing or wrong field, with what it must be', () => {
    const good = { t: 'send', id: 1, room: 'general', cid: 'c1', text: 'hi' };
    assert.deepEqual(validateClientFrame(good), { ok: true, frame: good });
    assert.deepEqual(validateClientFrame({ t: 'send', id: 2, cid: 'c' }), invalid('"send" needs the field "room".', 2));
    assert.deepEqual(validateClientFrame({ t: 'send', id: {}, room: 'r', cid: 'c' }), invalid('"send" has a wrong "id": it must be a number, or a string of 1 to 128 characters.'));
    assert.deepEqual(validateClientFrame({ t: 'send', id: 'x', room: 'r', cid: 'c'.repeat(129) }), invalid('"send" has a wrong "cid": it must be a string of 1 to 128 characters.', 'x'));
  });

  it('names the field inside a snippet', () => {
    const base = { t: 'send', id: 3, room: 'r', cid: 'c' };
    assert.deepEqual(validateClientFrame({ ...base, snippet: { code: 'x', language: '' } }), invalid('"send" has a wrong "snippet.language": it must be a string of 1 to 64 characters.', 3));
    assert.deepEqual(validateClientFrame({ ...base, snippet: { language: 'ts' } }), invalid('"send" needs the field "snippet.code".', 3));
    assert.deepEqual(validateClientFrame({ ...base, snippet: 'code' }), invalid('"send" has a wrong "snippet": it must be a snippet {code, language, path?, startLine?, endLine?, remote?, commit?, fileSha256?, anchor?}.', 3));
  });

  it('checks what JSON Schema alone cannot: one emoji, bounded since keys', () => {
    const change = { t: 'change', id: 4, room: 'r', cid: 'c', kind: 'react', target: 1 };
    assert.equal(validateClientFrame({ ...change, emoji: '👍🏽' }).ok, true);
    assert.deepEqual(validateClientFrame({ ...change, emoji: 'ok' }), invalid('"change" has a wrong "emoji": it must be one emoji.', 4));
    assert.deepEqual(validateClientFrame({ ...change, kind: 'nuke' }), invalid('"change" has a wrong "kind": it must be one of react, unreact, edit, delete, pin, unpin, resolve, reopen.', 4));
    const resume = { t: 'resume', id: 5, token: 'tok' };
    assert.equal(validateClientFrame({ ...resume, since: { general: 3, ['r'.repeat(200)]: 0 } }).ok, true);
    assert.equal(validateClientFrame({ ...resume, since: { ['r'.repeat(201)]: 0 } }).ok, false);
    assert.equal(validateClientFrame({ ...resume, since: { '': 0 } }).ok, false);
    assert.equal(validateClientFrame({ ...resume, since: { general: -1 } }).ok, false);
  });

  it('ignores unknown fields and takes hello without client', () => {
    assert.equal(validateClientFrame({ t: 'hello', id: 1, v: 2 }).ok, true);
    assert.equal(validateClientFrame({ t: 'rooms', id: 1, later: { anything: true } }).ok, true);
  });

  it('rejects seqs past 2^53, which JSON numbers cannot hold exactly', () => {
    assert.equal(validateClientFrame({ t: 'revisions', id: 1, room: 'r', seq: Number.MAX_SAFE_INTEGER }).ok, true);
    assert.equal(validateClientFrame({ t: 'revisions', id: 1, room: 'r', seq: Number.MAX_SAFE_INTEGER + 1 }).ok, false);
  });

  it('answers UNKNOWN_TYPE, with the id, for any t it does not know, objects included', () => {
    assert.deepEqual(validateClientFrame({ t: 'teleport', id: 'x7' }), { ok: false, code: 'UNKNOWN_TYPE', message: 'Unknown frame type "teleport".', id: 'x7' });
    // JSON.parse('{"t":{"toString":1}}'): String(t) would throw
    assert.deepEqual(validateClientFrame({ t: { toString: 1 }, id: 2 }), { ok: false, code: 'UNKNOWN_TYPE', message: 'Unknown frame type object.', id: 2 });
    assert.equal(validateClientFrame({ t: 'toString', id: 3 }).ok, false);
  });
});
