import * as assert from 'node:assert/strict';
import { RoomOrder, type OrderedEvent } from '../../server/cluster/room-order';

function ev(seq: number, except?: string): OrderedEvent<string> {
  return { seq, frame: Buffer.from(`e${seq}`), ...(except !== undefined ? { except } : {}) };
}

/** A room order over a fake store holding `stored` (seq → event); records deliveries. */
function setup(stored: number[] = [], gapWaitMs = 20) {
  const delivered: { room: string; seq: number; except?: string }[] = [];
  const fills: number[] = [];
  let onDeliver: (() => void) | undefined;
  const order = new RoomOrder<string>({
    deliver: (room, e) => {
      delivered.push({ room, seq: e.seq, ...(e.except !== undefined ? { except: e.except } : {}) });
      onDeliver?.();
    },
    fill: (_room, after) => {
      fills.push(after);
      return Promise.resolve(stored.filter((s) => s > after).slice(0, 2).map((s) => ev(s)));
    },
    gapWaitMs,
    page: 2,
  });
  const deliveredUpTo = (seq: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (delivered.some((d) => d.seq === seq)) resolve();
      };
      onDeliver = check;
      check();
    });
  return { order, delivered, fills, deliveredUpTo };
}

describe('cluster room order', () => {
  it('delivers in seq order, holds what comes past a hole, and drops repeats', () => {
    const { order, delivered } = setup();
    order.track('r', 3);
    order.offer('r', ev(4));
    order.offer('r', ev(6));
    order.offer('r', ev(4));
    assert.deepEqual(delivered.map((d) => d.seq), [4]);
    order.offer('r', ev(5));
    assert.deepEqual(delivered.map((d) => d.seq), [4, 5, 6]);
    order.offer('r', ev(2));
    order.offer('r', ev(6));
    assert.deepEqual(delivered.map((d) => d.seq), [4, 5, 6]);
    order.close();
  });

  it('ignores rooms it does not track (no member of them on this node)', () => {
    const { order, delivered } = setup();
    assert.equal(order.offer('elsewhere', ev(1)), false);
    assert.equal(delivered.length, 0);
  });

  it('fills a hole that stays open from the store, page by page, keeping the held copy that names its sender', async () => {
    const { order, delivered, fills, deliveredUpTo } = setup([1, 2, 3, 4, 5]);
    order.track('r', 0);
    order.offer('r', ev(1));
    order.offer('r', ev(5, 'sender'));
    await deliveredUpTo(5);
    assert.deepEqual(delivered.map((d) => d.seq), [1, 2, 3, 4, 5]);
    assert.equal(delivered[4].except, 'sender');
    assert.ok(fills.length >= 2, 'read in pages of 2');
    // The fill counts itself once its last page is read.
    while (order.stats().gapFills === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.stats().gapFills, 1);
    assert.equal(order.stats().filledEvents, 3);
    order.close();
  });

  it('fills a hole only up to the last event it holds: what the store has past it comes by its own offer, sender left out', async () => {
    // 3 is in the store already, committed here, and not offered yet: its offer names the sender.
    const { order, delivered, deliveredUpTo, fills } = setup([1, 2, 3]);
    order.track('r', 0);
    order.offer('r', ev(2));
    await deliveredUpTo(2);
    while (order.stats().gapFills === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(delivered.map((d) => d.seq), [1, 2]);
    assert.equal(fills.length, 1);
    order.offer('r', ev(3, 'sender'));
    assert.deepEqual(delivered.map((d) => [d.seq, d.except]), [[1, undefined], [2, undefined], [3, 'sender']]);
    order.close();
  });

  it('after a reconnect, fillAll brings every tracked room up to the store', async () => {
    const { order, delivered, deliveredUpTo } = setup([1, 2, 3]);
    order.track('r', 1);
    order.fillAll();
    await deliveredUpTo(3);
    assert.deepEqual(delivered.map((d) => d.seq), [2, 3]);
    order.close();
  });
  it('holds a paused room\'s events from before its lastSeq is known, then delivers those after it once, in order', async () => {
    // The store has 1..6; the load reads lastSeq 3; 4 and 6 are published before the load ends, 5 is lost.
    const { order, delivered, deliveredUpTo } = setup([1, 2, 3, 4, 5, 6]);
    order.pause('r');
    assert.equal(order.offer('r', ev(2)), true, 'a paused room takes events');
    order.offer('r', ev(4));
    order.offer('r', ev(6));
    assert.equal(order.isTracked('r'), false, 'not tracked until its lastSeq is known');
    order.track('r', 3);
    order.offer('r', ev(4));
    assert.equal(delivered.length, 0, 'nothing goes out while paused');
    order.resume('r');
    await deliveredUpTo(6);
    assert.deepEqual(delivered.map((d) => d.seq), [4, 5, 6]);
    order.offer('r', ev(7));
    assert.deepEqual(delivered.map((d) => d.seq), [4, 5, 6, 7], 'live again after resume');
    order.close();
  });

  it('reads a paused room from the store on resume: an event published before the pause, while the load was under way, is not lost', async () => {
    // The load read lastSeq 3 before the pause; 4 was published then, when nothing tracked the room.
    const { order, delivered, deliveredUpTo } = setup([1, 2, 3, 4]);
    assert.equal(order.offer('r', ev(4)), false);
    order.pause('r');
    order.track('r', 3);
    order.resume('r');
    await deliveredUpTo(4);
    assert.deepEqual(delivered.map((d) => d.seq), [4]);
    order.close();
  });

  it('a tracked room paused twice delivers only after both resumes, and a fill asked for meanwhile runs then', async () => {
    const { order, delivered, deliveredUpTo } = setup([1, 2, 3]);
    order.track('r', 1);
    order.pause('r');
    order.pause('r');
    order.fillAll();
    order.offer('r', ev(3));
    order.resume('r');
    assert.equal(delivered.length, 0);
    order.resume('r');
    await deliveredUpTo(3);
    assert.deepEqual(delivered.map((d) => d.seq), [2, 3]);
    order.close();
  });

  it('forgets a paused room whose load never told its lastSeq (the room is gone)', () => {
    const { order } = setup();
    order.pause('gone');
    order.offer('gone', ev(1));
    order.resume('gone');
    assert.equal(order.offer('gone', ev(2)), false);
    assert.equal(order.stats().rooms, 0);
  });
});
