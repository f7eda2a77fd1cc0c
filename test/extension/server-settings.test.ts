// A repository's .vscode/settings.json must not choose the server you sign in to, nor the CA
// that vouches for it.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { resolveCaFile } from '../../extension/caFile';

const ROOT = path.resolve(__dirname, '../..');
const SERVER_SETTINGS = ['parley.server.host', 'parley.server.port', 'parley.server.tls', 'parley.server.tlsCaFile'];

interface Manifest {
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: string[] } };
  contributes: { configuration: { properties: Record<string, { scope?: string }> } };
}

describe('extension: server settings cannot come from a workspace', () => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;

  for (const key of SERVER_SETTINGS) {
    it(`${key} is application- or machine-scoped, so workspace settings cannot set it`, () => {
      const scope = manifest.contributes.configuration.properties[key]?.scope;
      assert.ok(scope === 'application' || scope === 'machine', `${key} has scope ${scope}`);
    });
  }

  it('lists every one as restricted in untrusted workspaces', () => {
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.deepEqual([...(untrusted?.restrictedConfigurations ?? [])].sort(), [...SERVER_SETTINGS].sort());
  });

  describe('tlsCaFile resolution', () => {
    const home = path.join(path.sep, 'home', 'ann');

    it('puts ~ and ~/… under the home folder', () => {
      assert.equal(resolveCaFile('~', home), home);
      assert.equal(resolveCaFile('~/certs/ca.pem', home), path.join(home, 'certs', 'ca.pem'));
    });

    it('takes an absolute path as it is', () => {
      assert.equal(resolveCaFile('/etc/parley/ca.pem', home), '/etc/parley/ca.pem');
    });

    it('refuses a relative path instead of reading it from the workspace', () => {
      for (const file of ['ca.pem', './certs/ca.pem', '../ca.pem', '~ann/ca.pem', '.vscode/ca.pem']) {
        assert.equal(resolveCaFile(file, home), undefined, file);
      }
    });
  });
});
