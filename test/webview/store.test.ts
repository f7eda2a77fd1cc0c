import assert from 'node:assert/strict';
import { ChatStore, TYPING_TTL_MS } from '../../webview/store';
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
});
