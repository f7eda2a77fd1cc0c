import * as assert from 'node:assert/strict';
import { stripRemoteUserInfo } from '../../protocol';

describe('stripRemoteUserInfo', () => {
  const cases: [string, string][] = [
    ['https://user:TOKEN@github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['https://ghp_abc123@github.com/org/repo', 'https://github.com/org/repo'],
    ['http://user:p%40ss%2Fw0rd@git.example.com:8080/repo', 'http://git.example.com:8080/repo'],
    // an unencoded "@" and the sub-delims a token may hold
    ["https://x-access-token:a@b!$&'()*+,;=~@host/repo", 'https://host/repo'],
    ['https://user:secret@[::1]:3000/repo?x=1#y', 'https://[::1]:3000/repo?x=1#y'],
    ['https://user:secret@host', 'https://host'],
    ['ssh://git@host.example.com:2222/org/repo.git', 'ssh://host.example.com:2222/org/repo.git'],
    ['ssh://user:pw@host/~user/repo', 'ssh://host/~user/repo'],
    ['git+ssh://alice@host/repo', 'git+ssh://host/repo'],
    ['git@github.com:org/repo.git', 'github.com:org/repo.git'],
    ['alice.b@corp-git:team/repo', 'corp-git:team/repo'],
  ];
  for (const [remote, expected] of cases) {
    it(`strips ${remote}`, () => assert.equal(stripRemoteUserInfo(remote), expected));
  }

  const unchanged = [
    'https://github.com/org/repo.git',
    'https://host/org/repo@v2', // an "@" in the path is not user-info
    'github.com:org/repo.git',
    '/srv/git/repo@2.git',
    '../sibling/repo',
    'C:\\src\\repo',
    'file:///srv/git/repo.git',
  ];
  for (const remote of unchanged) {
    it(`keeps ${remote}`, () => assert.equal(stripRemoteUserInfo(remote), remote));
  }
});
