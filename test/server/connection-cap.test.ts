import * as assert from 'node:assert/strict';
import { dmRoomId } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, RawSocket, signIn, sleep } from './chat-helpers';

const REFUSAL_LOG = 'refusing connections: too many from one address';

/** Opens a raw socket and expects the cap's error frame and a close. */
async function expectRefused(server: TestServer): Promise<void> {
  const raw = await RawSocket.open(server);
  try {
    const error = await raw.waitFor((f) => f.t === 'error');
    assert.equal(error.code, 'RATE_LIMITED');
    assert.match(String(error.message), /too many connections from your address/i);
    assert.equal(error.id, undefined);
    assert.equal(await raw.waitClosed(), true, 'the refused connection was not closed');
  } finally {
    raw.destroy();
  }
}

/** Signs in on a new connection, trying again while the server has not yet seen an earlier close. */
async function signInOnceFreed(server: TestServer): Promise<Client> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await signIn(server);
    } catch (err) {
      if (attempt >= 100) throw err;
      await sleep(50);
    }
  }
}

async function chat(from: Client, to: Client, text: string): Promise<void> {
  const room = dmRoomId(from.user, to.user);
  await from.send(room, text);
  await to.waitFor((f) => f.t === 'msg' && f.room === room && (f as { text?: string }).text === text, 10_000, text);
}

describe('server: connections per remote address', function () {
  this.timeout(60_000);
  let server: TestServer;
  const clients: Client[] = [];

  before(async () => {
    server = await TestServer.start({ args: ['--max-connections-per-address', '3'] });
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    server?.cleanup();
  });

  it('refuses a connection over the cap with RATE_LIMITED while the others keep chatting', async () => {
    for (let i = 0; i < 3; i++) clients.push(await signIn(server));
    const [a, b, c] = clients;

    await expectRefused(server);
    await chat(a, b, 'still here');
    await chat(b, c, 'and here');

    // more attempts from the same address: refused too, and logged once, not once each
    for (let i = 0; i < 4; i++) await expectRefused(server);
    await chat(c, a, 'after the refusals');
    const refusals = server.logs.filter((l) => l.msg === REFUSAL_LOG);
    assert.equal(refusals.length, 1, `refusals logged ${refusals.length} times`);
    assert.equal(refusals[0].address, '127.0.0.1');
    assert.equal(refusals[0].limit, 3);
  });

  it('counts a closed connection out, so the address may connect again', async () => {
    const [a, b, c] = clients.splice(0, 3);
    c.close();
    const d = await signInOnceFreed(server);
    clients.push(a, b, d);
    await chat(d, a, 'the freed place');
    await expectRefused(server);

    // closing every connection leaves nothing counted
    for (const client of clients.splice(0)) client.close();
    for (let i = 0; i < 3; i++) clients.push(await signInOnceFreed(server));
    await chat(clients[0], clients[2], 'a full set again');
    await expectRefused(server);
  });
});
