import * as assert from 'node:assert/strict';
import type { AckReply } from '../../protocol';
import { TestServer } from '../helpers/server';
import { rejectsWith, signIn } from './chat-helpers';

describe('server: snippet code has the one limit announced as welcome.limits.maxText', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start({ args: ['--max-text', '2k'] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('announces maxText, takes a snippet of exactly that many bytes and refuses one byte more', async () => {
    const client = await signIn(server);
    try {
      assert.equal(client.conn.limits.maxText, 2048);
      const snippet = (code: string) => ({ code, language: 'plaintext' });
      const ack = await client.conn.request<AckReply>({ t: 'send', room: 'general', cid: 'fits', snippet: snippet('é'.repeat(1024)) });
      assert.equal(ack.t, 'ack');
      await rejectsWith(client.conn.request({ t: 'send', room: 'general', cid: 'over', snippet: snippet(`${'é'.repeat(1024)}x`) }), 'TOO_LARGE');
    } finally {
      client.close();
    }
  });
});
