import assert from 'node:assert/strict';
import type { Change, ChatMessage } from '../../protocol/messages';
import { ChatStore, indexOfSeq, threadKey, TYPING_TTL_MS } from '../../webview/store';
import { BOB, CAROL, DM_BOB, ME, chatter, message, rooms } from './fixtures';

function store(): ChatStore {
  const s = new ChatStore();
  s.init(ME, rooms());
  return s;
}

describe('webview/store', () => {
  it('merges live messages and history pages in seq order without duplicates', () => {
    const s = store();
    assert.ok(s.addMessages('general', chatter('general', 50, 10)));
    assert.ok(s.addMessages('general', chatter('general', 30, 25), { prepend: true, more: true }));
    assert.equal(s.addMessages('general', chatter('general', 55, 3)), false);
    s.addMessages('general', [message('general', 61, BOB, 'new')]);
    const seqs = s.room('general').messages.map((m) => m.seq);
    assert.deepEqual(seqs, [...Array.from({ length: 30 }, (_, i) => 30 + i), 61]);
    assert.equal(s.room('general').more, true);
    assert.equal(s.room('general').info.lastSeq, 61);
    s.addMessages('general', [], { prepend: true });
    assert.equal(s.room('general').more, false);
  });

  it('turns a pending message into a stored one on ack, and drops the echo', () => {
    const s = store();
    s.setPending('general', 'c1', 'hello', 'sending', 1000);
    s.setPending('general', 'c2', 'again', 'sending', 1001);
    s.setPending('general', 'c1', '', 'failed');
    assert.equal(s.room('general').pending[0].state, 'failed');
    assert.equal(s.ack('c1', 7, { ts: 5000 }), 'general');
    assert.deepEqual(s.room('general').messages.map((m) => [m.seq, m.text, m.from]), [[7, 'hello', ME]]);
    s.addMessages('general', [message('general', 8, ME, 'again', 6000, { cid: 'c2' })]);
    assert.equal(s.room('general').pending.length, 0);
    assert.equal(s.room('general').info.lastRead, 8, 'my own messages count as read');
  });

  it('creates rooms it has not heard of, naming DMs after the other person', () => {
    const s = store();
    s.addMessages(`dm:${ME}:zed_person`, [message(`dm:${ME}:zed_person`, 1, 'zed_person', 'hi')]);
    assert.equal(s.title(`dm:${ME}:zed_person`), 'zed_person');
    assert.equal(s.room(`dm:${ME}:zed_person`).info.kind, 'dm');
    assert.equal(s.title(DM_BOB), BOB);
    assert.equal(s.unreadCount(`dm:${ME}:zed_person`), 1);
  });

  it('expires typing indicators and clears one when that person’s message arrives', () => {
    const s = store();
    s.setTyping('general', BOB, 0);
    s.setTyping('general', CAROL, 0);
    s.setTyping('general', ME, 0);
    assert.deepEqual(s.typingUsers('general', 1), [BOB, CAROL]);
    s.addMessages('general', [message('general', 1, BOB, 'done')]);
    assert.deepEqual(s.typingUsers('general', 1), [CAROL]);
    assert.deepEqual(s.typingUsers('general', TYPING_TTL_MS + 1), []);
  });

  it('keeps read marks, members and presence', () => {
    const s = store();
    s.setReadMark(DM_BOB, BOB, 4);
    s.setReadMark(DM_BOB, BOB, 2);
    assert.equal(s.room(DM_BOB).readMarks.get(BOB), 4);
    s.applyPresence([{ user: BOB, status: 'online' }]);
    s.applyPresence(undefined, [{ user: CAROL, status: 'away' }]);
    assert.deepEqual([...s.presence.keys()], [BOB, CAROL]);
    assert.deepEqual(s.membersOf('design'), [ME, BOB, CAROL]);
    assert.deepEqual(s.membersOf('general').sort(), [BOB, CAROL]);
  });

  it('keeps loaded messages when the room list is refreshed, and forgets them for another user', () => {
    const s = store();
    s.addMessages('general', chatter('general', 1, 3));
    s.setRooms(rooms());
    assert.equal(s.room('general').messages.length, 3);
    s.init('someone.else', rooms());
    assert.equal(s.room('general').messages.length, 0);
  });

  describe('folding changes and replies', () => {
    const ev = (seq: number, from: string, change: Change): ChatMessage => ({ room: 'general', seq, ts: 5000 + seq, msgId: `e${seq}`, from, change });

    function withHistory(): ChatStore {
      const s = store();
      s.addMessages('general', [message('general', 1, BOB, 'one'), message('general', 2, ME, 'two'), message('general', 3, CAROL, 'three')], { prepend: true, more: false });
      return s;
    }

    it('applies reactions, edits, deletes, pins and resolve to the message they target, once each', () => {
      const s = withHistory();
      assert.ok(s.applyChanges('general', [ev(10, BOB, { kind: 'react', target: 1, emoji: '👍' }), ev(11, ME, { kind: 'react', target: 1, emoji: '👍' })]));
      assert.deepEqual(s.message('general', 1)?.reactions, { '👍': [BOB, ME] });
      assert.equal(s.applyChanges('general', [ev(11, ME, { kind: 'react', target: 1, emoji: '👍' })]), false, 'a replayed event changes nothing');
      s.applyChanges('general', [ev(12, ME, { kind: 'unreact', target: 1, emoji: '👍' }), ev(13, ME, { kind: 'edit', target: 2, text: 'two!' }), ev(14, BOB, { kind: 'pin', target: 3 })]);
      assert.deepEqual(s.message('general', 1)?.reactions, { '👍': [BOB] });
      assert.deepEqual([s.message('general', 2)?.text, s.message('general', 2)?.edited], ['two!', 5013]);
      assert.equal(s.message('general', 3)?.pinned, true);
      s.applyChanges('general', [ev(15, ME, { kind: 'delete', target: 2 })]);
      const tomb = s.message('general', 2);
      assert.equal(tomb?.deleted, true);
      assert.equal(tomb?.text, undefined);
      assert.deepEqual(s.room('general').messages.map((m) => m.seq), [1, 2, 3], 'a tombstone keeps its place');
      assert.equal(s.applyChanges('general', [ev(16, ME, { kind: 'react', target: 99, emoji: '👍' })]), false, 'a message not loaded is left alone');
    });

    it('keeps a read room read when a change takes the next seq', () => {
      const s = withHistory();
      s.room('general').info.lastRead = 3;
      s.room('general').info.lastSeq = 3;
      s.applyChanges('general', [ev(4, BOB, { kind: 'react', target: 1, emoji: '🎉' })]);
      assert.equal(s.unreadCount('general'), 0);
      assert.equal(s.room('general').info.lastSeq, 4);
    });

    it('counts a live reply on its root, keeps thread-only replies out of the room, and adds them to an open thread', () => {
      const s = withHistory();
      s.setThread('general', s.message('general', 1) as ChatMessage, [], false);
      assert.ok(s.addMessages('general', [message('general', 20, CAROL, 'in the thread', 9000, { root: 1 })]));
      assert.deepEqual(s.room('general').messages.map((m) => m.seq), [1, 2, 3]);
      const root = s.message('general', 1);
      assert.deepEqual([root?.replies, root?.repliers, root?.lastReply], [1, [CAROL], 9000]);
      assert.deepEqual(s.threads.get(threadKey('general', 1))?.replies.map((m) => m.seq), [20]);
      assert.equal(s.threads.get(threadKey('general', 1))?.root.replies, 1);
      s.addMessages('general', [message('general', 21, ME, 'also here', 9500, { root: 1, inRoom: true })]);
      assert.deepEqual(s.room('general').messages.map((m) => m.seq), [1, 2, 3, 21], 'a reply sent to the room too is in its list');
      assert.equal(s.message('general', 1)?.replies, 2);
      assert.equal(s.addMessages('general', [message('general', 20, CAROL, 'in the thread', 9000, { root: 1 })]), false, 'a reply counts once');
      assert.equal(s.message('general', 1)?.replies, 2);
      // Changes reach replies that only the thread holds.
      s.applyChanges('general', [ev(22, CAROL, { kind: 'edit', target: 20, text: 'edited reply' })]);
      assert.equal(s.threads.get(threadKey('general', 1))?.replies[0].text, 'edited reply');
    });

    it('finds my last editable message, skipping tombstones and others', () => {
      const s = withHistory();
      s.addMessages('general', [message('general', 4, ME, 'mine'), message('general', 5, BOB, 'his')]);
      assert.equal(s.lastEditable(s.room('general').messages)?.seq, 4);
      s.applyChanges('general', [ev(6, ME, { kind: 'delete', target: 4 })]);
      assert.equal(s.lastEditable(s.room('general').messages)?.seq, 2);
    });

    it('counts live @mentions of me on top of the server count until the room is read', () => {
      const s = store();
      s.setRooms(rooms().map((r) => (r.id === 'design' ? { ...r, lastSeq: 4, lastRead: 2, unread: 2, mentions: 1 } : r)));
      s.addMessages('design', [message('design', 5, BOB, `@${ME} look`), message('design', 6, CAROL, '@room lunch'), message('design', 7, BOB, 'no one')]);
      assert.equal(s.mentionCount('design'), 3);
      s.setReadMark('design', ME, 7);
      assert.equal(s.mentionCount('design'), 0);
    });

    it('counts unread from the host\'s count and live messages of others, never changes or my own', () => {
      const s = store();
      // The host says 1 unread though lastSeq - lastRead is 3: my own message and a reaction took seqs.
      s.setRooms(rooms().map((r) => (r.id === 'design' ? { ...r, lastSeq: 8, lastRead: 5, unread: 1 } : r)));
      assert.equal(s.unreadCount('design'), 1);
      s.addMessages('design', [message('design', 9, ME, 'mine')]);
      assert.equal(s.unreadCount('design'), 0, 'my message marks the room read');
      s.applyChanges('design', [{ room: 'design', seq: 10, ts: 10, msgId: 'e10', from: BOB, change: { kind: 'react', target: 9, emoji: '👍' } }]);
      s.addMessages('design', [{ ...message('design', 11, BOB, 'thread only'), root: 9 }]);
      assert.equal(s.unreadCount('design'), 0, 'a reaction and a thread-only reply');
      s.addMessages('design', [message('design', 12, BOB, 'one'), { ...message('design', 13, CAROL, 'two'), root: 9, inRoom: true }]);
      assert.equal(s.unreadCount('design'), 2);
      s.applyChanges('design', [{ room: 'design', seq: 14, ts: 14, msgId: 'e14', from: BOB, change: { kind: 'delete', target: 12 } }]);
      assert.equal(s.unreadCount('design'), 1, 'a deleted message is not unread');
      s.setReadMark('design', ME, 14);
      assert.equal(s.unreadCount('design'), 0);
    });

    it('finds seqs by binary search', () => {
      const list = [1, 3, 5, 8].map((seq) => message('general', seq, BOB, 'x'));
      assert.deepEqual([1, 3, 5, 8, 2, 9, 0].map((q) => indexOfSeq(list, q)), [0, 1, 2, 3, -1, -1, -1]);
    });
  });
});
