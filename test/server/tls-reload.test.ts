import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { dmRoomId } from '../../protocol';
import { TestServer } from '../helpers/server';
import { selfSignedCert, type SelfSignedCert } from '../helpers/tls';
import { Client, connect } from './chat-helpers';

/** The certificate a fresh handshake with the server presents. */
function servedFingerprint(server: TestServer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: server.host, port: server.port, rejectUnauthorized: false, servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

function fingerprintOf(cert: SelfSignedCert): string {
  return new X509Certificate(cert.cert).fingerprint256;
}

describe('server: TLS certificate reload', function () {
  this.timeout(40_000);
  let first: SelfSignedCert;
  let second: SelfSignedCert;
  let third: SelfSignedCert;
  let server: TestServer;

  before(async () => {
    first = selfSignedCert();
    second = selfSignedCert();
    third = selfSignedCert();
    // The server reads the files at a path of its own, which the test then overwrites.
    server = await TestServer.start({ args: ['--tls-cert', first.certFile, '--tls-key', first.keyFile] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    for (const c of [first, second, third]) c?.cleanup();
  });

  const install = (from: SelfSignedCert) => {
    fs.copyFileSync(from.keyFile, first.keyFile);
    fs.copyFileSync(from.certFile, first.certFile);
  };

  async function signedIn(ca: string, user: string): Promise<Client> {
    const conn = await connect(server, { tls: { ca, servername: 'localhost' } });
    const client = new Client(conn, user);
    await conn.request({ t: 'register', user, password: 'secret-pw' });
    client.session = await conn.request({ t: 'login', user, password: 'secret-pw' });
    return client;
  }

  it('serves a new certificate after SIGHUP, and connections already open keep chatting', async () => {
    const firstCa = first.cert;
    assert.equal(await servedFingerprint(server), fingerprintOf(first));
    const a = await signedIn(firstCa, `reload_a_${process.pid}`);

    install(second);
    const reloaded = server.waitForLog((l) => l.msg === 'TLS certificate reloaded', 10_000, 'reload log line');
    server.proc.kill('SIGHUP');
    const line = await reloaded;
    assert.equal(line.fingerprint, fingerprintOf(second));
    assert.equal(await servedFingerprint(server), fingerprintOf(second));

    // A client trusting only the new certificate gets in; the old connection still works.
    const b = await signedIn(second.cert, `reload_b_${process.pid}`);
    const room = dmRoomId(a.user, b.user);
    await a.send(room, 'sent over the connection made before the reload');
    await b.waitFor((f) => f.t === 'msg' && f.room === room && (f as { text?: string }).text === 'sent over the connection made before the reload');
    await b.send(room, 'and back');
    await a.waitFor((f) => f.t === 'msg' && f.room === room && (f as { text?: string }).text === 'and back');
    await assert.rejects(connect(server, { tls: { ca: firstCa, servername: 'localhost' }, timeoutMs: 3000 }));
    a.close();
    b.close();
    assert.ok(server.running);
  });

  it('keeps the certificate in use when the new files do not load', async () => {
    const before = await servedFingerprint(server);
    // A key that is not the certificate's: what a renewal caught between two writes looks like.
    fs.copyFileSync(third.keyFile, first.keyFile);
    const refused = server.waitForLog((l) => l.msg === 'TLS certificate not reloaded; the one in use is kept', 10_000, 'refusal log line');
    server.proc.kill('SIGHUP');
    const line = await refused;
    assert.match(String(line.err), /key|certificate/i);
    assert.ok(!JSON.stringify(line).includes('PRIVATE KEY'), 'the log line carries no key material');
    assert.equal(await servedFingerprint(server), before);
    assert.ok(server.running);
  });

  it('picks up renewed files on its own, without a signal', async () => {
    const reloaded = server.waitForLog((l) => l.msg === 'TLS certificate reloaded' && l.reason === 'file changed', 20_000, 'reload on file change');
    install(third);
    const line = await reloaded;
    assert.equal(line.fingerprint, fingerprintOf(third));
    assert.equal(await servedFingerprint(server), fingerprintOf(third));
  });
});
