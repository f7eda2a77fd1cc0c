import { strict as assert } from 'node:assert';
import { GENERAL_ROOM, MAX_LISTED_MEMBERS, ParleyError, dmRoomId, type ChatMessage, type FileRef, type Snippet } from '../../protocol';
import type { NewMessage, NewSession, RoomRecord, Store, UserRecord } from '../../server/store/store';
import { conversationContract } from './contract-conversations';
import { threadUnreadContract } from './contract-thread-unread';
import { accountsContract } from './contract-accounts';
import { roomsContract } from './contract-rooms';
import { unreadContract } from './contract-unread';
import { profilesContract } from './contract-profiles';

export interface StoreFixture {
  /** A ready (initialised) store over fresh, empty data. */
  store: Store;
  /** Closes every store this fixture opened and removes its data. */
  cleanup: () => Promise<void>;
  /** A new ready store over the same data, for a store that has been closed; persistence tests need it. */
  reopen?: () => Promise<Store>;
}

const ALICE = 'alice_1';
const BOB = 'bob.two';
const CAROL = 'carol-3';
const DAVE = 'dave_44';

function userRecord(name: string, createdAt = 1_700_000_000_000): UserRecord {
  return { name, passwordHash: `scrypt$hash-of-${name}`, createdAt };
}

function groupRecord(id: string, createdBy = ALICE): RoomRecord {
  return { id, kind: 'group', name: id, createdBy, createdAt: 1_700_000_000_500 };
}

let cidCounter = 0;
/** A text message with a fresh cid unless one is given. */
function text(room: string, from: string, body: string, cid = `cid-${++cidCounter}`): NewMessage {
  return { room, from, cid, ts: 1_700_000_001_000 + cidCounter, text: body };
}

function seqs(messages: ChatMessage[]): number[] {
  return messages.map((m) => m.seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

async function rejectsUnavailable(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ParleyError, `expected ParleyError, got ${String(err)}`);
    assert.equal(err.code, 'STORE_UNAVAILABLE');
    return true;
  });
}

/**
 * The behaviour every Store backend shares. A backend's test file calls this with a factory that
 * gives each test a ready store over fresh data.
 */
export function storeContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, function () {
    this.timeout(60_000);
    let fx: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fx = await makeStore();
      store = fx.store;
      for (const user of [ALICE, BOB, CAROL, DAVE]) assert.equal(await store.createUser(userRecord(user)), true);
    });

    afterEach(async () => {
      await fx.cleanup();
    });

    /** Appends `count` text messages one by one and returns what the store answered. */
    async function fill(room: string, count: number, from = ALICE, body = (i: number) => `message ${i}`): Promise<ChatMessage[]> {
      const out: ChatMessage[] = [];
      for (let i = 1; i <= count; i++) out.push((await store.append([text(room, from, body(i))]))[0].message);
      return out;
    }

    conversationContract(() => store);
    unreadContract(() => store);
    threadUnreadContract(() => store);
    roomsContract(() => store);
    profilesContract(() => store);
    accountsContract(() => store);

    it('describes itself', () => {
      assert.ok(store.kind.length > 0);
      assert.ok(store.description.length > 0);
    });

    describe('users', () => {
      it('creates a user and reads it back', async () => {
        const record = userRecord('erin_55', 1_700_000_123_456);
        assert.equal(await store.createUser(record), true);
        assert.deepEqual(await store.getUser('erin_55'), record);
      });

      it('refuses a taken name and keeps the first record', async () => {
        assert.equal(await store.createUser({ ...userRecord(ALICE), passwordHash: 'other' }), false);
        assert.equal((await store.getUser(ALICE))?.passwordHash, userRecord(ALICE).passwordHash);
      });

      it('returns undefined for an unknown user', async () => {
        assert.equal(await store.getUser('nobody_here'), undefined);
      });

      it('keeps names unique regardless of case, each with its own spelling', async () => {
        assert.equal(await store.createUser(userRecord('Grace_77')), true);
        for (const clash of ['grace_77', 'GRACE_77', 'gRaCe_77']) assert.equal(await store.createUser(userRecord(clash)), false, clash);
        assert.equal(await store.createUser({ ...userRecord('ALICE_1'), passwordHash: 'other' }), false);
        for (const typed of ['Grace_77', 'grace_77', 'GRACE_77']) assert.equal((await store.getUser(typed))?.name, 'Grace_77', typed);
        assert.equal((await store.getUser('ALICE_1'))?.passwordHash, userRecord(ALICE).passwordHash);
        assert.deepEqual((await store.listUserNames()).filter((n) => n.toLowerCase() === 'grace_77'), ['Grace_77']);
      });

      it('lists every user name, sorted', async () => {
        assert.deepEqual(await store.listUserNames(), [ALICE, BOB, CAROL, DAVE].sort());
      });

      it("replaces one user's password hash and nothing else", async () => {
        await store.setPasswordHash(ALICE, 'scrypt$16384$8$5$new-salt$new-key');
        assert.deepEqual(await store.getUser(ALICE), { ...userRecord(ALICE), passwordHash: 'scrypt$16384$8$5$new-salt$new-key' });
        assert.deepEqual(await store.getUser(BOB), userRecord(BOB));
        await store.setPasswordHash('nobody_here', 'x');
        assert.equal(await store.getUser('nobody_here'), undefined);
      });
    });

    describe('sessions', () => {
      const session = (tokenHash: string, user: string, createdAt: number, extra: Partial<NewSession> = {}): NewSession => ({
        tokenHash,
        id: `id-${tokenHash}`,
        user,
        createdAt,
        ...extra,
      });

      it('reads a session back by its token hash, with what it was opened with, and nothing for an unknown one', async () => {
        await store.createSession(session('hash-a', ALICE, 1, { client: 'parley-cli/0.1.0', address: '10.0.0.1' }));
        await store.createSession(session('hash-b', BOB, 2));
        assert.deepEqual(await store.getSession('hash-a'), {
          tokenHash: 'hash-a', id: 'id-hash-a', user: ALICE, createdAt: 1, lastSeen: 1, client: 'parley-cli/0.1.0', address: '10.0.0.1',
        });
        assert.deepEqual(await store.getSession('hash-b'), { tokenHash: 'hash-b', id: 'id-hash-b', user: BOB, createdAt: 2, lastSeen: 2 });
        assert.equal(await store.getSession('hash-unknown'), undefined);
      });

      it('moves lastSeen forward only, with the address it was seen from', async () => {
        await store.createSession(session('hash-t', ALICE, 10, { address: '10.0.0.1' }));
        await store.touchSession('hash-t', 50, '10.0.0.2');
        assert.equal((await store.getSession('hash-t'))?.lastSeen, 50);
        assert.equal((await store.getSession('hash-t'))?.address, '10.0.0.2');
        await store.touchSession('hash-t', 20, '10.0.0.3');
        assert.equal((await store.getSession('hash-t'))?.lastSeen, 50);
        assert.equal((await store.getSession('hash-t'))?.address, '10.0.0.2');
        await store.touchSession('hash-never-issued', 60);
        assert.equal(await store.getSession('hash-never-issued'), undefined);
      });

      it("lists a user's live sessions, most recently seen first, and no one else's", async () => {
        await store.createSession(session('hash-1', ALICE, 1));
        await store.createSession(session('hash-2', ALICE, 2));
        await store.createSession(session('hash-3', ALICE, 3));
        await store.createSession(session('hash-9', BOB, 4));
        await store.touchSession('hash-1', 10);
        await store.revokeSession('hash-3', 11);
        assert.deepEqual((await store.userSessions(ALICE)).map((s) => s.id), ['id-hash-1', 'id-hash-2']);
        assert.deepEqual((await store.userSessions(BOB)).map((s) => s.id), ['id-hash-9']);
        assert.deepEqual(await store.userSessions(CAROL), []);
      });

      it('revokes by token hash, keeping the record with its time, and only that one', async () => {
        await store.createSession(session('hash-1', ALICE, 1));
        await store.createSession(session('hash-2', ALICE, 2));
        await store.revokeSession('hash-1', 5);
        assert.equal((await store.getSession('hash-1'))?.revokedAt, 5);
        assert.equal((await store.getSession('hash-2'))?.revokedAt, undefined);
        await store.revokeSession('hash-1', 9);
        await store.revokeSession('hash-never-issued', 9);
        assert.equal((await store.getSession('hash-1'))?.revokedAt, 5);
      });

      it("revokes one session by its public id, only the owner's", async () => {
        await store.createSession(session('hash-1', ALICE, 1));
        await store.createSession(session('hash-2', ALICE, 2));
        assert.equal(await store.revokeSessionById(BOB, 'id-hash-1', 5), undefined, "bob cannot end alice's session");
        assert.equal((await store.getSession('hash-1'))?.revokedAt, undefined);
        assert.equal(await store.revokeSessionById(ALICE, 'id-hash-1', 5), 'hash-1');
        assert.equal(await store.revokeSessionById(ALICE, 'id-hash-1', 6), undefined, 'a second time');
        assert.equal(await store.revokeSessionById(ALICE, 'no-such-id', 6), undefined);
        assert.deepEqual((await store.userSessions(ALICE)).map((s) => s.id), ['id-hash-2']);
      });

      it('revokes every other session of a user, and returns their token hashes', async () => {
        for (const [hash, user] of [['hash-1', ALICE], ['hash-2', ALICE], ['hash-3', ALICE], ['hash-4', BOB]] as const) {
          await store.createSession(session(hash, user, 1));
        }
        await store.revokeSession('hash-3', 2);
        assert.deepEqual((await store.revokeOtherSessions(ALICE, 'hash-2', 3)).sort(), ['hash-1']);
        assert.deepEqual((await store.userSessions(ALICE)).map((s) => s.id), ['id-hash-2']);
        assert.deepEqual((await store.userSessions(BOB)).map((s) => s.id), ['id-hash-4']);
        assert.deepEqual(await store.revokeOtherSessions(ALICE, 'hash-2', 4), []);
      });

      it('purges revoked sessions and those last seen before the cut, and keeps the rest', async () => {
        await store.createSession(session('hash-old', ALICE, 1));
        await store.createSession(session('hash-slid', ALICE, 2));
        await store.createSession(session('hash-new', BOB, 100));
        await store.createSession(session('hash-gone', BOB, 100));
        await store.touchSession('hash-slid', 150);
        await store.revokeSession('hash-gone', 120);
        assert.equal(await store.purgeSessions(50), 2);
        assert.equal(await store.getSession('hash-old'), undefined);
        assert.equal(await store.getSession('hash-gone'), undefined);
        assert.equal((await store.getSession('hash-slid'))?.user, ALICE);
        assert.equal((await store.getSession('hash-new'))?.user, BOB);
        assert.equal(await store.purgeSessions(50), 0);
      });
    });

    describe('rooms and membership', () => {
      it('has general from the start, as a group room', async () => {
        const general = await store.getRoom(GENERAL_ROOM);
        assert.equal(general?.id, GENERAL_ROOM);
        assert.equal(general?.kind, 'group');
        assert.ok((await store.listGroupRooms()).some((r) => r.id === GENERAL_ROOM));
      });

      it('puts every user in general, including one registered later', async () => {
        await store.createUser(userRecord('late_comer'));
        for (const user of [ALICE, BOB, CAROL, DAVE, 'late_comer']) {
          assert.equal(await store.isMember(GENERAL_ROOM, user), true, user);
          const rooms = await store.roomsOf(user);
          assert.equal(rooms[0]?.id, GENERAL_ROOM, `general first for ${user}`);
        }
        assert.deepEqual(await store.members(GENERAL_ROOM), [ALICE, BOB, CAROL, DAVE, 'late_comer'].sort());
        assert.equal(await store.isMember(GENERAL_ROOM, 'not_a_user'), false);
      });

      it('never takes anyone out of general', async () => {
        await store.removeMember(GENERAL_ROOM, BOB);
        assert.equal(await store.isMember(GENERAL_ROOM, BOB), true);
        assert.equal((await store.roomsOf(BOB))[0]?.id, GENERAL_ROOM);
      });

      it('creates a group room with its members', async () => {
        const record = groupRecord('design');
        assert.equal(await store.createRoom(record, [DAVE, ALICE, BOB]), true);
        assert.deepEqual(await store.getRoom('design'), record);
        assert.deepEqual(await store.members('design'), [ALICE, BOB, DAVE].sort());
        assert.deepEqual((await store.roomInfo('design', DAVE))?.members, [ALICE, BOB, DAVE].sort());
        assert.equal(await store.isMember('design', ALICE), true);
        assert.equal(await store.isMember('design', CAROL), false);
        assert.deepEqual(
          (await store.listGroupRooms()).map((r) => r.id).sort(),
          ['design', GENERAL_ROOM].sort(),
        );
      });

      it('lists at most MAX_LISTED_MEMBERS members of a room, with memberCount when cut', async () => {
        const names = Array.from({ length: MAX_LISTED_MEMBERS + 5 }, (_, i) => `member_${String(i).padStart(4, '0')}`);
        for (const name of names) await store.createUser(userRecord(name));
        await store.createRoom(groupRecord('crowd'), names);
        const info = await store.roomInfo('crowd', ALICE);
        assert.equal(info?.members?.length, MAX_LISTED_MEMBERS);
        assert.deepEqual(info?.members, names.slice(0, MAX_LISTED_MEMBERS));
        assert.equal(info?.memberCount, names.length);
        const mine = (await store.roomsOf(names[0])).find((r) => r.id === 'crowd');
        assert.equal(mine?.memberCount, names.length);
        await store.createRoom(groupRecord('small'), [ALICE, BOB]);
        assert.equal((await store.roomInfo('small', ALICE))?.memberCount, undefined);
      });

      it('offers the group rooms a user is not in, by id, up to a limit, in one call', async () => {
        for (const id of ['r-a', 'r-b', 'r-c', 'r-d']) await store.createRoom(groupRecord(id), [ALICE]);
        await store.addMember('r-b', BOB);
        const offered = await store.joinableRooms(BOB, 2);
        assert.deepEqual(
          offered.map((r) => r.id),
          ['r-a', 'r-c'],
        );
        assert.deepEqual(offered[0].members, [ALICE]);
        assert.deepEqual(
          (await store.joinableRooms(BOB, 10)).map((r) => r.id),
          ['r-a', 'r-c', 'r-d'],
        );
        assert.deepEqual(await store.joinableRooms(ALICE, 10), []);
      });

      it('refuses a room id that exists and changes nothing', async () => {
        assert.equal(await store.createRoom(groupRecord('design'), [ALICE]), true);
        assert.equal(await store.createRoom({ ...groupRecord('design', BOB), name: 'other' }, [BOB, CAROL]), false);
        assert.equal((await store.getRoom('design'))?.name, 'design');
        assert.equal((await store.getRoom('design'))?.createdBy, ALICE);
        assert.deepEqual(await store.members('design'), [ALICE]);
        assert.equal(await store.createRoom(groupRecord(GENERAL_ROOM), [ALICE]), false);
      });

      it('adds and removes members', async () => {
        await store.createRoom(groupRecord('ops'), [ALICE]);
        await store.addMember('ops', CAROL);
        await store.addMember('ops', CAROL);
        assert.deepEqual(await store.members('ops'), [ALICE, CAROL].sort());
        assert.ok((await store.roomsOf(CAROL)).some((r) => r.id === 'ops'));
        await store.removeMember('ops', ALICE);
        assert.deepEqual(await store.members('ops'), [CAROL]);
        assert.equal(await store.isMember('ops', ALICE), false);
        assert.ok(!(await store.roomsOf(ALICE)).some((r) => r.id === 'ops'));
        await store.removeMember('ops', DAVE);
        assert.deepEqual(await store.members('ops'), [CAROL]);
      });

      it('keeps a DM to exactly its two members', async () => {
        const id = dmRoomId(BOB, ALICE);
        assert.equal(await store.createRoom({ id, kind: 'dm', name: `${ALICE} & ${BOB}`, createdAt: 1 }, [ALICE, BOB]), true);
        assert.equal((await store.getRoom(id))?.kind, 'dm');
        assert.deepEqual(await store.members(id), [ALICE, BOB].sort());
        for (const user of [ALICE, BOB]) {
          const info = (await store.roomsOf(user)).find((r) => r.id === id);
          assert.deepEqual(info?.members, [ALICE, BOB].sort(), user);
          assert.equal(info?.kind, 'dm');
        }
        assert.equal(await store.isMember(id, CAROL), false);
        assert.ok(!(await store.roomsOf(CAROL)).some((r) => r.id === id));
        assert.ok(!(await store.listGroupRooms()).some((r) => r.id === id));
      });

      it('reports lastSeq, lastRead and members in roomsOf', async () => {
        await store.createRoom(groupRecord('alpha'), [ALICE, BOB]);
        await store.createRoom(groupRecord('beta'), [BOB]);
        await fill('alpha', 3, BOB);
        await fill(GENERAL_ROOM, 2, BOB);
        await store.setReadMark('alpha', ALICE, 2);
        await store.setReadMark(GENERAL_ROOM, ALICE, 1);
        const rooms = await store.roomsOf(ALICE);
        assert.deepEqual(rooms.map((r) => r.id), [GENERAL_ROOM, 'alpha']);
        const [general, alpha] = rooms;
        assert.equal(general.lastSeq, 2);
        assert.equal(general.lastRead, 1);
        assert.deepEqual(alpha, {
          id: 'alpha', kind: 'group', name: 'alpha', members: [ALICE, BOB].sort(), lastSeq: 3, lastRead: 2, unread: 1, visibility: 'public', role: 'owner',
        });
        const bobAlpha = (await store.roomsOf(BOB)).find((r) => r.id === 'alpha');
        assert.equal(bobAlpha?.lastRead, 3, 'read marks are per user, and posting moves the poster\'s');
        assert.equal(bobAlpha?.lastSeq, 3);
        assert.equal(bobAlpha?.unread, 0);
      });

      it('describes any room with roomInfo, member or not', async () => {
        await store.createRoom(groupRecord('gamma'), [ALICE, BOB]);
        await fill('gamma', 4, BOB);
        await store.setReadMark('gamma', ALICE, 3);
        assert.deepEqual(await store.roomInfo('gamma', ALICE), {
          id: 'gamma', kind: 'group', name: 'gamma', members: [ALICE, BOB].sort(), lastSeq: 4, lastRead: 3, unread: 1, visibility: 'public', role: 'owner',
        });
        const outsider = await store.roomInfo('gamma', DAVE);
        assert.equal(outsider?.role, undefined, 'no role for someone not in the room');
        assert.equal(outsider?.lastSeq, 4);
        assert.equal(outsider?.lastRead, 0);
        assert.equal((await store.roomInfo(GENERAL_ROOM, DAVE))?.id, GENERAL_ROOM);
        assert.equal(await store.roomInfo('no-such-room', ALICE), undefined);
        assert.equal(await store.getRoom('no-such-room'), undefined);
      });
    });

    describe('append', () => {
      beforeEach(async () => {
        await store.createRoom(groupRecord('one'), [ALICE, BOB]);
        await store.createRoom(groupRecord('two'), [ALICE, BOB]);
      });

      it('numbers each room 1, 2, 3 … on its own', async () => {
        const results = await store.append([
          text('one', ALICE, 'a'),
          text('two', ALICE, 'b'),
          text('one', BOB, 'c'),
          text('one', ALICE, 'd'),
          text('two', BOB, 'e'),
        ]);
        assert.deepEqual(results.map((r) => [r.message.room, r.message.seq, r.duplicate]), [
          ['one', 1, false],
          ['two', 1, false],
          ['one', 2, false],
          ['one', 3, false],
          ['two', 2, false],
        ]);
        const later = await store.append([text('two', ALICE, 'f')]);
        assert.equal(later[0].message.seq, 3);
        assert.equal(await store.lastSeq('one'), 3);
        assert.equal(await store.lastSeq('two'), 3);
        assert.equal(await store.lastSeq(GENERAL_ROOM), 0);
      });

      it('answers in input order with the stored fields and a unique msgId', async () => {
        const input = [text('one', ALICE, 'first'), text('one', BOB, 'second')];
        const results = await store.append(input);
        assert.equal(results.length, 2);
        results.forEach((r, i) => {
          assert.equal(r.message.room, input[i].room);
          assert.equal(r.message.from, input[i].from);
          assert.equal(r.message.ts, input[i].ts);
          assert.equal(r.message.text, input[i].text);
          assert.equal(typeof r.message.msgId, 'string');
          assert.ok(r.message.msgId.length >= 8);
        });
        assert.notEqual(results[0].message.msgId, results[1].message.msgId);
        assert.deepEqual(await store.append([]), []);
      });

      it('stays gap-free with many appends in flight at once', async () => {
        const calls: Promise<{ message: ChatMessage; duplicate: boolean }[]>[] = [];
        let expectedOne = 0;
        let expectedTwo = 0;
        for (let i = 0; i < 60; i++) {
          const batch: NewMessage[] = [];
          for (let j = 0; j <= i % 3; j++) {
            const room = (i + j) % 2 === 0 ? 'one' : 'two';
            if (room === 'one') expectedOne++;
            else expectedTwo++;
            batch.push(text(room, i % 2 === 0 ? ALICE : BOB, `burst ${i}.${j}`));
          }
          calls.push(store.append(batch));
        }
        const results = (await Promise.all(calls)).flat();
        const byRoom = (room: string) => results.filter((r) => r.message.room === room).map((r) => r.message.seq).sort((a, b) => a - b);
        assert.deepEqual(byRoom('one'), range(1, expectedOne));
        assert.deepEqual(byRoom('two'), range(1, expectedTwo));
        assert.equal(new Set(results.map((r) => r.message.msgId)).size, results.length);
        assert.deepEqual(seqs((await store.history('one', { limit: 200 })).messages), range(1, expectedOne));
        assert.equal(await store.lastSeq('two'), expectedTwo);
      });

      it('recognises a resent cid in a later call and stores nothing new', async () => {
        const [first] = await store.append([text('one', ALICE, 'original', 'cid-resend')]);
        const [again] = await store.append([text('one', ALICE, 'changed on resend', 'cid-resend')]);
        assert.equal(first.duplicate, false);
        assert.equal(again.duplicate, true);
        assert.deepEqual(again.message, first.message);
        assert.equal(await store.lastSeq('one'), 1);
        const page = await store.history('one', { limit: 10 });
        assert.deepEqual(page.messages, [first.message]);
        const [next] = await store.append([text('one', ALICE, 'next')]);
        assert.equal(next.message.seq, 2);
      });

      it('recognises a repeated cid within one batch', async () => {
        const results = await store.append([
          text('one', ALICE, 'x', 'cid-twice'),
          text('one', BOB, 'y'),
          text('one', ALICE, 'x again', 'cid-twice'),
          text('one', BOB, 'z'),
        ]);
        assert.deepEqual(results.map((r) => r.duplicate), [false, false, true, false]);
        assert.deepEqual(results[2].message, results[0].message);
        assert.deepEqual(results.map((r) => r.message.seq), [1, 2, 1, 3]);
        assert.deepEqual(seqs((await store.history('one', { limit: 10 })).messages), [1, 2, 3]);
      });

      it('treats the same cid from another user as a new message', async () => {
        const [a] = await store.append([text('one', ALICE, 'from alice', 'shared-cid')]);
        const [b] = await store.append([text('one', BOB, 'from bob', 'shared-cid')]);
        assert.equal(b.duplicate, false);
        assert.equal(b.message.seq, a.message.seq + 1);
        assert.equal(b.message.text, 'from bob');
        assert.notEqual(b.message.msgId, a.message.msgId);
        const [bobAgain] = await store.append([text('one', BOB, 'resent', 'shared-cid')]);
        const [aliceAgain] = await store.append([text('one', ALICE, 'resent', 'shared-cid')]);
        assert.deepEqual(bobAgain, { message: b.message, duplicate: true });
        assert.deepEqual(aliceAgain, { message: a.message, duplicate: true });
      });

      it('stores file metadata with its message', async () => {
        const file: FileRef = { fileId: 'file-0001', name: 'diagram.png', size: 12_345, mime: 'image/png', kind: 'image', sha256: 'ab'.repeat(32) };
        const [result] = await store.append([{ room: 'one', from: BOB, cid: 'up-1', ts: 1_700_000_009_000, file }]);
        assert.deepEqual(result.message.file, file);
        assert.equal(result.message.text, undefined);
        assert.deepEqual(await store.getFile('file-0001'), { ...file, room: 'one', uploader: BOB, ts: 1_700_000_009_000 });
        assert.deepEqual((await store.history('one', { limit: 5 })).messages[0].file, file);
        assert.equal(await store.getFile('file-unknown'), undefined);
        const [resent] = await store.append([{ room: 'one', from: BOB, cid: 'up-1', ts: 1_700_000_009_999, file }]);
        assert.equal(resent.duplicate, true);
        assert.deepEqual(resent.message, result.message);
      });

      it('round-trips text and snippets exactly, unicode included', async () => {
        const snippet: Snippet = {
          code: 'const ß = "👋";\n\tif (x < 1 && y > 2) return `${ß}`;\n// 注释 مرحبا',
          language: 'typescript',
          path: 'src/ünï/cödé.ts',
          startLine: 10,
          endLine: 12,
          remote: 'https://example.com/repo.git',
          commit: '0123456789abcdef0123456789abcdef01234567',
          fileSha256: 'cd'.repeat(32),
        };
        const bodies = ['Grüße 👋🏽 from Zürich — 日本語, עברית, e\u0301', "quotes \" ' ` and \\ backslash", '', 'x'.repeat(16 * 1024)];
        const input: NewMessage[] = bodies.map((body) => text('two', ALICE, body));
        input.push({ room: 'two', from: BOB, cid: 'snip-1', ts: 5, snippet });
        input.push({ room: 'two', from: BOB, cid: 'snip-2', ts: 6, text: 'look at this', snippet: { code: '', language: 'plaintext' } });
        const appended = (await store.append(input)).map((r) => r.message);
        const stored = (await store.history('two', { limit: 50 })).messages;
        assert.deepEqual(stored, appended);
        bodies.forEach((body, i) => assert.equal(stored[i].text, body));
        assert.deepEqual(stored[bodies.length].snippet, snippet);
        assert.equal(stored[bodies.length].text, undefined);
        assert.deepEqual(stored[bodies.length + 1].snippet, { code: '', language: 'plaintext' });
        assert.deepEqual(await store.since('two', 0, 50), appended);
      });
    });

    describe('history and since', () => {
      beforeEach(async () => {
        await store.createRoom(groupRecord('ten'), [ALICE]);
        await fill('ten', 10);
      });

      const page = async (before: number | undefined, limit: number) => {
        const result = await store.history('ten', before === undefined ? { limit } : { before, limit });
        return { seqs: seqs(result.messages), more: result.more };
      };

      it('gives the newest page in ascending order', async () => {
        assert.deepEqual(await page(undefined, 3), { seqs: [8, 9, 10], more: true });
      });

      it('pages back with before', async () => {
        assert.deepEqual(await page(8, 3), { seqs: [5, 6, 7], more: true });
        assert.deepEqual(await page(5, 3), { seqs: [2, 3, 4], more: true });
        assert.deepEqual(await page(2, 3), { seqs: [1], more: false });
      });

      it('says more exactly at the boundaries', async () => {
        assert.deepEqual(await page(4, 3), { seqs: [1, 2, 3], more: false });
        assert.deepEqual(await page(5, 3), { seqs: [2, 3, 4], more: true });
        assert.deepEqual(await page(undefined, 10), { seqs: range(1, 10), more: false });
        assert.deepEqual(await page(undefined, 9), { seqs: range(2, 10), more: true });
        assert.deepEqual(await page(11, 10), { seqs: range(1, 10), more: false });
        assert.deepEqual(await page(undefined, 200), { seqs: range(1, 10), more: false });
        assert.deepEqual(await page(1, 5), { seqs: [], more: false });
      });

      it('gives an empty page for an empty room', async () => {
        await store.createRoom(groupRecord('quiet'), [ALICE]);
        assert.deepEqual(await store.history('quiet', { limit: 50 }), { messages: [], more: false });
        assert.deepEqual(await store.history('quiet', { before: 5, limit: 50 }), { messages: [], more: false });
      });

      it('shapes history messages like the appended ones', async () => {
        const [appended] = await store.append([text('ten', ALICE, 'eleventh')]);
        const newest = (await store.history('ten', { limit: 1 })).messages;
        assert.deepEqual(newest, [appended.message]);
      });

      it('gives what came after a seq with since, bounded by limit', async () => {
        assert.deepEqual(seqs(await store.since('ten', 0, 100)), range(1, 10));
        assert.deepEqual(seqs(await store.since('ten', 7, 100)), [8, 9, 10]);
        assert.deepEqual(seqs(await store.since('ten', 2, 3)), [3, 4, 5]);
        assert.deepEqual(await store.since('ten', 10, 100), []);
        assert.deepEqual((await store.since('ten', 4, 1))[0]?.text, 'message 5');
      });
    });

    describe('search', () => {
      beforeEach(async () => {
        await store.createRoom(groupRecord('backend'), [ALICE, BOB]);
        await store.createRoom({ id: dmRoomId(ALICE, CAROL), kind: 'dm', name: 'dm', createdAt: 1 }, [ALICE, CAROL]);
        await store.append([text(GENERAL_ROOM, BOB, 'Deploy failed on staging')]);
        await store.append([text('backend', ALICE, 'the deploy is fixed now')]);
        await store.append([text(GENERAL_ROOM, CAROL, 'lunch at noon?')]);
        await store.append([text('backend', BOB, 'secret rotation tonight')]);
        await store.append([text(dmRoomId(ALICE, CAROL), CAROL, 'my secret plan for the deploy')]);
      });

      const found = async (user: string, query: string, room?: string, limit = 50) =>
        (await store.search(user, query, room === undefined ? { limit } : { room, limit })).map((m) => m.text);

      it('finds words, case-insensitively, newest first', async () => {
        assert.deepEqual(await found(ALICE, 'DEPLOY'), ['my secret plan for the deploy', 'the deploy is fixed now', 'Deploy failed on staging']);
        assert.deepEqual(await found(ALICE, 'deploy staging'), ['Deploy failed on staging']);
        assert.deepEqual(await found(ALICE, 'nothing-like-this'), []);
      });

      it('searches only the rooms the user belongs to', async () => {
        assert.deepEqual(await found(DAVE, 'deploy'), ['Deploy failed on staging']);
        assert.deepEqual(await found(BOB, 'secret'), ['secret rotation tonight']);
        assert.deepEqual(await found(CAROL, 'secret'), ['my secret plan for the deploy']);
        assert.deepEqual(await found(ALICE, 'secret'), ['my secret plan for the deploy', 'secret rotation tonight']);
      });

      it('filters by room, and finds nothing in a room the user is not in', async () => {
        assert.deepEqual(await found(ALICE, 'deploy', 'backend'), ['the deploy is fixed now']);
        assert.deepEqual(await found(ALICE, 'deploy', GENERAL_ROOM), ['Deploy failed on staging']);
        assert.deepEqual(await found(DAVE, 'deploy', 'backend'), []);
        assert.deepEqual(await found(BOB, 'secret', dmRoomId(ALICE, CAROL)), []);
        assert.deepEqual(await found(ALICE, 'deploy', 'no-such-room'), []);
      });

      it('returns whole messages and respects the limit', async () => {
        for (let i = 0; i < 5; i++) await store.append([text('backend', BOB, `retry number ${i}`)]);
        const hits = await store.search(ALICE, 'retry', { limit: 2 });
        assert.deepEqual(hits.map((m) => m.text), ['retry number 4', 'retry number 3']);
        const history = (await store.history('backend', { limit: 1 })).messages;
        assert.deepEqual(hits[0], history[0]);
      });

      it('treats operators and odd characters as text, never as syntax', async () => {
        await store.append([text(GENERAL_ROOM, BOB, 'this AND that (or NOT) near "quotes" col:umn')]);
        const odd = [
          '"', '""', '"""', '*', '**', 'AND', 'OR', 'NOT', 'NEAR', '(', ')', '()', 'a AND', 'OR b', 'NEAR(a b)', 'col:umn',
          'body:deploy', '-deploy', '+deploy', '^deploy', 'deploy*', '*deploy', '"unbalanced', "it's", '{a b}', '[x]', '\\',
          "'; DROP TABLE messages; --", '\u0000', '\n\t', '   ', '', '🎉', 'a'.repeat(600), Array(100).fill('word').join(' '),
        ];
        for (const query of odd) {
          const hits = await store.search(ALICE, query, { limit: 10 });
          assert.ok(Array.isArray(hits), JSON.stringify(query));
        }
        assert.deepEqual(await found(ALICE, 'AND'), ['this AND that (or NOT) near "quotes" col:umn']);
        assert.deepEqual(await found(ALICE, '(that)'), ['this AND that (or NOT) near "quotes" col:umn']);
        assert.deepEqual(await found(ALICE, '"quotes"'), ['this AND that (or NOT) near "quotes" col:umn']);
        assert.equal((await store.history(GENERAL_ROOM, { limit: 50 })).messages.length, 3);
      });

      it('finds shared code and file names', async () => {
        await store.append([{ room: 'backend', from: BOB, cid: 'code-1', ts: 9, snippet: { code: 'function reticulateSplines() {}', language: 'js' } }]);
        await store.append([{
          room: 'backend', from: BOB, cid: 'file-1', ts: 10,
          file: { fileId: 'f-42', name: 'quarterly-report.pdf', size: 1, mime: 'application/pdf', kind: 'file', sha256: 'ef'.repeat(32) },
        }]);
        assert.deepEqual((await store.search(ALICE, 'reticulateSplines', { limit: 5 })).map((m) => m.cid), ['code-1']);
        assert.deepEqual((await store.search(ALICE, 'quarterly', { limit: 5 })).map((m) => m.file?.fileId), ['f-42']);
      });

      it('matches non-ASCII words', async () => {
        await store.append([text(GENERAL_ROOM, BOB, 'Schöne Grüße aus Köln')]);
        assert.deepEqual(await found(DAVE, 'grüße'), ['Schöne Grüße aus Köln']);
      });
    });

    describe('read marks', () => {
      beforeEach(async () => {
        await store.createRoom(groupRecord('marks'), [ALICE, BOB, CAROL]);
        await fill('marks', 5, CAROL);
      });

      const lastRead = async (user: string) => (await store.roomInfo('marks', user))?.lastRead;

      it('moves forward and never back', async () => {
        assert.equal(await store.setReadMark('marks', ALICE, 3), 3);
        assert.equal(await store.setReadMark('marks', ALICE, 2), 3);
        assert.equal(await lastRead(ALICE), 3);
        assert.equal(await store.setReadMark('marks', ALICE, 5), 5);
        assert.equal(await lastRead(ALICE), 5);
        assert.equal(await lastRead(BOB), 0);
      });

      it('stops at the last message', async () => {
        assert.equal(await store.setReadMark('marks', BOB, 99), 5);
        assert.equal(await lastRead(BOB), 5);
        await fill('marks', 2, CAROL);
        assert.equal(await store.setReadMark('marks', BOB, 7), 7);
      });
    });

    describe('persistence', () => {
      it('keeps everything across close and reopen', async function () {
        if (fx.reopen === undefined) this.skip();
        await store.createSession({ tokenHash: 'persist-live', id: 'live', user: ALICE, createdAt: 1, client: 'test/1' });
        await store.createSession({ tokenHash: 'persist-dead', id: 'dead', user: BOB, createdAt: 2 });
        await store.revokeSession('persist-dead', 3);
        await store.createRoom(groupRecord('kept'), [ALICE, CAROL]);
        const dm = dmRoomId(ALICE, BOB);
        await store.createRoom({ id: dm, kind: 'dm', name: 'dm', createdAt: 3 }, [ALICE, BOB]);
        const file: FileRef = { fileId: 'persist-file', name: 'notes.txt', size: 3, mime: 'text/plain', kind: 'file', sha256: '01'.repeat(32) };
        const written = [
          ...(await store.append([text('kept', ALICE, 'durable words', 'persist-cid'), text('kept', ALICE, 'second')])),
          ...(await store.append([{ room: dm, from: BOB, cid: 'persist-up', ts: 4, file }])),
        ].map((r) => r.message);
        await store.setReadMark('kept', CAROL, 1);
        await store.close();

        store = await fx.reopen();
        assert.deepEqual(await store.getUser(ALICE), userRecord(ALICE));
        assert.deepEqual(await store.getSession('persist-live'), { tokenHash: 'persist-live', id: 'live', user: ALICE, createdAt: 1, lastSeen: 1, client: 'test/1' });
        assert.equal((await store.getSession('persist-dead'))?.revokedAt, 3);
        assert.deepEqual(await store.getRoom('kept'), groupRecord('kept'));
        assert.deepEqual(await store.members('kept'), [ALICE, CAROL].sort());
        assert.deepEqual(await store.members(dm), [ALICE, BOB].sort());
        assert.deepEqual((await store.history('kept', { limit: 10 })).messages, written.slice(0, 2));
        assert.deepEqual((await store.history(dm, { limit: 10 })).messages, written.slice(2));
        assert.deepEqual(await store.getFile('persist-file'), { ...file, room: dm, uploader: BOB, ts: 4 });
        assert.equal(await store.lastSeq('kept'), 2);
        assert.equal((await store.roomInfo('kept', CAROL))?.lastRead, 1);
        assert.equal((await store.roomInfo('kept', CAROL))?.unread, 1);
        assert.deepEqual((await store.search(CAROL, 'durable', { limit: 5 })).map((m) => m.seq), [1]);

        const [resent] = await store.append([text('kept', ALICE, 'durable words', 'persist-cid')]);
        assert.equal(resent.duplicate, true);
        assert.deepEqual(resent.message, written[0]);
        const [next] = await store.append([text('kept', CAROL, 'third')]);
        assert.equal(next.message.seq, 3);
        assert.equal(await store.setReadMark('kept', CAROL, 0), 3, 'posting moved the mark');
      });
    });

    describe('lifecycle', () => {
      it('answers a ping while open', async () => {
        await store.ping();
      });

      it('rejects every call with STORE_UNAVAILABLE once closed, and closes twice quietly', async () => {
        await store.close();
        await store.close();
        await rejectsUnavailable(store.ping());
        await rejectsUnavailable(store.getUser(ALICE));
        await rejectsUnavailable(store.createUser(userRecord('after_close')));
        await rejectsUnavailable(store.append([text(GENERAL_ROOM, ALICE, 'lost')]));
        await rejectsUnavailable(store.history(GENERAL_ROOM, { limit: 10 }));
        await rejectsUnavailable(store.search(ALICE, 'lost', { limit: 10 }));
        await rejectsUnavailable(store.setReadMark(GENERAL_ROOM, ALICE, 1));
      });
    });
  });
}
