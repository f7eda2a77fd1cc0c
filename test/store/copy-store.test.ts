import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DELETED_USER, GENERAL_ROOM, dmRoomId, type ChatMessage } from '../../protocol';
import { CopyStoreError, copyStore, parseStoreSpec, runCopyStore, type CopyProgress } from '../../server/store/copy-store';
import { Neo4jStore } from '../../server/store/neo4j';
import { SqliteStore } from '../../server/store/sqlite';
import type { NewMessage, Store } from '../../server/store/store';
import { useNeo4j } from '../helpers/neo4j';

const USERS = ['alice_1', 'bob.two', 'carol-3', 'dave_44', 'erin_55'];

/** Every message of a room, through since() pages. */
async function allMessages(store: Store, room: string): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (let after = 0; ; ) {
    const page = await store.since(room, after, 100);
    if (page.length === 0) return out;
    out.push(...page);
    after = page[page.length - 1].seq;
  }
}

/** Everything observable through the Store interface, for comparing two stores. */
async function snapshot(store: Store) {
  const rooms = await store.exportRooms();
  const perRoom: Record<string, { messages: ChatMessage[] } & Record<string, unknown>> = {};
  for (const room of rooms) {
    perRoom[room.id] = {
      lastSeq: await store.lastSeq(room.id),
      members: await store.members(room.id),
      roles: await store.memberRoles(room.id),
      invited: await store.invitationsTo(room.id),
      bans: await store.bans(room.id),
      messages: await allMessages(store, room.id),
    };
  }
  const roomsOf: Record<string, unknown> = {};
  for (const user of USERS) roomsOf[user] = await store.roomsOf(user);
  const files: unknown[] = [];
  for (const id of ['file-1', 'file-2']) files.push(await store.getFile(id));
  const search: unknown[] = [];
  for (const q of ['deploy', 'reticulate', 'report', 'grüße']) search.push(await store.search('alice_1', q, { limit: 50 }));
  return {
    users: await store.exportUsers(),
    profiles: await store.getProfiles(USERS),
    rooms: rooms.map((r) => (r.id === GENERAL_ROOM ? { ...r, createdAt: 0 } : r)),
    readMarks: await store.exportReadMarks(),
    blocks: await store.allBlocks(),
    audit: await store.audit({ limit: 100 }),
    admins: await store.serverAdmins(),
    disabled: await store.getUser('dave_44'),
    perRoom,
    roomsOf,
    files,
    search,
  };
}

async function populate(store: Store): Promise<number> {
  for (const [i, name] of USERS.entries()) await store.createUser({ name, passwordHash: `scrypt$salt$hash-${name}`, createdAt: 1_700_000_000_000 + i });
  await store.createRoom({ id: 'backend', kind: 'group', name: 'backend', createdBy: 'alice_1', createdAt: 1_700_000_000_100 }, ['alice_1', 'bob.two', 'dave_44']);
  await store.createRoom({ id: 'quiet', kind: 'group', name: 'quiet', createdBy: 'erin_55', createdAt: 1_700_000_000_200 }, ['erin_55']);
  const ab = dmRoomId('alice_1', 'bob.two');
  const ce = dmRoomId('carol-3', 'erin_55');
  await store.createRoom({ id: ab, kind: 'dm', name: 'dm', createdAt: 1_700_000_000_300 }, ['alice_1', 'bob.two']);
  await store.createRoom({ id: ce, kind: 'dm', name: 'dm', createdAt: 1_700_000_000_400 }, ['carol-3', 'erin_55']);
  await store.addMember('backend', 'carol-3');
  await store.removeMember('backend', 'dave_44');

  let ts = 1_700_000_001_000;
  let n = 0;
  const rooms = [GENERAL_ROOM, 'backend', ab, ce];
  for (let round = 0; round < 6; round++) {
    const batch: NewMessage[] = [];
    for (let i = 0; i < 50; i++) {
      const room = rooms[(round + i) % rooms.length];
      const members = room === ab ? ['alice_1', 'bob.two'] : room === ce ? ['carol-3', 'erin_55'] : room === 'backend' ? ['alice_1', 'bob.two', 'carol-3'] : USERS;
      batch.push({ room, from: members[i % members.length], cid: `c-${++n}`, ts: ts++, text: `message ${n} about deploy ${i % 7}` });
    }
    await store.append(batch);
  }
  await store.append([
    { room: 'backend', from: 'bob.two', cid: 'snip', ts: ts++, snippet: { code: 'function reticulateSplines() {}\n', language: 'js', path: 'src/ü.js', startLine: 3 } },
    { room: 'backend', from: 'alice_1', cid: 'file-a', ts: ts++, file: { fileId: 'file-1', name: 'report.pdf', size: 123_456, mime: 'application/pdf', kind: 'file', sha256: 'ab'.repeat(32) } },
    { room: ab, from: 'bob.two', cid: 'file-b', ts: ts++, text: 'look', file: { fileId: 'file-2', name: 'cat.png', size: 7, mime: 'image/png', kind: 'image', sha256: 'cd'.repeat(32) } },
    { room: GENERAL_ROOM, from: 'carol-3', cid: 'uni', ts: ts++, text: 'Schöne Grüße 👋🏽 — 日本語' },
  ]);
  // Rooms people run: a role beyond the owner's, and room events in the log.
  await store.setRoles('backend', [{ user: 'bob.two', role: 'admin' }]);
  await store.appendRoomEvent({ room: 'backend', from: 'alice_1', ts: ts++, event: { kind: 'role', user: 'bob.two', role: 'admin' } });
  await store.appendRoomEvent({ room: 'backend', from: 'bob.two', ts: ts++, event: { kind: 'topic', text: 'deploys' } });
  // Profiles: one of each field, and one set then cleared (nothing to copy).
  await store.setProfile('alice_1', { displayName: 'Alice Ä.', statusMessage: 'shipping 🚢', avatar: { fileId: 'avatar-1', sha256: 'ef'.repeat(32), size: 4_096 } });
  await store.setProfile('carol-3', { statusMessage: 'out until Monday' });
  await store.setProfile('erin_55', { displayName: 'Erin' });
  await store.setProfile('erin_55', { displayName: '' });
  // A private read-only room with a topic, an invitation, a ban, blocks, an audit log, a disabled
  // account, a runtime administrator and a deleted account whose messages stay.
  await store.createRoom({ id: 'secret', kind: 'group', name: 'Secret', createdBy: 'carol-3', createdAt: 1_700_000_000_500, visibility: 'private', topic: 'plans', description: 'the long view' }, ['carol-3', 'bob.two']);
  await store.updateRoom('secret', { readOnly: true });
  await store.updateRoom(GENERAL_ROOM, { topic: 'everyone' });
  await store.invite({ room: 'secret', user: 'alice_1', by: 'carol-3', at: 1_700_000_002_000 });
  await store.ban('secret', 'dave_44', 'carol-3', 1_700_000_002_001);
  await store.setBlock('erin_55', 'dave_44', 1_700_000_002_002);
  await store.addAudit({ at: 1_700_000_002_003, actor: 'carol-3', action: 'ban', room: 'secret', target: 'dave_44' });
  await store.addAudit({ at: 1_700_000_002_004, actor: 'alice_1', action: 'disable', target: 'dave_44' });
  await store.setDisabled('dave_44', 1_700_000_002_004);
  await store.setServerAdmin('carol-3', 1_700_000_002_005);
  await store.createUser({ name: 'frank_66', passwordHash: 'scrypt$salt$hash-frank', createdAt: 1_700_000_000_009 });
  await store.append([{ room: GENERAL_ROOM, from: 'frank_66', cid: 'frank-1', ts: ts++, text: 'frank says deploy' }]);
  await store.deleteUser('frank_66', 1_700_000_002_006);
  await store.setReadMark(GENERAL_ROOM, 'alice_1', 40);
  await store.setReadMark('backend', 'bob.two', 12);
  await store.setReadMark(ab, 'alice_1', 70);
  return n + 7;
}

describe('copy-store', function () {
  this.timeout(600_000);
  const neo4j = useNeo4j();
  const dirs: string[] = [];
  const opened: Store[] = [];

  async function sqlite(): Promise<{ store: Store; dataDir: string }> {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-copy-'));
    dirs.push(dataDir);
    const store = new SqliteStore({ dataDir });
    await store.init();
    opened.push(store);
    return { store, dataDir };
  }

  async function graph(): Promise<Store> {
    await neo4j.wipe();
    const store = new Neo4jStore({ kind: 'neo4j', uri: neo4j.uri });
    await store.init();
    opened.push(store);
    return store;
  }

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('round-trips sqlite → neo4j → sqlite with counts and content equal', async () => {
    const source = (await sqlite()).store;
    const written = await populate(source);
    const middle = await graph();
    const progress: CopyProgress[] = [];
    const there = await copyStore(source, middle, { batch: 64, onProgress: (p) => progress.push(p) });
    assert.equal(there.users, USERS.length + 2, 'with the deleted account and DELETED_USER');
    assert.equal(there.rooms, 6);
    assert.deepEqual([there.invitations, there.bans, there.blocks, there.audit], [1, 1, 1, 2]);
    assert.equal(there.messages, written);
    assert.equal(there.files, 2);
    // The three set by hand and those every poster's messages moved.
    assert.equal(there.readMarks, (await source.exportReadMarks()).length);
    assert.ok(there.readMarks > 3);
    assert.ok(there.sampled > 0);
    assert.deepEqual(Object.values(there.perRoom).reduce((a, b) => a + b, 0), written);
    assert.deepEqual([...new Set(progress.map((p) => p.phase))], ['users', 'rooms', 'messages', 'read marks', 'governance', 'verify']);

    const back = (await sqlite()).store;
    const again = await copyStore(middle, back, { batch: 100, sample: 1000 });
    assert.deepEqual({ ...again, ms: 0 }, { ...there, ms: 0, sampled: again.sampled });

    const original = await snapshot(source);
    assert.deepEqual(await snapshot(middle), original);
    assert.deepEqual(await snapshot(back), original);
    assert.equal(original.perRoom.backend.messages.length > 50, true);
    assert.deepEqual(original.users.filter((u) => USERS.includes(u.name)).map((u) => u.passwordHash), USERS.map((u) => `scrypt$salt$hash-${u}`));
    // What a deleted account leaves crosses over: its name taken, its message by DELETED_USER.
    assert.equal(await back.createUser({ name: 'FRANK_66', passwordHash: 'x', createdAt: 1 }), false);
    assert.equal(original.perRoom[GENERAL_ROOM].messages.find((m) => m.cid === `deleted:${GENERAL_ROOM}:${m.seq}`)?.from, DELETED_USER);
    assert.equal((await back.roomInfo('secret', 'carol-3'))?.readOnly, true);
    assert.equal((await middle.roomInfo(GENERAL_ROOM, 'alice_1'))?.topic, 'everyone');
  });

  it('carries a conversation over whole, sqlite → neo4j → sqlite: log, current state, mentions and search', async () => {
    const source = (await sqlite()).store;
    for (const name of ['ann_one', 'bob_two', 'cyd_three']) await source.createUser({ name, passwordHash: 'h', createdAt: 1 });
    await source.createRoom({ id: 'team', kind: 'group', name: 'team', createdAt: 1 }, ['ann_one', 'bob_two', 'cyd_three']);
    let n = 0;
    const send = async (from: string, extra: Partial<NewMessage>) =>
      (await source.append([{ room: 'team', from, cid: `k${++n}`, ts: 1000 + n, ...extra }]))[0];
    const file = { fileId: 'f-copy', name: 'plan.txt', size: 1, mime: 'text/plain', kind: 'file' as const, sha256: 'd'.repeat(64) };
    await send('ann_one', { text: 'root question @bob_two', mentions: ['bob_two'] });
    await send('bob_two', { text: 'an answer', root: 1 });
    await send('cyd_three', { text: 'answer in the room', root: 1, inRoom: true });
    await send('bob_two', { change: { kind: 'react', target: 1, emoji: '👍' } });
    await send('cyd_three', { change: { kind: 'react', target: 1, emoji: '👍' } });
    await send('cyd_three', { change: { kind: 'react', target: 2, emoji: '🎉' } });
    await send('ann_one', { change: { kind: 'edit', target: 1, text: 'root question, edited @bob_two' }, mentions: ['bob_two'] });
    await send('bob_two', { text: 'to be deleted', file });
    await send('bob_two', { change: { kind: 'edit', target: 8, text: 'to be deleted soon' } });
    await send('bob_two', { change: { kind: 'delete', target: 8 } });
    await send('ann_one', { change: { kind: 'pin', target: 3 } });
    await send('ann_one', { change: { kind: 'resolve', target: 1 } });
    await send('cyd_three', { change: { kind: 'unreact', target: 1, emoji: '👍' } });
    await send('ann_one', { text: 'and @room, a last word', mentions: ['room'] });

    const views = async (store: Store) => ({
      log: await store.since('team', 0, 100),
      history: await store.history('team', { limit: 50 }),
      thread: await store.thread('team', 1, { limit: 50 }),
      resolved: await store.threads('team', { state: 'resolved', limit: 50 }),
      open: await store.threads('team', { state: 'open', limit: 50 }),
      pins: await store.pins('team', 10),
      messages: [await store.message('team', 2), await store.message('team', 8)],
      mentions: [await store.roomInfo('team', 'bob_two'), await store.roomInfo('team', 'cyd_three')].map((r) => r?.mentions),
      unread: [await store.roomInfo('team', 'bob_two'), await store.roomInfo('team', 'cyd_three')].map((r) => r?.unread),
      search: [
        await store.search('ann_one', 'edited', { limit: 5 }),
        await store.search('ann_one', 'deleted', { limit: 5 }),
        await store.search('ann_one', '', { isThread: true, limit: 5 }),
        await store.search('ann_one', 'answer', { isPinned: true, limit: 5 }),
      ],
      file: await store.getFile('f-copy'),
    });
    const original = await views(source);
    // bob_two posted #8 after both mentions of him, which moved his mark: only @room (#14) is unread.
    assert.deepEqual(original.mentions, [1, 1]);
    assert.deepEqual(original.unread, [1, 1], 'after their last posts, only ann_one\'s last word (#8 is deleted)');
    assert.equal(original.messages[1]?.deleted, true);

    const middle = await graph();
    assert.equal((await copyStore(source, middle, { sample: 100 })).perRoom.team, 14);
    assert.deepEqual(await views(middle), original);
    const back = (await sqlite()).store;
    await copyStore(middle, back, { sample: 100 });
    assert.deepEqual(await views(back), original);
    // The copy goes on under the same rules.
    const [again] = await middle.append([{ room: 'team', from: 'cyd_three', cid: 'after-copy', ts: 5000, change: { kind: 'resolve', target: 1 } }]);
    assert.equal(again.noop, true);
    const [react] = await middle.append([{ room: 'team', from: 'cyd_three', cid: 'after-copy-2', ts: 5001, change: { kind: 'react', target: 1, emoji: '🎉' } }]);
    assert.equal(react.message.seq, 15);
  });

  it('leaves the copy ready to go on: seqs continue and resent cids are still recognised', async () => {
    const source = (await sqlite()).store;
    await populate(source);
    const target = await graph();
    await copyStore(source, target);
    const last = await target.lastSeq('backend');
    const [next] = await target.append([{ room: 'backend', from: 'alice_1', cid: 'after-copy', ts: 2, text: 'next' }]);
    assert.deepEqual([next.duplicate, next.message.seq], [false, last + 1]);
    const [resent] = await target.append([{ room: 'backend', from: 'bob.two', cid: 'snip', ts: 3, text: 'resent' }]);
    assert.equal(resent.duplicate, true);
    assert.deepEqual(resent.message, (await source.append([{ room: 'backend', from: 'bob.two', cid: 'snip', ts: 3 }]))[0].message);
  });

  it('refuses a target that is not empty, and reports a copy that differs', async () => {
    const source = (await sqlite()).store;
    await populate(source);
    const used = (await sqlite()).store;
    await used.createUser({ name: 'someone', passwordHash: 'h', createdAt: 1 });
    await assert.rejects(copyStore(source, used), (err: unknown) => err instanceof CopyStoreError && /not empty/.test(err.message));

    // A target that silently loses one message must not pass verification.
    const leaky = (await sqlite()).store;
    const lossy = new Proxy(leaky, {
      get(target, key, receiver) {
        if (key === 'importMessages') {
          return (messages: ChatMessage[]) => target.importMessages(messages.filter((m) => !(m.room === 'backend' && m.seq === 5)).map((m) => (m.room === 'backend' && m.seq > 5 ? { ...m, seq: m.seq - 1 } : m)));
        }
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await assert.rejects(copyStore(source, lossy), (err: unknown) => {
      assert.ok(err instanceof CopyStoreError);
      assert.ok(err.problems.some((p) => p.startsWith('lastSeq of backend')), err.message);
      return true;
    });
  });

  it('runs from the command line: parley-server copy-store --from sqlite:DIR --to bolt://…', async () => {
    const { store: source, dataDir } = await sqlite();
    const written = await populate(source);
    await source.close();
    await neo4j.wipe();
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } };
    assert.equal(await runCopyStore(['--from', `sqlite:${dataDir}`, `--to=${neo4j.uri}`, '--batch', '50'], io), 0, err.join(''));
    const report = JSON.parse(out.join('')) as { messages: number; from: string; to: string };
    assert.equal(report.messages, written);
    assert.match(report.to, /^neo4j bolt:\/\//);
    assert.ok(err.some((line) => line.startsWith(`messages: ${written}/${written}`)), err.join(''));

    out.length = 0;
    assert.equal(await runCopyStore(['--from', `sqlite:${dataDir}`, '--to', neo4j.uri], io), 1, 'the target is no longer empty');
    assert.match(err.join(''), /not empty/);
    assert.equal(await runCopyStore(['--from', `sqlite:${dataDir}/missing`, '--to', neo4j.uri], io), 1);
    assert.equal(await runCopyStore(['--from', `sqlite:${dataDir}`], io), 2);
    assert.equal(await runCopyStore(['--from', 'mysql://x', '--to', neo4j.uri], io), 2);
    assert.equal(out.length, 0);
  });

  it('parses store specs', () => {
    assert.deepEqual(parseStoreSpec('sqlite:./parley-data'), { kind: 'sqlite', dataDir: './parley-data' });
    assert.deepEqual(parseStoreSpec('bolt://127.0.0.1:7687'), { kind: 'neo4j', uri: 'bolt://127.0.0.1:7687' });
    assert.deepEqual(parseStoreSpec('neo4j+s://me:p%40ss@db.example:7687/chat'), {
      kind: 'neo4j',
      uri: 'neo4j+s://db.example:7687',
      user: 'me',
      password: 'p@ss',
      database: 'chat',
    });
    assert.throws(() => parseStoreSpec('sqlite:'), CopyStoreError);
    assert.throws(() => parseStoreSpec('postgres://x'), CopyStoreError);
  });
});
