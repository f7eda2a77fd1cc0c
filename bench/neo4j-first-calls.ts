// The first calls after a start, when Neo4j's query cache is empty, against the same calls again:
// what planning costs the first client, with the store's plan warm-up in init() and without it.
// Usage: npx tsx bench/neo4j-first-calls.ts --uri bolt://… [--rounds 5]
// Needs a store that holds rooms `plain` and `conv` and users user_0… (bench/conversation-page.ts
// with --uri leaves them). Clears the query caches (db.clearQueryCaches) before each round.
import neo4j from 'neo4j-driver';
import { Neo4jStore } from '../server/store/neo4j';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const uri = arg('uri', '');
const rounds = Number(arg('rounds', '5'));
if (!uri) throw new Error('--uri is required');

type Timings = Record<string, number>;

async function round(warm: boolean, n: number): Promise<{ init: number; first: Timings; second: Timings }> {
  const driver = neo4j.driver(uri);
  await driver.executeQuery('CALL db.clearQueryCaches()');
  await driver.close();
  const store = new Neo4jStore({ kind: 'neo4j', uri });
  if (!warm) (store as unknown as { planAhead(): Promise<void> }).planAhead = async () => {};
  const t0 = performance.now();
  await store.init();
  const init = performance.now() - t0;
  const cid = `first-${warm ? 'w' : 'c'}-${n}-${Date.now()}`;
  const calls = (pass: number): [string, () => Promise<unknown>][] => [
    ['post', () => store.append([{ room: 'plain', from: 'user_1', cid: `${cid}-p${pass}`, ts: Date.now(), text: 'hello there' }])],
    ['react', () => store.append([{ room: 'conv', from: 'user_2', cid: `${cid}-r${pass}`, ts: Date.now(), change: { kind: 'react', target: 1000 + pass * 10 + n * 100, emoji: '🙂' } }])],
    ['history', () => store.history('conv', { limit: 200 })],
    ['since', () => store.since('conv', 1000, 100)],
    ['roomsOf', () => store.roomsOf('user_1')],
  ];
  const time = async (pass: number) => {
    const out: Timings = {};
    for (const [name, call] of calls(pass)) {
      const t = performance.now();
      await call();
      out[name] = Number((performance.now() - t).toFixed(1));
    }
    return out;
  };
  const first = await time(0);
  const second = await time(1);
  await store.close();
  return { init: Number(init.toFixed(1)), first, second };
}

async function main(): Promise<void> {
  const result: Record<string, unknown[]> = { withoutWarmUp: [], withWarmUp: [] };
  for (let n = 0; n < rounds; n++) {
    result.withoutWarmUp.push(await round(false, n));
    result.withWarmUp.push(await round(true, n + rounds));
  }
  console.log(JSON.stringify({ bench: 'neo4j-first-calls', rounds, ...result }));
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
