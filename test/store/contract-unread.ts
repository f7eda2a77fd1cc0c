import { strict as assert } from 'node:assert';
import { GENERAL_ROOM, UNREAD_LIMIT, dmRoomId, type Change, type ChatMessage } from '../../protocol';
import type { NewMessage, Store } from '../../server/store/store';

const ALICE = 'alice_1';
const BOB = 'bob.two';
const CAROL = 'carol-3';
const DAVE = 'dave_44';
const ROOM = 'unread';

let counter = 0;

/**
 * RoomInfo.unread: the messages after the read mark that the room's timeline shows, written by
 * someone else and not deleted; and posting moves the poster's own read mark. `current` gives the
 * store the enclosing contract made for this test (users alice_1, bob.two, carol-3, dave_44).
 */
export function unreadContract(current: () => Store): void {
  describe('unread counts', () => {
    let store: Store;

    beforeEach(async () => {
      store = current();
      await store.createRoom({ id: ROOM, kind: 'group', name: ROOM, createdBy: ALICE, createdAt: 1 }, [ALICE, BOB, CAROL]);
    });

    async function append(from: string, extra: Partial<NewMessage>, room = ROOM): Promise<ChatMessage> {
      counter++;
      const [result] = await store.append([{ room, from, cid: `unread-${counter}`, ts: 1_700_200_000_000 + counter, ...extra }]);
      assert.equal(result.refused, undefined, `unexpected refusal ${JSON.stringify(result.refused)}`);
      assert.equal(result.noop, undefined, 'unexpected no-op');
      return result.message;
    }
    const say = (from: string, text: string, extra: Partial<NewMessage> = {}, room = ROOM) => append(from, { text, ...extra }, room);
    const change = (from: string, c: Change) => append(from, { change: c });
    const info = async (user: string, room = ROOM) => {
      const found = (await store.roomsOf(user)).find((r) => r.id === room);
      assert.ok(found, `${user} is in ${room}`);
      // roomInfo says the same as the listing.
      assert.deepEqual(await store.roomInfo(room, user), found);
      return found;
    };
    const unread = async (user: string, room = ROOM) => (await info(user, room)).unread;

    it('counts others\' messages after the read mark, never one\'s own', async () => {
      assert.equal(await unread(ALICE), 0, 'an empty room');
      await say(BOB, 'one');
      await say(BOB, 'two');
      await say(ALICE, 'mine');
      await say(CAROL, 'three');
      assert.equal(await unread(DAVE, GENERAL_ROOM), 0);
      // Alice posted after two of Bob's: her mark moved past them, so only Carol's is unread.
      assert.equal(await unread(ALICE), 1);
      assert.equal(await unread(BOB), 2, 'Bob: Alice\'s and Carol\'s, after his own');
      assert.equal(await unread(CAROL), 0);
    });

    it('moves the poster\'s read mark past what they post, and only forward', async () => {
      const first = await say(BOB, 'from bob');
      assert.equal((await info(BOB)).lastRead, first.seq);
      assert.equal((await info(ALICE)).lastRead, 0);
      assert.equal(await unread(ALICE), 1);
      const mine = await say(ALICE, 'an answer');
      const alice = await info(ALICE);
      assert.deepEqual({ lastRead: alice.lastRead, unread: alice.unread, lastSeq: alice.lastSeq }, { lastRead: mine.seq, unread: 0, lastSeq: mine.seq });
      // A read and a post both move the same mark, only ever forward.
      await say(CAROL, 'later');
      await store.setReadMark(ROOM, BOB, await store.lastSeq(ROOM));
      await say(BOB, 'and bob again');
      assert.equal((await info(BOB)).lastRead, await store.lastSeq(ROOM));
      assert.equal(await unread(ALICE), 2);
    });

    it('does not count change events: reactions, edits, pins, resolves, deletes', async () => {
      const root = await say(ALICE, 'question');
      await say(BOB, 'answer in the thread', { root: root.seq });
      assert.equal(await store.lastSeq(ROOM), 2);
      await change(BOB, { kind: 'react', target: root.seq, emoji: '👍' });
      await change(BOB, { kind: 'pin', target: root.seq });
      await change(BOB, { kind: 'resolve', target: root.seq });
      await change(BOB, { kind: 'unpin', target: root.seq });
      const bobs = await say(BOB, 'typo');
      await change(BOB, { kind: 'edit', target: bobs.seq, text: 'fixed' });
      await store.setReadMark(ROOM, ALICE, bobs.seq);
      assert.equal(await store.lastSeq(ROOM), 8);
      assert.equal(await unread(ALICE), 0, 'seven events after the read mark, none of them a message');
      const gone = await say(CAROL, 'soon gone');
      await change(CAROL, { kind: 'delete', target: gone.seq });
      assert.equal(await unread(ALICE), 0, 'a deleted message and its delete event');
      // Changes never move a mark either: Bob's reaction left his where his last post put it.
      await change(BOB, { kind: 'react', target: root.seq, emoji: '🎉' });
      assert.equal((await info(BOB)).lastRead, bobs.seq);
    });

    it('forgets deleted messages, and counts the others around them', async () => {
      const a = await say(BOB, 'a');
      const b = await say(BOB, 'b');
      await say(CAROL, 'c');
      assert.equal(await unread(ALICE), 3);
      await change(BOB, { kind: 'delete', target: b.seq });
      assert.equal(await unread(ALICE), 2);
      await change(BOB, { kind: 'delete', target: a.seq });
      assert.equal(await unread(ALICE), 1);
      assert.equal(await unread(CAROL), 0);
    });

    it('counts a reply that was also sent to the room, not one only in its thread', async () => {
      const root = await say(ALICE, 'root');
      await say(BOB, 'only in the thread', { root: root.seq });
      assert.equal(await unread(ALICE), 0);
      const shown = await say(BOB, 'in the thread and the room', { root: root.seq, inRoom: true });
      assert.equal(await unread(ALICE), 1);
      assert.equal(await unread(CAROL), 2, 'the root and the reply shown in the room');
      await change(BOB, { kind: 'delete', target: shown.seq });
      assert.equal(await unread(ALICE), 0);
      // Posting a thread-only reply leaves the poster's mark; one also sent to the room moves it.
      await say(CAROL, 'quiet reply', { root: root.seq });
      assert.equal((await info(CAROL)).lastRead, 0);
      const loud = await say(CAROL, 'loud reply', { root: root.seq, inRoom: true });
      assert.equal((await info(CAROL)).lastRead, loud.seq);
    });

    it('follows the read mark as it moves', async () => {
      const sent: ChatMessage[] = [];
      for (let i = 0; i < 5; i++) sent.push(await say(BOB, `n${i}`));
      assert.equal(await unread(ALICE), 5);
      await store.setReadMark(ROOM, ALICE, sent[1].seq);
      assert.equal(await unread(ALICE), 3);
      await store.setReadMark(ROOM, ALICE, sent[0].seq);
      assert.equal(await unread(ALICE), 3, 'a mark never moves back');
      await store.setReadMark(ROOM, ALICE, sent[4].seq);
      assert.equal(await unread(ALICE), 0);
    });

    it('counts in general and in DMs, with mentions beside', async () => {
      await say(BOB, `hi @${DAVE}`, { mentions: [DAVE] }, GENERAL_ROOM);
      await say(CAROL, 'hello all', {}, GENERAL_ROOM);
      const general = await info(DAVE, GENERAL_ROOM);
      assert.deepEqual({ unread: general.unread, mentions: general.mentions }, { unread: 2, mentions: 1 });
      const dm = dmRoomId(ALICE, DAVE);
      await store.createRoom({ id: dm, kind: 'dm', name: dm, createdAt: 2 }, [ALICE, DAVE]);
      await say(ALICE, 'psst', {}, dm);
      assert.equal(await unread(DAVE, dm), 1);
      assert.equal(await unread(ALICE, dm), 0, 'the sender of the only DM has nothing unread');
    });

    it('lists rooms to join with nothing unread', async () => {
      await store.createRoom({ id: 'elsewhere', kind: 'group', name: 'elsewhere', createdBy: BOB, createdAt: 3 }, [BOB]);
      await say(BOB, 'not for dave yet', {}, 'elsewhere');
      const [joinable] = (await store.joinableRooms(DAVE, 10)).filter((r) => r.id === 'elsewhere');
      assert.equal(joinable?.unread, 0);
      await store.addMember('elsewhere', DAVE);
      assert.equal(await unread(DAVE, 'elsewhere'), 1, 'once in the room, its messages are unread');
    });

    it(`stops counting past ${UNREAD_LIMIT}`, async function () {
      this.timeout(120_000);
      const total = UNREAD_LIMIT + 5;
      for (let at = 0; at < total; at += 200) {
        const batch: NewMessage[] = [];
        for (let i = at; i < Math.min(total, at + 200); i++) batch.push({ room: ROOM, from: BOB, cid: `cap-${++counter}`, ts: 5 + i, text: `m${i}` });
        await store.append(batch);
      }
      assert.equal(await unread(ALICE), UNREAD_LIMIT + 1, 'more than the limit reads as limit + 1');
      await store.setReadMark(ROOM, ALICE, 10);
      assert.equal(await unread(ALICE), total - 10 > UNREAD_LIMIT ? UNREAD_LIMIT + 1 : total - 10);
      await store.setReadMark(ROOM, ALICE, 100);
      assert.equal(await unread(ALICE), total - 100, 'exact again below the limit');
    });
  });
}
