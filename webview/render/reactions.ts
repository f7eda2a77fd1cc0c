// Reaction chips under a message: one per emoji with its count, who reacted in the tooltip,
// mine highlighted; a click toggles my reaction. Keys are checked to be one emoji before
// they get here, and go in as text anyway.
import type { ChatMessage } from '../../protocol/messages';
import { h, icon, ICONS } from '../dom';
import { l10n } from '../l10n';
import type { RenderContext } from './context';

export function names(users: readonly string[], max = 8): string {
  const shown = users.slice(0, max).join(', ');
  const more = users.length - max;
  return more > 0 ? l10n.t('{0} and {1} more', shown, more) : shown;
}

export function renderReactions(msg: ChatMessage, ctx: RenderContext): HTMLElement | null {
  const entries = Object.entries(msg.reactions ?? {}).filter(([, users]) => users.length > 0);
  if (entries.length === 0 || msg.deleted) return null;
  const chips = entries.map(([emoji, users]) => {
    const mine = users.includes(ctx.me);
    const chip = h('button', {
      class: `chip${mine ? ' mine' : ''}`,
      title: `${names(users)} reacted with ${emoji}`,
      attrs: { type: 'button', 'aria-pressed': String(mine), 'aria-label': `${emoji} ${users.length}, ${mine ? 'remove my reaction' : 'react'}` },
    }, h('span', { class: 'chip-emoji', text: emoji }), h('span', { class: 'chip-count', text: String(users.length) }));
    chip.dataset.emoji = emoji;
    chip.addEventListener('click', () => ctx.react(msg, emoji, !mine));
    return chip;
  });
  const add = h('button', { class: 'chip add', title: 'Add reaction', attrs: { type: 'button', 'aria-label': 'Add reaction' } }, icon([...ICONS.smile]));
  add.addEventListener('click', () => ctx.act('react', msg, add));
  return h('div', { class: 'reactions', attrs: { role: 'group', 'aria-label': 'Reactions' } }, ...chips, add);
}
