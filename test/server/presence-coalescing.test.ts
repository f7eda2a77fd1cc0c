import * as assert from 'node:assert/strict';
import type { PresenceEvent, ServerFrame } from '../../protocol';
import { TestServer } from '../helpers/server';
import { signIn, type Client } from './chat-helpers';

const FLIPS = 1000;
// Flips go out in this many bursts with a round trip between them, so the server handles them
// over many event-loop turns rather than a couple of socket reads.
const BURSTS = 20;
const INTERVAL_MS = 1000;

const about = (user: string) => (f: ServerFrame) => f.t === 'presence' && !!f.changes?.some((c) => c.user === user);

describe('server: presence is coalesced', function () {
  this.timeout(60_000);
  let server: TestServer;
  const clients: Client[] = [];
  const track = async (p: Promise<Client>) => {
    const c = await p;
    clients.push(c);
    return c;
  };
  before(async () => {
    // The status budget is raised so that coalescing, not the budget, is what bounds the frames.
    server = await TestServer.start({ args: ['--request-limits', 'status=100000/100000'] });
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.stop();
    server.cleanup();
  });

  it('sends a bounded number of frames for 1000 flips and ends on the last state', async () => {
    const watcher = await track(signIn(server));
    const flipper = await track(signIn(server));
    const room = `flip-${process.pid}-${Date.now()}`;
    await flipper.conn.request({ t: 'create', name: room });
    await watcher.conn.request({ t: 'join', room });
    // Joining introduced them: the watcher has the flipper's state before the flood starts.
    await watcher.waitFor((f) => about(flipper.user)(f) && !!(f as PresenceEvent).changes?.some((c) => c.user === flipper.user && c.status === 'online'));
    const mark = watcher.frames.length;
    const started = Date.now();
    for (let b = 0; b < BURSTS; b++) {
      for (let i = 0; i < FLIPS / BURSTS; i++) {
        const n = b * (FLIPS / BURSTS) + i;
        const last = n === FLIPS - 1;
        flipper.conn.send({ t: 'status', status: n % 2 === 0 ? 'away' : 'online', context: last ? 'final' : `n${n}` });
      }
      await flipper.conn.request({ t: 'ping' });
    }
    const final = await watcher.waitFor<PresenceEvent>(
      (f) => watcher.frames.indexOf(f) >= mark && f.t === 'presence' && !!f.changes?.some((c) => c.user === flipper.user && c.context === 'final'),
      10_000,
      'the final state',
    );
    const elapsed = Date.now() - started;
    assert.deepEqual(
      final.changes?.find((c) => c.user === flipper.user),
      { user: flipper.user, status: 'online', context: 'final' },
    );
    const frames = watcher.frames.slice(mark).filter(about(flipper.user));
    // One right away, then at most one per interval while the flood lasted.
    assert.ok(frames.length <= 2 + Math.ceil(elapsed / INTERVAL_MS), `${frames.length} presence frames in ${elapsed} ms`);
  });

  it('loses no change: a status set right after another arrives within the interval', async () => {
    const watcher = await track(signIn(server));
    const user = await track(signIn(server));
    const room = `pair-${process.pid}-${Date.now()}`;
    await user.conn.request({ t: 'create', name: room });
    await watcher.conn.request({ t: 'join', room });
    user.conn.send({ t: 'status', status: 'away', context: 'first' });
    await watcher.waitFor((f) => f.t === 'presence' && !!f.changes?.some((c) => c.user === user.user && c.context === 'first'));
    user.conn.send({ t: 'status', status: 'away', context: 'second' });
    await watcher.waitFor((f) => f.t === 'presence' && !!f.changes?.some((c) => c.user === user.user && c.context === 'second'), 2 * INTERVAL_MS + 3000);
  });
});
