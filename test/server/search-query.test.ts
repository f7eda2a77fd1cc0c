import * as assert from 'node:assert/strict';
import { parseSearch } from '../../server/chat/search-query';

describe('server: search query filters', () => {
  it('takes the filters out and leaves the words', () => {
    assert.deepEqual(parseSearch('deploy from:@bob_smith in:#ops has:file is:thread failed'), {
      words: 'deploy failed',
      filters: { from: 'bob_smith', room: 'ops', hasFile: true, isThread: true },
    });
    assert.deepEqual(parseSearch('from:carol-3 has:snippet is:pinned').filters, { from: 'carol-3', hasSnippet: true, isPinned: true });
  });

  it('reads dates as whole UTC days: before that day, after that day', () => {
    const { filters } = parseSearch('before:2026-03-02 after:2026-02-27');
    assert.equal(filters.before, Date.UTC(2026, 2, 2));
    assert.equal(filters.after, Date.UTC(2026, 1, 28));
    assert.throws(() => parseSearch('before:2026-02-30'), /date like/);
    assert.throws(() => parseSearch('after:yesterday'), (err: Error & { code?: string }) => err.code === 'INVALID');
  });

  it('keeps unknown filters, empty values and quoted phrases as words', () => {
    assert.deepEqual(parseSearch('"from:me to you" label:x from: has:cats').words, '"from:me to you" label:x from: has:cats');
    assert.deepEqual(parseSearch('"from:me to you"').filters, {});
  });
});
