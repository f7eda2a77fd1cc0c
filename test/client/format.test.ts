import * as assert from 'node:assert/strict';
import { formatMessage, formatRoom, parseTilde } from '../../client/format';

describe('client/format', () => {
  it('prints a message as [room #seq] user: text', () => {
    assert.equal(formatMessage({ room: 'general', seq: 7, ts: 0, msgId: 'm', from: 'alice_1', text: 'hi' }), '[general #7] alice_1: hi');
  });

  it('describes snippets and files', () => {
    const snippet = formatMessage({ room: 'r', seq: 1, ts: 0, msgId: 'm', from: 'a', snippet: { code: 'x()', language: 'ts', path: 'src/a.ts', startLine: 3 } });
    assert.equal(snippet, '[r #1] a: [code ts src/a.ts:3]\nx()');
    const file = formatMessage({
      room: 'r',
      seq: 2,
      ts: 0,
      msgId: 'm',
      from: 'a',
      file: { fileId: 'f', name: 'cat.png', size: 2048, mime: 'image/png', kind: 'image', sha256: 'x' },
    });
    assert.equal(file, '[r #2] a: [image cat.png, 2.0 KiB]');
  });

  it('parses the "text ~user" private form', () => {
    assert.deepEqual(parseTilde('hello there ~bob_22'), { text: 'hello there', to: 'bob_22' });
    assert.deepEqual(parseTilde('multi\nline ~bob.x  '), { text: 'multi\nline', to: 'bob.x' });
    assert.equal(parseTilde('~bob_22'), undefined);
    assert.equal(parseTilde('no tilde here'), undefined);
    assert.equal(parseTilde('costs ~5 dollars'), undefined);
    assert.equal(parseTilde('see ~/src'), undefined);
  });

  it('shows unread counts for rooms', () => {
    assert.equal(formatRoom({ id: 'general', kind: 'group', name: 'general', lastSeq: 10, lastRead: 4 }), 'general\tgroup\t#general\t10 messages, 6 unread');
  });
});
