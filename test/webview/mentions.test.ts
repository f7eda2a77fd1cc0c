import assert from 'node:assert/strict';
import { applyCompletion, findTrigger, rankCandidates } from '../../webview/mentions';
import type { PresenceEntry } from '../../protocol/messages';

describe('webview/mentions', () => {
  it('finds the @ or ~ token at the caret', () => {
    assert.deepEqual(findTrigger('hi @bo', 6), { char: '@', start: 3, query: 'bo' });
    assert.deepEqual(findTrigger('@', 1), { char: '@', start: 0, query: '' });
    assert.deepEqual(findTrigger('thanks ~ca', 10), { char: '~', start: 7, query: 'ca' });
    assert.equal(findTrigger('mail a@b', 8), undefined);
    assert.equal(findTrigger('hi @bob there', 13), undefined);
    assert.equal(findTrigger('hi @bob', 5), undefined); // caret inside the word
  });

  it('ranks prefix matches and online people first, never me', () => {
    const presence = new Map<string, PresenceEntry>([
      ['bob_smith', { user: 'bob_smith', status: 'offline' }],
      ['bobby.t', { user: 'bobby.t', status: 'online' }],
      ['jim.bob', { user: 'jim.bob', status: 'online' }],
      ['alice.dev', { user: 'alice.dev', status: 'online' }],
    ]);
    assert.deepEqual(rankCandidates('bo', ['bob_smith', 'jim.bob', 'bobby.t', 'alice.dev'], presence, 'alice.dev'), ['bobby.t', 'bob_smith', 'jim.bob']);
    assert.deepEqual(rankCandidates('', ['alice.dev', 'x', 'x'], presence, 'alice.dev'), ['x']);
    assert.equal(rankCandidates('', Array.from({ length: 30 }, (_, i) => `user${i}`), presence, 'me').length, 8);
  });

  it('replaces the token and puts the caret after a space', () => {
    const t = findTrigger('hey @bo, look', 7);
    assert.ok(t);
    assert.deepEqual(applyCompletion('hey @bo, look', 7, t, 'bob_smith'), { text: 'hey @bob_smith , look', caret: 15 });
    const u = findTrigger('@b', 2);
    assert.ok(u);
    assert.deepEqual(applyCompletion('@b', 2, u, 'bob_smith'), { text: '@bob_smith ', caret: 11 });
  });
});
