import { strict as assert } from 'node:assert';
import { DEFAULT_LIMITS, GENERAL_ROOM, type Change, type ChatMessage, type ErrorCode } from '../../protocol';
import type { AppendResult, NewMessage, Store } from '../../server/store/store';

const ALICE = 'alice_1';
const BOB = 'bob.two';
const CAROL = 'carol-3';
const DAVE = 'dave_44';
const ROOM = 'talk';

let counter = 0;
function post(from: string, body: string, extra: Partial<NewMessage> = {}): NewMessage {
  counter++;
  return { room: ROOM, from, cid: `conv-${counter}`, ts: 1_700_100_000_000 + counter, text: body, ...extra };
}

function change(from: string, c: Change, extra: Partial<NewMessage> = {}): NewMessage {
  counter++;
  return { room: ROOM, from, cid: `change-${counter}`, ts: 1_700_100_000_000 + counter, change: c, ...extra };
}

/**
 * Threads, reactions, edits, deletes, pins, resolve and mentions: the conversation part of the
 * Store contract. `current` gives the store the enclosing contract made for this test (users
 * alice_1, bob.two, carol-3 and dave_44 exist).
 */
export function conversationContract(current: () => Store): void {
  describe('conversations', () => {
    let store: Store;

    beforeEach(async () => {
      store = current();
      await store.createRoom({ id: ROOM, kind: 'group', name: ROOM, createdBy: ALICE, createdAt: 1 }, [ALICE, BOB, CAROL]);
    });

    async function one(entry: NewMessage): Promise<AppendResult> {
      const [result] = await store.append([entry]);
      return result;
    }

    async function posted(from: string, body: string, extra: Partial<NewMessage> = {}): Promise<ChatMessage> {
      const result = await one(post(from, body, extra));
      assert.equal(result.refused, undefined, `unexpected refusal ${JSON.stringify(result.refused)}`);
      return result.message;
    }

    async function applied(from: string, c: Change, extra: Partial<NewMessage> = {}): Promise<ChatMessage> {
      const result = await one(change(from, c, extra));
      assert.equal(result.refused, undefined, `unexpected refusal ${JSON.stringify(result.refused)}`);
      assert.equal(result.noop, undefined, 'unexpected no-op');
      return result.message;
    }

    async function refusedWith(entry: NewMessage, code: ErrorCode): Promise<void> {
      const before = await store.lastSeq(ROOM);
      const result = await one(entry);
      assert.equal(result.refused?.code, code, `expected ${code}, got ${JSON.stringify(result)}`);
      assert.ok((result.refused?.message.length ?? 0) > 10, 'a refusal says why');
      assert.equal(await store.lastSeq(ROOM), before, 'a refusal takes no seq');
    }

    async function noop(entry: NewMessage): Promise<void> {
      const before = await store.lastSeq(ROOM);
      const result = await one(entry);
      assert.equal(result.noop, true, `expected a no-op, got ${JSON.stringify(result)}`);
      assert.equal(result.refused, undefined);
      assert.equal(await store.lastSeq(ROOM), before, 'a no-op takes no seq');
    }

    async function current1(seq: number): Promise<ChatMessage> {
      const m = await store.message(ROOM, seq);
      assert.ok(m, `message ${seq} exists`);
      return m;
    }

    describe('threads', () => {
      it('keeps replies out of the room history but counts them on the root', async () => {
        const root = await posted(ALICE, 'question?');
        const r1 = await posted(BOB, 'answer one', { root: root.seq });
        const r2 = await posted(CAROL, 'answer two', { root: root.seq });
        const r3 = await posted(BOB, 'answer three', { root: root.seq });
        assert.deepEqual([r1.seq, r2.seq, r3.seq], [2, 3, 4], 'replies take room seqs');
        assert.equal(r1.root, root.seq);
        const page = await store.history(ROOM, { limit: 50 });
        assert.deepEqual(page.messages.map((m) => m.seq), [1]);
        const shown = page.messages[0];
        assert.equal(shown.replies, 3);
        assert.deepEqual(shown.repliers, [BOB, CAROL]);
        assert.equal(shown.lastReply, r3.ts);
        const thread = await store.thread(ROOM, root.seq, { limit: 50 });
        assert.ok(thread);
        assert.equal(thread.root.seq, root.seq);
        assert.equal(thread.root.replies, 3);
        assert.deepEqual(thread.replies.map((m) => [m.seq, m.text, m.root]), [
          [2, 'answer one', 1],
          [3, 'answer two', 1],
          [4, 'answer three', 1],
        ]);
        assert.equal(thread.more, false);
      });

      it('shows a reply sent to the room in the history too', async () => {
        const root = await posted(ALICE, 'deploy today?');
        await posted(BOB, 'yes, at 5', { root: root.seq, inRoom: true });
        await posted(CAROL, 'thread only', { root: root.seq });
        const page = await store.history(ROOM, { limit: 50 });
        assert.deepEqual(page.messages.map((m) => [m.seq, m.inRoom ?? false]), [
          [1, false],
          [2, true],
        ]);
        assert.equal(page.messages[1].root, 1);
      });

      it('pages a thread with after and limit', async () => {
        const root = await posted(ALICE, 'long thread');
        for (let i = 0; i < 5; i++) await posted(BOB, `reply ${i}`, { root: root.seq });
        const first = await store.thread(ROOM, root.seq, { limit: 2 });
        assert.deepEqual(first?.replies.map((m) => m.seq), [2, 3]);
        assert.equal(first?.more, true);
        const rest = await store.thread(ROOM, root.seq, { after: 3, limit: 10 });
        assert.deepEqual(rest?.replies.map((m) => m.seq), [4, 5, 6]);
        assert.equal(rest?.more, false);
      });

      it('refuses a reply to a reply, to a missing message and to a change event', async () => {
        const root = await posted(ALICE, 'root');
        const reply = await posted(BOB, 'reply', { root: root.seq });
        await refusedWith(post(CAROL, 'nested', { root: reply.seq }), 'NESTED_REPLY');
        await refusedWith(post(CAROL, 'nowhere', { root: 99 }), 'NOT_FOUND');
        const reaction = await applied(BOB, { kind: 'react', target: root.seq, emoji: '👍' });
        await refusedWith(post(CAROL, 'to an event', { root: reaction.seq }), 'NOT_FOUND');
        assert.equal(await store.thread(ROOM, reply.seq, { limit: 10 }), undefined);
        assert.equal(await store.thread(ROOM, 99, { limit: 10 }), undefined);
      });

      it('refuses a reply to a message of another room', async () => {
        await store.createRoom({ id: 'other', kind: 'group', name: 'other', createdAt: 1 }, [ALICE, BOB]);
        const elsewhere = (await store.append([{ room: 'other', from: ALICE, cid: `other-${++counter}`, ts: 5, text: 'there' }]))[0].message;
        await posted(ALICE, 'here');
        await posted(ALICE, 'here too');
        await refusedWith(post(BOB, 'cross', { root: elsewhere.seq + 5 }), 'NOT_FOUND');
      });

      it('lists threads, open and resolved', async () => {
        const a = await posted(ALICE, 'thread a');
        const b = await posted(ALICE, 'thread b');
        await posted(ALICE, 'no replies');
        await posted(BOB, 'on a', { root: a.seq });
        await posted(BOB, 'on b', { root: b.seq });
        await applied(CAROL, { kind: 'resolve', target: a.seq });
        const all = await store.threads(ROOM, { state: 'all', limit: 10 });
        assert.deepEqual(all.messages.map((m) => m.seq), [b.seq, a.seq]);
        const open = await store.threads(ROOM, { state: 'open', limit: 10 });
        assert.deepEqual(open.messages.map((m) => m.seq), [b.seq]);
        const resolved = await store.threads(ROOM, { state: 'resolved', limit: 10 });
        assert.deepEqual(resolved.messages.map((m) => [m.seq, m.resolvedBy]), [[a.seq, CAROL]]);
        const paged = await store.threads(ROOM, { state: 'all', limit: 1 });
        assert.equal(paged.more, true);
        const next = await store.threads(ROOM, { state: 'all', before: b.seq, limit: 1 });
        assert.deepEqual(next.messages.map((m) => m.seq), [a.seq]);
        assert.equal(next.more, false);
      });
    });

    describe('reactions', () => {
      it('aggregates reactions per emoji, one per user, and takes them back', async () => {
        const m = await posted(ALICE, 'ship it');
        const e1 = await applied(BOB, { kind: 'react', target: m.seq, emoji: '👍' });
        assert.deepEqual(e1.change, { kind: 'react', target: m.seq, emoji: '👍' });
        assert.equal(e1.seq, 2);
        await applied(CAROL, { kind: 'react', target: m.seq, emoji: '👍' });
        await applied(BOB, { kind: 'react', target: m.seq, emoji: '🎉' });
        await noop(change(BOB, { kind: 'react', target: m.seq, emoji: '👍' }));
        assert.deepEqual((await current1(m.seq)).reactions, { '👍': [BOB, CAROL], '🎉': [BOB] });
        await applied(BOB, { kind: 'unreact', target: m.seq, emoji: '👍' });
        await noop(change(BOB, { kind: 'unreact', target: m.seq, emoji: '👍' }));
        await applied(BOB, { kind: 'unreact', target: m.seq, emoji: '🎉' });
        const after = await current1(m.seq);
        assert.deepEqual(after.reactions, { '👍': [CAROL] });
        const page = await store.history(ROOM, { limit: 10 });
        assert.deepEqual(page.messages.map((x) => x.seq), [m.seq], 'reaction events are not in the history');
        assert.deepEqual(page.messages[0].reactions, { '👍': [CAROL] });
      });

      it('leaves reactions out once the last one is taken back', async () => {
        const m = await posted(ALICE, 'hmm');
        await applied(BOB, { kind: 'react', target: m.seq, emoji: '👀' });
        await applied(BOB, { kind: 'unreact', target: m.seq, emoji: '👀' });
        assert.equal((await current1(m.seq)).reactions, undefined);
      });

      it('caps the different emoji on one message', async () => {
        const m = await posted(ALICE, 'react away');
        const emoji = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🥰', '😗', '😙', '😚', '🙂', '🤗', '🤩', '🤔'];
        for (const e of emoji.slice(0, DEFAULT_LIMITS.maxReactions)) await applied(BOB, { kind: 'react', target: m.seq, emoji: e });
        await refusedWith(change(CAROL, { kind: 'react', target: m.seq, emoji: emoji[DEFAULT_LIMITS.maxReactions] }), 'TOO_MANY_REACTIONS');
        await applied(CAROL, { kind: 'react', target: m.seq, emoji: emoji[0] });
      });

      it('refuses a reaction to a missing message', async () => {
        await posted(ALICE, 'only one');
        await refusedWith(change(BOB, { kind: 'react', target: 42, emoji: '👍' }), 'NOT_FOUND');
      });
    });

    describe('edits', () => {
      it('replaces the text, marks it edited and keeps the earlier versions', async () => {
        const m = await posted(ALICE, 'first version');
        const e = await applied(ALICE, { kind: 'edit', target: m.seq, text: 'second version' });
        assert.equal(e.change?.text, 'second version');
        await applied(ALICE, { kind: 'edit', target: m.seq, text: 'third version' });
        const now = await current1(m.seq);
        assert.equal(now.text, 'third version');
        assert.ok(typeof now.edited === 'number' && now.edited >= m.ts, 'edited carries the edit time');
        assert.deepEqual((await store.revisions(ROOM, m.seq)).map((r) => r.text), ['first version', 'second version']);
        assert.equal((await store.revisions(ROOM, m.seq))[0].ts, m.ts);
        assert.deepEqual(await store.revisions(ROOM, 99), []);
        assert.equal((await store.history(ROOM, { limit: 10 })).messages[0].text, 'third version');
      });

      it('lets only the author edit, and treats the same text as a no-op', async () => {
        const m = await posted(ALICE, 'mine');
        await refusedWith(change(BOB, { kind: 'edit', target: m.seq, text: 'yours now' }), 'NOT_AUTHOR');
        await refusedWith(change(BOB, { kind: 'edit', target: m.seq, text: 'yours now' }, { moderator: true }), 'NOT_AUTHOR');
        await noop(change(ALICE, { kind: 'edit', target: m.seq, text: 'mine' }));
        assert.equal((await current1(m.seq)).edited, undefined);
      });

      it('finds the new text in search, not the old', async () => {
        const m = await posted(ALICE, 'the giraffe escaped');
        await applied(ALICE, { kind: 'edit', target: m.seq, text: 'the penguin escaped' });
        assert.deepEqual((await store.search(ALICE, 'giraffe', { limit: 10 })).map((x) => x.seq), []);
        const found = await store.search(ALICE, 'penguin', { limit: 10 });
        assert.deepEqual(found.map((x) => [x.seq, x.text]), [[m.seq, 'the penguin escaped']]);
      });
    });

    describe('deletes', () => {
      it('leaves a tombstone that keeps the seq and the thread', async () => {
        const root = await posted(ALICE, 'secret plans', { snippet: { code: 'launch()', language: 'ts' } });
        await posted(BOB, 'reply stays', { root: root.seq });
        await applied(ALICE, { kind: 'edit', target: root.seq, text: 'secret plans v2' });
        const d = await applied(ALICE, { kind: 'delete', target: root.seq });
        assert.deepEqual(d.change, { kind: 'delete', target: root.seq });
        const tomb = await current1(root.seq);
        assert.equal(tomb.deleted, true);
        assert.equal(tomb.text, undefined);
        assert.equal(tomb.snippet, undefined);
        assert.equal(tomb.from, ALICE);
        assert.equal(tomb.replies, 1);
        assert.deepEqual(await store.revisions(ROOM, root.seq), [], 'revisions go with it');
        const thread = await store.thread(ROOM, root.seq, { limit: 10 });
        assert.deepEqual(thread?.replies.map((m) => m.text), ['reply stays']);
        assert.deepEqual((await store.history(ROOM, { limit: 10 })).messages.map((m) => [m.seq, m.deleted]), [[root.seq, true]]);
        // The log keeps the edit event but not its text.
        const log = await store.since(ROOM, 0, 100);
        const edit = log.find((m) => m.change?.kind === 'edit');
        assert.ok(edit);
        assert.equal(edit.change?.text, undefined, 'an edit event of a deleted message loses its text');
        assert.equal(JSON.stringify(log).includes('secret'), false, 'no trace of the text in the log');
        assert.deepEqual(await store.search(ALICE, 'secret', { limit: 10 }), []);
        assert.deepEqual(await store.search(ALICE, 'launch', { limit: 10 }), []);
      });

      it('lets only the author (or a moderator) delete; a second delete is a no-op', async () => {
        const m = await posted(ALICE, 'delete me');
        await refusedWith(change(BOB, { kind: 'delete', target: m.seq }), 'NOT_AUTHOR');
        await applied(CAROL, { kind: 'delete', target: m.seq }, { moderator: true });
        await noop(change(ALICE, { kind: 'delete', target: m.seq }));
      });

      it('refuses every other change to a deleted message, and replies to it', async () => {
        const m = await posted(ALICE, 'gone soon');
        await applied(ALICE, { kind: 'delete', target: m.seq });
        await refusedWith(change(ALICE, { kind: 'edit', target: m.seq, text: 'back' }), 'MESSAGE_DELETED');
        await refusedWith(change(BOB, { kind: 'react', target: m.seq, emoji: '👍' }), 'MESSAGE_DELETED');
        await refusedWith(change(BOB, { kind: 'pin', target: m.seq }), 'MESSAGE_DELETED');
        await refusedWith(post(BOB, 'late reply', { root: m.seq }), 'MESSAGE_DELETED');
      });

      it('drops reactions and the pin of a deleted message', async () => {
        const m = await posted(ALICE, 'pinned and liked');
        await applied(BOB, { kind: 'react', target: m.seq, emoji: '❤️' });
        await applied(BOB, { kind: 'pin', target: m.seq });
        await applied(ALICE, { kind: 'delete', target: m.seq });
        const tomb = await current1(m.seq);
        assert.equal(tomb.reactions, undefined);
        assert.equal(tomb.pinned, undefined);
        assert.deepEqual(await store.pins(ROOM, 10), []);
      });

      it('reports file content no remaining message refers to', async () => {
        const file = { fileId: 'f-conv-1', name: 'a.png', size: 3, mime: 'image/png', kind: 'image' as const, sha256: 'a'.repeat(64) };
        const twin = { ...file, fileId: 'f-conv-2' };
        const first = (await one({ ...post(ALICE, 'x'), text: undefined, file })).message;
        const second = (await one({ ...post(BOB, 'y'), text: undefined, file: twin })).message;
        const [d1] = await store.append([change(ALICE, { kind: 'delete', target: first.seq })]);
        assert.deepEqual(d1.unreferenced ?? [], [], 'the same bytes still belong to another message');
        assert.equal(await store.getFile('f-conv-1'), undefined, 'the deleted message\'s file is no longer served');
        const [d2] = await store.append([change(BOB, { kind: 'delete', target: second.seq })]);
        assert.deepEqual(d2.unreferenced, [file.sha256]);
        assert.equal((await current1(second.seq)).file, undefined);
      });

      it('keeps a file record while another message still attaches it', async () => {
        // The same upload sent twice (another cid), or a message copied with its file: one record, two messages.
        const file = { fileId: 'f-shared', name: 'shared.png', size: 3, mime: 'image/png', kind: 'image' as const, sha256: 'c'.repeat(64) };
        const first = (await one({ ...post(ALICE, 'x'), text: undefined, file })).message;
        const again = (await one({ ...post(ALICE, 'y'), text: undefined, file })).message;
        assert.notEqual(again.seq, first.seq);
        const [d1] = await store.append([change(ALICE, { kind: 'delete', target: first.seq })]);
        assert.deepEqual(d1.unreferenced ?? [], [], 'the other message still refers to the bytes');
        assert.equal((await store.getFile(file.fileId))?.sha256, file.sha256, 'the record stays for the message that remains');
        assert.deepEqual((await current1(again.seq)).file, file);
        const [d2] = await store.append([change(ALICE, { kind: 'delete', target: again.seq })]);
        assert.deepEqual(d2.unreferenced, [file.sha256]);
        assert.equal(await store.getFile(file.fileId), undefined);
      });

      it('erases a shared file record only after the last of two deletes in one batch', async () => {
        const file = { fileId: 'f-shared-2', name: 'twice.txt', size: 1, mime: 'text/plain', kind: 'file' as const, sha256: '9'.repeat(64) };
        const a = (await one({ ...post(BOB, 'a'), file })).message;
        const b = (await one({ ...post(BOB, 'b'), file })).message;
        const [d1, d2] = await store.append([change(BOB, { kind: 'delete', target: a.seq }), change(BOB, { kind: 'delete', target: b.seq })]);
        assert.deepEqual(d1.unreferenced ?? [], []);
        assert.deepEqual(d2.unreferenced, [file.sha256]);
        assert.equal(await store.getFile(file.fileId), undefined);
      });
    });

    describe('pins', () => {
      it('pins and unpins, newest pin first', async () => {
        const a = await posted(ALICE, 'rule one');
        const b = await posted(BOB, 'rule two');
        await applied(CAROL, { kind: 'pin', target: a.seq });
        await applied(CAROL, { kind: 'pin', target: b.seq });
        await noop(change(ALICE, { kind: 'pin', target: a.seq }));
        assert.deepEqual((await store.pins(ROOM, 10)).map((m) => [m.seq, m.pinned]), [
          [b.seq, true],
          [a.seq, true],
        ]);
        await applied(ALICE, { kind: 'unpin', target: b.seq });
        await noop(change(ALICE, { kind: 'unpin', target: b.seq }));
        assert.deepEqual((await store.pins(ROOM, 10)).map((m) => m.seq), [a.seq]);
        assert.equal((await current1(b.seq)).pinned, undefined);
        assert.deepEqual((await store.pins(ROOM, 1)).length, 1);
      });
    });

    describe('resolve', () => {
      it('resolves and reopens a thread root only', async () => {
        const root = await posted(ALICE, 'bug?');
        const reply = await posted(BOB, 'fixed', { root: root.seq });
        await applied(BOB, { kind: 'resolve', target: root.seq });
        assert.equal((await current1(root.seq)).resolvedBy, BOB);
        await noop(change(CAROL, { kind: 'resolve', target: root.seq }));
        assert.equal((await current1(root.seq)).resolvedBy, BOB, 'the first resolver stays');
        await refusedWith(change(CAROL, { kind: 'resolve', target: reply.seq }), 'NESTED_REPLY');
        await applied(CAROL, { kind: 'reopen', target: root.seq });
        assert.equal((await current1(root.seq)).resolvedBy, undefined);
        await noop(change(CAROL, { kind: 'reopen', target: root.seq }));
      });
    });

    describe('the log', () => {
      it('replays every event in seq order with since, changes included', async () => {
        const m = await posted(ALICE, 'hello');
        await posted(BOB, 'hi back', { root: m.seq });
        await applied(CAROL, { kind: 'react', target: m.seq, emoji: '👍' });
        await applied(ALICE, { kind: 'edit', target: m.seq, text: 'hello all' });
        await applied(BOB, { kind: 'pin', target: m.seq });
        const log = await store.since(ROOM, 0, 100);
        assert.deepEqual(
          log.map((e) => [e.seq, e.change?.kind ?? (e.root !== undefined ? 'reply' : 'post')]),
          [
            [1, 'post'],
            [2, 'reply'],
            [3, 'react'],
            [4, 'edit'],
            [5, 'pin'],
          ],
        );
        assert.deepEqual(log[2], { room: ROOM, seq: 3, ts: log[2].ts, msgId: log[2].msgId, from: CAROL, cid: log[2].cid, change: { kind: 'react', target: 1, emoji: '👍' } });
        assert.deepEqual((await store.since(ROOM, 3, 100)).map((e) => e.seq), [4, 5]);
        assert.equal(await store.lastSeq(ROOM), 5);
        assert.equal(await store.message(ROOM, 3), undefined, 'a change event is not a message');
      });

      it('recognises a resent change by its cid', async () => {
        const m = await posted(ALICE, 'idempotent');
        const entry = change(BOB, { kind: 'react', target: m.seq, emoji: '🎉' });
        const [first] = await store.append([entry]);
        const [again] = await store.append([entry]);
        assert.equal(again.duplicate, true);
        assert.equal(again.message.seq, first.message.seq);
        assert.deepEqual((await current1(m.seq)).reactions, { '🎉': [BOB] });
      });

      it('treats a plain post that reuses a change\'s cid as a resend of that change', async () => {
        const m = await posted(ALICE, 'reacted to');
        const reaction = change(BOB, { kind: 'react', target: m.seq, emoji: '👀' });
        const [first] = await store.append([reaction]);
        const before = await store.lastSeq(ROOM);
        // The plain-post path, alone and in a batch of plain posts.
        for (const batch of [[post(BOB, 'same cid', { cid: reaction.cid })], [post(CAROL, 'other'), post(BOB, 'same cid again', { cid: reaction.cid })]]) {
          const results = await store.append(batch);
          const again = results[results.length - 1];
          assert.equal(again.duplicate, true, 'a (from, cid) pair names one entry, message or change');
          assert.deepEqual(again.message, first.message, 'the first copy, the change event, comes back');
        }
        assert.equal(await store.lastSeq(ROOM), before + 1, 'only the other post took a seq');
        assert.equal((await store.since(ROOM, before, 10)).filter((e) => e.cid === reaction.cid).length, 0);
        // And the other way round: a change that reuses a post's cid.
        const p = await posted(CAROL, 'a post');
        const [dup] = await store.append([change(CAROL, { kind: 'react', target: m.seq, emoji: '🎉' }, { cid: p.cid })]);
        assert.equal(dup.duplicate, true);
        assert.deepEqual(dup.message, p);
        assert.equal((await current1(m.seq)).reactions?.['🎉'], undefined);
      });

      it('applies changes in batch order within one append', async () => {
        const m = await posted(ALICE, 'batch');
        const results = await store.append([
          change(BOB, { kind: 'react', target: m.seq, emoji: '👍' }),
          change(BOB, { kind: 'react', target: m.seq, emoji: '👍' }),
          change(ALICE, { kind: 'edit', target: m.seq, text: 'batch edited' }),
          post(CAROL, 'reply in batch', { root: m.seq }),
          change(ALICE, { kind: 'delete', target: m.seq }),
          change(BOB, { kind: 'pin', target: m.seq }),
        ]);
        assert.deepEqual(
          results.map((r) => r.refused?.code ?? (r.noop ? 'noop' : r.message.seq)),
          [2, 'noop', 3, 4, 5, 'MESSAGE_DELETED'],
        );
        assert.equal(await store.lastSeq(ROOM), 5);
      });
    });

    describe('search filters', () => {
      beforeEach(async () => {
        const root = await posted(ALICE, 'release notes draft');
        await posted(BOB, 'release date is friday', { root: root.seq });
        await posted(BOB, 'release checklist', { snippet: { code: 'npm run release', language: 'sh' } });
        await one({ ...post(CAROL, 'ignored'), text: 'release poster', file: { fileId: 'f-search-1', name: 'poster.png', size: 1, mime: 'image/png', kind: 'image', sha256: 'b'.repeat(64) } });
        const lonely = await posted(CAROL, 'release party');
        await applied(ALICE, { kind: 'pin', target: lonely.seq });
      });

      const texts = async (query: string, options: Partial<Parameters<Store['search']>[2]> = {}) =>
        (await store.search(ALICE, query, { limit: 50, ...options })).map((m) => m.text).sort();

      it('filters by sender, file, snippet, thread and pin', async () => {
        assert.deepEqual(await texts('release', { from: BOB }), ['release checklist', 'release date is friday']);
        assert.deepEqual(await texts('release', { hasFile: true }), ['release poster']);
        assert.deepEqual(await texts('release', { hasSnippet: true }), ['release checklist']);
        assert.deepEqual(await texts('release', { isThread: true }), ['release date is friday', 'release notes draft']);
        assert.deepEqual(await texts('release', { isPinned: true }), ['release party']);
      });

      it('filters by time, and takes filters without words', async () => {
        const all = await store.search(ALICE, 'release', { limit: 50 });
        const times = all.map((m) => m.ts).sort((a, b) => a - b);
        const middle = times[2];
        assert.equal((await store.search(ALICE, 'release', { limit: 50, before: middle })).length, 2);
        assert.equal((await store.search(ALICE, 'release', { limit: 50, after: middle })).length, 3);
        assert.deepEqual(await texts('', { from: CAROL }), ['release party', 'release poster']);
      });
    });

    describe('mentions', () => {
      it('counts unread mentions per user, @room for everyone, never one\'s own', async () => {
        // Posting moves the poster's read mark, so Bob's and Carol's own posts come first.
        await posted(BOB, `note to self @${BOB}`, { mentions: [BOB] });
        await posted(CAROL, 'no mention');
        await posted(ALICE, `hey @${BOB}`, { mentions: [BOB] });
        await posted(ALICE, 'everyone @room', { mentions: ['room'] });
        const bob = (await store.roomsOf(BOB)).find((r) => r.id === ROOM);
        assert.equal(bob?.mentions, 2);
        assert.equal((await store.roomInfo(ROOM, CAROL))?.mentions, 1);
        assert.equal((await store.roomInfo(ROOM, ALICE))?.mentions, undefined, 'no mentions: left out');
        await store.setReadMark(ROOM, BOB, 3);
        assert.equal((await store.roomInfo(ROOM, BOB))?.mentions, 1);
        await store.setReadMark(ROOM, BOB, 4);
        assert.equal((await store.roomInfo(ROOM, BOB))?.mentions, undefined);
      });

      it('forgets the mentions of a deleted message', async () => {
        const m = await posted(ALICE, `ping @${CAROL}`, { mentions: [CAROL] });
        assert.equal((await store.roomInfo(ROOM, CAROL))?.mentions, 1);
        await applied(ALICE, { kind: 'delete', target: m.seq });
        assert.equal((await store.roomInfo(ROOM, CAROL))?.mentions, undefined);
      });

      it('counts the mentions of a name whose user is created later', async () => {
        const late = 'late_comer';
        await store.append([{ room: GENERAL_ROOM, from: ALICE, cid: `g-${++counter}`, ts: 9, text: `@${late} welcome`, mentions: [late] }]);
        const edited = (await store.append([{ room: GENERAL_ROOM, from: BOB, cid: `g-${++counter}`, ts: 10, text: 'hello' }]))[0].message;
        await store.append([{ room: GENERAL_ROOM, from: BOB, cid: `g-${++counter}`, ts: 11, change: { kind: 'edit', target: edited.seq, text: `hello @${late}` }, mentions: [late] }]);
        const gone = (await store.append([{ room: GENERAL_ROOM, from: CAROL, cid: `g-${++counter}`, ts: 12, text: `@${late} soon deleted`, mentions: [late] }]))[0].message;
        await store.append([{ room: GENERAL_ROOM, from: CAROL, cid: `g-${++counter}`, ts: 13, change: { kind: 'delete', target: gone.seq } }]);
        assert.equal(await store.createUser({ name: late, passwordHash: 'h', createdAt: 20 }), true);
        assert.equal((await store.roomsOf(late))[0].mentions, 2, 'the post and the edit, not the deleted message');
        await store.setReadMark(GENERAL_ROOM, late, await store.lastSeq(GENERAL_ROOM));
        assert.equal((await store.roomsOf(late))[0].mentions, undefined);
        await store.append([{ room: GENERAL_ROOM, from: ALICE, cid: `g-${++counter}`, ts: 14, text: `@${late} again`, mentions: [late] }]);
        assert.equal((await store.roomsOf(late))[0].mentions, 1, 'and new mentions count as before');
      });

      it('counts mentions in general and DMs too', async () => {
        await store.append([{ room: GENERAL_ROOM, from: ALICE, cid: `g-${++counter}`, ts: 9, text: `@${DAVE} hi`, mentions: [DAVE] }]);
        assert.equal((await store.roomsOf(DAVE))[0].mentions, 1);
      });
    });
  });
}
