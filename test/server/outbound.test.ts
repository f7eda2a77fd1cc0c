import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { encodeFrame } from '../../protocol';
import { Outbound, flushWrites } from '../../server/net/outbound';

/** A connected socket pair on loopback: [server side, client side]. */
async function socketPair(): Promise<[net.Socket, net.Socket, () => void]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => client.once('connect', resolve));
  const side = await accepted;
  return [side, client, () => {
    side.destroy();
    client.destroy();
    server.close();
  }];
}

describe('outbound queue', () => {
  it('writes what is queued at the next check phase, or at once with flushWrites()', async () => {
    const [side, client, close] = await socketPair();
    try {
      const closed: string[] = [];
      const out = new Outbound(side, 1 << 20, { closeWithError: (code) => closed.push(code) });
      const frame = encodeFrame({ t: 'ping' });
      const received: Buffer[] = [];
      let got = 0;
      const all = new Promise<void>((resolve) =>
        client.on('data', (d: Buffer) => {
          received.push(d);
          got += d.length;
          if (got >= 2 * frame.length) resolve();
        }),
      );

      assert.equal(out.push(frame), true);
      assert.equal(out.pendingBytes, frame.length, 'held for the next check phase');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(out.pendingBytes, 0, 'written by the scheduled flush');

      out.push(frame);
      assert.equal(out.pendingBytes, frame.length);
      flushWrites();
      assert.equal(out.pendingBytes, 0, 'written at once');

      await all;
      assert.deepEqual(Buffer.concat(received), Buffer.concat([frame, frame]));
      assert.deepEqual(closed, []);
    } finally {
      close();
    }
  });
});
