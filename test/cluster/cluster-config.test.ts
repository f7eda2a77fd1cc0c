import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseClusterUrl } from '../../server/cluster/cluster-config';
import { ConfigError, parseArgs, type ServerConfig } from '../../server/config';

function config(argv: string[], env: Record<string, string> = {}): ServerConfig {
  const action = parseArgs(argv, env, '/srv');
  assert.equal(action.kind, 'run');
  return (action as { config: ServerConfig }).config;
}

const NEO4J = ['--neo4j', 'bolt://127.0.0.1:7687'];

describe('cluster config', () => {
  it('--cluster with --neo4j names Redis, the prefix and the node', () => {
    const c = config([...NEO4J, '--cluster', 'redis://10.0.0.5:6380/2?prefix=team:', '--node-id', 'n1']).cluster;
    assert.ok(c);
    assert.equal(c.host, '10.0.0.5');
    assert.equal(c.port, 6380);
    assert.equal(c.db, 2);
    assert.equal(c.tls, false);
    assert.equal(c.prefix, 'team:');
    assert.equal(c.nodeId, 'n1');
    assert.equal(config(NEO4J).cluster, undefined);
  });

  it('reads PARLEY_CLUSTER, and --cluster-prefix wins over the URL', () => {
    const c = config([...NEO4J, '--cluster-prefix', 'other:'], { PARLEY_CLUSTER: 'redis://h?prefix=team:' }).cluster;
    assert.equal(c?.prefix, 'other:');
    assert.equal(c?.port, 6379);
    assert.match(c?.nodeId ?? '', /^[A-Za-z0-9_.-]+$/);
  });

  it('is refused with the embedded SQLite store, with a message that says why', () => {
    assert.throws(() => parseArgs(['--cluster', 'redis://127.0.0.1:6379'], {}, '/srv'), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /--cluster needs --neo4j/);
      assert.match(err.message, /SQLite/);
      return true;
    });
    assert.throws(() => parseArgs(['--node-id', 'n1'], {}, '/srv'), /--node-id goes with --cluster/);
  });

  it('takes rediss:// with a user and password, and keeps the password out of the description', () => {
    const c = parseClusterUrl('rediss://chat:s%40cret@redis.example:6390/0', { nodeId: 'a' });
    assert.equal(c.tls, true);
    assert.equal(c.username, 'chat');
    assert.equal(c.password, 's@cret');
    assert.equal(c.port, 6390);
    assert.doesNotMatch(c.description, /cret/);
  });

  it('reads the URL with its password from --cluster-url-file, and a CA for rediss://', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cluster-'));
    try {
      fs.writeFileSync(path.join(dir, 'url'), 'rediss://:pw@h:6379\n', { mode: 0o600 });
      fs.writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const c = config([...NEO4J, '--cluster-url-file', path.join(dir, 'url'), '--cluster-ca', path.join(dir, 'ca.pem')]).cluster;
      assert.equal(c?.password, 'pw');
      assert.match(c?.ca ?? '', /BEGIN CERTIFICATE/);
      assert.throws(() => config([...NEO4J, '--cluster', 'redis://h', '--cluster-ca', path.join(dir, 'ca.pem')]), /rediss/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is no Redis URL, bad prefixes and bad node ids', () => {
    for (const bad of ['http://h:6379', 'not a url', 'redis://h/99', 'redis://h?db=1']) {
      assert.throws(() => config([...NEO4J, '--cluster', bad]), ConfigError, bad);
    }
    assert.throws(() => config([...NEO4J, '--cluster', 'redis://h', '--cluster-prefix', 'a b']), /prefix/);
    assert.throws(() => config([...NEO4J, '--cluster', 'redis://h', '--node-id', 'x/y']), /node id/);
  });
});
