import * as assert from 'node:assert/strict';
import { formatChange, formatMessage, formatRoom, messageJson, parseTilde } from '../../client/format';

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
    const general = { id: 'general', kind: 'group' as const, name: 'general', lastSeq: 10, lastRead: 4 };
    // The server's count, not lastSeq - lastRead: change events and one's own messages take seqs too.
    assert.equal(formatRoom({ ...general, unread: 2 }), 'general\tgroup\t#general\t10 messages, 2 unread');
    assert.equal(formatRoom({ ...general, unread: 0 }), 'general\tgroup\t#general\t10 messages');
    assert.equal(formatRoom({ ...general, lastSeq: 5000, unread: 1000 }), 'general\tgroup\t#general\t5000 messages, 999+ unread');
  });

  it('shows replies, edits, tombstones, reactions, pins and resolve', () => {
    const base = { room: 'general', ts: 0, msgId: 'm', from: 'bob_smith' };
    assert.equal(
      formatMessage({ ...base, seq: 3, text: 'ship it?', edited: 5, reactions: { '👍': ['a', 'b'], '🎉': ['c'] }, replies: 1, pinned: true, resolvedBy: 'a' }),
      '[general #3] bob_smith: ship it?  (edited) 👍 2 🎉 1 [1 reply] [pinned] [resolved by a]',
    );
    assert.equal(formatMessage({ ...base, seq: 4, root: 3, text: 'yes' }), '[general #4 ↳ #3] bob_smith: yes');
    assert.equal(formatMessage({ ...base, seq: 5, deleted: true, edited: 4 }), '[general #5] bob_smith: (message deleted)');
    assert.equal(formatChange({ ...base, seq: 6, change: { kind: 'react', target: 3, emoji: '👀' } }), '[general #6] bob_smith reacted 👀 to #3');
    assert.equal(formatChange({ ...base, seq: 7, change: { kind: 'edit', target: 3, text: 'new' } }), '[general #7] bob_smith edited #3: new');
  });

  it('gives every state field in the JSON form, with its default when absent', () => {
    const plain = messageJson({ room: 'general', seq: 1, ts: 0, msgId: 'm', from: 'a', text: 'hi' });
    assert.deepEqual(
      { ...plain },
      { room: 'general', seq: 1, ts: 0, msgId: 'm', from: 'a', text: 'hi', edited: false, deleted: false, reactions: {}, replies: 0, pinned: false, resolved: false },
    );
    const gone = messageJson({ room: 'general', seq: 2, ts: 0, msgId: 'm', from: 'a', root: 1, deleted: true });
    assert.equal(gone.text, null);
    assert.equal(gone.deleted, true);
    assert.equal(gone.root, 1);
  });
});
