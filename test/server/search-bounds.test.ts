import * as assert from 'node:assert/strict';
import { MAX_SEARCH_WORDS, MAX_SEARCH_WORD_LENGTH, type ResultsReply } from '../../protocol';
import { TestServer } from '../helpers/server';
import { rejectsWith, signIn } from './chat-helpers';

describe('server: searches are checked before they run, over real TCP', function () {
  this.timeout(30_000);
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ args: ['--request-limits', 'search=100/100'] });
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it(`refuses more than ${MAX_SEARCH_WORDS} words, phrase words included, with INVALID`, async () => {
    const a = await signIn(server);
    try {
      await a.send('general', 'one two three four five six seven eight');
      const eight = await a.conn.request<ResultsReply>({ t: 'search', query: 'one two three four five six seven eight' });
      assert.equal(eight.messages.length, 1);
      const err = await rejectsWith(a.conn.request({ t: 'search', query: 'one two three four five six seven eight nine' }), 'INVALID');
      assert.match(err.message, new RegExp(`${MAX_SEARCH_WORDS} words`));
      await rejectsWith(a.conn.request({ t: 'search', query: '"one two three four five" "six seven eight nine"' }), 'INVALID');
      // Punctuation inside a word splits it the way the index does.
      await rejectsWith(a.conn.request({ t: 'search', query: 'a.b.c.d.e.f.g.h.i' }), 'INVALID');
    } finally {
      a.close();
    }
  });

  it(`refuses a word longer than ${MAX_SEARCH_WORD_LENGTH} characters, and treats * as plain text`, async () => {
    const a = await signIn(server);
    try {
      await rejectsWith(a.conn.request({ t: 'search', query: 'x'.repeat(MAX_SEARCH_WORD_LENGTH + 1) }), 'INVALID');
      const ok = await a.conn.request<ResultsReply>({ t: 'search', query: 'y'.repeat(MAX_SEARCH_WORD_LENGTH) });
      assert.deepEqual(ok.messages, []);
      await a.send('general', 'alphabet soup');
      // Not a prefix search: "alpha*" does not find "alphabet".
      const prefix = await a.conn.request<ResultsReply>({ t: 'search', query: 'alpha*' });
      assert.equal(prefix.messages.length, 0);
      await a.conn.request({ t: 'ping' });
    } finally {
      a.close();
    }
  });
});
