import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { Connection, ConnectionError } from '../../client/connection';
import { DEFAULT_LIMITS, PROTOCOL_VERSION, ParleyError, type ServerFrame } from '../../protocol';
import { FakePeer, delay, until, type PeerSocket } from './fake-peer';

describe('client/connection', () => {
  let peer: FakePeer;
  let conn: Connection | undefined;

  beforeEach(async () => {
    peer = await FakePeer.start();
  });

  afterEach(async () => {
    conn?.close();
    conn = undefined;
    await peer.stop();
  });

  async function open(): Promise<{ conn: Connection; remote: PeerSocket }> {
    const accepted = peer.accepted();
    const c = await Connection.open({ port: peer.port, clientName: 'test-client', timeoutMs: 2000 });
    conn = c;
    return { conn: c, remote: await accepted };
  }

  it('says hello and exposes the welcome limits and server name', async () => {
    peer.limits = { ...DEFAULT_LIMITS, maxFrame: 4096, maxText: 100, maxUpload: 1000, chunk: 512 };
    const { conn, remote } = await open();
    const hello = await remote.next('hello');
    assert.equal(hello.v, PROTOCOL_VERSION);
    assert.equal(hello.client, 'test-client');
    assert.equal(conn.serverName, 'fake');
    assert.deepEqual(conn.limits, { ...DEFAULT_LIMITS, maxFrame: 4096, maxText: 100, maxUpload: 1000, chunk: 512 });
  });

  it('correlates replies by id, whatever their order', async () => {
    const { conn, remote } = await open();
    const a = conn.request({ t: 'rooms' });
    const b = conn.request({ t: 'history', room: 'general' });
    const ra = await remote.next('rooms');
    const rb = await remote.next('history');
    assert.notEqual(ra.id, rb.id);
    remote.send({ t: 'history', id: rb.id, room: 'general', messages: [], more: false });
    remote.send({ t: 'rooms', id: ra.id, rooms: [] });
    assert.equal(((await a) as ServerFrame).t, 'rooms');
    assert.equal(((await b) as ServerFrame).t, 'history');
  });

  it('rejects with ParleyError on an error reply and stays usable', async () => {
    const { conn, remote } = await open();
    peer.sockets[0].handler = (h, p) => {
      if (h.t === 'login') p.send({ t: 'error', id: h.id, code: 'BAD_CREDENTIALS', message: 'Nope.' });
      if (h.t === 'rooms') p.send({ t: 'rooms', id: h.id, rooms: [] });
    };
    void remote;
    await assert.rejects(conn.request({ t: 'login', user: 'someone', password: 'x' }), (err: unknown) => {
      assert.ok(err instanceof ParleyError);
      assert.equal(err.code, 'BAD_CREDENTIALS');
      assert.equal(err.message, 'Nope.');
      return true;
    });
    const rooms = await conn.request<{ t: string }>({ t: 'rooms' });
    assert.equal(rooms.t, 'rooms');
  });

  it('rejects every pending request when the server goes away, and emits close once', async () => {
    const { conn, remote } = await open();
    const closes: (Error | undefined)[] = [];
    conn.on('close', (err) => closes.push(err));
    const p1 = conn.request({ t: 'rooms' });
    const p2 = conn.request({ t: 'history', room: 'general' });
    await remote.next('history');
    remote.destroy();
    for (const p of [p1, p2]) {
      await assert.rejects(p, (err: unknown) => err instanceof ConnectionError && err.code === 'CLOSED');
    }
    await until(() => closes.length > 0);
    await delay(20);
    assert.equal(closes.length, 1);
    assert.ok(closes[0] instanceof ConnectionError);
    assert.equal(conn.closed, true);
    await assert.rejects(conn.request({ t: 'rooms' }), ConnectionError);
  });

  it('close() rejects pending requests and emits close without an error', async () => {
    const { conn } = await open();
    const closes: (Error | undefined)[] = [];
    conn.on('close', (err) => closes.push(err));
    const p = conn.request({ t: 'rooms' });
    conn.close();
    conn.close();
    await assert.rejects(p, (err: unknown) => err instanceof ConnectionError && err.code === 'CLOSED');
    assert.deepEqual(closes, [undefined]);
  });

  it('emits unsolicited frames and answers server pings', async () => {
    const { conn, remote } = await open();
    const frames: ServerFrame[] = [];
    conn.on('frame', (f) => frames.push(f));
    remote.send({ t: 'msg', room: 'general', seq: 1, ts: 1, msgId: 'm1', from: 'alice1', text: 'hi' });
    remote.send({ t: 'ping', id: 'srv-7' });
    remote.send({ t: 'presence', changes: [{ user: 'alice1', status: 'online' }] });
    const pong = await remote.next('pong');
    assert.equal(pong.id, 'srv-7');
    await until(() => frames.length === 2);
    assert.deepEqual(
      frames.map((f) => f.t),
      ['msg', 'presence'],
    );
  });

  it('reports an id-less error as server-error and carries it in the close error', async () => {
    const { conn, remote } = await open();
    const serverErrors: ParleyError[] = [];
    conn.on('server-error', (e) => serverErrors.push(e));
    const closed = new Promise<Error | undefined>((resolve) => conn.on('close', resolve));
    const pending = conn.request({ t: 'rooms' });
    await remote.next('rooms');
    remote.send({ t: 'error', code: 'SLOW_CONSUMER', message: 'Too slow.' });
    await until(() => serverErrors.length === 1);
    remote.socket.end();
    const err = await closed;
    assert.ok(err instanceof ConnectionError);
    assert.equal(err.serverError?.code, 'SLOW_CONSUMER');
    assert.match(err.message, /Too slow/);
    await assert.rejects(pending, (e: unknown) => e instanceof ConnectionError && e.serverError?.code === 'SLOW_CONSUMER');
  });

  it('times out a request without a reply and emits a late reply as a frame', async () => {
    const { conn, remote } = await open();
    const frames: ServerFrame[] = [];
    conn.on('frame', (f) => frames.push(f));
    await assert.rejects(
      conn.request({ t: 'rooms' }, undefined, { timeoutMs: 50 }),
      (err: unknown) => err instanceof ConnectionError && err.code === 'TIMEOUT',
    );
    const req = await remote.next('rooms');
    remote.send({ t: 'rooms', id: req.id, rooms: [] });
    await until(() => frames.length === 1);
    assert.equal(conn.closed, false);
  });

  it('hands multi-frame replies over as partial frames with the request id', async () => {
    const { conn, remote } = await open();
    const partials: [unknown, string, string][] = [];
    conn.on('partial', (id, h, body) => partials.push([id, h.t, body.toString()]));
    const done = conn.request<{ t: string; sha256: string }>({ t: 'download', fileId: 'f1' });
    const req = await remote.next('download');
    remote.send({ t: 'download_start', id: req.id, fileId: 'f1', size: 6, offset: 0 });
    remote.send({ t: 'chunk', id: req.id }, Buffer.from('abc'));
    remote.send({ t: 'chunk', id: req.id }, Buffer.from('def'));
    remote.send({ t: 'download_end', id: req.id, sha256: 'x' });
    const end = await done;
    assert.equal(end.t, 'download_end');
    assert.deepEqual(partials, [
      [req.id, 'download_start', ''],
      [req.id, 'chunk', 'abc'],
      [req.id, 'chunk', 'def'],
    ]);
  });

  it('queues writes while the socket is backed up and delivers them in order after drain', async () => {
    const { conn, remote } = await open();
    remote.socket.pause();
    const body = Buffer.alloc(200 * 1024, 1);
    let sent = 0;
    let refused = false;
    // Fill kernel and socket buffers until write() reports backpressure.
    while (!refused && sent < 2000) {
      refused = !conn.send({ t: 'chunk', uploadId: 'u', n: sent }, body);
      sent++;
    }
    assert.ok(refused, 'send() never reported backpressure');
    for (let i = 0; i < 5; i++) conn.send({ t: 'chunk', uploadId: 'u', n: sent++ }, body);
    assert.ok(conn.queuedBytes >= 5 * body.length);
    const drained = new Promise<void>((resolve) => conn.once('drain', resolve));
    remote.socket.resume();
    await drained;
    assert.equal(conn.queuedBytes, 0);
    await until(() => remote.frames.filter((f) => f.t === 'chunk').length === sent, 10_000, 'all chunks');
    const ns = remote.frames.filter((f) => f.t === 'chunk').map((f) => f.n);
    assert.deepEqual(ns, Array.from({ length: sent }, (_, i) => i));
  });

  it('refuses locally a frame over the server limit', async () => {
    peer.limits = { ...peer.limits, maxFrame: 1000 };
    const { conn } = await open();
    await assert.rejects(
      conn.request({ t: 'send', room: 'general', cid: 'c', text: 'x'.repeat(2000) }),
      (err: unknown) => err instanceof ParleyError && err.code === 'FRAME_TOO_LARGE',
    );
    assert.equal(conn.closed, false);
  });

  it('closes with a PROTOCOL error when the server sends garbage', async () => {
    const { conn, remote } = await open();
    const closed = new Promise<Error | undefined>((resolve) => conn.on('close', resolve));
    remote.socket.write(Buffer.from([0, 0, 0, 6, 0, 0, 0, 2, 0x7b, 0x7b]));
    const err = await closed;
    assert.ok(err instanceof ConnectionError);
    assert.equal(err.code, 'PROTOCOL');
  });

  it('rejects open() with the server error when hello is refused', async () => {
    peer.welcome = false;
    peer.handler = (h, p) => {
      if (h.t === 'hello') p.send({ t: 'error', id: h.id, code: 'VERSION', message: 'Only v2 here.' });
    };
    await assert.rejects(Connection.open({ port: peer.port }), (err: unknown) => err instanceof ParleyError && err.code === 'VERSION');
  });

  it('rejects open() with a TLS hint when the server hangs up during the handshake', async () => {
    peer.welcome = false;
    peer.handler = (h, p) => {
      if (h.t === 'hello') p.destroy();
    };
    await assert.rejects(
      Connection.open({ port: peer.port }),
      (err: unknown) => err instanceof ConnectionError && err.code === 'CONNECT_FAILED' && /TLS/.test(err.message),
    );
  });

  it('rejects open() with CONNECT_FAILED when nothing listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await assert.rejects(Connection.open({ port }), (err: unknown) => err instanceof ConnectionError && err.code === 'CONNECT_FAILED');
  });

  it('rejects open() with TIMEOUT when the server never says welcome', async () => {
    peer.welcome = false;
    await assert.rejects(
      Connection.open({ port: peer.port, timeoutMs: 100 }),
      (err: unknown) => err instanceof ConnectionError && err.code === 'TIMEOUT',
    );
  });
});
