import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AckReply, HistoryReply, MsgEvent, Snippet } from '../../protocol';
import { TestServer } from '../helpers/server';
import { rejectsWith, signIn, type Client } from './chat-helpers';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function anchored(code: string, over: Partial<NonNullable<Snippet['anchor']>> = {}): Snippet {
  const lines = code.split('\n').length;
  return {
    code,
    language: 'typescript',
    anchor: {
      repo: 'https://alice:ghp_S3cr3t@GitHub.com/Org/repo.git',
      path: 'src/app.ts',
      commit: 'c'.repeat(40),
      startLine: 10,
      endLine: 9 + lines,
      textSha256: sha(code),
      before: ['// above'],
      after: ['// below'],
      ...over,
    },
  };
}

describe('server: code anchors ride in the thread root\'s snippet', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: Client[] = [];
  let cids = 0;

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    for (const c of open) c.close();
    await server?.stop();
    server?.cleanup();
  });

  it('stores and delivers the anchor, its repository normalised and without credentials', async () => {
    const [alice, bob] = await Promise.all([signIn(server), signIn(server)]);
    open.push(alice, bob);
    const snippet = anchored('const a = 1;\nconst b = 2;\nconst c = 3;');
    const ack = await alice.conn.request<AckReply>({ t: 'send', room: 'general', cid: `a${++cids}`, text: 'why three?', snippet });
    const live = await bob.waitFor<MsgEvent>((f) => f.t === 'msg' && f.msgId === ack.msgId);
    const want = { ...snippet.anchor, repo: 'github.com/Org/repo' };
    assert.deepEqual(live.snippet?.anchor, want);
    const history = await bob.conn.request<HistoryReply>({ t: 'history', room: 'general' });
    assert.deepEqual(history.messages.find((m) => m.seq === ack.seq)?.snippet?.anchor, want);
    assert.ok(!JSON.stringify(history).includes('S3cr3t'));
  });

  it('keeps an anchor without repository or commit (code not in git)', async () => {
    const [alice] = await Promise.all([signIn(server)]);
    open.push(alice);
    const snippet = anchored('x', { repo: undefined, commit: undefined });
    delete snippet.anchor?.repo;
    delete snippet.anchor?.commit;
    const ack = await alice.conn.request<AckReply>({ t: 'send', room: 'general', cid: `a${++cids}`, snippet });
    const history = await alice.conn.request<HistoryReply>({ t: 'history', room: 'general' });
    assert.deepEqual(history.messages.find((m) => m.seq === ack.seq)?.snippet?.anchor, snippet.anchor);
  });

  it('refuses an inconsistent anchor with INVALID and a reason, storing nothing', async () => {
    const alice = await signIn(server);
    open.push(alice);
    const before = (await alice.conn.request<HistoryReply>({ t: 'history', room: 'general' })).messages.length;
    const send = (snippet: Snippet, extra: Record<string, unknown> = {}) =>
      alice.conn.request({ t: 'send', room: 'general', cid: `a${++cids}`, snippet, ...extra });
    let e = await rejectsWith(send(anchored('a\nb', { textSha256: sha('other') })), 'INVALID');
    assert.match(e.message, /textSha256/);
    e = await rejectsWith(send(anchored('a\nb', { endLine: 20 })), 'INVALID');
    assert.match(e.message, /covers 11 lines/);
    e = await rejectsWith(send(anchored('a', { path: '../../etc/passwd' })), 'INVALID');
    assert.match(e.message, /relative to the repository root/);
    e = await rejectsWith(send(anchored('a', { commit: 'main' })), 'INVALID');
    assert.match(e.message, /anchor/);
    const root = await alice.conn.request<AckReply>({ t: 'send', room: 'general', cid: `a${++cids}`, text: 'root' });
    e = await rejectsWith(send(anchored('a'), { root: root.seq }), 'INVALID');
    assert.match(e.message, /Only a thread root/);
    const after = (await alice.conn.request<HistoryReply>({ t: 'history', room: 'general' })).messages.length;
    assert.equal(after, before + 1);
  });
});
