import { DEFAULT_LIMITS, type Change, type ChatMessage, type Limits } from '../../protocol';
import type { Refusal } from './store';

/** What a backend knows about a change's target when it applies the rules. */
export interface TargetState {
  /** undefined: no such seq, or the seq is a change event. */
  message: ChatMessage | undefined;
  /** Whether `from` already reacted with the change's emoji. */
  reacted: boolean;
  /** Different emoji on the message now. */
  reactionKinds: number;
  /** Whether the message already carries the change's emoji (from anyone). */
  emojiPresent: boolean;
  /** Pinned messages in the room now. */
  pinnedInRoom: number;
}

export type Verdict = { apply: true } | { apply: false; noop: true } | { apply: false; refused: Refusal };

const APPLY: Verdict = { apply: true };
const NOOP: Verdict = { apply: false, noop: true };

function refuse(code: Refusal['code'], message: string): Verdict {
  return { apply: false, refused: { code, message } };
}

type RuleLimits = Pick<Limits, 'maxReactions' | 'maxPins'>;

/** The rules for a reply to `root` (see CHANGE RULES in store.ts). */
export function replyVerdict(root: ChatMessage | undefined, rootSeq: number): Verdict {
  if (root === undefined || root.event !== undefined) return refuse('NOT_FOUND', `There is no message ${rootSeq} in this room to reply to.`);
  if (root.root !== undefined) return refuse('NESTED_REPLY', `Message ${rootSeq} is a reply; answer in the thread of message ${root.root}.`);
  if (root.deleted === true) return refuse('MESSAGE_DELETED', `Message ${rootSeq} was deleted; its thread takes no new replies.`);
  return APPLY;
}

/** The rules for `change` by `from` (see CHANGE RULES in store.ts). */
export function changeVerdict(change: Change, from: string, moderator: boolean, state: TargetState, limits: RuleLimits = DEFAULT_LIMITS): Verdict {
  const target = state.message;
  const seq = change.target;
  if (target === undefined || target.event !== undefined) return refuse('NOT_FOUND', `There is no message ${seq} in this room.`);
  if (target.deleted === true) {
    if (change.kind === 'delete') return NOOP;
    return refuse('MESSAGE_DELETED', `Message ${seq} was deleted.`);
  }
  switch (change.kind) {
    case 'edit':
      if (target.from !== from) return refuse('NOT_AUTHOR', 'Only its author can edit a message.');
      return target.text === change.text ? NOOP : APPLY;
    case 'delete':
      if (target.from !== from && !moderator) return refuse('NOT_AUTHOR', 'Only its author or a room admin can delete a message.');
      return APPLY;
    case 'react':
      if (state.reacted) return NOOP;
      if (!state.emojiPresent && state.reactionKinds >= limits.maxReactions) {
        return refuse('TOO_MANY_REACTIONS', `A message takes at most ${limits.maxReactions} different reactions.`);
      }
      return APPLY;
    case 'unreact':
      return state.reacted ? APPLY : NOOP;
    case 'pin':
      if (target.pinned === true) return NOOP;
      if (state.pinnedInRoom >= limits.maxPins) return refuse('TOO_MANY_PINS', `A room holds at most ${limits.maxPins} pinned messages; unpin one first.`);
      return APPLY;
    case 'unpin':
      return target.pinned === true ? APPLY : NOOP;
    case 'resolve':
    case 'reopen':
      if (target.root !== undefined) return refuse('NESTED_REPLY', `Message ${seq} is a reply; resolve its thread (message ${target.root}) instead.`);
      if (change.kind === 'resolve') return target.resolvedBy !== undefined ? NOOP : APPLY;
      return target.resolvedBy === undefined ? NOOP : APPLY;
  }
}
