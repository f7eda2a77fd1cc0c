import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, OPTIONS, envOf, helpText, parseArgs, type ServerConfig } from '../../server/config';

function config(argv: string[], env: Record<string, string> = {}): ServerConfig {
  const action = parseArgs(argv, env, '/srv');
  assert.equal(action.kind, 'run');
  return (action as { config: ServerConfig }).config;
}

describe('server config', () => {
  it('starts on 127.0.0.1:6666 with SQLite and media under ./parley-data by default', () => {
    const c = config([]);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 6666);
    assert.equal(c.dataDir, path.resolve('/srv/parley-data'));
    assert.deepEqual(c.store, { kind: 'sqlite', dataDir: path.resolve('/srv/parley-data') });
    assert.deepEqual(c.media, { kind: 'disk', dir: path.resolve('/srv/parley-data/media') });
    assert.equal(c.rateLimit, 20);
    assert.equal(c.rateBurst, 100);
    assert.equal(c.loginRateLimit, 6);
    assert.equal(c.outboundBuffer, 8 * 1024 * 1024);
    assert.equal(c.maxConnectionsPerAddress, 256);
    assert.equal(c.limits.maxText, 16 * 1024);
    assert.equal(c.tls, undefined);
  });

  it('leaves the metrics endpoint off by default, binds it to 127.0.0.1, and drains within 10 s', () => {
    const c = config([]);
    assert.equal(c.metricsPort, undefined);
    assert.equal(c.metricsHost, '127.0.0.1');
    assert.equal(c.drainTimeout, 10_000);
    const on = config(['--metrics-port', '9466', '--drain-timeout', '2.5'], { PARLEY_METRICS_HOST: '10.0.0.5' });
    assert.equal(on.metricsPort, 9466);
    assert.equal(on.metricsHost, '10.0.0.5');
    assert.equal(on.drainTimeout, 2500);
    assert.equal(config([], { PARLEY_METRICS_PORT: '0' }).metricsPort, 0);
    assert.throws(() => config(['--metrics-host', '0.0.0.0']), (err: unknown) => err instanceof ConfigError && /--metrics-port/.test(err.message));
    assert.throws(() => config(['--metrics-port', '70000']), ConfigError);
    assert.throws(() => config(['--drain-timeout', '0']), ConfigError);
  });

  it('reads PARLEY_* env and lets flags win', () => {
    const c = config(['--port', '7001', '--max-text=100'], { PARLEY_PORT: '7000', PARLEY_DATA: 'd', PARLEY_RATE_LIMIT: '0', PARLEY_OUTBOUND_BUFFER: '64k' });
    assert.equal(c.port, 7001);
    assert.equal(c.limits.maxText, 100);
    assert.equal(c.dataDir, path.resolve('/srv/d'));
    assert.equal(c.rateLimit, 0);
    // --rate-limit 0 leaves sign-in throttling on; it has a flag of its own.
    assert.equal(c.loginRateLimit, 6);
    assert.equal(config(['--login-rate-limit', '0']).loginRateLimit, 0);
    assert.equal(c.outboundBuffer, 64 * 1024);
  });

  it('caps connections per address with --max-connections-per-address / PARLEY_MAX_CONNECTIONS_PER_ADDRESS, 0 for no cap', () => {
    assert.equal(config(['--max-connections-per-address', '3']).maxConnectionsPerAddress, 3);
    assert.equal(config([], { PARLEY_MAX_CONNECTIONS_PER_ADDRESS: '0' }).maxConnectionsPerAddress, 0);
    assert.equal(config(['--max-connections-per-address=40'], { PARLEY_MAX_CONNECTIONS_PER_ADDRESS: '7' }).maxConnectionsPerAddress, 40);
    assert.throws(() => parseArgs(['--max-connections-per-address', '-1'], {}), /--max-connections-per-address must be a whole number/);
    assert.throws(() => parseArgs([], { PARLEY_MAX_CONNECTIONS_PER_ADDRESS: 'many' }), ConfigError);
    assert.match(helpText(), /--max-connections-per-address N .*0 = no limit.*\[PARLEY_MAX_CONNECTIONS_PER_ADDRESS\]/);
  });

  it('ends sessions after --session-days / PARLEY_SESSION_DAYS (default 30, fractions allowed) and purges every --session-purge-interval seconds', () => {
    assert.equal(config([]).sessionDays, 30);
    assert.equal(config([]).sessionPurgeInterval, 3_600_000);
    assert.equal(config(['--session-days', '7']).sessionDays, 7);
    assert.equal(config([], { PARLEY_SESSION_DAYS: '0.5' }).sessionDays, 0.5);
    assert.equal(config(['--session-days=90'], { PARLEY_SESSION_DAYS: '1' }).sessionDays, 90);
    assert.equal(config(['--session-purge-interval', '0.5']).sessionPurgeInterval, 500);
    for (const bad of ['0', '-1', 'forever']) assert.throws(() => parseArgs(['--session-days', bad], {}), /--session-days must be a number above 0/);
    assert.match(helpText(), /--session-days N .*default 30.*\[PARLEY_SESSION_DAYS\]/);
  });

  it('sets request budgets with --request-limits KIND=RATE/BURST and address=N, and refuses anything else', () => {
    assert.deepEqual(config([]).requestLimits, { budgets: {} });
    assert.deepEqual(config(['--request-limits', 'search=1/5, history=20.5/60,address=4']).requestLimits, {
      budgets: { search: { rate: 1, burst: 5 }, history: { rate: 20.5, burst: 60 } },
      addressFactor: 4,
    });
    assert.deepEqual(config([], { PARLEY_REQUEST_LIMITS: 'create=0/1' }).requestLimits.budgets, { create: { rate: 0, burst: 1 } });
    assert.throws(() => parseArgs(['--request-limits', 'login=1/5'], {}), /"login" is no request kind with a budget/);
    assert.throws(() => parseArgs(['--request-limits', 'search=fast'], {}), /search= takes RATE\/BURST/);
    assert.throws(() => parseArgs(['--request-limits', 'search=1/0'], {}), ConfigError);
    assert.throws(() => parseArgs(['--request-limits', 'address=0'], {}), /address=FACTOR/);
  });

  it('takes TLS files only as a pair', () => {
    assert.deepEqual(config(['--tls-cert', 'c.pem', '--tls-key', 'k.pem']).tls, { certFile: '/srv/c.pem', keyFile: '/srv/k.pem' });
    assert.throws(() => parseArgs(['--tls-cert', 'c.pem'], {}), ConfigError);
  });

  it('refuses unknown options and bad values', () => {
    assert.throws(() => parseArgs(['--nope', '1'], {}), ConfigError);
    assert.throws(() => parseArgs(['--port', '70000'], {}), ConfigError);
    assert.throws(() => parseArgs(['--port'], {}), ConfigError);
    assert.throws(() => parseArgs(['--log-level', 'loud'], {}), ConfigError);
    assert.throws(() => parseArgs([], { PARLEY_MAX_FRAME: 'big' }), ConfigError);
  });

  it('puts media on FTP with --ftp / PARLEY_FTP_URL, explicit TLS with --ftp-secure', () => {
    assert.deepEqual(config(['--ftp', 'ftp://u:p@files:2121/parley']).media, { kind: 'ftp', url: 'ftp://u:p@files:2121/parley' });
    assert.deepEqual(config([], { PARLEY_FTP_URL: 'ftp://u:p@files/m' }).media, { kind: 'ftp', url: 'ftp://u:p@files/m' });
    assert.deepEqual(config(['--ftp', 'ftp://u:p@files/m', '--ftp-secure']).media, { kind: 'ftp', url: 'ftp://u:p@files/m', secure: true });
    assert.deepEqual(config(['--ftp=ftp://u:p@files/m'], { PARLEY_FTP_SECURE: 'true' }).media, { kind: 'ftp', url: 'ftp://u:p@files/m', secure: true });
    assert.deepEqual(config(['--ftp', 'ftp://u:p@files/m', '--ftp-secure=false']).media, { kind: 'ftp', url: 'ftp://u:p@files/m' });
    // a switch does not swallow the next option
    assert.equal(config(['--ftp-secure', '--ftp', 'ftp://u:p@files/m', '--port', '7']).port, 7);
    assert.throws(() => parseArgs(['--ftp-secure'], {}), /goes with --ftp/);
    assert.deepEqual(config(['--ftp', 'ftp://u:p@files/m', '--ftp-pool', '12']).media, { kind: 'ftp', url: 'ftp://u:p@files/m', poolSize: 12 });
    assert.deepEqual(config(['--ftp', 'ftp://u:p@files/m'], { PARLEY_FTP_POOL: '2' }).media, { kind: 'ftp', url: 'ftp://u:p@files/m', poolSize: 2 });
    assert.throws(() => parseArgs(['--ftp-pool', '8'], {}), /--ftp-pool goes with --ftp/);
    assert.throws(() => parseArgs(['--ftp', 'ftp://u:p@files/m', '--ftp-pool', '0'], {}), /--ftp-pool must be a whole number/);
    assert.throws(() => parseArgs(['--ftp', 'ftp://u:p@files/m', '--ftp-pool', 'many'], {}), ConfigError);
    assert.throws(() => parseArgs(['--ftp', 'http://files/m'], {}), ConfigError);
    assert.throws(() => parseArgs(['--ftp', 'not a url'], {}), ConfigError);
  });

  it('trusts a private CA for FTPS with --ftp-ca, read at start, and only with TLS', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-ftp-ca-'));
    try {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      fs.writeFileSync(path.join(dir, 'ca.pem'), pem);
      fs.writeFileSync(path.join(dir, 'not-pem.txt'), 'hello');
      const parse = (argv: string[], env: Record<string, string> = {}) => parseArgs(argv, env, dir);
      const media = (parse(['--ftp', 'ftpes://u:p@files/m', '--ftp-ca', 'ca.pem']) as { config: ServerConfig }).config.media;
      assert.deepEqual(media, { kind: 'ftp', url: 'ftpes://u:p@files/m', secureOptions: { ca: pem } });
      const fromEnv = (parse(['--ftp', 'ftp://u:p@files/m', '--ftp-secure'], { PARLEY_FTP_CA_FILE: 'ca.pem' }) as { config: ServerConfig }).config.media;
      assert.deepEqual(fromEnv, { kind: 'ftp', url: 'ftp://u:p@files/m', secure: true, secureOptions: { ca: pem } });
      assert.throws(() => parse(['--ftp', 'ftp://u:p@files/m', '--ftp-ca', 'ca.pem']), /--ftp-ca is for FTPS/);
      assert.throws(() => parse(['--ftp-ca', 'ca.pem']), /--ftp-ca goes with --ftp/);
      assert.throws(() => parse(['--ftp', 'ftpes://u:p@files/m', '--ftp-ca', 'missing.pem']), /--ftp-ca: cannot read missing.pem \(ENOENT\)/);
      assert.throws(() => parse(['--ftp', 'ftpes://u:p@files/m', '--ftp-ca', 'not-pem.txt']), /holds no PEM certificate/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => parseArgs(['--ftp', 'ftp://u:p@files/m', '--ftp-secure=maybe'], {}), ConfigError);
    // a URL error never repeats the password
    assert.throws(() => parseArgs(['--ftp', 'sftp://u:hunter2@files/m'], {}), (err: Error) => !err.message.includes('hunter2'));
  });

  it('reads secrets from files, by flag or PARLEY_*_FILE, first line only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-secrets-'));
    try {
      fs.writeFileSync(path.join(dir, 'neo4j'), 'n30-pass word\n', { mode: 0o600 });
      fs.writeFileSync(path.join(dir, 'ftp'), 'ftp://u:s3cret@files/m\r\n');
      fs.writeFileSync(path.join(dir, 'empty'), '\n');
      const neo4j = (c: ServerConfig) => (c.store as { password?: string }).password;
      assert.equal(neo4j(config(['--neo4j', 'bolt://db:7687', '--neo4j-user', 'neo4j', '--neo4j-password-file', path.join(dir, 'neo4j')])), 'n30-pass word');
      assert.equal(neo4j(config(['--neo4j', 'bolt://db:7687', '--neo4j-user', 'neo4j'], { PARLEY_NEO4J_PASSWORD_FILE: path.join(dir, 'neo4j') })), 'n30-pass word');
      fs.writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const ca = (c: ServerConfig) => (c.store as { caFile?: string }).caFile;
      assert.equal(ca(config(['--neo4j', 'bolt://db:7687', '--neo4j-ca', path.join(dir, 'ca.pem')])), path.join(dir, 'ca.pem'));
      assert.throws(() => parseArgs(['--neo4j', 'bolt+s://db:7687', '--neo4j-ca', path.join(dir, 'ca.pem')], {}), /bolt:\/\/ or neo4j:\/\/ URI/);
      assert.throws(() => parseArgs(['--neo4j-ca', path.join(dir, 'ca.pem')], {}), /go with --neo4j/);
      assert.deepEqual(config(['--ftp-url-file', path.join(dir, 'ftp')]).media, { kind: 'ftp', url: 'ftp://u:s3cret@files/m' });
      assert.deepEqual(config([], { PARLEY_FTP_URL_FILE: path.join(dir, 'ftp') }).media, { kind: 'ftp', url: 'ftp://u:s3cret@files/m' });
      assert.throws(() => parseArgs(['--ftp', 'ftp://u:p@files/m', '--ftp-url-file', path.join(dir, 'ftp')], {}), /give one/);
      assert.throws(() => parseArgs(['--ftp-url-file', path.join(dir, 'missing')], {}), /cannot read .*ENOENT/);
      assert.throws(() => parseArgs(['--ftp-url-file', path.join(dir, 'empty')], {}), /is empty/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents every option and its env name in --help', () => {
    assert.equal(parseArgs(['--help'], {}).kind, 'help');
    const text = helpText();
    for (const o of OPTIONS) {
      assert.ok(text.includes(`--${o.name}`), o.name);
      assert.ok(text.includes(envOf(o)), envOf(o));
    }
  });
});
