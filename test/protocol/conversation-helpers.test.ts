import * as assert from 'node:assert/strict';
import { applyEvent, isEmoji, mentionedNames, type ChatMessage } from '../../protocol';

const base: ChatMessage = { room: 'r', seq: 1, ts: 100, msgId: 'm1', from: 'alice01', text: 'hello' };

function change(seq: number, from: string, kind: NonNullable<ChatMessage['change']>['kind'], extra: { emoji?: string; text?: string } = {}): ChatMessage {
  return { room: 'r', seq, ts: 100 + seq, msgId: `m${seq}`, from, change: { kind, target: 1, ...extra } };
}

describe('protocol: conversation helpers', () => {
  describe('applyEvent', () => {
    it('folds reactions in per emoji, once per user, and takes them back', () => {
      let m = applyEvent(base, change(2, 'bob_smith', 'react', { emoji: '👍' }));
      m = applyEvent(m, change(3, 'carol_1', 'react', { emoji: '👍' }));
      m = applyEvent(m, change(4, 'bob_smith', 'react', { emoji: '👍' }));
      assert.deepEqual(m.reactions, { '👍': ['bob_smith', 'carol_1'] });
      m = applyEvent(m, change(5, 'bob_smith', 'unreact', { emoji: '👍' }));
      m = applyEvent(m, change(6, 'carol_1', 'unreact', { emoji: '👍' }));
      assert.equal(m.reactions, undefined);
      assert.deepEqual(base, { room: 'r', seq: 1, ts: 100, msgId: 'm1', from: 'alice01', text: 'hello' }, 'the input is not changed');
    });

    it('edits, deletes into a tombstone, and ignores changes after the delete', () => {
      let m = applyEvent({ ...base, pinned: true, reactions: { '🎉': ['bob_smith'] } }, change(2, 'alice01', 'edit', { text: 'hello all' }));
      assert.equal(m.text, 'hello all');
      assert.equal(m.edited, 102);
      m = applyEvent(m, change(3, 'alice01', 'delete'));
      assert.deepEqual(m, { room: 'r', seq: 1, ts: 100, msgId: 'm1', from: 'alice01', deleted: true });
      assert.deepEqual(applyEvent(m, change(4, 'bob_smith', 'react', { emoji: '👍' })), m);
    });

    it('pins, resolves (keeping the first resolver) and reopens', () => {
      let m = applyEvent(base, change(2, 'bob_smith', 'pin'));
      assert.equal(m.pinned, true);
      m = applyEvent(m, change(3, 'bob_smith', 'resolve'));
      m = applyEvent(m, change(4, 'carol_1', 'resolve'));
      assert.equal(m.resolvedBy, 'bob_smith');
      m = applyEvent(applyEvent(m, change(5, 'carol_1', 'reopen')), change(6, 'carol_1', 'unpin'));
      assert.equal(m.resolvedBy, undefined);
      assert.equal(m.pinned, undefined);
    });

    it('counts replies on their root only, with repliers in order', () => {
      const reply = (seq: number, from: string): ChatMessage => ({ room: 'r', seq, ts: 200 + seq, msgId: `m${seq}`, from, text: 'ok', root: 1 });
      let m = applyEvent(base, reply(2, 'bob_smith'));
      m = applyEvent(m, reply(3, 'carol_1'));
      m = applyEvent(m, reply(4, 'bob_smith'));
      assert.deepEqual([m.replies, m.repliers, m.lastReply], [3, ['bob_smith', 'carol_1'], 204]);
      assert.equal(applyEvent(base, { ...reply(5, 'x_user_1'), root: 9 }), base, 'another thread leaves it alone');
      assert.equal(applyEvent(base, { ...change(6, 'x_user_1', 'pin'), room: 'other' }), base, 'another room leaves it alone');
    });
  });

  describe('isEmoji', () => {
    it('takes one emoji with its modifiers and refuses anything else', () => {
      for (const e of ['👍', '✅', '❤️', '👍🏽', '👨‍👩‍👧', '🇩🇪', '1️⃣']) assert.equal(isEmoji(e), true, e);
      for (const e of ['', 'a', ':+1:', '<b>', '👍👍', ' 👍', '👍 ', 'javascript:', 42, undefined, '\u202e👍']) assert.equal(isEmoji(e), false, String(e));
    });
  });

  describe('mentionedNames', () => {
    it('finds @user and @room once each, but not e-mail addresses', () => {
      assert.deepEqual(mentionedNames('hi @bob_smith and @room, also @bob_smith.'), ['bob_smith', 'room']);
      assert.deepEqual(mentionedNames('mail bob@example.com'), []);
      assert.deepEqual(mentionedNames('(@carol-3) @x'), ['carol-3']);
      assert.deepEqual(mentionedNames(undefined), []);
    });
  });
});
