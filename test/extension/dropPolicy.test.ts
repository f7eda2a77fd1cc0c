import { strict as assert } from 'node:assert';
import { classify, type DroppedTarget, type Folder } from '../../extension/dropPolicy';

const file = (p: string): DroppedTarget => ({ raw: `file://${p}`, scheme: 'file', path: p, uri: `file://${p}` });
const remote = (u: string): DroppedTarget => ({ raw: u, scheme: u.split(':')[0], path: new URL(u).pathname, uri: u });

describe('drop policy: which dropped URIs the host may read', () => {
  const folders: Folder[] = [
    { scheme: 'file', root: '/home/ann/project' },
    { scheme: 'vscode-remote', root: 'vscode-remote://ssh-remote%2Bbox/srv/app' },
  ];

  it('lets files inside a workspace folder go, and asks about the rest', () => {
    assert.equal(classify(file('/home/ann/project/src/a.ts'), folders, true).kind, 'inside');
    assert.equal(classify(file('/home/ann/project'), folders, true).kind, 'inside');
    assert.equal(classify(file('/home/ann/.ssh/id_ed25519'), folders, true).kind, 'outside');
    assert.equal(classify(file('/etc/passwd'), folders, true).kind, 'outside');
  });

  it('does not take a sibling folder with the same prefix for the workspace', () => {
    assert.equal(classify(file('/home/ann/project-secrets/key.pem'), folders, true).kind, 'outside');
  });

  it('refuses what is not a regular file', () => {
    assert.deepEqual(classify(file('/home/ann/project/src'), folders, false), { kind: 'refused', raw: 'file:///home/ann/project/src', reason: 'not a file' });
  });

  it('reads other file systems only where the workspace is, and refuses unknown schemes', () => {
    assert.equal(classify(remote('vscode-remote://ssh-remote%2Bbox/srv/app/main.go'), folders, false).kind, 'inside');
    assert.equal(classify(remote('vscode-remote://ssh-remote%2Bbox/etc/shadow'), folders, false).kind, 'outside');
    assert.equal(classify(remote('https://evil.example/x'), folders, false).kind, 'refused');
    assert.equal(classify(remote('vscode-userdata://x/settings.json'), folders, false).kind, 'refused');
  });

  it('with no workspace open, every file asks first', () => {
    assert.equal(classify(file('/tmp/notes.txt'), [], true).kind, 'outside');
  });
});
