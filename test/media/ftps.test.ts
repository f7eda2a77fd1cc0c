import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { downloadFile, uploadFile } from '../../client/transfers';
import { FtpMediaStore, type FtpMediaStoreOptions } from '../../server/media/ftp-store';
import { TestServer } from '../helpers/server';
import { selfSignedCert, type SelfSignedCert } from '../helpers/tls';
import { signIn } from '../server/chat-helpers';
import { HashSink, sha256, transferConnection } from '../server/transfer-helpers';
import { mediaStoreContract } from './contract';
import { startVsftpdForSuite, type Vsftpd } from './vsftpd';

describe('FTP media store over explicit FTPS (vsftpd requiring TLS)', function () {
  this.timeout(60_000);
  let cert: SelfSignedCert;
  let ftp: Vsftpd;
  let runDir: string;
  let n = 0;

  before(async function () {
    cert = selfSignedCert();
    ({ ftp, runDir } = await startVsftpdForSuite(this, 'parley-vsftpd-tls-', { certFile: cert.certFile, keyFile: cert.keyFile }));
  });
  after(async () => {
    await ftp?.close();
    if (runDir) await rm(runDir, { recursive: true, force: true });
    cert?.cleanup();
  });

  function place(options: Partial<FtpMediaStoreOptions> = {}) {
    const sub = `t${++n}`;
    const root = path.join(ftp.root, sub);
    const url = `${ftp.url}${sub}`;
    return {
      root,
      url,
      open: (more: Partial<FtpMediaStoreOptions> = {}) =>
        new FtpMediaStore({ url, timeoutMs: 5000, secureOptions: { ca: cert.cert }, ...options, ...more }),
      dispose: () => rm(root, { recursive: true, force: true }),
    };
  }

  it('serves an ftpes:// URL', () => {
    assert.match(ftp.url, /^ftpes:\/\//);
  });

  mediaStoreContract('ftps (vsftpd)', async () => place());

  it('refuses a server whose certificate is not trusted, saying so', async () => {
    const store = place().open({ secureOptions: {} });
    try {
      await assert.rejects(store.init(), (err: Error) => /certificate/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`));
    } finally {
      await store.close();
    }
  });

  it('never sends the password in the clear: a plain ftp:// login is refused by the server', async () => {
    const store = new FtpMediaStore({ url: `${ftp.url.replace(/^ftpes:/, 'ftp:')}plain`, timeoutMs: 5000 });
    try {
      await assert.rejects(store.init(), (err: Error) => /encryption|530/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`));
    } finally {
      await store.close();
    }
  });

  it('carries a chat file transfer through parley-server with --ftp ftpes:// and --ftp-ca', async function () {
    this.timeout(120_000);
    const urlFile = path.join(runDir, 'ftp-url');
    fs.writeFileSync(urlFile, `${ftp.url}parley\n`, { mode: 0o600 });
    const server = await TestServer.start({ args: ['--ftp-url-file', urlFile, '--ftp-ca', cert.certFile, '--rate-limit', '0'] });
    const open: { close(): void }[] = [];
    try {
      const listening = server.logs.find((l) => l.msg.startsWith('parley-server listening'));
      assert.equal(listening?.media, `ftpes://${ftp.user}@${ftp.host}:${ftp.port}/parley`);
      assert.ok(!server.logs.some((l) => l.msg === 'media store unavailable at start-up'), 'the media store came up');
      const [a, b] = await Promise.all([signIn(server), signIn(server)]);
      open.push(a, b);
      const [ta, tb] = await Promise.all([transferConnection(server, a.token), transferConnection(server, b.token)]);
      open.push(ta, tb);
      const data = randomBytes(256 * 1024);
      const ack = await uploadFile(ta, { room: 'general', stream: Readable.from([data]), size: data.length, name: 'over-ftps.bin' });
      assert.equal(ack.file?.sha256, sha256(data));
      const sink = new HashSink();
      await downloadFile(tb, { fileId: ack.file.fileId, to: sink });
      assert.equal(sink.digest(), sha256(data));
      const key = `${sha256(data).slice(0, 2)}/${sha256(data)}`;
      assert.equal(fs.statSync(path.join(ftp.root, 'parley', key)).size, data.length);
    } finally {
      for (const c of open) c.close();
      await server.stop();
      server.cleanup();
    }
  });
});
