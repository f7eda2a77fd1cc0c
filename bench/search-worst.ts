// The longest a search can hold the event loop on a big SQLite store: SQLite runs on the event
// loop, so a search's time is time nobody else is served. Fills a store with --messages chat-like
// messages (kept in --dir for later runs), then times hostile queries through the Store.
// Usage: npx tsx bench/search-worst.ts [--messages 100000] [--dir DIR] [--runs 3]
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { openStore, type NewMessage, type SearchOptions, type Store } from '../server/store';
import { checkSearchWords, parseSearch } from '../server/chat/search-query';
import { SEARCH_MAX_LIMIT } from '../protocol';
import { VOCAB, sentence } from './chat-text';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const total = Number(arg('messages', '100000'));
const runs = Number(arg('runs', '3'));
const keptDir = arg('dir', '');
const ROOMS = 20;
const USERS = 8;

async function fill(store: Store): Promise<void> {
  for (let u = 0; u < USERS; u++) await store.createUser({ name: `user_${u}`, passwordHash: 'x', createdAt: 0 });
  const members = Array.from({ length: USERS }, (_, u) => `user_${u}`);
  for (let r = 0; r < ROOMS; r++) await store.createRoom({ id: `room-${r}`, kind: 'group', name: `room-${r}`, createdAt: 0 }, members);
  // An outsider's room: a user in no room but general searches past all of it.
  await store.createUser({ name: 'outsider', passwordHash: 'x', createdAt: 0 });
  for (let done = 0; done < total; done += 1000) {
    const batch: NewMessage[] = Array.from({ length: 1000 }, (_, i) => ({ room: `room-${(done + i) % ROOMS}`, from: `user_${i % USERS}`, cid: `c${done + i}`, ts: 1_700_000_000_000 + done + i, text: sentence() }));
    await store.append(batch);
  }
}

/** Queries meant to cost as much as possible, by user. */
const COMMON = VOCAB.slice(0, 16);
const EIGHT = COMMON.slice(0, 8);
const CASES: { name: string; user: string; query: string }[] = [
  { name: 'one common word', user: 'user_0', query: COMMON[0] },
  { name: '16 common words', user: 'user_0', query: COMMON.join(' ') },
  { name: '16 common words, no match together', user: 'user_0', query: `${COMMON.join(' ')} zzzznothere` },
  { name: 'common phrase that never occurs', user: 'user_0', query: `"${COMMON.slice(0, 8).join(' ')}"` },
  { name: 'prefix a*', user: 'user_0', query: 'a*' },
  { name: 'many prefixes', user: 'user_0', query: 'a* b* c* d* e* f* 1* 2* 3* 4*' },
  { name: 'very long term', user: 'user_0', query: 'a'.repeat(16_000) },
  { name: 'common word, outsider (no rooms)', user: 'outsider', query: COMMON[0] },
  { name: 'common word, filter matches nothing', user: 'user_0', query: `${COMMON[0]} from:@nobody` },
  { name: 'filter alone, matches nothing', user: 'user_0', query: 'from:@nobody' },
  { name: 'filters alone, outsider', user: 'outsider', query: 'has:file' },
  { name: 'common word, before: far past', user: 'user_0', query: `${COMMON[0]} before:2000-01-01` },
  { name: '8 common words', user: 'user_0', query: EIGHT.join(' ') },
  { name: '7 common words + 1 missing', user: 'user_0', query: `${EIGHT.slice(0, 7).join(' ')} zzzznothere` },
  { name: '4 common two-word phrases', user: 'user_0', query: [0, 2, 4, 6].map((i) => `"${EIGHT[i]} ${EIGHT[i + 1]}"`).join(' ') },
  { name: 'common 8-word phrase', user: 'user_0', query: `"${EIGHT.join(' ')}"` },
  { name: 'common word + filter, outsider', user: 'outsider', query: `${COMMON[0]} from:@nobody` },
  { name: 'common word, after: far future', user: 'user_0', query: `${COMMON[0]} after:2100-01-01` },
  { name: 'many quoted phrases', user: 'user_0', query: COMMON.map((w, i) => `"${w} ${COMMON[(i + 1) % 16]}"`).join(' ') },
];

async function main(): Promise<void> {
  const dir = keptDir || (await mkdtemp(path.join(tmpdir(), 'parley-search-worst-')));
  const fresh = !existsSync(path.join(dir, 'parley.db'));
  const store = await openStore({ kind: 'sqlite', dataDir: dir });
  try {
    if (fresh) await fill(store);
    const results = [];
    for (const c of CASES) {
      const parsed = parseSearch(c.query);
      const options: SearchOptions = { ...parsed.filters, limit: SEARCH_MAX_LIMIT };
      let worst = 0;
      // CPU time too: on a shared machine wall time also counts the moments another process ran.
      let worstCpu = 0;
      let hits = 0;
      let error: string | undefined;
      for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        try {
          // What the chat server checks before a search reaches the store.
          checkSearchWords(parsed.words);
          hits = (await store.search(c.user, parsed.words, options)).length;
        } catch (err) {
          error = (err as Error).message;
        }
        worst = Math.max(worst, Number(process.hrtime.bigint() - t0) / 1e6);
        const cpu = process.cpuUsage(c0);
        worstCpu = Math.max(worstCpu, (cpu.user + cpu.system) / 1000);
      }
      results.push({ case: c.name, worstMs: Math.round(worst * 10) / 10, worstCpuMs: Math.round(worstCpu * 10) / 10, hits, ...(error ? { error } : {}) });
      process.stderr.write(`${c.name.padEnd(40)} ${worst.toFixed(1).padStart(8)} ms (cpu ${worstCpu.toFixed(1).padStart(6)} ms)  ${hits} hits${error ? `  (${error})` : ''}\n`);
    }
    const worstMs = Math.max(...results.map((r) => r.worstMs));
    const worstCpuMs = Math.max(...results.map((r) => r.worstCpuMs));
    console.log(JSON.stringify({ bench: 'search-worst', messages: total, runs, worstMs, worstCpuMs, results, machine: { cpus: cpus().length, loadAverage: loadavg() } }, null, 2));
  } finally {
    await store.close();
    if (!keptDir) await rm(dir, { recursive: true, force: true });
  }
}

void main();
