import * as assert from 'node:assert/strict';
import { Sequencer } from '../../client/sequencer';
import type { ChatMessage } from '../../protocol';

const m = (seq: number, room = 'general'): ChatMessage => ({ room, seq, ts: seq, msgId: `m${seq}`, from: 'someone', text: `#${seq}` });
const seqs = (list: ChatMessage[]): number[] => list.map((x) => x.seq);

describe('client/sequencer', () => {
  it('hands out each seq once and drops duplicates', () => {
    const s = new Sequencer();
    s.track('general', 0);
    assert.deepEqual(seqs(s.push(m(1))), [1]);
    assert.deepEqual(seqs(s.push(m(1))), []);
    assert.deepEqual(seqs(s.push(m(2))), [2]);
    assert.deepEqual(seqs(s.push(m(2))), []);
    assert.deepEqual(seqs(s.push(m(1))), []);
    assert.equal(s.lastSeq('general'), 2);
  });

  it('holds messages past a hole and releases them in order', () => {
    const s = new Sequencer();
    s.track('general', 0);
    assert.deepEqual(seqs(s.push(m(3))), []);
    assert.deepEqual(seqs(s.push(m(2))), []);
    assert.deepEqual(s.gap('general'), { room: 'general', from: 1, to: 1 });
    assert.deepEqual(seqs(s.push(m(3))), []);
    assert.deepEqual(seqs(s.push(m(1))), [1, 2, 3]);
    assert.equal(s.gap('general'), undefined);
  });

  it('keeps rooms apart', () => {
    const s = new Sequencer();
    s.track('a', 5);
    s.track('b', 0);
    assert.deepEqual(seqs(s.push(m(5, 'a'))), []);
    assert.deepEqual(seqs(s.push(m(1, 'b'))), [1]);
    assert.deepEqual(seqs(s.push(m(6, 'a'))), [6]);
    assert.deepEqual(s.since(), { a: 6, b: 1 });
  });

  it('starts an untracked room at the first message seen', () => {
    const s = new Sequencer();
    assert.deepEqual(seqs(s.push(m(7, 'dm:a:b'))), [7]);
    assert.equal(s.lastSeq('dm:a:b'), 7);
  });

  it('reports a gap up to an expected seq and skips what cannot be filled', () => {
    const s = new Sequencer();
    s.track('general', 2);
    s.expect('general', 6);
    assert.deepEqual(s.gap('general'), { room: 'general', from: 3, to: 6 });
    s.push(m(8));
    assert.deepEqual(s.gap('general'), { room: 'general', from: 3, to: 7 });
    assert.deepEqual(seqs(s.skip('general', 7)), [8]);
    assert.equal(s.gap('general'), undefined);
  });

  it('never moves a room backwards', () => {
    const s = new Sequencer();
    s.track('general', 10);
    s.track('general', 4);
    assert.equal(s.lastSeq('general'), 10);
    s.untrack('general');
    assert.equal(s.isTracked('general'), false);
  });
});
