import * as assert from 'node:assert/strict';
import { Connection } from '../../client/connection';
import { ParleyClient } from '../../client/session';
import { GENERAL_ROOM, type ChatMessage, type SessionReply } from '../../protocol';
import { NODE_TTL_MS } from '../../server/cluster/cluster';
import type { Store } from '../../server/store/store';
import { Client, uniqueUser } from '../server/chat-helpers';
import type { TestServer } from '../helpers/server';
import { startNode, until, type NodeSpec } from './harness';

// The machine running these may be busy: requests get a minute, not the usual 10 s.
export const SLOW_MS = 60_000;

export function connectTo(server: TestServer): Promise<Connection> {
  return Connection.open({ host: server.host, port: server.port, clientName: 'cluster-tests', timeoutMs: SLOW_MS });
}

export async function signInAt(server: TestServer, user: string, options: { register?: boolean } = {}): Promise<Client> {
  const conn = await connectTo(server);
  if (options.register !== false) await conn.request({ t: 'register', user, password: 'secret-pw' });
  const client = new Client(conn, user);
  client.session = await conn.request<SessionReply>({ t: 'login', user, password: 'secret-pw' });
  return client;
}

export async function resumeAt(server: TestServer, c: { user: string; token: string }): Promise<Client> {
  const conn = await connectTo(server);
  const client = new Client(conn, c.user);
  client.session = await conn.request<SessionReply>({ t: 'resume', token: c.token });
  return client;
}

/** Every status `user` had in the presence frames `c` got, in order. */
export function statuses(c: Client, user: string): string[] {
  const out: string[] = [];
  for (const f of c.frames) {
    if (f.t !== 'presence') continue;
    const list = f as { changes?: { user: string; status: string }[]; users?: { user: string; status: string }[] };
    for (const e of [...(list.users ?? []), ...(list.changes ?? [])]) if (e.user === user) out.push(e.status);
  }
  return out;
}

/** Strictly increasing: in order and no repeat. */
export function assertOrderedOnce(seqs: number[], what: string): void {
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `${what}: seq ${seqs[i]} after ${seqs[i - 1]}`);
}

export interface FailoverRig {
  nodes: TestServer[];
  specs: NodeSpec[];
  balancer: { host: string; port: number };
  /** A store on the cluster's Neo4j, to check what is stored. */
  store: Store;
}

/** What one trial saw. */
export interface TrialResult {
  acked: number;
  /** From the kill to the watcher seeing the stranded user offline. */
  offlineMs: number;
}

/**
 * One kill -9 trial: three ParleyClients through the balancer send `perClient` messages each; once
 * some are acked, node `victim` is killed; a user connected only to it must go offline for a
 * watcher on another node within the TTL and a beat; the node is started again on its port.
 * Then every ack must name a message stored once with its seq and msgId, and every client must
 * have every message of the trial once, in seq order.
 */
export async function killTrial(rig: FailoverRig, trial: number, victim: number, perClient = 12): Promise<TrialResult> {
  const pcs: { pc: ParleyClient; got: ChatMessage[]; user: string }[] = [];
  const extra: Client[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const pc = new ParleyClient({ host: rig.balancer.host, port: rig.balancer.port, timeoutMs: SLOW_MS, backoff: { baseMs: 50, maxMs: 400 } });
      const got: ChatMessage[] = [];
      pc.on('message', (m) => {
        if (m.room === GENERAL_ROOM) got.push(m);
      });
      const user = uniqueUser(`k${trial}`);
      pcs.push({ pc, got, user });
      await pc.register(user, 'password1');
      await pc.login(user, 'password1');
    }
    // One connection straight on the victim, that will not come back, and a watcher elsewhere.
    const stranded = await signInAt(rig.nodes[victim], uniqueUser('strand'));
    const watcher = await signInAt(rig.nodes[(victim + 1) % 3], uniqueUser('watch'));
    extra.push(stranded, watcher);
    await until(() => statuses(watcher, stranded.user).includes('online'), SLOW_MS, 'the stranded user online');

    const tag = `t${trial}-${Math.random().toString(36).slice(2, 6)}-`;
    let acked = 0;
    const sends = pcs.flatMap(({ pc, user }) =>
      Array.from({ length: perClient }, (_, i) =>
        pc.send(GENERAL_ROOM, { text: `${tag}${user} ${i}` }, { cid: `${tag}${user}-${i}` }).then((ack) => {
          acked++;
          return ack;
        }),
      ),
    );
    await until(() => acked >= perClient, SLOW_MS, 'traffic under way');
    const killedAt = Date.now();
    const port = rig.nodes[victim].port;
    await rig.nodes[victim].kill();
    await until(() => statuses(watcher, stranded.user).includes('offline'), NODE_TTL_MS + 3000, `the dead node's user offline within ${NODE_TTL_MS} ms and a beat`);
    const offlineMs = Date.now() - killedAt;
    rig.nodes[victim].cleanup();
    rig.nodes[victim] = await startNode(rig.specs[victim], port);
    const acks = await Promise.all(sends);

    // The store: each acknowledged message once, with the seq and msgId its ack named.
    const total = 3 * perClient;
    const first = Math.min(...acks.map((a) => a.seq));
    const log = (await rig.store.since(GENERAL_ROOM, first - 1, 10_000)).filter((m) => m.cid?.startsWith(tag));
    assert.equal(log.length, total, `trial ${trial}: ${log.length} stored of ${total}`);
    const byCid = new Map(log.map((m) => [m.cid, m]));
    for (const ack of acks) {
      const stored = byCid.get(ack.cid);
      assert.ok(stored, `trial ${trial}: ${ack.cid} acked but not stored`);
      assert.equal(stored.seq, ack.seq);
      assert.equal(stored.msgId, ack.msgId);
    }
    // Every client: all of the trial's messages, once each, in seq order.
    for (const { got, user } of pcs) {
      await until(() => got.filter((m) => m.cid?.startsWith(tag)).length >= total, SLOW_MS, `trial ${trial}: ${user} to have every message`);
      const mine = got.filter((m) => m.cid?.startsWith(tag)).map((m) => m.seq);
      assertOrderedOnce(mine, `trial ${trial} ${user}`);
      assert.equal(mine.length, total);
    }
    return { acked: acks.length, offlineMs };
  } finally {
    for (const { pc } of pcs) pc.close();
    for (const c of extra) c.close();
  }
}
