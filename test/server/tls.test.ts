import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { dmRoomId, encodeFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { selfSignedCert, type SelfSignedCert } from '../helpers/tls';
import { Client, connect, signIn, sleep } from './chat-helpers';

describe('server: TLS', function () {
  this.timeout(30_000);
  let cert: SelfSignedCert;
  let server: TestServer;

  before(async () => {
    cert = selfSignedCert();
    server = await TestServer.start({ args: ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    cert?.cleanup();
  });

  it('says it serves TLS on start-up', () => {
    assert.ok(server.logs.some((l) => l.tls === true && l.msg.includes('tls://')));
  });

  it('lets clients that trust the certificate chat', async () => {
    const tls = { ca: cert.cert, servername: 'localhost' };
    const register = async (user: string) => {
      const conn = await connect(server, { tls });
      const c = new Client(conn, user);
      await conn.request({ t: 'register', user, password: 'secret-pw' });
      c.session = await conn.request({ t: 'login', user, password: 'secret-pw' });
      return c;
    };
    const a = await register(`tls_a_${process.pid}`);
    const b = await register(`tls_b_${process.pid}`);
    const room = dmRoomId(a.user, b.user);
    await a.send(room, 'over tls');
    await b.waitFor((f) => f.t === 'msg' && f.room === room && (f as { text?: string }).text === 'over tls');
    a.close();
    b.close();
  });

  it('refuses clients that do not trust it, and plain TCP gets no frames', async () => {
    await assert.rejects(connect(server, { tls: true, timeoutMs: 3000 }));
    const socket = net.connect({ host: server.host, port: server.port });
    socket.on('error', () => {});
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => got.push(d));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(encodeFrame({ t: 'hello', id: 1, v: 1 }));
    await sleep(300);
    socket.destroy();
    assert.ok(!Buffer.concat(got).includes('welcome'));
    await assert.rejects(signIn(server));
  });
});
