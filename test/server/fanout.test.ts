import * as assert from 'node:assert/strict';
import { FrameDecoder, encodeFrame } from '../../protocol';
import { Hub } from '../../server/chat/fanout';
import { ackJson } from '../../server/chat/messaging';
import type { Peer } from '../../server/chat/peer';

/** A peer whose connection records the frames written to it, decoded. */
function fakePeer(user: string): Peer & { frames: Record<string, unknown>[]; closedWith?: string } {
  const decoder = new FrameDecoder(1 << 20);
  const peer = {
    user,
    frames: [] as Record<string, unknown>[],
    closedWith: undefined as string | undefined,
    conn: {
      write(frame: Buffer) {
        for (const f of decoder.push(frame)) peer.frames.push(f.header);
        return true;
      },
      closeWithError(code: string) {
        peer.closedWith = code;
      },
    },
  };
  return peer as unknown as Peer & { frames: Record<string, unknown>[]; closedWith?: string };
}

const msgJson = (room: string, seq: number, from: string) => `{"t":"msg","room":"${room}","seq":${seq},"from":"${from}"}`;
const ack = (room: string, seq: number) => JSON.stringify({ t: 'ack', id: seq, room, seq });
const shape = (frames: Record<string, unknown>[]) => frames.map((f) => `${f.t as string}:${f.room as string}:${f.seq as number}`);
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('hub: staged fan-out of a commit batch', () => {
  it('gives members every message once in seq order, and senders their acks in place of their own', async () => {
    const hub = new Hub();
    const [a, b, c] = ['alice1', 'bobby1', 'carol1'].map(fakePeer);
    for (const p of [a, b, c]) hub.add(p);
    const from = [a, b, a, c, b];
    from.forEach((p, i) => hub.stage('general', undefined, i + 1, msgJson('general', i + 1, p.user as string), p, ack('general', i + 1)));
    await turn();
    assert.deepEqual(shape(a.frames), ['ack:general:1', 'msg:general:2', 'ack:general:3', 'msg:general:4', 'msg:general:5']);
    assert.deepEqual(shape(b.frames), ['msg:general:1', 'ack:general:2', 'msg:general:3', 'msg:general:4', 'ack:general:5']);
    assert.deepEqual(shape(c.frames), ['msg:general:1', 'msg:general:2', 'msg:general:3', 'ack:general:4', 'msg:general:5']);
  });

  it('acks a repeated cid without delivering it, and acks senders who are not members', async () => {
    const hub = new Hub();
    const [a, b, outsider] = ['alice1', 'bobby1', 'oscar1'].map(fakePeer);
    for (const p of [a, b, outsider]) hub.add(p);
    const members = new Set(['alice1', 'bobby1']);
    hub.stage('team', members, 1, msgJson('team', 1, 'alice1'), a, ack('team', 1));
    hub.stage('team', members, 1, undefined, a, ack('team', 1));
    hub.stage('team', members, 2, msgJson('team', 2, 'oscar1'), outsider, ack('team', 2));
    await turn();
    assert.deepEqual(shape(a.frames), ['ack:team:1', 'ack:team:1', 'msg:team:2']);
    assert.deepEqual(shape(b.frames), ['msg:team:1', 'msg:team:2']);
    assert.deepEqual(shape(outsider.frames), ['ack:team:2']);
  });

  it('keeps rooms apart and flushes staged messages before any immediate delivery', async () => {
    const hub = new Hub();
    const [a, b] = ['alice1', 'bobby1'].map(fakePeer);
    for (const p of [a, b]) hub.add(p);
    hub.stage('general', undefined, 1, msgJson('general', 1, 'alice1'), a, ack('general', 1));
    hub.stage('x', new Set(['alice1', 'bobby1']), 1, msgJson('x', 1, 'alice1'), a, ack('x', 1));
    hub.stage('general', undefined, 2, msgJson('general', 2, 'alice1'), a, ack('general', 2));
    hub.toRoom('general', undefined, 3, encodeFrame({ t: 'msg', room: 'general', seq: 3 }), a);
    assert.deepEqual(shape(b.frames), ['msg:general:1', 'msg:general:2', 'msg:x:1', 'msg:general:3']);
    await turn();
    assert.equal(b.frames.length, 4);
  });

  it('holds messages for a room being replayed, up to the held limit', async () => {
    const hub = new Hub(100);
    const [a, b] = ['alice1', 'bobby1'].map(fakePeer);
    b.gates = new Map([['general', []]]);
    for (const p of [a, b]) hub.add(p);
    hub.stage('general', undefined, 1, msgJson('general', 1, 'alice1'), a, ack('general', 1));
    hub.flushStaged();
    assert.equal(b.frames.length, 0);
    assert.deepEqual(b.gates.get('general')?.map((h) => h.seq), [1]);
    hub.stage('general', undefined, 2, msgJson('general', 2, 'alice1'), a, ack('general', 2));
    hub.stage('general', undefined, 3, msgJson('general', 3, 'alice1'), a, ack('general', 3));
    hub.flushStaged();
    assert.equal(b.closedWith, 'SLOW_CONSUMER');
  });
});

describe('ack header', () => {
  it('is the JSON of the ack object, whatever the id, cid and room hold', () => {
    const cases: [string | number, string, string][] = [
      [7, 'c1', 'general'],
      ['req-"1"', 'ç\u2028\\id', 'room with "quotes" and \n'],
      [1.5e21, '\u0000', 'é🎉'],
    ];
    for (const [id, cid, room] of cases) {
      assert.equal(ackJson(id, cid, room, 42, 1764100000000, 'AbC-_9'), JSON.stringify({ t: 'ack', id, cid, room, seq: 42, ts: 1764100000000, msgId: 'AbC-_9' }));
    }
  });
});
