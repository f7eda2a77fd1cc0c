import * as assert from 'node:assert/strict';
import { ParleyError } from '../../protocol';
import { GroupCommit } from '../../server/chat/group-commit';
import type { AppendResult, NewMessage } from '../../server/store/store';

/** Records batches and numbers messages per room, like a store would. */
function recorder(fail = false) {
  const batches: NewMessage[][] = [];
  const seqs = new Map<string, number>();
  let release: () => void = () => {};
  let gate = Promise.resolve();
  return {
    batches,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
    async append(batch: NewMessage[]): Promise<AppendResult[]> {
      batches.push(batch);
      await gate;
      if (fail) throw new ParleyError('STORE_UNAVAILABLE');
      return batch.map((m) => {
        const seq = (seqs.get(m.room) ?? 0) + 1;
        seqs.set(m.room, seq);
        return { duplicate: false, message: { room: m.room, seq, ts: m.ts, msgId: `${m.room}/${seq}`, from: m.from, text: m.text } };
      });
    },
  };
}

const fail = (err: unknown) => assert.fail(String(err));
const msg = (i: number, room = 'general'): NewMessage => ({ room, from: 'alice1', cid: `c${i}`, ts: i, text: `m${i}` });

function addAll(commit: GroupCommit, messages: NewMessage[]): Promise<(AppendResult | Error)[]> {
  return Promise.all(
    messages.map(
      (m) => new Promise<AppendResult | Error>((resolve) => commit.add(m, (err, result) => resolve(err ?? (result as AppendResult)))),
    ),
  );
}

describe('group commit', () => {
  it('puts messages of one turn into one append and answers in order', async () => {
    const store = recorder();
    const commit = new GroupCommit(store, fail);
    const results = await addAll(commit, Array.from({ length: 50 }, (_, i) => msg(i)));
    assert.equal(store.batches.length, 1);
    assert.deepEqual(
      results.map((r) => (r as AppendResult).message.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it('runs one append at a time; what arrives meanwhile forms the next batch', async () => {
    const store = recorder();
    const commit = new GroupCommit(store, fail, 10);
    store.hold();
    const first = addAll(commit, [msg(0)]);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = addAll(commit, Array.from({ length: 25 }, (_, i) => msg(i + 1)));
    assert.equal(store.batches.length, 1);
    store.release();
    await first;
    await rest;
    assert.deepEqual(
      store.batches.map((b) => b.length),
      [1, 10, 10, 5],
    );
    await commit.idle();
  });

  it('fails every message of a failed append and keeps going', async () => {
    const store = recorder(true);
    const commit = new GroupCommit(store, fail);
    const results = await addAll(commit, [msg(1), msg(2)]);
    assert.ok(results.every((r) => r instanceof ParleyError && r.code === 'STORE_UNAVAILABLE'));
    await commit.idle();
  });

  it("delivers a batch (its callbacks' microtasks) before the next batch is appended", async () => {
    // A store whose append does its work synchronously, like SQLite's: the next batch must not
    // commit before the acks and messages of this one went out.
    const order: string[] = [];
    let n = 0;
    const store = {
      append(batch: NewMessage[]): Promise<AppendResult[]> {
        order.push(`append ${batch.map((m) => m.cid).join(',')}`);
        return Promise.resolve(batch.map((m) => ({ duplicate: false, message: { room: m.room, seq: ++n, ts: m.ts, msgId: `id${n}`, from: m.from, text: m.text } })));
      },
    };
    const commit = new GroupCommit(store, fail);
    await new Promise<void>((resolve) => {
      commit.add(msg(0), () => {
        // Arrives while the first batch is answered: it forms the next batch.
        commit.add(msg(1), () => resolve());
        queueMicrotask(() => order.push('delivered c0'));
      });
    });
    assert.deepEqual(order, ['append c0', 'delivered c0', 'append c1']);
  });

  it('tells it drained once every ready batch is answered and delivered, once for several batches', async () => {
    const order: string[] = [];
    const store = recorder();
    const commit = new GroupCommit(store, fail, 10, undefined, () => order.push('drained'));
    // 25 messages at once with batches of 10: three appends, then one drained.
    const results = addAll(
      commit,
      Array.from({ length: 25 }, (_, i) => msg(i)),
    );
    await results;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.batches.length, 3);
    assert.deepEqual(order, ['drained']);
  });
});
