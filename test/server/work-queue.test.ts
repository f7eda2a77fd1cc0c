import * as assert from 'node:assert/strict';
import { hashing, hashPassword } from '../../server/chat/passwords';
import { WorkQueue } from '../../server/chat/work-queue';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('work queue', () => {
  it('runs at most `concurrency` jobs at once, in arrival order', async () => {
    const queue = new WorkQueue(2, 10);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    const done = gates.map((g, i) => queue.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }));
    await Promise.resolve();
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(queue.load, { running: 2, waiting: 3 });
    gates[1].resolve();
    await done[1];
    await Promise.resolve();
    assert.deepEqual(started, [0, 1, 2]);
    for (const g of gates) g.resolve();
    assert.deepEqual(await Promise.all(done), [0, 1, 2, 3, 4]);
    assert.deepEqual(queue.load, { running: 0, waiting: 0 });
  });

  it('refuses work past `maxWaiting` and frees the slot of a job that failed', async () => {
    const queue = new WorkQueue(1, 1);
    const gate = deferred();
    const first = queue.run(() => gate.promise.then(() => { throw new Error('boom'); }));
    const second = queue.run(async () => 'second');
    await assert.rejects(queue.run(async () => 'third'), { code: 'RATE_LIMITED' });
    gate.resolve();
    await assert.rejects(first, /boom/);
    assert.equal(await second, 'second');
    assert.deepEqual(queue.load, { running: 0, waiting: 0 });
  });

  it('is what password hashing goes through', async () => {
    const burst = Promise.all(Array.from({ length: hashing.concurrency + 3 }, () => hashPassword('correct horse')));
    assert.deepEqual(hashing.load, { running: hashing.concurrency, waiting: 3 });
    await burst;
  });
});
