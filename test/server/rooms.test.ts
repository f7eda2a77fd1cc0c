import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Connection } from '../../client/connection';
import { downloadFile, uploadFile } from '../../client/transfers';
import { dmRoomId, type AckReply, type ChatMessage, type ParleyError, type RoomInfo, type RoomRole, type ServerFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, rejectsWith, resume, signIn, uniqueUser } from './chat-helpers';
import { HashSink, transferConnection } from './transfer-helpers';

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

let n = 0;

/** The code of the error the server closed the connection with. */
function closedWith(conn: Connection, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let code = 'none';
    conn.on('server-error', (err: ParleyError) => (code = err.code));
    const timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
    conn.once('close', () => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
const roomName = (prefix: string) => `${prefix}-${++n}-${Date.now().toString(36)}`;

describe('server: rooms people run, over real TCP', function () {
  this.timeout(30_000);
  let server: TestServer;
  const adminName = uniqueUser('sysop');
  const open: { close(): void }[] = [];
  const track = async (p: Promise<Client>) => {
    const c = await p;
    open.push(c);
    return c;
  };
  const user = () => track(signIn(server));

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0', '--admin', adminName, '--admin', 'someone_else'] });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await server?.stop();
  });

  const create = async (c: Client, visibility: 'public' | 'private' = 'public', topic?: string) => {
    const name = roomName(visibility === 'private' ? 'secret' : 'open');
    const reply = await c.conn.request<Frame<'room'>>({ t: 'create', name, visibility, ...(topic ? { topic } : {}) });
    assert.equal(reply.room.visibility, visibility);
    assert.equal(reply.room.role, 'owner');
    return name;
  };
  const history = async (c: Client, room: string): Promise<ChatMessage[]> =>
    (await c.conn.request<Frame<'history'>>({ t: 'history', room, limit: 200 })).messages;
  const events = async (c: Client, room: string) => (await history(c, room)).filter((m) => m.event !== undefined).map((m) => m.event);
  const roleOf = async (c: Client, room: string, who: string): Promise<RoomRole | undefined> =>
    (await c.conn.request<Frame<'members'>>({ t: 'members', room })).members.find((m) => m.user === who)?.role;
  /** A private room of `owner` with `member` in it (invited, accepted). */
  async function privateRoom(owner: Client, member?: Client): Promise<string> {
    const room = await create(owner, 'private');
    if (member !== undefined) {
      await owner.conn.request({ t: 'invite', room, user: member.user });
      await member.conn.request({ t: 'accept', room });
    }
    return room;
  }

  describe('private rooms', () => {
    it('are invisible to outsiders: rooms, directory, history, join, thread, members, search and downloads', async () => {
      const [owner, outsider] = await Promise.all([user(), user()]);
      const room = await privateRoom(owner);
      const ack = await owner.send(room, 'quartzlemon plans');
      const transfer = await transferConnection(server, owner.token);
      open.push(transfer);
      const data = randomBytes(1024);
      const file = await uploadFile(transfer, { room, stream: Readable.from([data]), size: data.length, name: 'plans.bin' });

      const listing = await outsider.conn.request<Frame<'rooms'>>({ t: 'rooms' });
      assert.equal(listing.rooms.some((r) => r.id === room), false);
      const dir = await outsider.conn.request<Frame<'directory'>>({ t: 'directory', query: room });
      assert.deepEqual(dir.rooms, []);
      for (const frame of [
        { t: 'history', room },
        { t: 'join', room },
        { t: 'thread', room, root: ack.seq },
        { t: 'members', room },
        { t: 'events', room, after: 0 },
        { t: 'send', room, cid: 'x1', text: 'let me in' },
        { t: 'search', query: `in:${room} quartzlemon` },
        { t: 'leave', room },
      ] as const) {
        const err = await rejectsWith(outsider.conn.request(frame), 'NOT_FOUND');
        assert.equal(err.message, 'No such room.', `${frame.t} says nothing more`);
      }
      // The same answer as for a room that does not exist.
      const none = await rejectsWith(outsider.conn.request({ t: 'history', room: 'no-such-room-at-all' }), 'NOT_FOUND');
      assert.equal(none.message, 'No such room.');
      const results = await outsider.conn.request<Frame<'results'>>({ t: 'search', query: 'quartzlemon' });
      assert.deepEqual(results.messages, []);
      const theirs = await transferConnection(server, outsider.token);
      open.push(theirs);
      await rejectsWith(downloadFile(theirs, { fileId: file.file?.fileId as string, to: new HashSink() }), 'NOT_FOUND');
      // The owner still sees it all.
      assert.equal((await owner.conn.request<Frame<'results'>>({ t: 'search', query: 'quartzlemon' })).messages.length, 1);
    });

    it('lets in the invited: the invitee is told, lists the invitation, accepts, and the room sees them join', async () => {
      const [owner, guest] = await Promise.all([user(), user()]);
      const room = await create(owner, 'private');
      await owner.conn.request({ t: 'invite', room, user: guest.user });
      const told = await guest.waitFor<Frame<'invited'>>((f) => f.t === 'invited');
      assert.deepEqual({ room: told.invitation.room, by: told.invitation.by }, { room, by: owner.user });
      const listed = await guest.conn.request<Frame<'invitations'>>({ t: 'invitations' });
      assert.deepEqual(listed.invitations.map((i) => i.room), [room]);
      await rejectsWith(owner.conn.request({ t: 'invite', room, user: guest.user }), 'ALREADY_INVITED');
      const joined = await guest.conn.request<Frame<'room'>>({ t: 'accept', room });
      assert.equal(joined.room.role, 'member');
      assert.equal(joined.room.visibility, 'private');
      await owner.waitFor((f) => f.t === 'msg' && f.room === room && f.event?.kind === 'joined' && f.event.user === guest.user);
      assert.deepEqual((await guest.conn.request<Frame<'invitations'>>({ t: 'invitations' })).invitations, []);
      await rejectsWith(owner.conn.request({ t: 'invite', room, user: guest.user }), 'ALREADY_MEMBER');
      const other = await user();
      await rejectsWith(guest.conn.request({ t: 'invite', room, user: other.user }), 'NOT_ROOM_ADMIN');
      await rejectsWith(owner.conn.request({ t: 'invite', room, user: 'nobody_by_this_name' }), 'NOT_FOUND');
    });

    it('declines and withdraws invitations', async () => {
      const [owner, a, b] = await Promise.all([user(), user(), user()]);
      const room = await create(owner, 'private');
      await owner.conn.request({ t: 'invite', room, user: a.user });
      await owner.conn.request({ t: 'invite', room, user: b.user });
      await a.conn.request({ t: 'decline', room });
      await rejectsWith(a.conn.request({ t: 'accept', room }), 'NOT_FOUND');
      await owner.conn.request({ t: 'uninvite', room, user: b.user });
      await rejectsWith(owner.conn.request({ t: 'uninvite', room, user: b.user }), 'NOT_INVITED');
      await rejectsWith(b.conn.request({ t: 'join', room }), 'NOT_FOUND');
      const kinds = (await events(owner, room)).map((e) => `${e?.kind} ${e?.user}`);
      assert.deepEqual(kinds, [`invited ${a.user}`, `invited ${b.user}`, `declined ${a.user}`, `uninvited ${b.user}`]);
      // A public room's invitation can be declined too, and then says NOT_INVITED.
      const pub = await create(owner);
      await owner.conn.request({ t: 'invite', room: pub, user: a.user });
      await a.conn.request({ t: 'decline', room: pub });
      await rejectsWith(a.conn.request({ t: 'decline', room: pub }), 'NOT_INVITED');
    });
  });

  describe('the directory', () => {
    it('lists public rooms with topic and member count, searches, pages, and joins from it', async () => {
      const [owner, other] = await Promise.all([user(), user()]);
      const tag = randomBytes(4).toString('hex');
      const rooms: string[] = [];
      for (let i = 0; i < 3; i++) {
        const name = `dir-${tag}-${i}`;
        await owner.conn.request({ t: 'create', name, topic: `Topic ${tag} number ${i}` });
        rooms.push(name);
      }
      await owner.conn.request({ t: 'create', name: `dir-${tag}-hidden`, visibility: 'private', topic: `Topic ${tag}` });
      const first = await other.conn.request<Frame<'directory'>>({ t: 'directory', query: `TOPIC ${tag.toUpperCase()}`, limit: 2 });
      assert.deepEqual(first.rooms.map((r) => r.id), rooms.slice(0, 2));
      assert.equal(first.more, true);
      assert.deepEqual(first.rooms[0], { id: rooms[0], name: rooms[0], topic: `Topic ${tag} number 0`, memberCount: 1 });
      const rest = await other.conn.request<Frame<'directory'>>({ t: 'directory', query: tag, after: first.rooms[1].id, limit: 2 });
      assert.deepEqual(rest.rooms.map((r) => r.id), [rooms[2]]);
      assert.equal(rest.more, false);
      const joined = await other.conn.request<Frame<'room'>>({ t: 'join', room: rest.rooms[0].id });
      assert.equal(joined.room.topic, `Topic ${tag} number 2`);
      const again = await other.conn.request<Frame<'directory'>>({ t: 'directory', query: rooms[2] });
      assert.deepEqual(again.rooms, [{ id: rooms[2], name: rooms[2], topic: `Topic ${tag} number 2`, memberCount: 2, member: true }]);
    });
  });

  describe('owners and admins', () => {
    it('kicks a member: the room sees it, the member hears no more and gets FORBIDDEN or NOT_FOUND', async () => {
      const [owner, member, watcher] = await Promise.all([user(), user(), user()]);
      const room = await privateRoom(owner, member);
      await owner.conn.request({ t: 'invite', room, user: watcher.user });
      await watcher.conn.request({ t: 'accept', room });
      await owner.conn.request({ t: 'kick', room, user: member.user });
      const left = await member.waitFor<Frame<'room_left'>>((f) => f.t === 'room_left' && f.room === room);
      assert.equal(left.reason, 'removed');
      await member.waitFor((f) => f.t === 'msg' && f.room === room && f.event?.kind === 'removed', 5000, 'the removal itself');
      await watcher.waitFor((f) => f.t === 'msg' && f.room === room && f.event?.kind === 'removed' && f.event.user === member.user);
      const after = await owner.send(room, 'after the kick');
      await watcher.waitFor((f) => f.t === 'msg' && f.seq === after.seq);
      assert.equal(member.msgs(room).some((m) => m.seq === after.seq), false, 'no further deliveries');
      await rejectsWith(member.conn.request({ t: 'history', room }), 'NOT_FOUND');
      await rejectsWith(owner.conn.request({ t: 'kick', room, user: member.user }), 'NOT_MEMBER');
      await rejectsWith(watcher.conn.request({ t: 'kick', room, user: owner.user }), 'NOT_ROOM_ADMIN');
      // In a public room the kicked get FORBIDDEN (the room is no secret) and may join again.
      const pub = await create(owner);
      await member.conn.request({ t: 'join', room: pub });
      await owner.conn.request({ t: 'kick', room: pub, user: member.user });
      await rejectsWith(member.conn.request({ t: 'history', room: pub }), 'FORBIDDEN');
      await member.conn.request({ t: 'join', room: pub });
    });

    it('bans: the ban survives a rejoin and an invitation until unbanned', async () => {
      const [owner, troll] = await Promise.all([user(), user()]);
      const room = await create(owner);
      await troll.conn.request({ t: 'join', room });
      await owner.conn.request({ t: 'ban', room, user: troll.user });
      const left = await troll.waitFor<Frame<'room_left'>>((f) => f.t === 'room_left' && f.room === room);
      assert.equal(left.reason, 'banned');
      await rejectsWith(troll.conn.request({ t: 'join', room }), 'BANNED');
      await rejectsWith(owner.conn.request({ t: 'invite', room, user: troll.user }), 'BANNED');
      const members = await owner.conn.request<Frame<'members'>>({ t: 'members', room });
      assert.deepEqual(members.banned?.map((b) => b.user), [troll.user]);
      await owner.conn.request({ t: 'unban', room, user: troll.user });
      await rejectsWith(owner.conn.request({ t: 'unban', room, user: troll.user }), 'NOT_BANNED');
      await troll.conn.request({ t: 'join', room });
      // A banned outsider of a private room learns nothing of it.
      const secret = await privateRoom(owner);
      await owner.conn.request({ t: 'ban', room: secret, user: troll.user });
      await rejectsWith(troll.conn.request({ t: 'join', room: secret }), 'NOT_FOUND');
    });

    it('makes a room read-only: members cannot post, owners and admins can, reactions still work', async () => {
      const [owner, admin, member] = await Promise.all([user(), user(), user()]);
      const room = await create(owner);
      await admin.conn.request({ t: 'join', room });
      await member.conn.request({ t: 'join', room });
      await owner.conn.request({ t: 'role', room, user: admin.user, role: 'admin' });
      const set = await owner.conn.request<Frame<'room'>>({ t: 'room_set', room, readOnly: true });
      assert.equal(set.room.readOnly, true);
      await member.waitFor((f) => f.t === 'room' && f.room.id === room && f.room.readOnly === true);
      await rejectsWith(member.send(room, 'can I?'), 'READ_ONLY');
      const news = await owner.send(room, 'announcement');
      await admin.send(room, 'from an admin');
      await member.conn.request({ t: 'change', room, cid: 'ro-react', kind: 'react', target: news.seq, emoji: '🎉' });
      await rejectsWith(member.conn.request({ t: 'room_set', room, readOnly: false }), 'NOT_ROOM_ADMIN');
      await admin.conn.request({ t: 'room_set', room, readOnly: false });
      await member.send(room, 'now I can');
      const kinds = (await events(member, room)).filter((e) => e?.kind === 'readonly').map((e) => e?.on);
      assert.deepEqual(kinds, [true, false]);
    });

    it('renames and sets the topic and description, as room events and room updates', async () => {
      const [owner, member] = await Promise.all([user(), user()]);
      const room = await create(owner);
      await member.conn.request({ t: 'join', room });
      await owner.conn.request({ t: 'room_set', room, name: 'Release Train', topic: 'ship it', description: 'Weekly releases' });
      const update = await member.waitFor<Frame<'room'>>((f) => f.t === 'room' && f.room.id === room && f.room.name === 'Release Train');
      assert.equal(update.room.topic, 'ship it');
      assert.equal(update.room.description, 'Weekly releases');
      assert.deepEqual((await events(member, room)).slice(-3), [
        { kind: 'renamed', text: 'Release Train' },
        { kind: 'topic', text: 'ship it' },
        { kind: 'description', text: 'Weekly releases' },
      ]);
      await rejectsWith(member.conn.request({ t: 'room_set', room, topic: 'mine now' }), 'NOT_ROOM_ADMIN');
      await rejectsWith(owner.conn.request({ t: 'room_set', room }), 'INVALID');
    });

    it('promotes and demotes admins, hands over ownership, and never leaves a room without an owner', async () => {
      const [owner, a, b] = await Promise.all([user(), user(), user()]);
      const room = await create(owner);
      await a.conn.request({ t: 'join', room });
      await b.conn.request({ t: 'join', room });
      await rejectsWith(owner.conn.request({ t: 'leave', room }), 'LAST_OWNER');
      await rejectsWith(a.conn.request({ t: 'role', room, user: b.user, role: 'admin' }), 'NOT_ROOM_ADMIN');
      await owner.conn.request({ t: 'role', room, user: a.user, role: 'admin' });
      const promoted = await a.waitFor<Frame<'room'>>((f) => f.t === 'room' && f.room.id === room && f.room.role === 'admin');
      assert.equal(promoted.room.role, 'admin');
      await a.conn.request({ t: 'role', room, user: b.user, role: 'admin' });
      await rejectsWith(a.conn.request({ t: 'role', room, user: b.user, role: 'member' }), 'OUTRANKED');
      await rejectsWith(a.conn.request({ t: 'kick', room, user: owner.user }), 'OUTRANKED');
      await rejectsWith(a.conn.request({ t: 'role', room, user: a.user, role: 'owner' }), 'NOT_OWNER');
      await rejectsWith(owner.conn.request({ t: 'role', room, user: owner.user, role: 'member' }), 'LAST_OWNER');
      await owner.conn.request({ t: 'role', room, user: b.user, role: 'member' });
      await owner.conn.request({ t: 'role', room, user: a.user, role: 'owner' });
      assert.equal(await roleOf(owner, room, a.user), 'owner');
      assert.equal(await roleOf(owner, room, owner.user), 'admin', 'the owner who handed over is an admin');
      await owner.conn.request({ t: 'leave', room });
      await rejectsWith(a.conn.request({ t: 'leave', room }), 'LAST_OWNER');
      const roles = (await events(a, room)).filter((e) => e?.kind === 'role').map((e) => `${e?.user} ${e?.role}`);
      assert.deepEqual(roles, [`${a.user} admin`, `${b.user} admin`, `${b.user} member`, `${a.user} owner`, `${owner.user} admin`]);
      // Alone, the last owner may go; whoever joins the empty room next owns it.
      await b.conn.request({ t: 'leave', room });
      await a.conn.request({ t: 'leave', room });
      await b.conn.request({ t: 'join', room });
      assert.equal(await roleOf(b, room, b.user), 'owner');
    });

    it('lets owners and admins delete any message, and only them', async () => {
      const [owner, admin, member, other] = await Promise.all([user(), user(), user(), user()]);
      const room = await create(owner);
      for (const c of [admin, member, other]) await c.conn.request({ t: 'join', room });
      await owner.conn.request({ t: 'role', room, user: admin.user, role: 'admin' });
      const first = await member.send(room, 'oops');
      const second = await member.send(room, 'oops again');
      await rejectsWith(other.conn.request({ t: 'change', room, cid: 'del-0', kind: 'delete', target: first.seq }), 'NOT_AUTHOR');
      await admin.conn.request<AckReply>({ t: 'change', room, cid: 'del-1', kind: 'delete', target: first.seq });
      await owner.conn.request<AckReply>({ t: 'change', room, cid: 'del-2', kind: 'delete', target: second.seq });
      const shown = await history(other, room);
      assert.equal(shown.find((m) => m.seq === first.seq)?.deleted, true);
      assert.equal(shown.find((m) => m.seq === second.seq)?.deleted, true);
    });
  });

  describe('room events', () => {
    it('reach a user who was away through resume, exactly once and in order, and history carries them', async () => {
      const [owner, away] = await Promise.all([user(), user()]);
      const room = await create(owner);
      await away.conn.request({ t: 'join', room });
      const mark = (await away.conn.request<Frame<'room'>>({ t: 'join', room })).room.lastSeq;
      const token = away.token;
      away.close();
      const late = await user();
      await late.conn.request({ t: 'join', room });
      await owner.conn.request({ t: 'room_set', room, topic: 'while you were out' });
      await owner.conn.request({ t: 'role', room, user: late.user, role: 'admin' });
      const back = await track(resume(server, { user: away.user, token }, { [room]: mark }));
      const caught = await back.waitFor<Frame<'caught_up'>>((f) => f.t === 'caught_up' && f.room === room);
      const replayed = back.msgs(room).filter((m) => m.seq > mark);
      assert.deepEqual(replayed.map((m) => m.event), [
        { kind: 'joined', user: late.user },
        { kind: 'topic', text: 'while you were out' },
        { kind: 'role', user: late.user, role: 'admin' },
      ]);
      assert.deepEqual(replayed.map((m) => m.seq), [mark + 1, mark + 2, mark + 3]);
      assert.equal(caught.seq, mark + 3);
      const info = (await back.conn.request<Frame<'rooms'>>({ t: 'rooms' })).rooms.find((r: RoomInfo) => r.id === room);
      assert.equal(info?.unread, 0, 'room events are not unread messages');
      assert.equal(info?.topic, 'while you were out');
    });
  });

  describe('blocking', () => {
    it('keeps the blocked out of DMs, invitations and mention counts, until unblocked', async () => {
      const [me, pest, friend] = await Promise.all([user(), user(), user()]);
      const existing = dmRoomId(me.user, friend.user);
      await friend.send(existing, 'hi before');
      await me.conn.request({ t: 'block', user: pest.user });
      await me.conn.request({ t: 'block', user: friend.user });
      assert.deepEqual((await me.conn.request<Frame<'blocks'>>({ t: 'blocks' })).users, [pest.user, friend.user].sort());
      const fresh = await rejectsWith(pest.send(dmRoomId(me.user, pest.user), 'hello?'), 'BLOCKED');
      assert.match(fresh.message, /direct messages/);
      await rejectsWith(friend.send(existing, 'hi again'), 'BLOCKED');
      // The blocker still reads and writes the DM that exists.
      await me.send(existing, 'I can still write');
      assert.equal((await history(me, existing)).length, 2);
      const room = await create(pest);
      await rejectsWith(pest.conn.request({ t: 'invite', room, user: me.user }), 'BLOCKED');
      await me.conn.request({ t: 'join', room });
      await pest.send(room, `@${me.user} look at me`);
      const count = async () => (await me.conn.request<Frame<'rooms'>>({ t: 'rooms' })).rooms.find((r) => r.id === room)?.mentions;
      assert.equal(await count(), undefined, 'a blocked user mentions nobody into a count');
      await me.conn.request({ t: 'unblock', user: pest.user });
      await pest.send(room, `@${me.user} now?`);
      assert.equal(await count(), 1);
      await pest.send(dmRoomId(me.user, pest.user), 'finally');
      await rejectsWith(me.conn.request({ t: 'block', user: me.user }), 'INVALID');
    });
  });

  describe('server administrators', () => {
    it('act in any room, disable accounts (signed out everywhere at once) and read the audit log', async () => {
      const admin = await track(signIn(server, adminName));
      const [owner, victim, bystander] = await Promise.all([user(), user(), user()]);
      const room = await privateRoom(owner, victim);
      // Not a member, and the room is private: an administrator still acts in it.
      await admin.conn.request({ t: 'kick', room, user: victim.user });
      await rejectsWith(admin.conn.request({ t: 'role', room, user: owner.user, role: 'admin' }), 'LAST_OWNER');
      assert.equal((await admin.conn.request<Frame<'members'>>({ t: 'members', room })).members.length, 1);
      const second = await track(resume(server, victim));
      const closes = [victim, second].map((c) => closedWith(c.conn));
      await admin.conn.request({ t: 'disable', user: victim.user });
      assert.deepEqual(await Promise.all(closes), ['ACCOUNT_DISABLED', 'ACCOUNT_DISABLED']);
      await rejectsWith(signIn(server, victim.user, { register: false }), 'ACCOUNT_DISABLED');
      await rejectsWith(resume(server, victim), 'SESSION_REVOKED');
      await rejectsWith(bystander.conn.request({ t: 'disable', user: owner.user }), 'NOT_SERVER_ADMIN');
      await rejectsWith(bystander.conn.request({ t: 'audit' }), 'NOT_SERVER_ADMIN');
      await admin.conn.request({ t: 'disable', user: victim.user, disabled: false });
      await track(signIn(server, victim.user, { register: false }));
      const log = await admin.conn.request<Frame<'audit'>>({ t: 'audit', limit: 50 });
      const mine = log.entries.filter((e) => e.actor === admin.user).map((e) => `${e.action} ${e.target}`);
      assert.deepEqual(mine.slice(0, 3), [`enable ${victim.user}`, `disable ${victim.user}`, `kick ${victim.user}`]);
      const invite = log.entries.find((e) => e.action === 'invite' && e.room === room);
      assert.equal(invite?.actor, owner.user);
      assert.ok(typeof invite?.at === 'number' && invite.at > 0);
    });
  });
});
