import * as assert from 'node:assert/strict';
import { isLoopback, plaintextWarning } from '../../server/plaintext';
import { TestServer } from '../helpers/server';
import { selfSignedCert } from '../helpers/tls';

describe('server: warns when it listens beyond loopback without TLS', function () {
  this.timeout(30_000);

  it('tells loopback addresses from the rest', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', 'localhost']) assert.ok(isLoopback(a), a);
    for (const a of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1']) assert.ok(!isLoopback(a), a);
    assert.equal(plaintextWarning('0.0.0.0', true), undefined);
    assert.equal(plaintextWarning('127.0.0.1', false), undefined);
    assert.match(plaintextWarning('0.0.0.0', false) ?? '', /without TLS/);
  });

  async function output(args: string[]): Promise<{ warnings: string[]; stderr: string }> {
    const server = await TestServer.start({ args });
    await server.stop();
    await server.outputDrained();
    server.cleanup();
    return { warnings: server.logs.filter((l) => l.level === 40 && /without TLS/.test(l.msg)).map((l) => l.msg), stderr: server.stderr.join('') };
  }

  it('on all interfaces in plain TCP: a warn log line and a line on stderr', async () => {
    const { warnings, stderr } = await output(['--host', '0.0.0.0']);
    assert.equal(warnings.length, 1);
    assert.match(stderr, /warning: listening on 0\.0\.0\.0 without TLS/);
  });

  it('on loopback, or with TLS: no warning', async () => {
    const tls = selfSignedCert();
    try {
      for (const args of [['--host', '127.0.0.1'], ['--host', '0.0.0.0', '--tls-cert', tls.certFile, '--tls-key', tls.keyFile]]) {
        const { warnings, stderr } = await output(args);
        assert.deepEqual(warnings, [], args.join(' '));
        assert.doesNotMatch(stderr, /without TLS/, args.join(' '));
      }
    } finally {
      tls.cleanup();
    }
  });
});
