import { strict as assert } from 'node:assert';
import type { Change, ChatMessage } from '../../protocol';
import type { NewMessage, Store } from '../../server/store/store';

const ALICE = 'alice_1';
const BOB = 'bob.two';
const CAROL = 'carol-3';
const DAVE = 'dave_44';
const ROOM = 'threads-unread';

let counter = 0;

/**
 * Thread read marks: participants (root author, repliers, those mentioned by name in the root or a
 * reply) get per-thread unread counts and RoomInfo.threadUnread; reading a thread moves its mark.
 * `current` gives the store the enclosing contract made (users alice_1, bob.two, carol-3, dave_44).
 */
export function threadUnreadContract(current: () => Store): void {
  describe('thread unread counts', () => {
    let store: Store;

    beforeEach(async () => {
      store = current();
      await store.createRoom({ id: ROOM, kind: 'group', name: ROOM, createdBy: ALICE, createdAt: 1 }, [ALICE, BOB, CAROL, DAVE]);
    });

    async function append(from: string, extra: Partial<NewMessage>): Promise<ChatMessage> {
      counter++;
      const [result] = await store.append([{ room: ROOM, from, cid: `tu-${counter}`, ts: 1_700_300_000_000 + counter, ...extra }]);
      assert.equal(result.refused, undefined, `unexpected refusal ${JSON.stringify(result.refused)}`);
      return result.message;
    }
    const say = (from: string, text: string, extra: Partial<NewMessage> = {}) => append(from, { text, ...extra });
    const reply = (from: string, root: ChatMessage, text: string, extra: Partial<NewMessage> = {}) => say(from, text, { root: root.seq, ...extra });
    const change = (from: string, c: Change) => append(from, { change: c });
    const of = async (user: string, ...roots: ChatMessage[]) => Object.fromEntries(await store.threadUnread(ROOM, user, roots.map((r) => r.seq)));
    const roomCount = async (user: string) => {
      const info = (await store.roomsOf(user)).find((r) => r.id === ROOM);
      assert.ok(info, `${user} is in ${ROOM}`);
      assert.deepEqual(await store.roomInfo(ROOM, user), info, 'roomInfo says what the listing says');
      return info.threadUnread ?? 0;
    };

    it('counts others\' replies for the root\'s author and the repliers, never their own', async () => {
      const root = await say(ALICE, 'question');
      assert.deepEqual(await of(ALICE, root), {}, 'no thread yet: nobody takes part');
      await reply(BOB, root, 'one');
      await reply(BOB, root, 'two');
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 2 });
      assert.deepEqual(await of(BOB, root), { [root.seq]: 0 }, 'his own replies');
      assert.deepEqual(await of(CAROL, root), {}, 'Carol takes no part');
      await reply(CAROL, root, 'three');
      assert.deepEqual(await of(CAROL, root), { [root.seq]: 0 }, 'replying moves her mark past what came before');
      assert.deepEqual(await of(BOB, root), { [root.seq]: 1 });
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 3 });
      assert.equal(await roomCount(ALICE), 3);
      assert.equal(await roomCount(BOB), 1);
      assert.equal(await roomCount(DAVE), 0, 'not a participant');
      assert.equal((await store.roomInfo(ROOM, DAVE))?.threadUnread, undefined, 'left out when 0');
    });

    it('moves the mark when a thread is read, only forward, and not for outsiders', async () => {
      const root = await say(ALICE, 'plan');
      const r1 = await reply(BOB, root, 'a');
      const r2 = await reply(BOB, root, 'b');
      await reply(BOB, root, 'c');
      assert.equal(await store.setThreadReadMark(ROOM, root.seq, ALICE, r2.seq), r2.seq);
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 1 });
      assert.equal(await store.setThreadReadMark(ROOM, root.seq, ALICE, r1.seq), r2.seq, 'never back');
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 1 });
      assert.equal(await roomCount(ALICE), 1);
      assert.equal(await store.setThreadReadMark(ROOM, root.seq, DAVE, r2.seq), undefined, 'Dave takes no part');
      assert.deepEqual(await of(DAVE, root), {});
      await store.setThreadReadMark(ROOM, root.seq, ALICE, await store.lastSeq(ROOM));
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 0 });
      assert.equal(await roomCount(ALICE), 0);
      // The room's read mark is another mark: moving it leaves the thread's.
      await reply(BOB, root, 'd');
      await store.setReadMark(ROOM, ALICE, await store.lastSeq(ROOM));
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 1 });
    });

    it('makes whoever the root or a reply mentions a participant', async () => {
      const root = await say(ALICE, `@${CAROL} look`, { mentions: [CAROL, 'room'] });
      await reply(BOB, root, 'first');
      assert.deepEqual(await of(CAROL, root), { [root.seq]: 1 }, 'mentioned in the root: every reply');
      assert.deepEqual(await of(DAVE, root), {}, '@room makes nobody a participant');
      await reply(BOB, root, 'second');
      await reply(BOB, root, `@${DAVE} you too`, { mentions: [DAVE] });
      await reply(BOB, root, 'fourth');
      assert.deepEqual(await of(DAVE, root), { [root.seq]: 2 }, 'mentioned in a reply: from that reply on');
      assert.deepEqual(await of(CAROL, root), { [root.seq]: 4 });
    });

    it('does not count deletes, edits, reactions or other changes, and forgets deleted replies', async () => {
      const root = await say(ALICE, 'root');
      const r1 = await reply(BOB, root, 'typo');
      const r2 = await reply(BOB, root, 'soon gone');
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 2 });
      await change(BOB, { kind: 'edit', target: r1.seq, text: 'fixed' });
      await change(BOB, { kind: 'react', target: r1.seq, emoji: '👍' });
      await change(CAROL, { kind: 'react', target: root.seq, emoji: '🎉' });
      await change(BOB, { kind: 'pin', target: root.seq });
      await change(ALICE, { kind: 'resolve', target: root.seq });
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 2 }, 'changes are not replies');
      assert.deepEqual(await of(CAROL, root), {}, 'reacting makes nobody a participant');
      await change(BOB, { kind: 'delete', target: r2.seq });
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 1 });
      assert.equal(await roomCount(ALICE), 1);
    });

    it('leaves replies also sent to the room out of threadUnread, which unread counts', async () => {
      const root = await say(ALICE, 'root');
      await store.setReadMark(ROOM, ALICE, root.seq);
      await reply(BOB, root, 'quiet');
      await reply(BOB, root, 'loud', { inRoom: true });
      assert.deepEqual(await of(ALICE, root), { [root.seq]: 2 }, 'the thread counts both');
      const info = (await store.roomsOf(ALICE)).find((r) => r.id === ROOM);
      assert.deepEqual({ unread: info?.unread, threadUnread: info?.threadUnread }, { unread: 1, threadUnread: 1 });
    });

    it('counts per thread and sums over the room', async () => {
      const a = await say(ALICE, 'a');
      const b = await say(BOB, 'b');
      const c = await say(CAROL, 'c');
      await reply(BOB, a, 'on a');
      await reply(ALICE, b, 'on b');
      await reply(CAROL, b, 'on b again');
      await reply(DAVE, c, 'on c');
      assert.deepEqual(await of(ALICE, a, b, c), { [a.seq]: 1, [b.seq]: 1 });
      assert.deepEqual(await of(BOB, a, b, c), { [a.seq]: 0, [b.seq]: 2 });
      assert.equal(await roomCount(ALICE), 2);
      assert.equal(await roomCount(BOB), 2);
      assert.equal(await roomCount(CAROL), 1, 'her own reply on b, Dave\'s on c');
      assert.deepEqual(await store.threadUnread(ROOM, ALICE, []), new Map());
    });
  });
}
