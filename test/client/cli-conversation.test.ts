import * as assert from 'node:assert/strict';
import { CliUser, type Tail } from '../helpers/cli';
import { TestServer } from '../helpers/server';

interface HistoryLine {
  seq: number;
  from: string;
  text: string | null;
  edited: boolean;
  deleted: boolean;
  reactions: Record<string, string[]>;
  replies: number;
  root?: number;
  pinned: boolean;
  resolved: boolean;
}

const parse = (stdout: string): HistoryLine[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as HistoryLine);

describe('parley conversation commands against a real server', function () {
  this.timeout(60_000);
  let server: TestServer;
  const current = (): TestServer => server;
  const alice = new CliUser('alice_conv', current);
  const bob = new CliUser('bob_conv', current);
  const room = 'general';
  const tails: Tail[] = [];

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0'] });
    for (const u of [alice, bob]) {
      await u.ok(['register', '--user', u.name, '--password', 'password1']);
      await u.ok(['login', '--user', u.name, '--password', 'password1']);
    }
  });

  after(async () => {
    for (const t of tails.splice(0)) await t.stop();
    await server?.stop();
    server?.cleanup();
    for (const u of [alice, bob]) u.cleanup();
  });

  async function history(): Promise<HistoryLine[]> {
    return parse(await alice.ok(['history', '--room', room, '--json']));
  }

  it('replies, reacts, edits, pins and resolves, and history --json shows the state', async () => {
    const sent = /#(\d+)\]/.exec(await alice.ok(['send', '--room', room, 'Who reviews the parser?']));
    const root = Number(sent?.[1]);
    assert.ok(root > 0);

    assert.match(await bob.ok(['reply', '--room', room, String(root), 'I can, after lunch']), new RegExp(`^Replied \\[general #\\d+\\] in the thread of #${root}\\n$`));
    await alice.ok(['reply', '--room', room, '--in-room', String(root), 'Thanks, also for the room']);
    assert.match(await bob.ok(['react', '--room', room, String(root), '👍']), /^Reacted 👍 to #\d+ \[general #\d+\]\n$/);
    assert.equal(await bob.ok(['react', '--room', room, String(root), '👍']), `You had already reacted 👍 to #${root}.\n`);
    await alice.ok(['react', '--room', room, String(root), '👍']);
    await alice.ok(['react', '--room', room, String(root), '🎉']);
    await alice.ok(['react', '--room', room, '--remove', String(root), '🎉']);
    assert.match(await alice.ok(['edit', '--room', room, String(root), 'Who reviews the new parser?']), /^Edited #\d+/);
    assert.match(await alice.ok(['pin', '--room', room, String(root)]), /^Pinned #\d+/);
    assert.match(await bob.ok(['resolve', '--room', room, String(root)]), /^Resolved the thread of #\d+/);

    const lines = await history();
    const rootLine = lines.find((l) => l.seq === root);
    assert.ok(rootLine);
    assert.equal(rootLine.text, 'Who reviews the new parser?');
    assert.equal(rootLine.from, 'alice_conv');
    assert.equal(rootLine.edited, true);
    assert.equal(rootLine.deleted, false);
    assert.deepEqual(rootLine.reactions, { '👍': ['bob_conv', 'alice_conv'] });
    assert.equal(rootLine.replies, 2);
    assert.equal(rootLine.pinned, true);
    assert.equal(rootLine.resolved, true);
    // The thread-only reply stays out of the room's history; the one sent to the room is in it.
    assert.deepEqual(
      lines.filter((l) => l.root === root).map((l) => l.text),
      ['Thanks, also for the room'],
    );

    const thread = parse(await bob.ok(['thread', '--room', room, '--json', String(root)]));
    assert.deepEqual(thread.map((l) => [l.from, l.text]), [
      ['alice_conv', 'Who reviews the new parser?'],
      ['bob_conv', 'I can, after lunch'],
      ['alice_conv', 'Thanks, also for the room'],
    ]);
    assert.deepEqual(thread.slice(1).map((l) => l.root), [root, root]);

    const pins = parse(await bob.ok(['pins', '--room', room, '--json']));
    assert.deepEqual(pins.map((l) => l.seq), [root]);
    const text = await bob.ok(['thread', '--room', room, String(root)]);
    assert.match(text.split('\n')[0], /Who reviews the new parser\? {2}\(edited\) 👍 2 \[2 replies\] \[pinned\] \[resolved by bob_conv\]$/);
    assert.match(text.split('\n')[1], new RegExp(`^\\[general #\\d+ ↳ #${root}\\] bob_conv: I can, after lunch$`));

    await alice.ok(['resolve', '--room', room, '--reopen', String(root)]);
    await alice.ok(['pin', '--room', room, '--remove', String(root)]);
    const after = (await history()).find((l) => l.seq === root);
    assert.equal(after?.resolved, false);
    assert.equal(after?.pinned, false);
    assert.deepEqual(parse(await alice.ok(['threads', '--room', room, '--open', '--json'])).map((l) => l.seq), [root]);
  });

  it('shows a participant the unread replies of their threads, and parley thread reads them', async () => {
    const own = 'threads-unread';
    await alice.ok(['create', own]);
    await bob.ok(['join', own]);
    const root = Number(/#(\d+)\]/.exec(await alice.ok(['send', '--room', own, 'Release checklist?']))?.[1]);
    await bob.ok(['reply', '--room', own, String(root), 'Step one']);
    await bob.ok(['reply', '--room', own, String(root), 'Step two']);
    const listed = parse(await alice.ok(['threads', '--room', own, '--json'])) as (HistoryLine & { unread?: number })[];
    assert.deepEqual(listed.map((m) => ({ seq: m.seq, unread: m.unread })), [{ seq: root, unread: 2 }]);
    assert.match(await alice.ok(['threads', '--room', own]), /Release checklist\? .*\[2 unread\]\n$/);
    assert.match(await alice.ok(['rooms']), new RegExp(`${own}\t.*, 2 unread in your threads`));
    assert.equal((parse(await bob.ok(['threads', '--room', own, '--json']))[0] as { unread?: number }).unread, 0, 'his own replies');
    await alice.ok(['thread', '--room', own, String(root)]);
    const after = parse(await alice.ok(['threads', '--room', own, '--json'])) as (HistoryLine & { unread?: number })[];
    assert.equal(after[0].unread, 0, 'printing the thread read it');
    assert.doesNotMatch(await alice.ok(['threads', '--room', own]), /\[\d+ unread\]/);
  });

  it('deletes to a tombstone that tail reports, and refuses what is not allowed with exit 1', async () => {
    const tail = bob.tail(['--room', room]);
    tails.push(tail);
    await tail.waitFor(() => tail.stderr.includes('tailing'), 'tail start');
    const seq = Number(/#(\d+)\]/.exec(await alice.ok(['send', '--room', room, 'a secret I should not have posted']))?.[1]);
    await tail.waitFor(() => tail.stdout.includes('a secret'), 'the message');

    const notMine = await bob.run(['edit', '--room', room, String(seq), 'mine now']);
    assert.equal(notMine.code, 1);
    assert.match(notMine.stderr, /NOT_AUTHOR/);
    const bobDelete = await bob.run(['delete', '--room', room, String(seq)]);
    assert.equal(bobDelete.code, 1);
    assert.match(bobDelete.stderr, /NOT_AUTHOR/);

    assert.match(await alice.ok(['delete', '--room', room, String(seq)]), /^Deleted #\d+/);
    await tail.waitFor(() => tail.stdout.includes(`alice_conv deleted #${seq}`), 'the delete');
    assert.equal(await alice.ok(['delete', '--room', room, String(seq)]), `#${seq} was already deleted.\n`);
    const gone = (await history()).find((l) => l.seq === seq);
    assert.deepEqual(gone && { text: gone.text, deleted: gone.deleted }, { text: null, deleted: true });

    const onDeleted = await bob.run(['react', '--room', room, String(seq), '👀']);
    assert.equal(onDeleted.code, 1);
    assert.match(onDeleted.stderr, /MESSAGE_DELETED/);
    const usage = await bob.run(['react', '--room', room, String(seq)]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /react needs an EMOJI after SEQ/);
    const notEmoji = await bob.run(['react', '--room', room, '1', 'thumbs']);
    assert.equal(notEmoji.code, 1);
    assert.match(notEmoji.stderr, /INVALID/);
  });
});
