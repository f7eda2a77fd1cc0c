import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TokenStore, configDir } from '../../client/tokens';

describe('client/tokens', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-tokens-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps one session per server in a 0600 file inside a 0700 dir', () => {
    const store = new TokenStore(path.join(dir, 'parley'));
    store.set('a:1', { user: 'alice_1', token: 't1' });
    store.set('b:2', { user: 'bob_222', token: 't2' });
    assert.deepEqual(store.get('a:1'), { user: 'alice_1', token: 't1' });
    assert.equal(fs.statSync(store.file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(store.dir).mode & 0o777, 0o700);
    assert.equal(store.delete('a:1'), true);
    assert.equal(store.get('a:1'), undefined);
    assert.equal(store.get('b:2')?.token, 't2');
  });

  it('treats a damaged file as empty', () => {
    const store = new TokenStore(dir);
    fs.writeFileSync(store.file, '{not json');
    assert.equal(store.get('a:1'), undefined);
  });

  it('finds its directory from PARLEY_CONFIG_DIR, XDG_CONFIG_HOME, then ~/.config', () => {
    assert.equal(configDir({ PARLEY_CONFIG_DIR: '/x' }), '/x');
    assert.equal(configDir({ XDG_CONFIG_HOME: '/cfg' }), '/cfg/parley');
    assert.equal(configDir({}), path.join(os.homedir(), '.config', 'parley'));
  });
});
