import * as assert from 'node:assert/strict';
import { ParleyClient } from '../../client/session';
import { dmRoomId, type ChatMessage } from '../../protocol';
import { TestServer } from '../helpers/server';
import { until } from './fake-peer';

/** The session client against the real parley-server: the behaviour the fakes only imitate. */
describe('client/session against a real server', function () {
  this.timeout(60_000);
  let server: TestServer;
  const clients: ParleyClient[] = [];

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0'] });
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  function client(): ParleyClient {
    const c = new ParleyClient({ host: server.host, port: server.port, backoff: { baseMs: 50, maxMs: 500 } });
    clients.push(c);
    return c;
  }

  async function signedIn(user: string): Promise<{ c: ParleyClient; messages: ChatMessage[] }> {
    const c = client();
    const messages: ChatMessage[] = [];
    c.on('message', (m) => messages.push(m));
    await c.register(user, 'password1').catch(() => undefined);
    await c.login(user, 'password1');
    return { c, messages };
  }

  it('delivers each message once across a server restart, including sends queued while it was down', async () => {
    const alice = await signedIn('alice_s1');
    const bob = await signedIn('bob_s222');
    await alice.c.send('general', { text: 'one' });
    await until(() => bob.messages.some((m) => m.text === 'one'), 5000, 'one');

    await server.kill();
    await until(() => alice.c.status === 'reconnecting' && bob.c.status === 'reconnecting', 5000, 'both reconnecting');
    const queued = alice.c.send('general', { text: 'two' });
    server = await server.restart();
    const ack = await queued;
    await alice.c.send('general', { text: 'three' });
    await until(() => bob.messages.some((m) => m.text === 'three'), 10_000, 'three');
    await new Promise((r) => setTimeout(r, 300));

    for (const who of [alice, bob]) {
      const general = who.messages.filter((m) => m.room === 'general');
      assert.deepEqual(
        general.map((m) => m.text),
        ['one', 'two', 'three'],
      );
      const seqs = general.map((m) => m.seq);
      assert.deepEqual(seqs, [seqs[0], seqs[0] + 1, seqs[0] + 2]);
    }
    assert.equal(ack.seq, bob.messages.find((m) => m.text === 'two')?.seq);
  });

  it('lists and ends sessions: a client whose session is revoked elsewhere is told SESSION_REVOKED and stops', async () => {
    const laptop = await signedIn('carol_sess');
    const desktop = await signedIn('carol_sess');
    const listed = await laptop.c.sessions();
    assert.equal(listed.length, 2);
    assert.equal(listed.filter((s) => s.current === true).length, 1);
    const expired = new Promise<string>((resolve) => desktop.c.once('expired', (err) => resolve(err.code)));
    assert.equal(await laptop.c.revokeOtherSessions(), 1);
    assert.equal(await expired, 'SESSION_REVOKED');
    assert.equal(desktop.c.status, 'closed');
    assert.equal(desktop.c.sessionToken, undefined);
    // A password change from the one left ends nothing more, and the new password signs in.
    assert.equal(await laptop.c.changePassword('password1', 'password2'), 0);
    const again = client();
    await again.login('CAROL_SESS', 'password2');
    assert.equal(again.user, 'carol_sess');
  });

  it('stops at once, saying why, when the account is deleted from another device', async () => {
    const laptop = await signedIn('dora_sess');
    const phone = await signedIn('dora_sess');
    let reconnects = 0;
    phone.c.on('status', (status) => {
      if (status === 'reconnecting') reconnects++;
    });
    const expired = new Promise<string>((resolve) => phone.c.once('expired', (err) => resolve(err.code)));
    await laptop.c.deleteOwnAccount('password1');
    assert.equal(await expired, 'ACCOUNT_DELETED');
    assert.equal(phone.c.status, 'closed');
    assert.equal(phone.c.sessionToken, undefined);
    assert.equal(reconnects, 0, 'no reconnect for a session the server ended');
  });

  it('a resend with the same cid is acknowledged with the first seq and stored once', async () => {
    const alice = await signedIn('alice_s2');
    const first = await alice.c.send('general', { text: 'only once' }, { cid: 'fixed-cid-1' });
    const again = await alice.c.send('general', { text: 'only once' }, { cid: 'fixed-cid-1' });
    assert.equal(again.seq, first.seq);
    assert.equal(again.msgId, first.msgId);
    const page = await alice.c.history('general', { limit: 10 });
    assert.equal(page.messages.filter((m) => m.text === 'only once').length, 1);
  });

  it('replays missed messages on resume, and back-fills a DM opened while away', async () => {
    const alice = await signedIn('alice_s3');
    // Bob retries slowly, so messages can be sent while he is away and the server is up.
    const bobClient = new ParleyClient({ host: server.host, port: server.port, backoff: { baseMs: 6000, maxMs: 6000 }, random: () => 0.99 });
    clients.push(bobClient);
    const bob: ChatMessage[] = [];
    bobClient.on('message', (m) => bob.push(m));
    await bobClient.register('bob_s333', 'password1');
    await bobClient.login('bob_s333', 'password1');
    await alice.c.send('general', { text: 'hello' });
    await until(() => bob.some((m) => m.text === 'hello'), 5000, 'hello');

    await server.kill();
    await until(() => bobClient.status === 'reconnecting', 5000, 'reconnecting');
    server = await server.restart();
    await until(() => alice.c.status === 'ready', 10_000, 'alice back');
    // Should Bob be back already (a very slow restart), the checks below still hold; only the back-fill goes unexercised.
    await alice.c.send('general', { text: 'missed in general' });
    await alice.c.send(dmRoomId('alice_s3', 'bob_s333'), { text: 'missed dm 1' });
    await alice.c.send(dmRoomId('alice_s3', 'bob_s333'), { text: 'missed dm 2' });

    await until(() => bob.some((m) => m.text === 'missed dm 2'), 15_000, 'replay and back-fill');
    await alice.c.send(dmRoomId('alice_s3', 'bob_s333'), { text: 'live dm' });
    await until(() => bob.some((m) => m.text === 'live dm'), 5000, 'live dm');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      bob.filter((m) => m.room === 'general').map((m) => m.text),
      ['hello', 'missed in general'],
    );
    assert.deepEqual(
      bob.filter((m) => m.room.startsWith('dm:')).map((m) => [m.seq, m.text]),
      [
        [1, 'missed dm 1'],
        [2, 'missed dm 2'],
        [3, 'live dm'],
      ],
    );
  });

  it('resume(token, since) replays only the listed rooms', async () => {
    const alice = await signedIn('alice_s4');
    const first = await alice.c.send('general', { text: 'seen' });
    await alice.c.send('general', { text: 'not seen yet' });
    const other = client();
    const got: ChatMessage[] = [];
    other.on('message', (m) => got.push(m));
    await other.resume(alice.c.sessionToken as string, { general: first.seq });
    await until(() => got.length >= 1, 5000, 'replay');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      got.map((m) => m.text),
      ['not seen yet'],
    );
  });

  it('carries replies and changes once, in seq order, live and on resume, and answers the thread queries', async () => {
    const alice = await signedIn('alice_s5');
    const bob = await signedIn('bob_s555');
    const events: ChatMessage[] = [];
    alice.c.on('message', (m) => events.push(m));
    alice.c.on('change', (e) => events.push(e));
    const room = dmRoomId('alice_s5', 'bob_s555');

    const root = await alice.c.send(room, { text: 'Shall we ship on Friday?' });
    const reply = await bob.c.reply(room, root.seq, { text: 'Only after the migration test' });
    await alice.c.reply(room, root.seq, { text: 'Agreed, and in the room too' }, { inRoom: true });
    assert.ok(await alice.c.react(room, root.seq, '👍'));
    assert.ok(await bob.c.react(room, root.seq, '👍'));
    assert.equal(await bob.c.react(room, root.seq, '👍'), undefined, 'a second identical reaction changes nothing');
    await alice.c.edit(room, root.seq, 'Shall we ship on Monday?');
    const last = await alice.c.pin(room, root.seq);
    assert.ok(last);
    await until(() => events.some((e) => e.seq === last.seq), 5000, 'every event');
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
    assert.equal(new Set(seqs).size, seqs.length, 'each once');
    assert.deepEqual(
      events.map((e) => e.change?.kind ?? (e.root !== undefined ? `reply${e.inRoom ? '+room' : ''}` : 'post')),
      ['post', 'reply', 'reply+room', 'react', 'react', 'edit', 'pin'],
    );
    assert.equal(events[1].seq, reply.seq);

    // Bob goes away (once he has seen the pin); what happens meanwhile reaches him once when he resumes.
    await until(() => bob.c.lastSeq(room) === last.seq, 5000, 'bob sees the pin');
    const token = bob.c.sessionToken as string;
    const since = { [room]: bob.c.lastSeq(room) as number };
    bob.c.close();
    await alice.c.resolve(room, root.seq);
    await alice.c.unreact(room, root.seq, '👍');
    const deleted = await alice.c.deleteMessage(room, root.seq + 2);
    assert.ok(deleted);
    const back = client();
    const replayed: ChatMessage[] = [];
    back.on('change', (e) => replayed.push(e));
    back.on('message', (m) => replayed.push(m));
    await back.resume(token, since);
    await until(() => replayed.some((e) => e.seq === deleted.seq), 5000, 'replay');
    assert.deepEqual(replayed.map((e) => e.change?.kind), ['resolve', 'unreact', 'delete']);

    const thread = await back.thread(room, root.seq);
    assert.equal(thread.root.text, 'Shall we ship on Monday?');
    assert.equal(thread.root.replies, 2);
    assert.deepEqual(thread.root.reactions, { '👍': ['bob_s555'] });
    assert.equal(thread.root.resolvedBy, 'alice_s5');
    assert.deepEqual(thread.replies.map((r) => [r.text, r.deleted ?? false]), [
      ['Only after the migration test', false],
      [undefined, true],
    ]);
    assert.deepEqual((await back.pins(room)).map((m) => m.seq), [root.seq]);
    assert.deepEqual((await back.revisions(room, root.seq)).map((r) => r.text), ['Shall we ship on Friday?']);
    assert.deepEqual((await back.threads(room, { state: 'resolved' })).messages.map((m) => m.seq), [root.seq]);
    assert.deepEqual((await back.threads(room, { state: 'open' })).messages, []);
    await assert.rejects(back.edit(room, root.seq, 'not mine'), (err: Error & { code?: string }) => err.code === 'NOT_AUTHOR');
  });
});
