import * as assert from 'node:assert/strict';
import { anchorProblem, isRepoPath, repositoryKey, splitLines, type Snippet } from '../../protocol';
import { validateClientFrame } from '../../protocol/validate';

describe('repositoryKey', () => {
  const same: [string, string][] = [
    ['git@github.com:Org/repo.git', 'github.com/Org/repo'],
    ['ssh://git@github.com/Org/repo.git', 'github.com/Org/repo'],
    ['ssh://git@github.com:22/Org/repo', 'github.com/Org/repo'],
    ['https://github.com/Org/repo', 'github.com/Org/repo'],
    ['https://ghp_S3cr3t@GitHub.com/Org/repo.git/', 'github.com/Org/repo'],
    ['https://user:p%40ss@github.com/Org/repo.git', 'github.com/Org/repo'],
    ['git+ssh://alice@github.com/Org/repo.git', 'github.com/Org/repo'],
    ['http://git.example.com:8080/team/repo?x=1', 'git.example.com/team/repo'],
    ['alice.b@corp-git:team/repo', 'corp-git/team/repo'],
    ['file:///srv/git/repo.git', '/srv/git/repo'],
    ['/srv/git/repo.git', '/srv/git/repo'],
    ['/srv/git/repo/', '/srv/git/repo'],
  ];
  for (const [remote, key] of same) it(`${remote} is ${key}`, () => assert.equal(repositoryKey(remote), key));

  it('gives the ssh and https forms of one remote the same key, and different repositories different keys', () => {
    assert.equal(repositoryKey('git@gitlab.com:a/b.git'), repositoryKey('https://token@gitlab.com/a/b'));
    assert.notEqual(repositoryKey('git@gitlab.com:a/b.git'), repositoryKey('git@gitlab.com:a/c.git'));
  });

  it('never keeps credentials', () => {
    for (const r of ['https://x-access-token:ghs_TOKEN@github.com/o/r', 'ssh://deploy:TOKEN@host/o/r', 'me:TOKEN@host:o/r']) {
      assert.ok(!repositoryKey(r).includes('TOKEN'), repositoryKey(r));
    }
  });
});

describe('code anchor rules', () => {
  const anchor = { path: 'src/a.ts', startLine: 10, endLine: 12, textSha256: 'a'.repeat(64), before: [], after: [] };
  const snippet = (over: Partial<NonNullable<Snippet['anchor']>>, code = 'a\nb\nc'): Snippet => ({ code, language: 'ts', anchor: { ...anchor, ...over } });

  it('accepts a consistent anchor', () => assert.equal(anchorProblem(snippet({})), undefined));
  it('refuses paths that leave the repository', () => {
    for (const path of ['/etc/passwd', '../x', 'a/../../x', 'a\\b', 'C:/x', 'a//b', './a']) {
      assert.ok(anchorProblem(snippet({ path })), path);
      assert.equal(isRepoPath(path), false, path);
    }
  });
  it('refuses a range that is not the code\'s lines', () => {
    assert.match(anchorProblem(snippet({ endLine: 13 })) ?? '', /covers 4 lines but the snippet's code has 3/);
    assert.match(anchorProblem(snippet({ startLine: 13 })) ?? '', /comes before/);
  });
  it('refuses "dirty" without a commit', () => assert.match(anchorProblem(snippet({ dirty: true })) ?? '', /commit/));

  it('is validated by the send schema, field by field', () => {
    const send = (a: unknown) => validateClientFrame({ t: 'send', id: 1, room: 'general', cid: 'c', snippet: { code: 'x', language: 'ts', anchor: a } });
    assert.equal(send({ ...anchor, startLine: 1, endLine: 1 }).ok, true);
    const bad = [
      { ...anchor, textSha256: 'nope' },
      { ...anchor, commit: 'HEAD' },
      { ...anchor, before: ['x', 'x', 'x', 'x', 'x', 'x'] },
      { ...anchor, after: ['x'.repeat(2001)] },
      { ...anchor, startLine: 0 },
      { path: 'a' },
    ];
    for (const a of bad) {
      const r = send(a);
      assert.equal(r.ok, false, JSON.stringify(a).slice(0, 80));
      if (!r.ok) assert.match(r.message, /snippet\.anchor/);
    }
  });

  it('splits lines on \\n and \\r\\n, without a phantom last line', () => {
    assert.deepEqual(splitLines('a\r\nb\n'), ['a', 'b']);
    assert.deepEqual(splitLines(''), []);
    assert.deepEqual(splitLines('\n'), ['']);
  });
});
