import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { GENERAL_ROOM } from '../../protocol';
import { Neo4jStore } from '../../server/store/neo4j';
import { useNeo4j } from '../helpers/neo4j';

interface Written {
  room: string;
  seq: number;
  msgId: string;
  cid: string;
  from: string;
  duplicate: boolean;
}

const CHILD = path.join(__dirname, 'neo4j-writer-child.ts');

/** Starts one writer process per job, lets them go at once, and collects what each was answered. */
async function writers(jobs: object[]): Promise<Written[][]> {
  const children = jobs.map((job) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', CHILD, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<Written[]>((resolve, reject) => {
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Written[]) : reject(new Error(`writer exited ${code}: ${err}`))));
    });
    return { child, done };
  });
  // Each child connects and inits first; a short line on stdin starts them all.
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (const c of children) c.child.stdin.write('go\n');
  return Promise.all(children.map((c) => c.done));
}

// Several parley-server nodes append to one Neo4j: seqs must come from a counter the database
// serialises (the room's lastSeq read under the room's write lock), and a resend must be found by
// the (from, cid) constraint, not by anything a process remembers. These writers are separate
// processes, as cluster nodes are.
describe('Neo4j store: several writer processes on one database', function () {
  this.timeout(120_000);
  const server = useNeo4j();
  const USERS = ['ann', 'ben', 'cat', 'dan'];

  beforeEach(async () => {
    await server.wipe();
    const store = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
    await store.init();
    try {
      for (const name of USERS) await store.createUser({ name, passwordHash: 'x', createdAt: 1 });
      await store.createRoom({ id: 'ops', kind: 'group', name: 'ops', createdBy: 'ann', createdAt: 1 }, USERS);
    } finally {
      await store.close();
    }
  });

  it('hands out every room seq once and gap-free, and stores a (from, cid) sent through every writer once', async () => {
    const rooms = [GENERAL_ROOM, 'ops'];
    const shared = Array.from({ length: 8 }, (_, i) => ({ room: rooms[i % 2], from: USERS[i % USERS.length], cid: `shared-${i}` }));
    const jobs = ['w1', 'w2', 'w3'].map((name) => ({ uri: server.uri, name, rooms, from: USERS, batches: 30, batchSize: 5, shared }));
    const results = await writers(jobs);

    const store = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
    await store.init();
    try {
      for (const room of rooms) {
        const log = await store.since(room, 0, 10_000);
        const seqs = log.map((m) => m.seq);
        assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), `${room}: seqs 1..n, each once`);
        const cids = new Set(log.map((m) => `${m.from}/${m.cid}`));
        assert.equal(cids.size, log.length, `${room}: no (from, cid) stored twice`);
      }
      const all = [...(await store.since(GENERAL_ROOM, 0, 10_000)), ...(await store.since('ops', 0, 10_000))];
      assert.equal(all.length, 3 * 30 * 5 + shared.length);
      // Every answer names what is stored: same seq and msgId for the same (from, cid).
      const stored = new Map(all.map((m) => [`${m.from}/${m.cid}`, m]));
      for (const list of results) {
        for (const w of list) {
          const m = stored.get(`${w.from}/${w.cid}`);
          assert.ok(m, `${w.cid} answered but not stored`);
          assert.equal(w.seq, m.seq);
          assert.equal(w.msgId, m.msgId);
        }
      }
      // The shared cids: one writer stored each, the other two were told "duplicate".
      for (const s of shared) {
        const answers = results.map((list) => list.find((w) => w.cid === s.cid && w.from === s.from));
        assert.equal(answers.filter((a) => a?.duplicate === false).length, 1, `${s.cid} stored by exactly one writer`);
        assert.equal(answers.filter((a) => a?.duplicate === true).length, 2);
      }
    } finally {
      await store.close();
    }
  });

  it('keeps the log gap-free when changes race from several writers to one message', async () => {
    const store = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
    await store.init();
    let target: number;
    try {
      target = (await store.append([{ room: 'ops', from: 'ann', cid: 'root', ts: 1, text: 'react to me' }]))[0].message.seq;
    } finally {
      await store.close();
    }
    // Every writer posts and reacts with every user: one reaction per (user, emoji) may be stored.
    const jobs = ['r1', 'r2', 'r3'].map((name) => ({ uri: server.uri, name, rooms: ['ops'], from: USERS, batches: 6, batchSize: 3, shared: [], react: { room: 'ops', target, users: USERS } }));
    await writers(jobs);
    const check = new Neo4jStore({ kind: 'neo4j', uri: server.uri });
    await check.init();
    try {
      const log = await check.since('ops', 0, 10_000);
      assert.deepEqual(log.map((m) => m.seq), Array.from({ length: log.length }, (_, i) => i + 1));
      const reactions = log.filter((m) => m.change?.kind === 'react');
      assert.equal(reactions.length, USERS.length, 'one stored reaction per user, whichever writer got there first');
      assert.equal(log.length, 1 + 3 * 6 * 3 + USERS.length);
    } finally {
      await check.close();
    }
  });
});
