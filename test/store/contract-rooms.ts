import { strict as assert } from 'node:assert';
import { GENERAL_ROOM, dmRoomId } from '../../protocol';
import type { RoomRecord, Store } from '../../server/store/store';

const ALICE = 'alice_1';
const BOB = 'bob.two';
const CAROL = 'carol-3';
const DAVE = 'dave_44';

function group(id: string, extra: Partial<RoomRecord> = {}): RoomRecord {
  return { id, kind: 'group', name: id, createdBy: ALICE, createdAt: 1_700_300_000_000, ...extra };
}

/**
 * Rooms people run: roles, visibility, the directory, invitations, bans, room events, disabled
 * accounts and the audit log. `current` gives the store the enclosing contract made for this
 * test (users alice_1, bob.two, carol-3, dave_44).
 */
export function roomsContract(current: () => Store): void {
  describe('rooms people run', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    describe('roles', () => {
      it('makes the creator of a group room its owner and everyone else a member', async () => {
        assert.equal(await store.createRoom(group('ops'), [ALICE, BOB, CAROL]), true);
        assert.equal(await store.roleOf('ops', ALICE), 'owner');
        assert.equal(await store.roleOf('ops', BOB), 'member');
        assert.equal(await store.roleOf('ops', DAVE), undefined, 'not a member: no role');
        assert.deepEqual(await store.memberRoles('ops'), [
          { user: ALICE, role: 'owner' },
          { user: BOB, role: 'member' },
          { user: CAROL, role: 'member' },
        ]);
        assert.equal((await store.roomInfo('ops', ALICE))?.role, 'owner');
        assert.equal((await store.roomInfo('ops', BOB))?.role, 'member');
      });

      it('gives every user the member role in general and no role in a DM', async () => {
        assert.equal(await store.roleOf(GENERAL_ROOM, DAVE), 'member');
        assert.deepEqual((await store.memberRoles(GENERAL_ROOM)).map((m) => m.role), ['member', 'member', 'member', 'member']);
        const dm = dmRoomId(ALICE, BOB);
        await store.createRoom({ id: dm, kind: 'dm', name: 'dm', createdBy: ALICE, createdAt: 1 }, [ALICE, BOB]);
        assert.equal(await store.roleOf(dm, ALICE), undefined);
        const listed = (await store.roomsOf(ALICE)).find((r) => r.id === dm);
        assert.equal(listed?.role, undefined);
        assert.equal(listed?.visibility, undefined, 'visibility is a group room\'s');
      });

      it('sets several roles in one call, skipping users who are not members', async () => {
        await store.createRoom(group('ops'), [ALICE, BOB]);
        assert.equal(await store.setRoles('ops', [{ user: BOB, role: 'owner' }, { user: ALICE, role: 'admin' }, { user: DAVE, role: 'admin' }]), 2);
        assert.equal(await store.roleOf('ops', BOB), 'owner');
        assert.equal(await store.roleOf('ops', ALICE), 'admin');
        assert.equal(await store.roleOf('ops', DAVE), undefined);
        assert.equal(await store.setRoles('ops', [{ user: BOB, role: 'owner' }]), 0, 'the same role changes nothing');
      });

      it('adds a member with a role, and takes back their invitation', async () => {
        await store.createRoom(group('ops'), [ALICE]);
        await store.invite({ room: 'ops', user: BOB, by: ALICE, at: 5 });
        await store.addMember('ops', BOB, 'admin');
        assert.equal(await store.roleOf('ops', BOB), 'admin');
        assert.deepEqual(await store.invitationsOf(BOB), []);
        await store.addMember('ops', CAROL);
        assert.equal(await store.roleOf('ops', CAROL), 'member');
        await store.addMember('ops', BOB);
        assert.equal(await store.roleOf('ops', BOB), 'admin', 'adding a member again keeps their role');
      });
    });

    describe('visibility, settings and the directory', () => {
      it('keeps a private room out of the rooms to join and out of the directory', async () => {
        await store.createRoom(group('secret', { visibility: 'private', topic: 'hush' }), [ALICE]);
        await store.createRoom(group('open', { topic: 'all welcome' }), [ALICE]);
        assert.equal((await store.getRoom('secret'))?.visibility, 'private');
        assert.equal((await store.getRoom('open'))?.visibility, undefined, 'public is the default, left out');
        assert.equal((await store.roomInfo('secret', ALICE))?.visibility, 'private');
        assert.equal((await store.roomInfo('open', ALICE))?.visibility, 'public');
        assert.deepEqual((await store.joinableRooms(BOB, 10)).map((r) => r.id), ['open']);
        const listed = await store.directory(BOB, '', { limit: 10 });
        assert.deepEqual(listed.map((r) => r.id), [GENERAL_ROOM, 'open']);
        assert.deepEqual(await store.directory(BOB, 'hush', { limit: 10 }), []);
      });

      it('searches the directory by id, name and topic in any case, and pages by id', async () => {
        await store.createRoom(group('alpha', { topic: 'Release Planning' }), [ALICE, BOB]);
        await store.createRoom(group('beta'), [ALICE]);
        await store.createRoom(group('gamma-ops'), [CAROL]);
        const planning = await store.directory(BOB, 'PLANNING', { limit: 10 });
        assert.deepEqual(planning, [{ id: 'alpha', name: 'alpha', topic: 'Release Planning', memberCount: 2, member: true }]);
        assert.deepEqual((await store.directory(BOB, 'OPS', { limit: 10 })).map((r) => r.id), ['gamma-ops']);
        const first = await store.directory(DAVE, '', { limit: 2 });
        assert.deepEqual(first.map((r) => r.id), ['alpha', 'beta']);
        const rest = await store.directory(DAVE, '', { after: 'beta', limit: 2 });
        assert.deepEqual(rest.map((r) => r.id), ['gamma-ops', GENERAL_ROOM]);
        assert.equal(rest[1].memberCount, 4, 'general counts every user');
        assert.equal(rest[1].member, true);
        assert.equal(first[0].member, undefined, 'dave is not in alpha');
        assert.deepEqual(await store.directory(DAVE, '%', { limit: 10 }), [], 'the query is text, never a pattern');
      });

      it('renames a room and sets and clears its topic, description and read-only flag', async () => {
        await store.createRoom(group('ops'), [ALICE]);
        assert.equal(await store.updateRoom('ops', { name: 'Operations', topic: 'on call', description: 'Pager duty', readOnly: true }), true);
        let info = await store.roomInfo('ops', ALICE);
        assert.equal(info?.name, 'Operations');
        assert.equal(info?.topic, 'on call');
        assert.equal(info?.description, 'Pager duty');
        assert.equal(info?.readOnly, true);
        assert.equal((await store.getRoom('ops'))?.readOnly, true);
        assert.equal(await store.updateRoom('ops', { topic: '', readOnly: false }), true);
        info = await store.roomInfo('ops', ALICE);
        assert.equal(info?.topic, undefined);
        assert.equal(info?.readOnly, undefined);
        assert.equal(info?.description, 'Pager duty', 'fields not given stay');
        assert.equal(await store.updateRoom('no-such-room', { topic: 'x' }), false);
      });
    });

    describe('invitations and bans', () => {
      it('records, lists and removes invitations', async () => {
        await store.createRoom(group('ops', { name: 'Ops' }), [ALICE]);
        await store.createRoom(group('dev'), [ALICE]);
        assert.equal(await store.invite({ room: 'ops', user: BOB, by: ALICE, at: 10 }), true);
        assert.equal(await store.invite({ room: 'ops', user: BOB, by: ALICE, at: 11 }), false, 'one pending invitation per room and user');
        assert.equal(await store.invite({ room: 'dev', user: BOB, by: ALICE, at: 20 }), true);
        assert.equal(await store.invite({ room: 'ops', user: CAROL, by: ALICE, at: 12 }), true);
        assert.deepEqual(await store.invitationsOf(BOB), [
          { room: 'dev', name: 'dev', user: BOB, by: ALICE, at: 20 },
          { room: 'ops', name: 'Ops', user: BOB, by: ALICE, at: 10 },
        ]);
        assert.deepEqual((await store.invitationsTo('ops')).map((i) => i.user), [BOB, CAROL]);
        assert.equal(await store.removeInvitation('ops', BOB), true);
        assert.equal(await store.removeInvitation('ops', BOB), false);
        assert.deepEqual((await store.invitationsOf(BOB)).map((i) => i.room), ['dev']);
      });

      it('bans a member: out of the room, invitation gone, until unbanned', async () => {
        await store.createRoom(group('ops'), [ALICE, BOB]);
        await store.invite({ room: 'ops', user: CAROL, by: ALICE, at: 1 });
        await store.ban('ops', BOB, ALICE, 100);
        await store.ban('ops', CAROL, ALICE, 101);
        await store.ban('ops', BOB, CAROL, 200);
        assert.equal(await store.isMember('ops', BOB), false);
        assert.deepEqual(await store.invitationsOf(CAROL), []);
        assert.equal(await store.isBanned('ops', BOB), true);
        assert.equal(await store.isBanned('ops', DAVE), false);
        assert.deepEqual(await store.bans('ops'), [
          { user: BOB, by: ALICE, at: 100 },
          { user: CAROL, by: ALICE, at: 101 },
        ], 'banning again keeps the first ban');
        assert.equal(await store.unban('ops', BOB), true);
        assert.equal(await store.unban('ops', BOB), false);
        assert.equal(await store.isBanned('ops', BOB), false);
        assert.equal(await store.isMember('ops', BOB), false, 'unbanning does not let them back in');
      });
    });

    describe('room events', () => {
      it('takes the next seq between messages, and since and history carry it', async () => {
        await store.createRoom(group('ops'), [ALICE, BOB]);
        const [first] = await store.append([{ room: 'ops', from: ALICE, cid: 'rooms-1', ts: 1000, text: 'hello' }]);
        const event = await store.appendRoomEvent({ room: 'ops', from: ALICE, ts: 1001, event: { kind: 'removed', user: CAROL } });
        const [last] = await store.append([{ room: 'ops', from: BOB, cid: 'rooms-2', ts: 1002, text: 'after' }]);
        assert.deepEqual([first.message.seq, event.seq, last.message.seq], [1, 2, 3]);
        assert.deepEqual(event.event, { kind: 'removed', user: CAROL });
        assert.equal(event.text, undefined);
        const log = await store.since('ops', 0, 10);
        assert.deepEqual(log[1], event);
        const page = await store.history('ops', { limit: 10 });
        assert.deepEqual(page.messages.map((m) => m.seq), [1, 2, 3]);
        assert.deepEqual(page.messages[1].event, { kind: 'removed', user: CAROL });
        assert.equal(await store.lastSeq('ops'), 3);
      });

      it('does not count room events as unread, and search never finds them', async () => {
        await store.createRoom(group('ops'), [ALICE, BOB]);
        await store.appendRoomEvent({ room: 'ops', from: ALICE, ts: 1, event: { kind: 'topic', text: 'zebrafish' } });
        await store.appendRoomEvent({ room: 'ops', from: ALICE, ts: 2, event: { kind: 'role', user: BOB, role: 'admin' } });
        const info = await store.roomInfo('ops', BOB);
        assert.equal(info?.lastSeq, 2);
        assert.equal(info?.unread, 0);
        assert.deepEqual(await store.search(BOB, 'zebrafish', { limit: 10 }), []);
      });

      it('refuses a change or reply aimed at a room event as NOT_FOUND', async () => {
        await store.createRoom(group('ops'), [ALICE, BOB]);
        const event = await store.appendRoomEvent({ room: 'ops', from: ALICE, ts: 1, event: { kind: 'joined', user: BOB } });
        const [reply] = await store.append([{ room: 'ops', from: BOB, cid: 'rooms-reply', ts: 2, text: 'hi', root: event.seq }]);
        assert.equal(reply.refused?.code, 'NOT_FOUND');
        const [edit] = await store.append([{ room: 'ops', from: ALICE, cid: 'rooms-edit', ts: 3, change: { kind: 'edit', target: event.seq, text: 'x' } }]);
        assert.equal(edit.refused?.code, 'NOT_FOUND');
      });
    });

    describe('accounts and the audit log', () => {
      it('disables and enables an account', async () => {
        await store.setDisabled(BOB, 5000);
        assert.equal((await store.getUser(BOB))?.disabledAt, 5000);
        await store.setDisabled(BOB, undefined);
        assert.equal((await store.getUser(BOB))?.disabledAt, undefined);
        await store.setDisabled('nobody_here', 1);
        assert.equal(await store.getUser('nobody_here'), undefined);
      });

      it('keeps who blocks whom until unblocked', async () => {
        await store.setBlock(ALICE, BOB, 10);
        await store.setBlock(ALICE, BOB, 20);
        await store.setBlock(CAROL, ALICE, 30);
        assert.deepEqual(await store.allBlocks(), [
          { user: ALICE, blocked: BOB, at: 10 },
          { user: CAROL, blocked: ALICE, at: 30 },
        ], 'blocking twice keeps the first time');
        await store.setBlock(ALICE, BOB, undefined);
        await store.setBlock(ALICE, DAVE, undefined);
        assert.deepEqual(await store.allBlocks(), [{ user: CAROL, blocked: ALICE, at: 30 }]);
      });

      it('numbers audit entries and pages them newest first', async () => {
        const a = await store.addAudit({ at: 10, actor: ALICE, action: 'kick', room: 'ops', target: BOB });
        const b = await store.addAudit({ at: 11, actor: ALICE, action: 'role', room: 'ops', target: CAROL, detail: 'admin' });
        const c = await store.addAudit({ at: 12, actor: DAVE, action: 'disable', target: BOB });
        assert.ok(a < b && b < c, `ascending: ${a} ${b} ${c}`);
        const newest = await store.audit({ limit: 2 });
        assert.deepEqual(newest, [
          { seq: c, at: 12, actor: DAVE, action: 'disable', target: BOB },
          { seq: b, at: 11, actor: ALICE, action: 'role', room: 'ops', target: CAROL, detail: 'admin' },
        ]);
        assert.deepEqual(await store.audit({ before: b, limit: 10 }), [{ seq: a, at: 10, actor: ALICE, action: 'kick', room: 'ops', target: BOB }]);
      });
    });
  });
}
