import { MAX_EMOJI_LENGTH } from './limits';

// One emoji: pictographs, keycaps and flags, with their modifiers, variation selectors and ZWJ joins.
const EMOJI = /^(?:\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}[\uFE0E\uFE0F]?\p{Emoji_Modifier}?(?:\u200D\p{Extended_Pictographic}[\uFE0E\uFE0F]?\p{Emoji_Modifier}?)*)$/u;

/** Whether a reaction key is one emoji; reactions are never free text, so they need no escaping rules. */
export function isEmoji(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_EMOJI_LENGTH && EMOJI.test(value);
}

/** The reactions every client offers with one click. */
export const QUICK_REACTIONS: readonly string[] = ['👍', '✅', '👀', '🎉', '❤️', '😄'];
