// One writer process of test/store/neo4j-several-writers.test.ts: its own Neo4jStore (own driver,
// own pool, nothing shared with the other writers but the database) appends what argv[2] says
// and prints, as one JSON line, what the store answered.
import { Neo4jStore } from '../../server/store/neo4j';
import type { NewMessage } from '../../server/store/store';

interface Job {
  uri: string;
  name: string;
  rooms: string[];
  from: string[];
  batches: number;
  batchSize: number;
  /** (from, cid) pairs every writer sends too, at the same moment: each must be stored once. */
  shared: { room: string; from: string; cid: string }[];
  react?: { room: string; target: number; users: string[] };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as Job;
  const store = new Neo4jStore({ kind: 'neo4j', uri: job.uri });
  await store.init();
  const out: { room: string; seq: number; msgId: string; cid: string; from: string; duplicate: boolean }[] = [];
  const record = (results: Awaited<ReturnType<Neo4jStore['append']>>) => {
    for (const r of results) out.push({ room: r.message.room, seq: r.message.seq, msgId: r.message.msgId, cid: r.message.cid ?? '', from: r.message.from, duplicate: r.duplicate });
  };
  // Wait for the go signal so the writers start together.
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.destroy();
  const pending: Promise<void>[] = [];
  for (let b = 0; b < job.batches; b++) {
    const batch: NewMessage[] = [];
    for (let i = 0; i < job.batchSize; i++) {
      const room = job.rooms[(b + i) % job.rooms.length];
      const from = job.from[(b * job.batchSize + i) % job.from.length];
      batch.push({ room, from, cid: `${job.name}-${b}-${i}`, ts: Date.now(), text: `${job.name} ${b}.${i}` });
    }
    if (b < job.shared.length) {
      const s = job.shared[b];
      batch.push({ room: s.room, from: s.from, cid: s.cid, ts: Date.now(), text: `shared ${s.cid}` });
    }
    // Several appends in flight at once, as the group commit of a busy node has.
    pending.push(store.append(batch).then(record));
    if (pending.length >= 3) await pending.shift();
  }
  await Promise.all(pending);
  if (job.react !== undefined) {
    const { room, target, users } = job.react;
    record(await store.append(users.map((from) => ({ room, from, cid: `${job.name}-react-${from}`, ts: Date.now(), change: { kind: 'react', target, emoji: '👍' } }))));
  }
  await store.close();
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
