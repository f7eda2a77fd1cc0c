import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dmRoomId, type AckReply, type HistoryReply } from '../../protocol';
import { OPTIONS } from '../../server/config';
import { ensureBuilt, SERVER_CLI, TestServer } from '../helpers/server';
import { signIn, sleep } from './chat-helpers';

describe('server: CLI and lifecycle', function () {
  this.timeout(60_000);

  before(() => ensureBuilt());

  it('documents every flag in --help and refuses unknown ones', () => {
    const help = spawnSync(process.execPath, [SERVER_CLI, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    for (const o of OPTIONS) assert.ok(help.stdout.includes(`--${o.name}`), o.name);
    const bad = spawnSync(process.execPath, [SERVER_CLI, '--bogus'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Unknown option --bogus/);
  });

  it('logs its store, media store and address, and never a password or token', async () => {
    const server = await TestServer.start();
    try {
      const ready = server.logs.find((l) => l.msg.startsWith('parley-server listening')) as Record<string, unknown>;
      assert.match(String(ready.store), /^sqlite /);
      assert.match(String(ready.media), /media/);
      assert.equal(ready.address, '127.0.0.1');
      const c = await signIn(server, undefined, { password: 'hunter2-very-secret' });
      c.close();
      await sleep(100);
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0);
      server.cleanup();
    }
    const all = JSON.stringify(server.logs);
    assert.ok(!all.includes('hunter2-very-secret'));
  });

  it('on SIGTERM flushes what it acked, closes the store and exits 0', async () => {
    let server = await TestServer.start({ args: ['--rate-limit', '0'] });
    const [a, b] = await Promise.all([signIn(server), signIn(server)]);
    const room = dmRoomId(a.user, b.user);
    const acks: AckReply[] = [];
    let stop = false;
    const sending = (async () => {
      for (let i = 0; !stop; i++) {
        const batch = Array.from({ length: 20 }, (_, k) => a.send(room, `s${i}-${k}`).then((ack) => acks.push(ack), () => (stop = true)));
        await Promise.all(batch);
      }
    })();
    await sleep(300);
    const code = await server.stop('SIGTERM');
    await sending;
    assert.equal(code, 0);
    assert.ok(server.logs.some((l) => l.msg === 'stopped'));
    a.close();
    b.close();
    server = await server.restart();
    try {
      const c = await signIn(server, b.user, { register: false });
      const seen = new Set<string>();
      let before: number | undefined;
      while (true) {
        const page = await c.conn.request<HistoryReply>({ t: 'history', room, before, limit: 200 });
        for (const m of page.messages) seen.add(m.msgId);
        if (!page.more) break;
        before = page.messages[0].seq;
      }
      for (const ack of acks) assert.ok(seen.has(ack.msgId), `acked ${ack.msgId} lost on shutdown`);
      c.close();
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  it('exits at once on a second signal', async () => {
    const server = await TestServer.start();
    server.proc.kill('SIGINT');
    server.proc.kill('SIGINT');
    await server.waitForExit();
    assert.ok(server.exitCode === 0 || server.exitCode === 1, `exit ${server.exitCode}`);
    server.cleanup();
  });
});
