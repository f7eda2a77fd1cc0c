import * as assert from 'node:assert/strict';
import { TestServer } from '../helpers/server';
import { crashTrial, makeCrew, prng } from './durability-check';

const TRIALS = 20;

describe('server: durability under SIGKILL', function () {
  this.timeout(300_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0'] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it(`keeps every acked message exactly once, gap-free, across ${TRIALS} kill -9 restarts`, async () => {
    const seed = Number(process.env.PARLEY_DURABILITY_SEED ?? 20261125);
    const rnd = prng(seed);
    const crew = await makeCrew(server);
    let acked = 0;
    for (let trial = 1; trial <= TRIALS; trial++) {
      const result = await crashTrial(server, crew, trial, rnd).catch((err: Error) => {
        throw new Error(`trial ${trial} (seed ${seed}): ${err.message}`);
      });
      server = result.server;
      acked += result.acked;
      assert.ok(result.stored >= acked, `fewer messages stored (${result.stored}) than acked (${acked})`);
    }
    assert.ok(acked > TRIALS, `too few messages were acked (${acked}) for the test to mean anything`);
  });
});
