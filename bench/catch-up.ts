// CU: a client that was away while 10 000 room events happened signs in again with `resume`
// and is handed every one of them (posts, replies, reactions, edits), then `caught_up`. The
// same with 10 000 plain posts in the same run is the baseline.
import { performance } from 'node:perf_hooks';
import { Connection } from '../client/connection';
import type { AckReply, ServerFrame, SessionReply } from '../protocol';
import { round } from './latency';
import { registerUsers, type Target } from './load';
import { mixOp } from './mix';
import type { Workload } from './workloads';

const EVENTS = 10_000;
/** Requests in flight while the events are made. */
const WINDOW = 200;

/** Makes `count` room events in `room` as one user; mixed: reactions, edits and replies among them. */
async function makeEvents(conn: Connection, room: string, count: number, mixed: boolean, tag: string): Promise<void> {
  const posts: number[] = [];
  const used = { react: 0, edit: 0, reply: 0 };
  for (let start = 0; start < count; start += WINDOW) {
    const chunk: Promise<unknown>[] = [];
    for (let n = start; n < Math.min(count, start + WINDOW); n++) {
      let kind = mixOp(n, mixed);
      if (kind !== 'post' && used[kind] >= posts.length) kind = 'post';
      const cid = `${tag}-${n}`;
      const text = `event ${n} of the catch-up bench`;
      if (kind === 'post') chunk.push(conn.request<AckReply>({ t: 'send', room, cid, text }).then((ack) => posts.push(ack.seq)));
      else if (kind === 'reply') chunk.push(conn.request({ t: 'send', room, cid, text, root: posts[used.reply++] }));
      else if (kind === 'edit') chunk.push(conn.request({ t: 'change', room, cid, kind: 'edit', target: posts[used.edit++], text: `${text}, edited` }));
      else chunk.push(conn.request({ t: 'change', room, cid, kind: 'react', target: posts[used.react++], emoji: '👍' }));
    }
    await Promise.all(chunk);
  }
}

/** Resumes with `since` and times the replay up to `caught_up`; counts what came. */
async function catchUp(target: Target, token: string, room: string, since: number): Promise<{ seconds: number; events: number; lastSeq: number }> {
  const conn = await Connection.open({ ...target, clientName: 'parley-bench', timeoutMs: 120_000 });
  try {
    let events = 0;
    let lastSeq = since;
    const started = performance.now();
    const done = new Promise<void>((resolve) => {
      conn.on('frame', (frame: ServerFrame) => {
        if ((frame.t === 'msg' || frame.t === 'change') && frame.room === room) {
          events++;
          lastSeq = frame.seq;
        } else if (frame.t === 'caught_up' && frame.room === room) resolve();
      });
    });
    await conn.request<SessionReply>({ t: 'resume', token, since: { [room]: since } });
    await done;
    return { seconds: (performance.now() - started) / 1000, events, lastSeq };
  } finally {
    conn.close();
  }
}

export const catchUpWorkload: Workload = {
  name: 'CU',
  description: `a client away for ${EVENTS} room events resumes: mixed events against plain posts`,
  async run(ctx) {
    const [alice, bob] = await registerUsers(ctx.target, 2, 'cuu');
    const writer = await Connection.open({ ...ctx.target, clientName: 'parley-bench', timeoutMs: 120_000 });
    await writer.request({ t: 'resume', token: alice });
    const results: Record<string, unknown> = {};
    ctx.measure();
    try {
      for (const mixed of [false, true]) {
        const room = 'general';
        const base = (await writer.request<SessionReply>({ t: 'resume', token: alice })).rooms.find((r) => r.id === room)?.lastSeq ?? 0;
        await makeEvents(writer, room, EVENTS, mixed, mixed ? 'mix' : 'plain');
        const r = await catchUp(ctx.target, bob, room, base);
        if (r.events !== EVENTS || r.lastSeq !== base + EVENTS) throw new Error(`catch-up delivered ${r.events} events up to seq ${r.lastSeq}, expected ${EVENTS} up to ${base + EVENTS}`);
        results[mixed ? 'mixed' : 'plain'] = { events: r.events, seconds: round(r.seconds), eventsPerSecond: Math.round(r.events / r.seconds) };
      }
    } finally {
      writer.close();
    }
    const plain = results.plain as { seconds: number };
    const mixed = results.mixed as { seconds: number };
    return { ...results, mixedOverPlain: round(mixed.seconds / plain.seconds, 2) };
  },
};
