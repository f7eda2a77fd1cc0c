import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dmRoomId } from '../../protocol';
import { startNeo4jServer, type Neo4jServer } from '../helpers/neo4j';
import { TestServer } from '../helpers/server';
import { selfSignedCert, type SelfSignedCert } from '../helpers/tls';
import { signIn } from '../server/chat-helpers';

describe('Neo4j store over TLS (Bolt requiring encryption)', function () {
  this.timeout(240_000);
  let cert: SelfSignedCert;
  let neo4j: Neo4jServer;
  let dataDir: string;

  before(async function () {
    cert = selfSignedCert();
    dataDir = mkdtempSync(path.join(tmpdir(), 'parley-neo4j-tls-'));
    neo4j = await startNeo4jServer({ dataDir, boltTls: { certFile: cert.certFile, keyFile: cert.keyFile } });
  });
  after(async () => {
    await neo4j?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    cert?.cleanup();
  });

  const address = () => neo4j.uri.replace(/^bolt:\/\//, '');

  it('keeps the chat in Neo4j over an encrypted link checked against --neo4j-ca', async () => {
    // A fresh database gets its constraints and indexes first: slow on a busy machine.
    const server = await TestServer.start({ args: ['--neo4j', `bolt://${address()}`, '--neo4j-ca', cert.certFile], timeoutMs: 120_000 });
    try {
      const a = await signIn(server);
      const b = await signIn(server);
      const room = dmRoomId(a.user, b.user);
      await a.send(room, 'stored over bolt with TLS');
      await b.waitFor((f) => f.t === 'msg' && f.room === room && (f as { text?: string }).text === 'stored over bolt with TLS');
      const page = await b.conn.request({ t: 'history', room, limit: 10 });
      assert.ok(JSON.stringify(page).includes('stored over bolt with TLS'));
      a.close();
      b.close();
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  it('refuses to start on a certificate it does not trust (bolt+s:// checks the system CAs), saying why', async () => {
    await assert.rejects(
      TestServer.start({ args: ['--neo4j', `bolt+s://${address()}`], timeoutMs: 60_000 }),
      (err: Error) => /certificate|self.signed|trust/i.test(err.message),
    );
  });

  it('cannot talk to it in the clear: plain bolt:// without --neo4j-ca is refused', async () => {
    await assert.rejects(TestServer.start({ args: ['--neo4j', `bolt://${address()}`], timeoutMs: 60_000 }));
  });
});
