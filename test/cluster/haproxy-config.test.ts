import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureHaproxy } from '../helpers/haproxy';
import { selfSignedCert } from '../helpers/tls';

const ROOT = path.resolve(__dirname, '../..');

// The sample in docs/ must be a configuration HAProxy accepts, not a sketch.
describe('the sample HAProxy configuration in docs/', function () {
  this.timeout(120_000);

  it('passes haproxy -c (with a real certificate in place of the sample path)', async () => {
    const haproxy = await ensureHaproxy();
    const tls = selfSignedCert();
    try {
      const pem = path.join(tls.dir, 'parley.pem');
      fs.writeFileSync(pem, fs.readFileSync(tls.certFile, 'utf8') + fs.readFileSync(tls.keyFile, 'utf8'));
      const sample = fs.readFileSync(path.join(ROOT, 'docs/haproxy.cfg'), 'utf8');
      assert.match(sample, /mode tcp/);
      assert.match(sample, /httpchk GET \/healthz/);
      const cfg = path.join(tls.dir, 'haproxy.cfg');
      fs.writeFileSync(cfg, sample.replace('/etc/haproxy/parley.pem', pem));
      const r = spawnSync(haproxy, ['-c', '-f', cfg], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    } finally {
      tls.cleanup();
    }
  });
});
