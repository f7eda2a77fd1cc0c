// Terminal-client commands for conversations: replies and threads, reactions, edits,
// deletes, pins and resolve. Other tools script against these exact forms.
import { GENERAL_ROOM, type AckReply, type ChatMessage } from '../protocol';
import { formatUnread } from '../protocol/unread-count';
import {
  UsageError, client, json, positiveInt, resumeSaved, str,
  type Command, type Context,
} from './cli-command';
import { formatMessage, messageJson } from './format';
import type { ParleyClient } from './session';

const flag = { type: 'boolean' } as const;

type Values = Record<string, string | boolean | undefined>;

function roomOf(v: Values): string {
  return typeof v.room === 'string' ? v.room : GENERAL_ROOM;
}

/** SEQ followed by what the command needs (text, an emoji), or nothing. */
function seqAnd(positionals: string[], what: string | undefined, name: string): { seq: number; rest: string } {
  const [seqText, ...rest] = positionals;
  if (seqText === undefined) throw new UsageError(`${name} needs the message's SEQ (see parley history)`, name);
  const seq = positiveInt(seqText, 'SEQ');
  const text = rest.join(' ');
  if (what && !text.trim()) throw new UsageError(`${name} needs ${what} after SEQ`, name);
  if (!what && rest.length > 0) throw new UsageError(`${name} takes only SEQ, not "${rest[0]}"`, name);
  return { seq, rest: text };
}

async function signedIn(ctx: Context): Promise<ParleyClient> {
  const c = client(ctx);
  await resumeSaved(ctx, c);
  return c;
}

export function printMessages(ctx: Context, messages: ChatMessage[], asJson: boolean | string | undefined): void {
  for (const m of messages) ctx.out.write(asJson ? `${JSON.stringify(messageJson(m))}\n` : `${formatMessage(m)}\n`);
}

/** `Reacted … [room #seq]`, or the reason nothing changed. */
function report(ctx: Context, ack: AckReply | undefined, done: string, unchanged: string): void {
  ctx.out.write(ack ? `${done} [${ack.room} #${ack.seq}]\n` : `${unchanged}\n`);
}

export const CONVERSATION_COMMANDS: Record<string, Command> = {
  reply: {
    positionals: true,
    usage: 'reply [--room R] [--in-room] [--json] SEQ TEXT…',
    summary: 'reply in the thread of message SEQ (--in-room: show the reply in the room too)',
    options: { room: str, 'in-room': flag, json },
    async run(ctx, v, positionals) {
      const { seq, rest } = seqAnd(positionals, 'a reply text', 'reply');
      const c = await signedIn(ctx);
      const ack = await c.reply(roomOf(v), seq, { text: rest }, { inRoom: v['in-room'] === true });
      if (v.json) ctx.out.write(`${JSON.stringify(ack)}\n`);
      else ctx.out.write(`Replied [${ack.room} #${ack.seq}] in the thread of #${seq}\n`);
    },
  },
  thread: {
    positionals: true,
    usage: 'thread [--room R] [--json] SEQ',
    summary: 'print a thread: its root message, then every reply',
    options: { room: str, json },
    async run(ctx, v, positionals) {
      const { seq } = seqAnd(positionals, undefined, 'thread');
      const c = await signedIn(ctx);
      const room = roomOf(v);
      let page = await c.thread(room, seq);
      const takesPart = page.unread !== undefined;
      printMessages(ctx, [page.root, ...page.replies], v.json);
      let last = page.replies.at(-1)?.seq;
      while (page.more && page.replies.length > 0) {
        page = await c.thread(room, seq, { after: page.replies[page.replies.length - 1].seq });
        printMessages(ctx, page.replies, v.json);
        last = page.replies.at(-1)?.seq ?? last;
      }
      // Printed in full: read, for a participant.
      if (takesPart && last !== undefined) await c.readThread(room, seq, last);
    },
  },
  threads: {
    usage: 'threads [--room R] [--open | --resolved] [--limit N] [--json]',
    summary: "list a room's threads, newest first",
    options: { room: str, open: flag, resolved: flag, limit: str, json },
    async run(ctx, v) {
      if (v.open && v.resolved) throw new UsageError('give --open or --resolved, not both', 'threads');
      const state = v.open ? 'open' : v.resolved ? 'resolved' : 'all';
      const limit = v.limit === undefined ? 50 : positiveInt(v.limit, '--limit');
      const c = await signedIn(ctx);
      const page = await c.threads(roomOf(v), { state, limit });
      for (const m of page.messages) {
        // A thread the user takes part in shows its unread replies (`unread` in JSON).
        const unread = page.threadUnread?.[String(m.seq)];
        if (v.json) ctx.out.write(`${JSON.stringify(unread === undefined ? messageJson(m) : { ...messageJson(m), unread })}\n`);
        else ctx.out.write(`${formatMessage(m)}${unread === undefined || unread === 0 ? '' : `  [${formatUnread(unread)} unread]`}\n`);
      }
    },
  },
  react: {
    positionals: true,
    usage: 'react [--room R] [--remove] SEQ EMOJI',
    summary: 'react to message SEQ with an emoji (--remove takes it back)',
    options: { room: str, remove: flag },
    async run(ctx, v, positionals) {
      const { seq, rest: emoji } = seqAnd(positionals, 'an EMOJI', 'react');
      const c = await signedIn(ctx);
      if (v.remove) report(ctx, await c.unreact(roomOf(v), seq, emoji), `Took back ${emoji} from #${seq}`, `You had not reacted ${emoji} to #${seq}.`);
      else report(ctx, await c.react(roomOf(v), seq, emoji), `Reacted ${emoji} to #${seq}`, `You had already reacted ${emoji} to #${seq}.`);
    },
  },
  edit: {
    positionals: true,
    usage: 'edit [--room R] SEQ TEXT…',
    summary: 'replace the text of your message SEQ',
    options: { room: str },
    async run(ctx, v, positionals) {
      const { seq, rest } = seqAnd(positionals, 'the new text', 'edit');
      const c = await signedIn(ctx);
      report(ctx, await c.edit(roomOf(v), seq, rest), `Edited #${seq}`, `#${seq} already says that.`);
    },
  },
  delete: {
    positionals: true,
    usage: 'delete [--room R] SEQ',
    summary: 'delete your message SEQ: its text and file are erased, a tombstone stays',
    options: { room: str },
    async run(ctx, v, positionals) {
      const { seq } = seqAnd(positionals, undefined, 'delete');
      const c = await signedIn(ctx);
      report(ctx, await c.deleteMessage(roomOf(v), seq), `Deleted #${seq}`, `#${seq} was already deleted.`);
    },
  },
  pin: {
    positionals: true,
    usage: 'pin [--room R] [--remove] SEQ',
    summary: 'pin message SEQ to the room (--remove unpins it)',
    options: { room: str, remove: flag },
    async run(ctx, v, positionals) {
      const { seq } = seqAnd(positionals, undefined, 'pin');
      const c = await signedIn(ctx);
      if (v.remove) report(ctx, await c.pin(roomOf(v), seq, false), `Unpinned #${seq}`, `#${seq} was not pinned.`);
      else report(ctx, await c.pin(roomOf(v), seq), `Pinned #${seq}`, `#${seq} was already pinned.`);
    },
  },
  pins: {
    usage: 'pins [--room R] [--json]',
    summary: "list a room's pinned messages, most recently pinned first",
    options: { room: str, json },
    async run(ctx, v) {
      const c = await signedIn(ctx);
      printMessages(ctx, await c.pins(roomOf(v)), v.json);
    },
  },
  resolve: {
    positionals: true,
    usage: 'resolve [--room R] [--reopen] SEQ',
    summary: 'mark the thread of message SEQ resolved (--reopen opens it again)',
    options: { room: str, reopen: flag },
    async run(ctx, v, positionals) {
      const { seq } = seqAnd(positionals, undefined, 'resolve');
      const c = await signedIn(ctx);
      if (v.reopen) report(ctx, await c.resolve(roomOf(v), seq, false), `Reopened the thread of #${seq}`, `The thread of #${seq} was open.`);
      else report(ctx, await c.resolve(roomOf(v), seq), `Resolved the thread of #${seq}`, `The thread of #${seq} was already resolved.`);
    },
  },
};
