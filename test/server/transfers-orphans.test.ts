import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Connection } from '../../client/connection';
import { uploadFile } from '../../client/transfers';
import { ParleyError, type SessionReply } from '../../protocol';
import { parseArgs, type ServerConfig } from '../../server/config';
import { createLogger } from '../../server/log';
import { openMediaStore } from '../../server/media/open-media-store';
import { ParleyServer } from '../../server/server';
import { openStore, type Store } from '../../server/store';
import { tempDir } from '../helpers/server';
import { rejectsWith, sleep } from './chat-helpers';
import { MiB, mediaObjects, sha256, tempFiles, until } from './transfer-helpers';

/** The real server in this process, so a test can make the chat store fail after the bytes are filed. */
describe('server: file transfers when the file message cannot be stored', function () {
  this.timeout(30_000);
  let dir: string;
  let store: Store;
  let server: ParleyServer;
  let port: number;
  let failing = false;
  const open: Connection[] = [];

  before(async () => {
    dir = tempDir();
    const action = parseArgs(['--port', '0', '--data', dir, '--rate-limit', '0'], {});
    const config = (action as { config: ServerConfig }).config;
    store = await openStore(config.store);
    const append = store.append.bind(store);
    store.append = (batch) => (failing ? Promise.reject(new ParleyError('STORE_UNAVAILABLE')) : append(batch));
    const media = openMediaStore(config.media);
    await media.init();
    server = new ParleyServer(config, store, createLogger('silent'), media);
    port = (await server.start()).port;
  });
  afterEach(() => {
    failing = false;
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function transferConn(name: string): Promise<Connection> {
    const chat = await Connection.open({ port });
    open.push(chat);
    await chat.request({ t: 'register', user: name, password: 'secret-pw' });
    const session = await chat.request<SessionReply>({ t: 'login', user: name, password: 'secret-pw' });
    const conn = await Connection.open({ port });
    open.push(conn);
    await conn.request({ t: 'resume', token: session.token });
    return conn;
  }

  const mediaDir = () => path.join(dir, 'media');
  const keyOf = (data: Buffer) => `${sha256(data).slice(0, 2)}/${sha256(data)}`;
  const upload = (conn: Connection, data: Buffer) => uploadFile(conn, { room: 'general', stream: Readable.from([data]), size: data.length, name: 'x.bin' });

  it('removes the bytes it filed when the message is refused, and keeps content posted before', async () => {
    const conn = await transferConn('orphan_alice');
    const kept = randomBytes(2 * MiB);
    await upload(conn, kept);
    failing = true;
    // same content as a posted file: the stored copy stays
    await rejectsWith(upload(conn, kept), 'STORE_UNAVAILABLE');
    // new content: filed, then removed again
    const lost = randomBytes(2 * MiB + 1);
    await rejectsWith(upload(conn, lost), 'STORE_UNAVAILABLE');
    await until(() => !mediaObjects(mediaDir()).includes(keyOf(lost)), 'the unposted file removed');
    await sleep(100);
    assert.deepEqual(mediaObjects(mediaDir()), [keyOf(kept)]);
    assert.deepEqual(tempFiles(mediaDir()), []);
    // the store is back: the same content uploads and stays
    failing = false;
    const ack = await upload(conn, lost);
    assert.equal(ack.file?.sha256, sha256(lost));
    assert.deepEqual(mediaObjects(mediaDir()), [keyOf(kept), keyOf(lost)].sort());
  });
});
