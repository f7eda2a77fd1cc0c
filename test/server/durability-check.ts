import { dmRoomId, type AckReply, type ChatMessage } from '../../protocol';
import type { TestServer } from '../helpers/server';
import { connect, Client, resume, signIn, sleep, uniqueUser } from './chat-helpers';

/**
 * One crash trial shared by the durability test and bench/durability-soak.ts: several clients
 * send pipelined messages, the server is SIGKILLed at a random moment and restarted on the same
 * data dir, and every acked message must be there exactly once, in gap-free seq order.
 */
export interface Crew {
  users: { user: string; token: string }[];
  rooms: string[];
}

export interface TrialResult {
  acked: number;
  stored: number;
  server: TestServer;
}

/** Registers the senders once; later trials resume with the stored tokens (no scrypt per trial). */
export async function makeCrew(server: TestServer, size = 4): Promise<Crew> {
  const users = [];
  for (let i = 0; i < size; i++) {
    const c = await signIn(server, uniqueUser('dur'));
    users.push({ user: c.user, token: c.token });
    c.close();
  }
  const rooms = ['general', dmRoomId(users[0].user, users[1].user), dmRoomId(users[2 % size].user, users[3 % size].user)];
  return { users, rooms };
}

export async function crashTrial(server: TestServer, crew: Crew, trial: number, rnd: () => number): Promise<TrialResult> {
  const clients = await Promise.all(crew.users.map((u) => resume(server, u)));
  const acks: (AckReply & { text: string; from: string })[] = [];
  let stop = false;
  const senders = clients.map(async (client, ci) => {
    const myRooms = crew.rooms.filter((r) => r === 'general' || r.split(':').includes(client.user));
    let n = 0;
    const lane = async () => {
      while (!stop) {
        const room = myRooms[n % myRooms.length];
        const text = `t${trial}-c${ci}-${n++}`;
        try {
          const ack = await client.send(room, text, text);
          acks.push({ ...ack, text, from: client.user });
        } catch {
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  });
  // Kill at a random moment once the senders are well under way.
  const started = Date.now();
  while (acks.length < 10 && Date.now() - started < 3000) await sleep(5);
  await sleep(Math.floor(rnd() * 150));
  await server.kill();
  stop = true;
  await Promise.all(senders);
  for (const c of clients) c.close();
  const restarted = await server.restart();
  const stored = await verify(restarted, crew, acks);
  return { acked: acks.length, stored, server: restarted };
}

/** Reads every room from seq 0 and checks the invariants; returns how many messages exist. */
async function verify(server: TestServer, crew: Crew, acks: (AckReply & { text: string; from: string })[]): Promise<number> {
  let total = 0;
  const byRoom = await readAll(server, crew);
  for (const [room, messages] of byRoom) {
    total += messages.length;
    messages.forEach((m, i) => {
      if (m.seq !== i + 1) throw new Error(`${room}: seq ${m.seq} at position ${i + 1} (gap or disorder)`);
    });
    const seen = new Set<string>();
    for (const m of messages) {
      const key = `${m.from}/${m.text}`;
      if (seen.has(key)) throw new Error(`${room}: ${key} stored twice`);
      seen.add(key);
    }
  }
  for (const ack of acks) {
    const m = byRoom.get(ack.room)?.[ack.seq - 1];
    if (!m || m.msgId !== ack.msgId || m.text !== ack.text || m.from !== ack.from) {
      throw new Error(`acked ${ack.text} (${ack.room}#${ack.seq}) is missing or different after the crash`);
    }
  }
  return total;
}

/** Replays every room from seq 0 over one resume per user that covers the crew's rooms. */
async function readAll(server: TestServer, crew: Crew): Promise<Map<string, ChatMessage[]>> {
  const byRoom = new Map<string, ChatMessage[]>();
  const pending = new Set(crew.rooms);
  for (const who of crew.users) {
    const rooms = [...pending].filter((r) => r === 'general' || r.split(':').includes(who.user));
    if (rooms.length === 0) continue;
    const conn = await connect(server);
    const c = new Client(conn, who.user);
    try {
      await conn.request({ t: 'resume', token: who.token, since: Object.fromEntries(rooms.map((r) => [r, 0])) });
      for (const room of rooms) {
        await c.waitFor((f) => f.t === 'caught_up' && f.room === room, 20_000, 'caught_up');
        byRoom.set(room, c.msgs(room));
        pending.delete(room);
      }
    } finally {
      conn.close();
    }
  }
  return byRoom;
}

/** Small deterministic PRNG (mulberry32) so a failing trial can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
