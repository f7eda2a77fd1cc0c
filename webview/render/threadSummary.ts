// What a message shows about its conversation: "N replies · names · last reply time" under a
// thread root (opens the thread), a pin marker, and who resolved the thread.
import type { ChatMessage } from '../../protocol/messages';
import { formatUnread } from '../../protocol/unread-count';
import { h, icon, ICONS } from '../dom';
import { formatFull, formatTime } from '../format';
import type { RenderContext } from './context';
import { l10n } from '../l10n';
import { names } from './reactions';

export function replyCount(n: number): string {
  return l10n.count(n, l10n.t('{0} reply', n), l10n.t('{0} replies', n));
}

export function renderThreadSummary(msg: ChatMessage, ctx: RenderContext): HTMLElement | null {
  const n = msg.replies ?? 0;
  if (n === 0) return null;
  const parts = [replyCount(n), names(msg.repliers ?? [], 3)];
  if (msg.lastReply !== undefined) parts.push(l10n.t('last reply {0}', formatTime(msg.lastReply)));
  // A thread I take part in shows my unread replies in it.
  const unread = ctx.threadUnread(msg) ?? 0;
  const unreadLabel = unread > 0 ? l10n.count(unread, l10n.t('{0} unread reply', formatUnread(unread)), l10n.t('{0} unread replies', formatUnread(unread))) : '';
  const b = h('button', {
    class: unread > 0 ? 'thread-summary link-button has-unread' : 'thread-summary link-button',
    title: msg.lastReply !== undefined ? `Last reply ${formatFull(msg.lastReply)}` : 'Open thread',
    attrs: { type: 'button', 'aria-label': `Open thread: ${[...parts, unreadLabel].filter(Boolean).join(', ')}` },
  }, icon([...ICONS.thread]), h('span', { text: parts.filter(Boolean).join(' · ') }),
  unread > 0 ? h('span', { class: 'thread-unread badge', text: formatUnread(unread), title: unreadLabel, attrs: { 'aria-hidden': 'true' } }) : null);
  b.addEventListener('click', () => ctx.openThread(msg));
  return b;
}

/** Pinned and resolved markers, in the message header line. */
export function renderMarkers(msg: ChatMessage): HTMLElement | null {
  if (!msg.pinned && msg.resolvedBy === undefined) return null;
  return h('span', { class: 'markers' },
    msg.pinned ? h('span', { class: 'marker pinned', title: 'Pinned to the room' }, icon([...ICONS.pin]), 'Pinned') : null,
    msg.resolvedBy !== undefined ? h('span', { class: 'marker resolved', text: `✓ Resolved by ${msg.resolvedBy}` }) : null);
}
