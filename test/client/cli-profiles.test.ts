import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Jimp } from 'jimp';
import type { Profile } from '../../protocol';
import { CliUser } from '../helpers/cli';
import { TestServer } from '../helpers/server';

describe('parley profile and parley avatar against a real server', function () {
  this.timeout(90_000);
  let server: TestServer;
  const current = (): TestServer => server;
  const tag = `${process.pid % 1000}_${Math.random().toString(36).slice(2, 6)}`;
  const ada = new CliUser(`Ada_${tag}`, current);
  const bob = new CliUser(`Bob_${tag}`, current);

  before(async () => {
    server = await TestServer.start({ args: ['--login-rate-limit', '0', '--rate-limit', '0'] });
    for (const u of [ada, bob]) {
      await u.ok(['register', '--user', u.name, '--password', 'secret-password']);
      await u.ok(['login', '--user', u.name, '--password', 'secret-password']);
    }
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
    for (const u of [ada, bob]) u.cleanup();
  });

  it('shows a profile with nothing set as the name alone', async () => {
    assert.equal((await ada.ok(['profile'])).trim(), ada.name);
  });

  it('sets the display name and status, shows them to others, and clears the status with ""', async () => {
    const set = await ada.ok(['profile', '--display-name', 'Ada Lovelace', '--status', 'computing Bernoulli numbers']);
    assert.equal(set, `${ada.name} — Ada Lovelace\n  status: computing Bernoulli numbers\n`);
    const seen = JSON.parse(await bob.ok(['profile', ada.name.toLowerCase(), '--json'])) as Profile;
    assert.deepEqual(seen, { user: ada.name, displayName: 'Ada Lovelace', statusMessage: 'computing Bernoulli numbers' });
    assert.equal(await ada.ok(['profile', '--status', '']), `${ada.name} — Ada Lovelace\n`);
  });

  it('sets an avatar from a picture file, then clears it', async () => {
    const file = path.join(ada.cwd, 'me.png');
    fs.writeFileSync(file, await new Jimp({ width: 40, height: 30, color: 0x3366ccff }).getBuffer('image/png'));
    const out = await ada.ok(['avatar', file]);
    assert.match(out, /^Avatar set\.\n/);
    const profile = JSON.parse(await bob.ok(['profile', ada.name, '--json'])) as Profile;
    assert.equal(profile.avatar?.mime, 'image/png');
    assert.match(out, new RegExp(`avatar: 128×128 PNG, .* \\(parley get ${profile.avatar?.fileId}\\)`));
    const cleared = JSON.parse(await ada.ok(['profile', '--clear-avatar', '--json'])) as Profile;
    assert.equal(cleared.avatar, undefined);
    // profile --avatar sets it too, with the other fields in one command.
    const both = JSON.parse(await ada.ok(['profile', '--display-name', 'Countess', '--avatar', file, '--json'])) as Profile;
    assert.equal(both.displayName, 'Countess');
    assert.equal(both.avatar?.mime, 'image/png');
    assert.deepEqual(JSON.parse(await bob.ok(['profile', ada.name, '--json'])), both);
    assert.equal((await ada.run(['profile', '--avatar', file, '--clear-avatar'])).code, 2);
  });

  it('refuses what is no picture, a too-long name, an unknown user and changing someone else’s profile', async () => {
    const text = path.join(ada.cwd, 'notes.txt');
    fs.writeFileSync(text, 'not a picture');
    const notImage = await ada.run(['avatar', text]);
    assert.equal(notImage.code, 1);
    assert.match(notImage.stderr, /UNSUPPORTED_IMAGE/);
    const long = await ada.run(['profile', '--name', 'x'.repeat(65)]);
    assert.equal(long.code, 1);
    assert.match(long.stderr, /INVALID/);
    const nobody = await ada.run(['profile', 'nobody_at_all']);
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /no user nobody_at_all/);
    const other = await ada.run(['profile', bob.name, '--name', 'Not Bob']);
    assert.equal(other.code, 2);
    const missing = await ada.run(['avatar', path.join(ada.cwd, 'missing.png')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file/);
  });
});
