import assert from 'node:assert/strict';
import { buildRows, GROUP_WINDOW_MS, type Row } from '../../webview/rows';
import { BOB, CAROL, DM_BOB, ME, T0, message } from './fixtures';

const MIN = 60_000;
const day = (ts: number): string => new Date(ts).toISOString().slice(0, 10);
const kinds = (rows: Row[]): string => rows.map((r) => (r.kind === 'msg' ? (r.head ? 'H' : 'c') : r.kind === 'pending' ? (r.head ? 'P' : 'p') : r.kind[0])).join('');

describe('webview/rows', () => {
  it('groups one sender’s messages within five minutes', () => {
    const rows = buildRows({
      room: 'general', me: ME, top: 'start', pending: [], dayOf: day,
      messages: [
        message('general', 1, BOB, 'a', T0),
        message('general', 2, BOB, 'b', T0 + MIN),
        message('general', 3, BOB, 'c', T0 + MIN + GROUP_WINDOW_MS),
        message('general', 4, BOB, 'd', T0 + 2 * MIN + 2 * GROUP_WINDOW_MS + 1),
        message('general', 5, CAROL, 'e', T0 + 3 * MIN + 2 * GROUP_WINDOW_MS),
        message('general', 6, BOB, 'f', T0 + 3 * MIN + 2 * GROUP_WINDOW_MS),
      ],
    });
    // top, day, then: 1 head, 2 and 3 continue (exactly 5 min is still grouped), 4 new head, carol, bob again.
    assert.equal(kinds(rows), 'tdHccHHH');
  });

  it('gives a room event a row of its own: no unread divider for it, and the next message heads a group', () => {
    const joined = { room: 'general', seq: 2, ts: T0 + MIN, msgId: 'e2', from: CAROL, event: { kind: 'joined' as const, user: CAROL } };
    const rows = buildRows({
      room: 'general', me: ME, top: 'start', pending: [], dayOf: day, unreadAfter: 1,
      messages: [message('general', 1, BOB, 'a', T0), joined, message('general', 3, BOB, 'b', T0 + 2 * MIN)],
    });
    // top, day, bob, the event, then the divider before bob's unread message, which heads again.
    assert.equal(kinds(rows), 'tdHeuH');
    assert.equal(rows[3].kind === 'event' && rows[3].msg.seq, 2);
  });

  it('puts a day separator before each calendar day and restarts the group', () => {
    const rows = buildRows({
      room: 'general', me: ME, top: 'more', pending: [], dayOf: day,
      messages: [message('general', 1, BOB, 'late', Date.UTC(2026, 0, 1, 23, 59)), message('general', 2, BOB, 'early', Date.UTC(2026, 0, 2, 0, 1))],
    });
    assert.equal(kinds(rows), 'tdHdH');
    assert.equal(rows[0].kind === 'top' && rows[0].state, 'more');
  });

  it('places the unread divider before the first unread message from someone else', () => {
    const msgs = [1, 2, 3, 4, 5].map((s) => message('general', s, s === 4 ? ME : BOB, `m${s}`, T0 + s * 1000));
    const rows = buildRows({ room: 'general', me: ME, top: 'start', pending: [], dayOf: day, messages: msgs, unreadAfter: 3 });
    const i = rows.findIndex((r) => r.kind === 'unread');
    assert.equal((rows[i + 1] as Extract<Row, { kind: 'msg' }>).msg.seq, 5);
    // The divider also starts a new group.
    assert.equal((rows[i + 1] as Extract<Row, { kind: 'msg' }>).head, true);
    assert.equal(buildRows({ room: 'general', me: ME, top: 'start', pending: [], messages: msgs, unreadAfter: 5 }).some((r) => r.kind === 'unread'), false);
  });

  it('marks my last message the other person has read as seen', () => {
    const msgs = [message(DM_BOB, 1, ME, 'a'), message(DM_BOB, 2, ME, 'b'), message(DM_BOB, 3, BOB, 'c'), message(DM_BOB, 4, ME, 'd')];
    const rows = buildRows({ room: DM_BOB, me: ME, top: 'start', pending: [], messages: msgs, seenSeq: 3 });
    const seen = rows.filter((r) => r.kind === 'msg' && r.seen).map((r) => (r as Extract<Row, { kind: 'msg' }>).msg.seq);
    assert.deepEqual(seen, [2]);
  });

  it('appends my pending messages, grouped with my last message', () => {
    const rows = buildRows({
      room: 'general', me: ME, top: 'start', dayOf: day,
      messages: [message('general', 1, ME, 'sent', T0)],
      pending: [{ room: 'general', cid: 'c1', text: 'queued', state: 'queued', ts: T0 + MIN }, { room: 'general', cid: 'c2', text: 'x', state: 'failed', ts: T0 + MIN }],
    });
    assert.equal(kinds(rows), 'tdHpp');
    assert.deepEqual(rows.map((r) => r.key).slice(-2), ['general|p:c1', 'general|p:c2']);
  });

  it('keys rows by room and seq so they stay stable as history grows', () => {
    const a = buildRows({ room: 'general', me: ME, top: 'more', pending: [], dayOf: day, messages: [message('general', 5, BOB, 'x', T0)] });
    const b = buildRows({ room: 'general', me: ME, top: 'more', pending: [], dayOf: day, messages: [message('general', 4, CAROL, 'y', T0 - MIN), message('general', 5, BOB, 'x', T0)] });
    assert.ok(a.some((r) => r.key === 'general|m:5') && b.some((r) => r.key === 'general|m:5'));
  });
});
