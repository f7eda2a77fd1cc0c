import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ParleyError, type SessionReply } from '../../protocol';
import { Connection } from '../../client/connection';
import { parseArgs, type ServerConfig } from '../../server/config';
import { createLogger } from '../../server/log';
import { ParleyServer } from '../../server/server';
import { openStore, type Store } from '../../server/store';
import { tempDir } from '../helpers/server';
import { Client, rejectsWith, sleep } from './chat-helpers';

/** The real server in this process, on the real SQLite store, so a test can make the store fail. */
describe('server: store failures', function () {
  this.timeout(30_000);
  let dir: string;
  let store: Store;
  let server: ParleyServer;
  let port: number;
  let failing = false;

  before(async () => {
    dir = tempDir();
    const action = parseArgs(['--port', '0', '--data', dir, '--rate-limit', '0'], {});
    const config = (action as { config: ServerConfig }).config;
    store = await openStore(config.store);
    const append = store.append.bind(store);
    store.append = (batch) => (failing ? Promise.reject(new ParleyError('STORE_UNAVAILABLE')) : append(batch));
    server = new ParleyServer(config, store, createLogger('silent'));
    port = (await server.start()).port;
  });
  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function user(name: string): Promise<Client> {
    const conn = await Connection.open({ port });
    const c = new Client(conn, name);
    await conn.request({ t: 'register', user: name, password: 'secret-pw' });
    c.session = await conn.request<SessionReply>({ t: 'login', user: name, password: 'secret-pw' });
    return c;
  }

  it('answers every sender of a failed batch with STORE_UNAVAILABLE and delivers nothing', async () => {
    const [a, b] = await Promise.all([user('fail_alice'), user('fail_bobby')]);
    failing = true;
    await Promise.all(Array.from({ length: 5 }, (_, i) => rejectsWith(a.send('general', `lost ${i}`, `f${i}`), 'STORE_UNAVAILABLE')));
    failing = false;
    await sleep(100);
    assert.equal(b.msgs('general').length, 0);
    // The same cids go through once the store is back, numbered from 1.
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await a.send('general', `kept ${i}`, `f${i}`));
    assert.deepEqual(
      acks.map((x) => x.seq),
      [1, 2, 3, 4, 5],
    );
    await b.waitFor((f) => f.t === 'msg' && (f as { text?: string }).text === 'kept 4');
    a.close();
    b.close();
  });

  it('acks and delivers pipelined sends in seq order', async () => {
    const [a, b] = await Promise.all([user('order_alice'), user('order_bobby')]);
    const acks = await Promise.all(Array.from({ length: 300 }, (_, i) => a.send('general', `o${i}`)));
    for (let i = 1; i < acks.length; i++) assert.equal(acks[i].seq, acks[i - 1].seq + 1);
    await b.waitFor((f) => f.t === 'msg' && (f as { text?: string }).text === 'o299');
    const seqs = b.msgs('general').map((m) => m.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.equal(new Set(seqs).size, seqs.length);
    a.close();
    b.close();
  });
});
