import { strict as assert } from 'node:assert';
import { DELETED_USER, GENERAL_ROOM, dmRoomId } from '../../protocol';
import type { RoomRecord, Store } from '../../server/store/store';

const ALICE = 'alice_1';
const BOB = 'bob.two';
const CAROL = 'carol-3';
const DAVE = 'dave_44';

function group(id: string, extra: Partial<RoomRecord> = {}): RoomRecord {
  return { id, kind: 'group', name: id, createdBy: ALICE, createdAt: 1_700_300_000_000, ...extra };
}

/**
 * Accounts that end (deleteUser) and server administrators named at runtime. `current` gives
 * the store the enclosing contract made for this test (users alice_1, bob.two, carol-3, dave_44).
 */
export function accountsContract(current: () => Store): void {
  describe('deleted accounts and runtime administrators', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    it('keeps a deleted account\'s messages under DELETED_USER and erases the rest of it', async () => {
      await store.createRoom(group('ops', { createdBy: BOB }), [ALICE, BOB, CAROL]);
      const dm = dmRoomId(ALICE, BOB);
      await store.createRoom({ id: dm, kind: 'dm', name: 'dm', createdBy: BOB, createdAt: 1 }, [ALICE, BOB]);
      const [post] = await store.append([{ room: 'ops', from: BOB, cid: 'acc-1', ts: 1000, text: 'hello from bob' }]);
      await store.append([{ room: 'ops', from: ALICE, cid: 'acc-2', ts: 1001, text: 'a reply', root: post.message.seq }]);
      await store.append([{ room: 'ops', from: BOB, cid: 'acc-3', ts: 1002, text: 'bob replies', root: post.message.seq }]);
      await store.append([{ room: 'ops', from: BOB, cid: 'acc-4', ts: 1003, change: { kind: 'react', target: post.message.seq, emoji: '👍' } }]);
      await store.append([{ room: dm, from: BOB, cid: 'acc-5', ts: 1004, text: 'private words' }]);
      await store.append([{ room: 'ops', from: ALICE, cid: 'acc-6', ts: 1005, text: `hi @${BOB}`, mentions: [BOB] }]);
      await store.appendRoomEvent({ room: 'ops', from: ALICE, ts: 1006, event: { kind: 'role', user: BOB, role: 'admin' } });
      await store.setReadMark('ops', BOB, 2);
      await store.createRoom(group('quiet'), [ALICE]);
      await store.invite({ room: 'quiet', user: BOB, by: ALICE, at: 5 });
      await store.invite({ room: 'quiet', user: CAROL, by: BOB, at: 6 });
      await store.ban('quiet', DAVE, BOB, 7);
      await store.setBlock(BOB, CAROL, 8);
      await store.setBlock(DAVE, BOB, 9);
      await store.setServerAdmin(BOB, 10);
      await store.createSession({ tokenHash: 'bob-live', id: 'bob-session-1', user: BOB, createdAt: 11 });
      await store.createSession({ tokenHash: 'bob-gone', id: 'bob-session-2', user: BOB, createdAt: 12 });
      await store.revokeSession('bob-gone', 13);
      await store.setProfile(BOB, { displayName: 'Bob B.', statusMessage: 'around', avatar: { fileId: 'bob-avatar', sha256: 'ab'.repeat(32), size: 2_048 } });

      const ended = await store.deleteUser(BOB, 20_000);
      assert.deepEqual(ended, ['bob-live'], 'the sessions that were live, to close');

      // Messages stay, with no name on them.
      const history = (await store.history('ops', { limit: 50 })).messages;
      const root = history.find((m) => m.seq === post.message.seq);
      assert.equal(root?.from, DELETED_USER);
      assert.equal(root?.text, 'hello from bob');
      assert.deepEqual(root?.repliers, [ALICE, DELETED_USER]);
      assert.deepEqual(root?.reactions, { '👍': [DELETED_USER] });
      const event = history.find((m) => m.event !== undefined);
      assert.deepEqual(event?.event, { kind: 'role', user: DELETED_USER, role: 'admin' });
      assert.ok(!JSON.stringify(history.map((m) => ({ ...m, text: undefined }))).includes(BOB), 'no message names the deleted account (what others wrote aside)');
      const dmHistory = (await store.history(dm, { limit: 10 })).messages;
      assert.deepEqual(dmHistory.map((m) => [m.from, m.text]), [[DELETED_USER, 'private words']], 'the other member keeps the DM');
      assert.equal((await store.roomsOf(ALICE)).some((r) => r.id === dm), true);
      assert.deepEqual(await store.members(dm), [ALICE]);

      // The account is gone from everything that finds users…
      assert.equal(await store.getUser(BOB), undefined);
      assert.deepEqual(await store.listUserNames(), [ALICE, CAROL, DAVE].sort());
      assert.equal(await store.isMember(GENERAL_ROOM, BOB), false);
      assert.equal(await store.isMember('ops', BOB), false);
      assert.deepEqual(await store.members(GENERAL_ROOM), [ALICE, CAROL, DAVE].sort());
      assert.equal((await store.roomInfo(GENERAL_ROOM, ALICE))?.memberCount ?? (await store.memberRoles(GENERAL_ROOM)).length, 3);
      assert.deepEqual(await store.members('ops'), [ALICE, CAROL]);
      assert.equal(await store.getSession('bob-live'), undefined);
      assert.deepEqual(await store.userSessions(BOB), []);
      assert.deepEqual(await store.invitationsOf(BOB), []);
      assert.deepEqual((await store.invitationsTo('quiet')).map((i) => [i.user, i.by]), [[CAROL, DELETED_USER]]);
      assert.deepEqual((await store.bans('quiet')).map((b) => [b.user, b.by]), [[DAVE, DELETED_USER]]);
      assert.deepEqual(await store.allBlocks(), []);
      assert.deepEqual((await store.exportReadMarks()).filter((m) => m.user === BOB || m.user === DELETED_USER), [], 'no read marks, not even those its posts moved');
      assert.deepEqual(await store.serverAdmins(), []);
      assert.deepEqual((await store.getProfiles([BOB])).filter((p) => p.displayName !== undefined || p.statusMessage !== undefined || p.avatar !== undefined), [], 'no profile');
      assert.equal(await store.avatarByFileId('bob-avatar'), undefined);
      assert.equal(await store.contentInUse('ab'.repeat(32)), false, 'the avatar bytes may go');
      assert.deepEqual(await store.search(ALICE, 'hello', { limit: 5, from: BOB }), []);
      assert.equal((await store.search(ALICE, 'hello', { limit: 5 }))[0]?.from, DELETED_USER);

      // …and its name stays taken, in any case.
      assert.equal(await store.createUser({ name: BOB, passwordHash: 'x', createdAt: 30_000 }), false);
      assert.equal(await store.createUser({ name: BOB.toUpperCase(), passwordHash: 'x', createdAt: 30_000 }), false);
      assert.equal(await store.getUser(BOB), undefined);
      const exported = (await store.exportUsers()).find((u) => u.name === BOB);
      assert.equal(exported?.deletedAt, 20_000);
      assert.equal(exported?.passwordHash, '');
    });

    it('deletes a second account into the same DELETED_USER, and an unknown or deleted one changes nothing', async () => {
      await store.createRoom(group('ops'), [ALICE, BOB, CAROL]);
      await store.append([{ room: 'ops', from: BOB, cid: 'same-cid', ts: 1, text: 'one' }]);
      await store.append([{ room: 'ops', from: CAROL, cid: 'same-cid', ts: 2, text: 'two' }]);
      await store.append([{ room: 'ops', from: BOB, cid: 'r1', ts: 3, change: { kind: 'react', target: 1, emoji: '🎉' } }]);
      await store.append([{ room: 'ops', from: CAROL, cid: 'r2', ts: 4, change: { kind: 'react', target: 1, emoji: '🎉' } }]);
      assert.deepEqual(await store.deleteUser(BOB, 100), []);
      assert.deepEqual(await store.deleteUser(CAROL, 101), []);
      assert.equal(await store.deleteUser(CAROL, 102), undefined, 'deleted already');
      assert.equal(await store.deleteUser('nobody_here', 103), undefined);
      assert.equal(await store.deleteUser(DELETED_USER, 104), undefined);
      const messages = (await store.history('ops', { limit: 10 })).messages;
      assert.deepEqual(messages.map((m) => [m.from, m.text]), [[DELETED_USER, 'one'], [DELETED_USER, 'two']]);
      assert.deepEqual(messages[0].reactions, { '🎉': [DELETED_USER] });
      assert.equal(await store.isMember(GENERAL_ROOM, DELETED_USER), false, 'DELETED_USER is nobody');
      assert.deepEqual(await store.listUserNames(), [ALICE, DAVE].sort());
      // A new message of someone else still posts after those.
      const [next] = await store.append([{ room: 'ops', from: ALICE, cid: 'after', ts: 5, text: 'three' }]);
      assert.equal(next.refused, undefined);
    });

    it('keeps runtime server administrators until removed', async () => {
      assert.deepEqual(await store.serverAdmins(), []);
      await store.setServerAdmin(CAROL, 50);
      await store.setServerAdmin(ALICE, 51);
      assert.deepEqual(await store.serverAdmins(), [ALICE, CAROL].sort());
      assert.equal((await store.getUser(CAROL))?.adminAt, 50);
      await store.setServerAdmin(CAROL, undefined);
      assert.deepEqual(await store.serverAdmins(), [ALICE]);
      assert.equal((await store.getUser(CAROL))?.adminAt, undefined);
      await store.setServerAdmin('nobody_here', 52);
      assert.deepEqual(await store.serverAdmins(), [ALICE]);
    });
  });
}
