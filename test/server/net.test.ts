import * as assert from 'node:assert/strict';
import { DEFAULT_LIMITS, PROTOCOL_VERSION, encodeFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { RawSocket, signIn, sleep } from './chat-helpers';

function rawFrame(headerJson: string): Buffer {
  const header = Buffer.from(headerJson);
  const out = Buffer.alloc(8 + header.length);
  out.writeUInt32BE(4 + header.length, 0);
  out.writeUInt32BE(header.length, 4);
  header.copy(out, 8);
  return out;
}

describe('server: framing and connection rules', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start({ args: ['--max-frame', '4096', '--ping-interval', '1'] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('answers hello with welcome and the limits, and a wrong version with VERSION', async () => {
    const raw = await RawSocket.open(server);
    raw.write({ t: 'hello', id: 1, v: 1, client: 'raw' });
    const welcome = await raw.waitFor((f) => f.id === 1);
    assert.equal(welcome.t, 'welcome');
    assert.equal(welcome.v, 1);
    assert.deepEqual(welcome.limits, { ...DEFAULT_LIMITS, maxFrame: 4096, maxText: 16384, maxUpload: 100 * 1024 * 1024, chunk: 3072 });
    raw.write({ t: 'hello', id: 2, v: PROTOCOL_VERSION + 1 });
    assert.equal((await raw.waitFor((f) => f.id === 2)).code, 'VERSION');
    raw.destroy();
  });

  it('closes on a non-JSON header with BAD_FRAME', async () => {
    const raw = await RawSocket.open(server);
    raw.write(rawFrame('{not json'));
    const error = await raw.waitFor((f) => f.t === 'error');
    assert.equal(error.code, 'BAD_FRAME');
    assert.ok(await raw.waitClosed());
  });

  it('closes on a non-object header with BAD_FRAME', async () => {
    const raw = await RawSocket.open(server);
    raw.write(rawFrame('[1]'));
    assert.equal((await raw.waitFor((f) => f.t === 'error')).code, 'BAD_FRAME');
    assert.ok(await raw.waitClosed());
  });

  it('closes on a frame over maxFrame with FRAME_TOO_LARGE', async () => {
    const raw = await RawSocket.open(server);
    raw.write(encodeFrame({ t: 'ping' }, Buffer.alloc(5000)));
    assert.equal((await raw.waitFor((f) => f.t === 'error')).code, 'FRAME_TOO_LARGE');
    assert.ok(await raw.waitClosed());
  });

  it('answers an unknown t with UNKNOWN_TYPE and the id, and stays usable', async () => {
    const raw = await RawSocket.open(server);
    raw.write({ t: 'teleport', id: 'abc' });
    const error = await raw.waitFor((f) => f.id === 'abc');
    assert.equal(error.t, 'error');
    assert.equal(error.code, 'UNKNOWN_TYPE');
    raw.write({ t: 'ping', id: 7 });
    assert.equal((await raw.waitFor((f) => f.id === 7)).t, 'pong');
    assert.equal(raw.closed, false);
    raw.destroy();
  });

  it('answers a schema failure with INVALID and stays usable', async () => {
    const raw = await RawSocket.open(server);
    raw.write({ t: 'login', id: 3, user: 5, password: 'x' });
    assert.equal((await raw.waitFor((f) => f.id === 3)).code, 'INVALID');
    raw.write({ t: 'ping' });
    assert.equal((await raw.waitFor((f) => f.t === 'pong')).id, undefined);
    raw.destroy();
  });

  it('refuses everything but hello/register/login/resume/ping before sign-in', async () => {
    const raw = await RawSocket.open(server);
    const requests = [
      { t: 'send', id: 1, room: 'general', cid: 'x', text: 'hi' },
      { t: 'history', id: 2, room: 'general' },
      { t: 'rooms', id: 3 },
      { t: 'logout', id: 4 },
      { t: 'search', id: 5, query: 'x' },
    ];
    for (const r of requests) raw.write(r);
    for (const r of requests) assert.equal((await raw.waitFor((f) => f.id === r.id)).code, 'UNAUTHENTICATED', r.t);
    raw.write({ t: 'resume', id: 9, token: 'bogus-token' });
    assert.equal((await raw.waitFor((f) => f.id === 9)).code, 'UNAUTHENTICATED');
    raw.destroy();
  });

  it('pings a quiet peer and closes one silent past twice the interval', async () => {
    const raw = await RawSocket.open(server);
    await raw.waitFor((f) => f.t === 'ping', 3000);
    assert.ok(await raw.waitClosed(5000), 'silent connection was not closed');
  });

  it('keeps a peer that answers pings', async () => {
    const client = await signIn(server);
    await sleep(3000);
    assert.equal(client.conn.closed, false);
    await client.conn.ping();
    client.close();
  });

  it('sets TCP_NODELAY-friendly batching: many pipelined requests all get replies', async () => {
    const raw = await RawSocket.open(server);
    const all = Buffer.concat(Array.from({ length: 2000 }, (_, i) => encodeFrame({ t: 'ping', id: i })));
    raw.write(all);
    await raw.waitFor((f) => f.id === 1999);
    assert.equal(raw.frames.filter((f) => f.t === 'pong').length, 2000);
    raw.destroy();
  });
});
