import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import fc from 'fast-check';
import { encodeFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { signIn } from './chat-helpers';

const RUNS = 300;
const PING = encodeFrame({ t: 'ping', id: 'fuzz-probe' });

/** Valid-looking headers of every type with random field values, some with extra junk appended. */
const header = fc.record(
  {
    t: fc.constantFrom('hello', 'register', 'login', 'resume', 'send', 'history', 'search', 'join', 'create', 'read', 'typing', 'status', 'upload', 'chunk', 'download', 'logout', 'bogus'),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)),
    v: fc.oneof(fc.constant(1), fc.integer()),
    user: fc.string({ maxLength: 40 }),
    password: fc.string({ maxLength: 20 }),
    token: fc.string({ maxLength: 50 }),
    room: fc.oneof(fc.constant('general'), fc.constant('dm:a:b'), fc.string({ maxLength: 30 })),
    cid: fc.string({ maxLength: 10 }),
    text: fc.string({ maxLength: 100 }),
    since: fc.dictionary(fc.string({ maxLength: 10 }), fc.integer()),
    limit: fc.integer(),
    seq: fc.integer(),
  },
  { requiredKeys: ['t'] },
);

const input = fc.oneof(
  fc.array(header, { minLength: 1, maxLength: 5 }).map((hs) => Buffer.concat(hs.map((h) => encodeFrame(h)))),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.tuple(header, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([h, at, byte]) => {
    const buf = encodeFrame(h);
    buf[at % buf.length] = byte;
    return buf;
  }),
);

/**
 * Sends one input, then a ping. The connection must either answer the ping or be closed by
 * the server; if it is waiting for the rest of a frame, ending our side must close it.
 */
function probe(server: TestServer, data: Buffer): Promise<'pong' | 'closed'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let received = Buffer.alloc(0);
    let phase: 'open' | 'ended' = 'open';
    const timer = setTimeout(() => {
      if (phase === 'open') {
        phase = 'ended';
        socket.end();
        timer.refresh();
      } else {
        socket.destroy();
        reject(new Error(`connection stuck after ${data.toString('hex').slice(0, 200)}`));
      }
    }, 1500);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.includes('fuzz-probe')) {
        clearTimeout(timer);
        socket.destroy();
        resolve('pong');
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('connect', () => {
      socket.write(data);
      socket.write(PING);
    });
  });
}

describe('server: fuzzed input over real sockets', function () {
  this.timeout(180_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start({ args: ['--max-frame', '65536'] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it(`survives ${RUNS} random and mutated inputs without crashing or sticking`, async () => {
    const samples = fc.sample(input, { numRuns: RUNS, seed: 4242 });
    const outcomes = { pong: 0, closed: 0 };
    const healthy = await signIn(server);
    for (let i = 0; i < samples.length; i += 10) {
      const results = await Promise.all(samples.slice(i, i + 10).map((s) => probe(server, s)));
      for (const r of results) outcomes[r]++;
    }
    assert.ok(server.running, 'the server died');
    assert.equal(outcomes.pong + outcomes.closed, RUNS);
    // A client that was connected all along still works.
    await healthy.conn.ping();
    const ack = await healthy.send('general', 'still here');
    assert.equal(ack.t, 'ack');
    healthy.close();
    assert.ok(!server.logs.some((l) => l.level >= 50), `the server logged errors: ${JSON.stringify(server.logs.filter((l) => l.level >= 50)).slice(0, 500)}`);
  });
});
