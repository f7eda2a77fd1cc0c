import { strict as assert } from 'node:assert';
import { GENERAL_ROOM, type FileRef } from '../../protocol';
import type { Store } from '../../server/store/store';

const ALICE = 'alice_1';
const BOB = 'bob.two';
const CAROL = 'carol-3';

const AVATAR_A = { fileId: 'avatar-a', sha256: 'a1'.repeat(32), size: 4_321 };
const AVATAR_B = { fileId: 'avatar-b', sha256: 'b2'.repeat(32), size: 1_234 };

/**
 * Profiles: display name, status message and avatar per user. `current` gives the store the
 * enclosing contract made for this test (users alice_1, bob.two, carol-3, dave_44).
 */
export function profilesContract(current: () => Store): void {
  describe('profiles', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    it('starts empty, and reads names in any case in the order asked, each once, unknown ones left out', async () => {
      assert.deepEqual(await store.getProfiles([BOB, 'ALICE_1', 'nobody_here', 'Bob.Two']), [{ user: BOB }, { user: ALICE }]);
      assert.deepEqual(await store.exportProfiles(), []);
    });

    it('sets, keeps what a patch leaves out, and clears with "" and null', async () => {
      const first = await store.setProfile(ALICE, { displayName: 'Alice A.', statusMessage: 'on call 🚑' });
      assert.deepEqual(first, { profile: { user: ALICE, displayName: 'Alice A.', statusMessage: 'on call 🚑' } });
      const second = await store.setProfile(ALICE, { avatar: AVATAR_A });
      assert.deepEqual(second, { profile: { user: ALICE, displayName: 'Alice A.', statusMessage: 'on call 🚑', avatar: AVATAR_A } });
      const third = await store.setProfile(ALICE, { statusMessage: '' });
      assert.deepEqual(third?.profile, { user: ALICE, displayName: 'Alice A.', avatar: AVATAR_A });
      assert.deepEqual(await store.getProfiles([ALICE]), [{ user: ALICE, displayName: 'Alice A.', avatar: AVATAR_A }]);
      const cleared = await store.setProfile(ALICE, { displayName: '', avatar: null });
      assert.deepEqual(cleared, { profile: { user: ALICE }, replaced: AVATAR_A });
      assert.deepEqual(await store.getProfiles([ALICE]), [{ user: ALICE }]);
    });

    it('reports the avatar a new one replaces, and none when the same one is set again', async () => {
      await store.setProfile(BOB, { avatar: AVATAR_A });
      assert.deepEqual(await store.setProfile(BOB, { avatar: AVATAR_A }), { profile: { user: BOB, avatar: AVATAR_A } });
      assert.deepEqual(await store.setProfile(BOB, { avatar: AVATAR_B }), { profile: { user: BOB, avatar: AVATAR_B }, replaced: AVATAR_A });
      assert.deepEqual(await store.setProfile(BOB, { avatar: null }), { profile: { user: BOB }, replaced: AVATAR_B });
      assert.deepEqual(await store.setProfile(BOB, { avatar: null }), { profile: { user: BOB } });
    });

    it('changes nothing for an unknown user', async () => {
      assert.equal(await store.setProfile('nobody_here', { displayName: 'Ghost' }), undefined);
      assert.deepEqual(await store.exportProfiles(), []);
    });

    it('finds an avatar by its fileId', async () => {
      await store.setProfile(CAROL, { avatar: AVATAR_B });
      assert.deepEqual(await store.avatarByFileId('avatar-b'), { user: CAROL, avatar: AVATAR_B });
      assert.equal(await store.avatarByFileId('avatar-a'), undefined);
      await store.setProfile(CAROL, { avatar: null });
      assert.equal(await store.avatarByFileId('avatar-b'), undefined);
    });

    it('tells whether content is still used by an avatar or a file record', async () => {
      assert.equal(await store.contentInUse(AVATAR_A.sha256), false);
      await store.setProfile(ALICE, { avatar: AVATAR_A });
      await store.setProfile(BOB, { avatar: { ...AVATAR_A, fileId: 'avatar-a2' } });
      assert.equal(await store.contentInUse(AVATAR_A.sha256), true);
      await store.setProfile(ALICE, { avatar: null });
      assert.equal(await store.contentInUse(AVATAR_A.sha256), true, 'bob still has the same picture');
      await store.setProfile(BOB, { avatar: null });
      assert.equal(await store.contentInUse(AVATAR_A.sha256), false);
      const file: FileRef = { fileId: 'file-p1', name: 'me.png', size: 10, mime: 'image/png', kind: 'image', sha256: AVATAR_B.sha256 };
      await store.append([{ room: GENERAL_ROOM, from: CAROL, cid: 'file-p1', ts: 1_700_000_100_000, file }]);
      assert.equal(await store.contentInUse(AVATAR_B.sha256), true);
    });

    it('exports the profiles with something set, by name, and keeps them across other writes', async () => {
      await store.setProfile(CAROL, { statusMessage: 'away till Monday' });
      await store.setProfile(ALICE, { displayName: 'Alice', avatar: AVATAR_A });
      await store.setProfile(BOB, { displayName: 'Bob' });
      await store.setProfile(BOB, { displayName: '' });
      await store.setPasswordHash(ALICE, 'scrypt$another');
      assert.deepEqual(await store.exportProfiles(), [
        { user: ALICE, displayName: 'Alice', avatar: AVATAR_A },
        { user: CAROL, statusMessage: 'away till Monday' },
      ]);
    });
  });
}
