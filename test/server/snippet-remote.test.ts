import * as assert from 'node:assert/strict';
import type { AckReply, HistoryReply, MsgEvent } from '../../protocol';
import { TestServer } from '../helpers/server';
import { signIn, type Client } from './chat-helpers';

describe('server: a snippet remote never carries credentials', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: Client[] = [];

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    for (const c of open) c.close();
    await server?.stop();
    server?.cleanup();
  });

  it('strips user-info from a remote a client sent as is, live and in history', async () => {
    const [alice, bob] = await Promise.all([signIn(server), signIn(server)]);
    open.push(alice, bob);
    const snippet = { code: 'let x = 1;', language: 'typescript', remote: 'https://alice:ghp_S3cr3t%40@git.example.com/org/repo.git' };
    const ack = await alice.conn.request<AckReply>({ t: 'send', room: 'general', cid: 'remote-1', snippet });
    const live = await bob.waitFor<MsgEvent>((f) => f.t === 'msg' && f.msgId === ack.msgId);
    assert.equal(live.snippet?.remote, 'https://git.example.com/org/repo.git');
    const history = await bob.conn.request<HistoryReply>({ t: 'history', room: 'general' });
    const stored = history.messages.find((m) => m.msgId === ack.msgId);
    assert.equal(stored?.snippet?.remote, 'https://git.example.com/org/repo.git');
    assert.ok(!JSON.stringify(history).includes('S3cr3t'));
  });
});
