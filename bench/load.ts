import { performance } from 'node:perf_hooks';
import { Connection } from '../client/connection';
import type { AckReply, ServerFrame, SessionReply } from '../protocol';
import { LatencyRecorder } from './latency';

export interface Target {
  host: string;
  port: number;
}

/**
 * Opens `connections` signed-in connections spread over `users` accounts: each account
 * registers and logs in once, further connections resume with its token (no scrypt per link).
 */
export async function openClients(target: Target, connections: number, users: number, prefix: string): Promise<Connection[]> {
  const tokens: string[] = [];
  for (let start = 0; start < users; start += 20) {
    const batch = Array.from({ length: Math.min(20, users - start) }, (_, i) => start + i);
    tokens.push(
      ...(await Promise.all(
        batch.map(async (u) => {
          const conn = await Connection.open({ ...target, clientName: 'parley-bench' });
          const user = `${prefix}${String(u).padStart(5, '0')}`;
          await conn.request({ t: 'register', user, password: 'bench-password' });
          const session = await conn.request<SessionReply>({ t: 'login', user, password: 'bench-password' });
          conn.close();
          return session.token;
        }),
      )),
    );
  }
  const clients: Connection[] = [];
  for (let start = 0; start < connections; start += 100) {
    const batch = Array.from({ length: Math.min(100, connections - start) }, (_, i) => start + i);
    clients.push(
      ...(await Promise.all(
        batch.map(async (i) => {
          const conn = await Connection.open({ ...target, clientName: 'parley-bench', timeoutMs: 60_000 });
          await conn.request({ t: 'resume', token: tokens[i % users] });
          return conn;
        }),
      )),
    );
  }
  return clients;
}

export interface FanoutResult {
  durationSeconds: number;
  accepted: number;
  deliveries: number;
  expectedDeliveries: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  latency: ReturnType<LatencyRecorder['summary']>;
}

/**
 * Senders (the first `senders` clients) each send `perSender` messages to `room` with at most
 * `window` unacked; every client records what it receives. Text = "sender n sentAt" so each
 * receiver can check order, loss and duplicates per sender and measure latency.
 */
export async function runFanout(
  clients: Connection[],
  options: { room: string; senders: number; perSender: number; window: number; timeoutMs: number },
): Promise<FanoutResult> {
  const { room, senders, perSender, window } = options;
  const latency = new LatencyRecorder();
  const lastSeen = clients.map(() => new Int32Array(senders).fill(-1));
  let deliveries = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  // Each message goes to every connection but its sender's own.
  const expectedDeliveries = senders * perSender * (clients.length - 1);
  let accepted = 0;

  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const checkDone = () => {
    if (accepted === senders * perSender && deliveries + duplicated >= expectedDeliveries) finish();
  };

  clients.forEach((conn, receiver) => {
    conn.on('frame', (header: ServerFrame) => {
      if (header.t !== 'msg' || header.room !== room || header.text === undefined) return;
      const now = performance.now();
      const [s, n, sentAt] = header.text.split(' ');
      const sender = Number(s);
      if (sender === receiver) return;
      const seen = lastSeen[receiver];
      const index = Number(n);
      if (index <= seen[sender]) duplicated++;
      else {
        if (index !== seen[sender] + 1) outOfOrder++;
        seen[sender] = index;
        deliveries++;
      }
      latency.add(now - Number(sentAt));
      if (deliveries + duplicated >= expectedDeliveries) checkDone();
    });
  });

  const started = performance.now();
  const sendAll = async (sender: number) => {
    const conn = clients[sender];
    let next = 0;
    await new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      const pump = () => {
        while (inFlight < window && next < perSender) {
          const n = next++;
          inFlight++;
          conn
            .request<AckReply>({ t: 'send', room, cid: `${sender}-${n}`, text: `${sender} ${n} ${performance.now()}` }, undefined, { timeoutMs: options.timeoutMs })
            .then(() => {
              inFlight--;
              accepted++;
              if (next === perSender && inFlight === 0) resolve();
              else pump();
            }, reject);
        }
      };
      pump();
    });
  };
  await Promise.all(Array.from({ length: senders }, (_, s) => sendAll(s)));
  checkDone();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs).unref());
  await Promise.race([done, timeout]);
  const durationSeconds = (performance.now() - started) / 1000;
  return {
    durationSeconds,
    accepted,
    deliveries,
    expectedDeliveries,
    lost: expectedDeliveries - deliveries,
    duplicated,
    outOfOrder,
    latency: latency.summary(),
  };
}
