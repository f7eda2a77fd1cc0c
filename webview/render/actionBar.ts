// The actions a message offers on hover and keyboard focus: react, reply, edit and delete
// (my own messages), pin, copy, and "more" (the same as the context menu).
import type { ChatMessage } from '../../protocol/messages';
import { h, icon, ICONS } from '../dom';
import type { MessageAction, RenderContext } from './context';

export interface ActionItem {
  action: MessageAction;
  label: string;
  icon: readonly string[];
}

/** What may be done to a message; a tombstone takes no changes, only the author edits. */
export function actionsFor(msg: ChatMessage, me: string, opts: { inThread?: boolean } = {}): ActionItem[] {
  if (msg.deleted) return [];
  const mine = msg.from === me;
  const out: ActionItem[] = [{ action: 'react', label: 'Add reaction', icon: ICONS.smile }];
  if (!opts.inThread && msg.root === undefined) out.push({ action: 'reply', label: 'Reply in thread', icon: ICONS.reply });
  if (mine && msg.text !== undefined) out.push({ action: 'edit', label: 'Edit', icon: ICONS.edit });
  out.push(msg.pinned ? { action: 'unpin', label: 'Unpin', icon: ICONS.pin } : { action: 'pin', label: 'Pin to room', icon: ICONS.pin });
  if (msg.text !== undefined) out.push({ action: 'copy', label: 'Copy text', icon: ICONS.copy });
  if (msg.edited !== undefined) out.push({ action: 'revisions', label: 'Show earlier versions', icon: ICONS.edit });
  if (mine) out.push({ action: 'delete', label: 'Delete', icon: ICONS.trash });
  return out;
}

const IN_BAR: readonly MessageAction[] = ['react', 'reply', 'edit', 'pin', 'unpin', 'copy', 'delete'];

export function renderActionBar(msg: ChatMessage, ctx: RenderContext, opts: { inThread?: boolean } = {}): HTMLElement | null {
  const items = actionsFor(msg, ctx.me, opts);
  if (items.length === 0) return null;
  const bar = h('div', { class: 'actions', attrs: { role: 'toolbar', 'aria-label': 'Message actions' } });
  for (const item of [...items.filter((i) => IN_BAR.includes(i.action)), { action: 'menu' as const, label: 'More actions', icon: ICONS.more }]) {
    const b = h('button', { class: `icon-button act-${item.action}`, title: item.label, attrs: { type: 'button', 'aria-label': item.label } }, icon([...item.icon]));
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      ctx.act(item.action, msg, b);
    });
    bar.appendChild(b);
  }
  return bar;
}
