import type { Change, ChatMessage, Reactions } from './messages';

/**
 * A message's current state after one more room event: a change aimed at it (`event.change`,
 * by `event.from` at `event.ts`) or a reply in its thread (`event.root`). Pure and idempotent,
 * so a client that applies what history showed and then the replayed events arrives where the
 * server is. Returns `message` itself when the event does not concern it.
 */
export function applyEvent(message: ChatMessage, event: ChatMessage): ChatMessage {
  if (event.room !== message.room) return message;
  if (event.change !== undefined) return event.change.target === message.seq ? applyChange(message, event.change, event.from, event.ts) : message;
  if (event.root === message.seq && event.seq > message.seq) return applyReply(message, event);
  return message;
}

export function applyChange(message: ChatMessage, change: Change, from: string, ts: number): ChatMessage {
  if (message.deleted === true) return message;
  const next: ChatMessage = { ...message };
  switch (change.kind) {
    case 'edit':
      if (change.text !== undefined) next.text = change.text;
      next.edited = Math.max(ts, message.edited ?? 0);
      return next;
    case 'delete':
      for (const key of ['text', 'snippet', 'file', 'reactions', 'pinned', 'edited'] as const) delete next[key];
      next.deleted = true;
      return next;
    case 'react':
    case 'unreact': {
      if (change.emoji === undefined) return message;
      const reactions = withReaction(message.reactions, change.emoji, from, change.kind === 'react');
      if (reactions === undefined) delete next.reactions;
      else next.reactions = reactions;
      return next;
    }
    case 'pin':
      next.pinned = true;
      return next;
    case 'unpin':
      delete next.pinned;
      return next;
    case 'resolve':
      if (next.resolvedBy === undefined) next.resolvedBy = from;
      return next;
    case 'reopen':
      delete next.resolvedBy;
      return next;
  }
}

function withReaction(reactions: Reactions | undefined, emoji: string, user: string, add: boolean): Reactions | undefined {
  const users = reactions?.[emoji] ?? [];
  if (add === users.includes(user)) return reactions;
  const out: Reactions = { ...reactions };
  const changed = add ? [...users, user] : users.filter((u) => u !== user);
  if (changed.length === 0) delete out[emoji];
  else out[emoji] = changed;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The root after one more reply: count, repliers (first reply first) and last reply time. */
export function applyReply(root: ChatMessage, reply: ChatMessage): ChatMessage {
  const repliers = root.repliers ?? [];
  return {
    ...root,
    replies: (root.replies ?? 0) + 1,
    repliers: repliers.includes(reply.from) ? repliers : [...repliers, reply.from],
    lastReply: Math.max(reply.ts, root.lastReply ?? 0),
  };
}
