// Crash soak: SIGKILLs a real parley-server while clients send, restarts it on the same data
// dir and checks that every acked message survived exactly once, gap-free, in seq order.
// Usage: npm run bench -- bench/durability-soak.ts [--trials 200] [--seed 1] [--fresh-every 50] [--json]
import { TestServer } from '../test/helpers/server';
import { crashTrial, makeCrew, prng, type Crew } from '../test/server/durability-check';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const trials = flag('trials', 200);
  const seed = flag('seed', Date.now() % 1_000_000);
  const freshEvery = flag('fresh-every', 50);
  const json = process.argv.includes('--json');
  const rnd = prng(seed);
  const started = Date.now();
  let server: TestServer | undefined;
  let crew: Crew | undefined;
  let acked = 0;
  let stored = 0;
  let failure: string | undefined;
  try {
    for (let trial = 1; trial <= trials; trial++) {
      // A fresh data dir now and then keeps each trial's verification short.
      if (server === undefined || (freshEvery > 0 && trial % freshEvery === 1 && trial > 1)) {
        if (server) {
          await server.stop();
          server.cleanup();
        }
        server = await TestServer.start({ args: ['--rate-limit', '0'] });
        crew = await makeCrew(server);
      }
      const result = await crashTrial(server, crew as Crew, trial, rnd);
      server = result.server;
      acked += result.acked;
      stored = result.stored;
      if (!json && trial % 10 === 0) process.stdout.write(`trial ${trial}/${trials}: ${acked} acked so far, all present\n`);
    }
  } catch (err) {
    failure = (err as Error).message;
  } finally {
    if (server) {
      await server.stop();
      server.cleanup();
    }
  }
  const summary = { benchmark: 'durability-soak', trials, seed, acked, lastStoreSize: stored, seconds: (Date.now() - started) / 1000, ok: failure === undefined, failure };
  process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${failure ? `FAILED (seed ${seed}): ${failure}` : `ok: ${trials} crashes, ${acked} acked messages, none lost or duplicated`} in ${summary.seconds.toFixed(1)} s\n`);
  process.exit(failure ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
