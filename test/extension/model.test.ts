import { strict as assert } from 'node:assert';
import type { ChatMessage, RoomInfo } from '../../protocol';
import { ChatModel, mentions } from '../../extension/model';
import { formatUnread } from '../../protocol/unread-count';
import { digest, parseNotificationSetting, preview, shouldNotify, ThreadParticipation } from '../../extension/notifyPolicy';

const room = (id: string, lastSeq: number, lastRead: number, extra: Partial<RoomInfo> = {}): RoomInfo => ({
  id,
  kind: id.startsWith('dm:') ? 'dm' : 'group',
  name: id,
  lastSeq,
  lastRead,
  unread: lastSeq - lastRead,
  ...extra,
});
const msg = (room: string, seq: number, from: string, text = 'hi'): ChatMessage => ({ room, seq, ts: seq, msgId: `m${seq}`, from, text });

describe('extension model', () => {
  it('counts unread from the session and from live messages', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    m.setRooms([room('general', 10, 7), room('dm:alice01:bobby01', 2, 2)]);
    assert.equal(m.unreadTotal(), 3);
    m.addMessage(msg('general', 11, 'bobby01'), false);
    assert.equal(m.room('general')?.unread, 4);
    m.addMessage(msg('general', 12, 'alice01'), false);
    assert.equal(m.room('general')?.unread, 0, 'my own message marks the room read');
    m.addMessage(msg('dm:alice01:bobby01', 3, 'bobby01'), true);
    assert.equal(m.unreadTotal(), 0, 'a message in the room being looked at is read');
  });

  it('takes the server\'s count, not lastSeq - lastRead: own messages and changes take seqs too', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    // Alice sent the only DM, then someone reacted in general: the server counts nothing unread.
    m.setRooms([room('general', 12, 9, { unread: 0 }), room('dm:alice01:bobby01', 1, 0, { unread: 0 }), room('design', 30, 0, { unread: 1000 })]);
    assert.equal(m.room('dm:alice01:bobby01')?.unread, 0);
    assert.equal(m.room('general')?.unread, 0);
    assert.equal(m.unreadTotal(), 1000);
    assert.equal(formatUnread(m.room('design')?.unread ?? 0), '999+');
    assert.equal(formatUnread(999), '999');
  });

  it('counts live only others\' messages shown in the room: no own, no changes, no thread-only replies', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    m.setRooms([room('general', 10, 10, { unread: 0 })]);
    m.addMessage(msg('general', 11, 'alice01'), false);
    m.noteEvent({ ...msg('general', 12, 'bobby01'), text: undefined, change: { kind: 'react', target: 11, emoji: '👍' } });
    m.noteEvent({ ...msg('general', 13, 'bobby01'), root: 11 });
    m.noteEvent({ ...msg('general', 14, 'alice01'), text: undefined, change: { kind: 'edit', target: 11, text: 'x' } });
    assert.equal(m.room('general')?.unread, 0);
    m.addMessage({ ...msg('general', 15, 'bobby01'), root: 11, inRoom: true }, false);
    m.addMessage(msg('general', 16, 'carol01'), false);
    assert.equal(m.room('general')?.unread, 2, 'a reply also sent to the room, and a post');
    m.noteEvent({ ...msg('general', 17, 'bobby01'), text: undefined, change: { kind: 'react', target: 16, emoji: '🎉' } });
    assert.equal(m.room('general')?.unread, 2, 'a change after unread messages adds nothing');
    m.markRead('general', 15);
    assert.equal(m.room('general')?.unread, 1);
    m.markRead('general', 17);
    assert.equal(m.room('general')?.unread, 0);
  });

  it('does not count twice what a resume replays after the session\'s listing', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    m.setRooms([room('general', 4, 2, { unread: 1 })]);
    m.addMessage(msg('general', 5, 'bobby01'), false);
    assert.equal(m.room('general')?.unread, 2);
    // Reconnected: the new session's listing already counts 5 and 6, then the missed ones replay.
    m.setRooms([room('general', 6, 2, { unread: 3 })]);
    m.addMessage(msg('general', 5, 'bobby01'), false);
    m.addMessage(msg('general', 6, 'bobby01'), false);
    assert.equal(m.room('general')?.unread, 3);
    m.addMessage(msg('general', 7, 'bobby01'), false);
    assert.equal(m.room('general')?.unread, 4);
    // An older listing (fetched before 7 arrived) neither drops 7 nor brings back a lower count.
    m.setRooms([room('general', 6, 2, { unread: 3 })]);
    assert.equal(m.room('general')?.unread, 4);
  });

  it('takes a deleted message out of the count, live or counted by the server', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    m.setRooms([room('general', 5, 3, { unread: 2 })]);
    m.addMessage(msg('general', 6, 'bobby01'), false);
    assert.equal(m.room('general')?.unread, 3);
    m.noteEvent({ ...msg('general', 7, 'bobby01'), text: undefined, change: { kind: 'delete', target: 6 } });
    assert.equal(m.room('general')?.unread, 2);
    m.noteEvent({ ...msg('general', 8, 'bobby01'), text: undefined, change: { kind: 'delete', target: 5 } });
    assert.equal(m.room('general')?.unread, 1);
    m.noteEvent({ ...msg('general', 9, 'bobby01'), text: undefined, change: { kind: 'delete', target: 2 } });
    assert.equal(m.room('general')?.unread, 1, 'a message before the read mark was not counted');
    // Replayed after a listing that came later than the delete: the listing had it out already.
    m.setRooms([room('general', 9, 3, { unread: 1 })]);
    m.noteEvent({ ...msg('general', 8, 'bobby01'), text: undefined, change: { kind: 'delete', target: 5 } });
    assert.equal(m.room('general')?.unread, 1);
  });

  it('never moves seqs or read marks backwards when an older list arrives', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    m.setRooms([room('general', 5, 5)]);
    m.addMessage(msg('general', 6, 'bobby01'), false);
    m.setRooms([room('general', 5, 5)]);
    assert.equal(m.room('general')?.info.lastSeq, 6);
    assert.equal(m.unreadTotal(), 1);
    m.markRead('general', 6);
    m.setRooms([room('general', 6, 5)]);
    assert.equal(m.unreadTotal(), 0);
  });

  it('marks rooms the user is not a member of as available, and keeps local DMs', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    m.setRooms([room('general', 0, 0), room('ops', 3, 0, { members: ['bobby01'] }), room('dev', 1, 0, { members: ['alice01'] })]);
    assert.equal(m.room('ops')?.joined, false);
    assert.equal(m.room('ops')?.unread, 0);
    assert.equal(m.room('dev')?.joined, true);
    m.ensureDm('dm:alice01:carol01');
    m.setRooms([room('general', 0, 0)]);
    assert.ok(m.room('dm:alice01:carol01'), 'a DM opened locally survives a list without it');
    assert.equal(m.room('dev')?.joined, false, 'a group room left elsewhere stays, as joinable');
    assert.equal(m.room('ops')?.joined, false);
    assert.equal(m.displayName('dm:alice01:carol01'), '@carol01');
    assert.deepEqual(m.allRooms().map((r) => r.info.id), ['general', 'dm:alice01:carol01', 'dev', 'ops']);
  });

  it('tracks presence, without the signed-in user, and mentions', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    m.setPresence([{ user: 'alice01', status: 'online' }, { user: 'bobby01', status: 'offline' }], undefined);
    m.setPresence(undefined, [{ user: 'bobby01', status: 'away', context: 'in a.ts' }]);
    assert.deepEqual(m.allPeople(), [{ user: 'bobby01', status: 'away', context: 'in a.ts' }]);
    m.setRooms([room('general', 0, 0)]);
    m.addMessage(msg('general', 1, 'bobby01', 'ping @alice01, see this'), false);
    assert.equal(m.room('general')?.mentions, 1);
  });

  it('finds @mentions as whole names only', () => {
    assert.ok(mentions(msg('g', 1, 'x', '@alice01 hi'), 'alice01'));
    assert.ok(mentions(msg('g', 1, 'x', 'hey @Alice01!'), 'alice01'));
    assert.ok(!mentions(msg('g', 1, 'x', 'hey @alice012'), 'alice01'));
    assert.ok(!mentions(msg('g', 1, 'x', 'mail alice01@host'), 'alice01'));
  });
});

describe('notification policy', () => {
  const dm = msg('dm:alice01:bobby01', 1, 'bobby01');
  const plain = msg('general', 1, 'bobby01', 'hello all');
  const mention = msg('general', 2, 'bobby01', 'hello @alice01');

  it('follows the setting, and never while the chat is visible or for own messages', () => {
    assert.equal(parseNotificationSetting('bogus'), 'mentionsAndDms');
    assert.ok(shouldNotify('mentionsAndDms', dm, 'alice01', false));
    assert.ok(shouldNotify('mentionsAndDms', mention, 'alice01', false));
    assert.ok(!shouldNotify('mentionsAndDms', plain, 'alice01', false));
    assert.ok(shouldNotify('all', plain, 'alice01', false));
    assert.ok(!shouldNotify('none', dm, 'alice01', false));
    assert.ok(!shouldNotify('all', dm, 'alice01', true));
    assert.ok(!shouldNotify('all', msg('general', 3, 'alice01'), 'alice01', false));
    // A room event (someone joined, a new topic) is a quiet line, never a notification.
    const joined = { ...msg('general', 4, 'bob_smith'), text: undefined, event: { kind: 'joined' as const, user: 'bob_smith' } };
    assert.ok(!shouldNotify('all', joined, 'alice01', false));
  });

  it('notifies a reply in a thread I started or replied in like a mention', () => {
    const me = 'alice01';
    const t = new ThreadParticipation(3);
    const reply = (seq: number, root: number, from = 'bobby01'): ChatMessage => ({ ...msg('general', seq, from), root });
    t.note(msg('general', 1, me), me);
    t.note({ ...msg('general', 2, 'carol01'), replies: 2, repliers: ['bobby01', me] }, me);
    t.note(reply(9, 5, me), me);
    assert.ok(t.has(reply(10, 1)) && t.has(reply(11, 2)) && t.has(reply(12, 5)));
    assert.ok(!t.has(reply(13, 7)), 'someone else’s thread');
    assert.ok(!t.has(msg('general', 1, 'bobby01')), 'not a reply');
    assert.ok(shouldNotify('mentionsAndDms', reply(10, 1), me, false, t.has(reply(10, 1))));
    assert.ok(!shouldNotify('mentionsAndDms', reply(13, 7), me, false, t.has(reply(13, 7))));
    assert.ok(!shouldNotify('mentionsAndDms', reply(10, 1), me, true, true), 'not while the chat is visible');
    assert.ok(!shouldNotify('all', { ...msg('general', 14, 'bobby01'), change: { kind: 'react', target: 1, emoji: '👍' } }, me, false), 'changes never notify');
    t.note(msg('general', 20, me), me);
    assert.ok(!t.has(reply(21, 1)), 'the oldest thread is forgotten past the bound');
    assert.ok(t.has(reply(22, 20)));
  });

  it('takes part in a thread a reply mentions me in, or the server lists as mine', () => {
    const me = 'alice01';
    const t = new ThreadParticipation();
    const reply = (seq: number, root: number, text = 'ok'): ChatMessage => ({ ...msg('general', seq, 'bobby01'), text, root });
    t.note(reply(5, 2, `@${me} have a look`), me);
    assert.ok(t.has(reply(6, 2)), 'mentioned in a reply of the thread');
    assert.ok(!t.has(reply(7, 3)));
    t.noteRoot('general', 3);
    assert.ok(t.has(reply(8, 3)), 'the server counted the thread as mine');
    assert.ok(shouldNotify('mentionsAndDms', reply(8, 3), me, false, t.has(reply(8, 3))));
  });

  it('keeps a read room read when a change or a thread-only reply takes a seq', () => {
    const m = new ChatModel();
    m.setUser('alice01');
    m.setRooms([room('general', 10, 10, { mentions: 2 }), room('design', 5, 3, { mentions: 2 })]);
    assert.equal(m.room('design')?.mentions, 2, 'the server’s mention count');
    m.noteEvent({ ...msg('general', 11, 'bobby01'), text: undefined, change: { kind: 'react', target: 10, emoji: '👍' } });
    assert.equal(m.room('general')?.unread, 0);
    m.noteEvent({ ...msg('design', 6, 'bobby01'), root: 2 });
    assert.equal(m.room('design')?.unread, 2);
  });

  it('sums up held messages and previews them on one line', () => {
    assert.deepEqual(digest([dm, plain, mention]), { count: 3, senders: ['bobby01'], rooms: ['dm:alice01:bobby01', 'general'] });
    assert.equal(preview(msg('g', 1, 'x', 'a\n\n b'.padEnd(200, 'c')), 10), 'a bcccccc…');
    assert.equal(preview({ ...msg('g', 1, 'x'), text: undefined, snippet: { code: 'x', language: 'ts', path: 'src/a.ts' } }), 'src/a.ts (ts)');
  });
});
