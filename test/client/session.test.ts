import * as assert from 'node:assert/strict';
import { ConnectionError } from '../../client/connection';
import { ParleyClient, type ClientStatus, type ParleyClientOptions, type StatusInfo } from '../../client/session';
import { ParleyError, type ChatMessage } from '../../protocol';
import { FakeChat } from './fake-chat';
import { delay, until, type PeerSocket } from './fake-peer';

describe('client/session', () => {
  let chat: FakeChat;
  const clients: ParleyClient[] = [];

  beforeEach(async () => {
    chat = await FakeChat.start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await chat.stop();
  });

  function client(options: ParleyClientOptions = {}): ParleyClient {
    const c = new ParleyClient({ port: chat.port, timeoutMs: 2000, backoff: { baseMs: 20, maxMs: 100 }, gapFillDelayMs: 30, ...options });
    clients.push(c);
    return c;
  }

  function record(c: ParleyClient): { messages: ChatMessage[]; statuses: [ClientStatus, StatusInfo][] } {
    const messages: ChatMessage[] = [];
    const statuses: [ClientStatus, StatusInfo][] = [];
    c.on('message', (m) => messages.push(m));
    c.on('status', (s, info) => statuses.push([s, info]));
    return { messages, statuses };
  }

  const texts = (list: ChatMessage[]): (string | undefined)[] => list.map((m) => m.text);

  it('logs in, reports ready and the session rooms', async () => {
    const c = client();
    const { statuses } = record(c);
    let rooms: string[] = [];
    c.on('rooms', (r) => (rooms = r.map((x) => x.id)));
    const session = await c.login('alice_1', 'secret1');
    assert.equal(session.token, 'tok-alice_1');
    assert.equal(c.user, 'alice_1');
    assert.equal(c.status, 'ready');
    assert.deepEqual(rooms, ['general', 'dev']);
    assert.deepEqual(
      statuses.map(([s]) => s),
      ['connecting', 'ready'],
    );
  });

  it('rejects a wrong password with the server error and stays usable', async () => {
    const c = client();
    await assert.rejects(c.login('alice_1', 'nope'), (err: unknown) => err instanceof ParleyError && err.code === 'BAD_CREDENTIALS');
    await c.login('alice_1', 'secret1');
  });

  it('emits live messages once and in order, starting after login', async () => {
    chat.store('general', 'bob_22', 'before login');
    const c = client();
    const { messages } = record(c);
    await c.login('alice_1', 'secret1');
    chat.post('general', 'bob_22', 'one');
    chat.post('general', 'bob_22', 'two');
    await until(() => messages.length === 2);
    await delay(50);
    assert.deepEqual(texts(messages), ['one', 'two']);
    assert.deepEqual(
      messages.map((m) => m.seq),
      [2, 3],
    );
  });

  it('emits its own sent message once, with or without the server echo', async () => {
    for (const echo of [false, true]) {
      chat.echoToSender = echo;
      const c = client();
      const { messages } = record(c);
      await c.login('alice_1', 'secret1');
      const ack = await c.send('dev', { text: `echo ${echo}` });
      await delay(50);
      const mine = messages.filter((m) => m.seq === ack.seq && m.room === 'dev');
      assert.equal(mine.length, 1, `echo=${echo}`);
      assert.equal(mine[0].from, 'alice_1');
      assert.equal(mine[0].text, `echo ${echo}`);
      c.close();
    }
  });

  it('fills a hole in the seq through events', async () => {
    const c = client();
    const { messages } = record(c);
    await c.login('alice_1', 'secret1');
    chat.post('general', 'bob_22', 'one');
    chat.store('general', 'bob_22', 'lost');
    chat.post('general', 'bob_22', 'three');
    await until(() => messages.length === 3);
    assert.deepEqual(texts(messages), ['one', 'lost', 'three']);
  });

  it('reconnects with backoff, resumes from the last seq and emits nothing twice', async () => {
    const c = client();
    const { messages, statuses } = record(c);
    const caught: { room: string; seq: number }[] = [];
    c.on('caught_up', (e) => caught.push(e));
    await c.login('alice_1', 'secret1');
    chat.post('general', 'bob_22', 'one');
    await until(() => messages.length === 1);

    chat.dropAll();
    chat.store('general', 'bob_22', 'missed');
    await until(() => c.status === 'ready' && caught.length === 2, 3000, 'resume');
    chat.post('general', 'bob_22', 'after');
    await until(() => messages.length === 3);
    await delay(50);

    assert.deepEqual(texts(messages), ['one', 'missed', 'after']);
    const resume = chat.resumes.at(-1);
    assert.deepEqual(resume?.since, { general: 1, dev: 0 });
    const reconnecting = statuses.find(([s]) => s === 'reconnecting');
    assert.ok(reconnecting, 'no reconnecting status');
    const info = reconnecting[1];
    assert.equal(info.attempt, 1);
    assert.ok(info.error instanceof ConnectionError);
    assert.ok(typeof info.delayMs === 'number' && info.delayMs >= 0 && info.delayMs < 20);
  });

  it('grows the retry delay while the server is down and resets it after success', async () => {
    const c = client({ random: () => 0.99 });
    const { statuses } = record(c);
    await c.login('alice_1', 'secret1');
    const port = chat.port;
    await chat.stop();
    await until(() => statuses.filter(([s]) => s === 'reconnecting').length >= 4, 3000, 'retries');
    const delays = statuses.filter(([s]) => s === 'reconnecting').map(([, i]) => i.delayMs);
    assert.deepEqual(delays.slice(0, 4), [19, 39, 79, 99]);
    chat = await FakeChat.startOn(port);
    chat.validTokens.add('tok-alice_1');
    await until(() => c.status === 'ready', 3000, 'ready again');
    const before = statuses.length;
    chat.dropAll();
    await until(() => statuses.slice(before).some(([s]) => s === 'reconnecting'), 2000);
    const next = statuses.slice(before).find(([s]) => s === 'reconnecting')?.[1];
    assert.equal(next?.attempt, 1);
  });

  it('re-sends an unacked message with the same cid after reconnecting', async () => {
    const c = client();
    const { messages } = record(c);
    await c.login('alice_1', 'secret1');
    let first = true;
    chat.onSend = (h, socket) => {
      if (!first) return true;
      first = false;
      // Store it, then die before the ack goes out.
      chat.store(String(h.room), 'alice_1', String(h.text)).cid = String(h.cid);
      socket.destroy();
      return false;
    };
    const ack = await c.send('general', { text: 'hello' }, { cid: 'cid-123' });
    assert.equal(ack.seq, 1);
    assert.equal(chat.sends.length, 2);
    assert.deepEqual(
      chat.sends.map((s) => s.cid),
      ['cid-123', 'cid-123'],
    );
    assert.equal(chat.messages.get('general')?.length, 1);
    await delay(50);
    assert.deepEqual(texts(messages), ['hello']);
    assert.equal(c.outboxSize, 0);
  });

  describe('when the server drains', () => {
    /** Signs in, sends one message the server holds unanswered, then tells the client the server drains. */
    async function drainWithSendInFlight() {
      // A backoff far longer than the test: a reconnect that used it would time the test out.
      const c = client({ backoff: { baseMs: 60_000, maxMs: 60_000 }, random: () => 0.5 });
      const seen = record(c);
      await c.login('alice_1', 'secret1');
      let held: { h: Record<string, unknown>; socket: PeerSocket } | undefined;
      chat.onSend = (h, socket) => {
        if (held !== undefined) return true;
        held = { h, socket };
        return false;
      };
      const sent = c.send('general', { text: 'in flight' }, { cid: 'drain-1' });
      await until(() => held !== undefined, 2000, 'the send to arrive');
      const old = held as NonNullable<typeof held>;
      const closed = new Promise<void>((resolve) => old.socket.socket.once('close', () => resolve()));
      old.socket.send({ t: 'draining', reconnectMs: 100 });
      await until(() => chat.resumes.length === 1 && c.status === 'ready', 3000, 'a resume on a new connection');
      return { c, seen, sent, old, closed };
    }

    it('reconnects at once with jitter, not its backoff, while the old connection still brings the ack', async () => {
      const { c, seen, sent, old, closed } = await drainWithSendInFlight();
      const notice = seen.statuses.find(([, info]) => info.draining);
      assert.deepEqual(notice?.[0], 'reconnecting');
      assert.equal(notice?.[1].delayMs, 50, 'a random moment within reconnectMs');
      assert.equal(c.outboxSize, 1, 'the send waits for its answer on the old connection');
      assert.equal(chat.sends.length, 1, 'and is not sent again meanwhile');
      const msg = chat.store('general', 'alice_1', 'in flight');
      msg.cid = 'drain-1';
      old.socket.send({ t: 'ack', id: old.h.id, cid: 'drain-1', room: 'general', seq: msg.seq, ts: msg.ts, msgId: msg.msgId });
      const ack = await sent;
      assert.equal(ack.seq, 1);
      await closed; // the client closes the drained connection once nothing is pending on it
      assert.equal(chat.sends.length, 1);
      assert.deepEqual(texts(seen.messages), ['in flight']);
      assert.equal(seen.statuses.filter(([s, info]) => s === 'reconnecting' && !info.draining).length, 0);
    });

    it('sends again, with the same cid, what the old connection closed without answering', async () => {
      const { c, sent, old } = await drainWithSendInFlight();
      // Stored, but the old connection ends before its ack goes out.
      chat.store('general', 'alice_1', 'in flight').cid = 'drain-1';
      old.socket.destroy();
      const ack = await sent;
      assert.equal(ack.seq, 1);
      assert.deepEqual(
        chat.sends.map((s) => s.cid),
        ['drain-1', 'drain-1'],
      );
      assert.equal(chat.messages.get('general')?.length, 1, 'stored once');
      assert.equal(c.outboxSize, 0);
    });
  });

  it('queues sends made while reconnecting and delivers them in order', async () => {
    const c = client({ backoff: { baseMs: 200, maxMs: 200 }, random: () => 0.5 });
    await c.login('alice_1', 'secret1');
    chat.dropAll();
    await until(() => c.status === 'reconnecting');
    const acks = Promise.all([c.send('general', { text: 'a' }), c.send('general', { text: 'b' })]);
    assert.equal(c.outboxSize, 2);
    const [a, b] = await acks;
    assert.deepEqual([a.seq, b.seq], [1, 2]);
    assert.deepEqual(
      chat.messages.get('general')?.map((m) => m.text),
      ['a', 'b'],
    );
  });

  it('rejects a send the server refuses and drops it from the outbox', async () => {
    const c = client();
    await c.login('alice_1', 'secret1');
    await assert.rejects(c.send('general', { text: 'x'.repeat(101) }), (err: unknown) => err instanceof ParleyError && err.code === 'TOO_LARGE');
    assert.equal(c.outboxSize, 0);
  });

  it('treats a silent link as dead: pings, then reconnects', async () => {
    const c = client({ pingIntervalMs: 40, pingTimeoutMs: 60 });
    const { statuses } = record(c);
    await c.login('alice_1', 'secret1');
    chat.answerPings = false;
    await until(() => statuses.some(([s]) => s === 'reconnecting'), 3000, 'watchdog');
    const info = statuses.find(([s]) => s === 'reconnecting')?.[1];
    assert.match(String(info?.error?.message), /ping/);
    chat.answerPings = true;
    await until(() => c.status === 'ready', 3000);
  });

  it('keeps a quiet but healthy link open', async () => {
    const c = client({ pingIntervalMs: 30, pingTimeoutMs: 200 });
    const { statuses } = record(c);
    await c.login('alice_1', 'secret1');
    await delay(300);
    assert.equal(c.status, 'ready');
    assert.equal(statuses.filter(([s]) => s === 'reconnecting').length, 0);
  });

  it('closes with expired when the token is refused on resume, rejecting unsent messages', async () => {
    const c = client({ backoff: { baseMs: 100, maxMs: 100 }, random: () => 0.5 });
    let expired: ParleyError | undefined;
    c.on('expired', (e) => (expired = e));
    await c.login('alice_1', 'secret1');
    chat.validTokens.clear();
    chat.dropAll();
    await until(() => c.status === 'reconnecting');
    const pending = c.send('general', { text: 'never' });
    await assert.rejects(pending, (err: unknown) => err instanceof ParleyError && err.code === 'UNAUTHENTICATED');
    assert.equal(expired?.code, 'UNAUTHENTICATED');
    assert.equal(c.status, 'closed');
  });

  it('resumes a saved token and replays from a given seq', async () => {
    chat.validTokens.add('tok-carol_3');
    for (const t of ['1', '2', '3']) chat.store('general', 'bob_22', t);
    const c = client();
    const { messages } = record(c);
    await c.resume('tok-carol_3', { general: 1 });
    await until(() => messages.length === 2);
    assert.deepEqual(texts(messages), ['2', '3']);
    assert.equal(c.user, 'carol_3');
  });

  it('close() stops reconnecting and rejects later calls', async () => {
    const c = client();
    const { statuses } = record(c);
    await c.login('alice_1', 'secret1');
    c.close();
    chat.dropAll();
    await delay(100);
    assert.equal(c.status, 'closed');
    assert.equal(statuses.filter(([s]) => s === 'reconnecting').length, 0);
    await assert.rejects(c.history('general'), ConnectionError);
    await assert.rejects(c.send('general', { text: 'x' }), ConnectionError);
  });

  it('pages history and lists rooms', async () => {
    for (let i = 1; i <= 5; i++) chat.store('general', 'bob_22', `h${i}`);
    const c = client();
    await c.login('alice_1', 'secret1');
    const page = await c.history('general', { limit: 2 });
    assert.deepEqual(texts(page.messages), ['h4', 'h5']);
    assert.equal(page.more, true);
    const older = await c.history('general', { before: 4, limit: 10 });
    assert.deepEqual(texts(older.messages), ['h1', 'h2', 'h3']);
    assert.equal(older.more, false);
    const rooms = await c.rooms();
    assert.deepEqual(
      rooms.map((r) => [r.id, r.lastSeq]),
      [
        ['general', 5],
        ['dev', 0],
      ],
    );
  });

  it('opens an authenticated transfer connection', async () => {
    const c = client();
    await c.login('alice_1', 'secret1');
    const transfer = await c.openTransferConnection();
    assert.equal(chat.resumes.at(-1)?.token, 'tok-alice_1');
    assert.equal(chat.resumes.at(-1)?.since, undefined);
    assert.equal(chat.resumes.at(-1)?.transfer, true, 'a transfer-only session');
    transfer.close();
  });
});
