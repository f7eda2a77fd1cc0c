// A room event (someone joined, was invited or removed; a new topic, name or role) as one quiet
// line of the timeline. The names and texts are the server's: they go in as text, never markup.
import type { ChatMessage, RoomEvent } from '../../protocol/messages';
import { h } from '../dom';
import { l10n } from '../l10n';
import { timeEl } from './messageRow';

/** What the line says, in the webview's language; `from` is who did it. */
export function roomEventText(from: string, e: RoomEvent): string {
  const who = e.user ?? from;
  switch (e.kind) {
    case 'joined':
      return l10n.t('{0} joined', who);
    case 'left':
      return l10n.t('{0} left', who);
    case 'invited':
      return l10n.t('{0} invited {1}', from, who);
    case 'uninvited':
      return l10n.t('{0} withdrew the invitation of {1}', from, who);
    case 'declined':
      return l10n.t('{0} declined the invitation', who);
    case 'removed':
      return l10n.t('{0} removed {1}', from, who);
    case 'banned':
      return l10n.t('{0} banned {1}', from, who);
    case 'unbanned':
      return l10n.t('{0} unbanned {1}', from, who);
    case 'renamed':
      return l10n.t('{0} renamed the room to {1}', from, e.text ?? '');
    case 'topic':
      return e.text ? l10n.t('{0} changed the topic to “{1}”', from, e.text) : l10n.t('{0} cleared the topic', from);
    case 'description':
      return e.text ? l10n.t('{0} changed the description', from) : l10n.t('{0} cleared the description', from);
    case 'readonly':
      return e.on === false ? l10n.t('{0} let everyone post again', from) : l10n.t('{0} made the room read-only', from);
    case 'role':
      return e.role === 'owner'
        ? l10n.t('{0} is now an owner', who)
        : e.role === 'admin'
          ? l10n.t('{0} is now an admin', who)
          : l10n.t('{0} is now a member', who);
    default:
      // A kind from a newer server.
      return l10n.t('{0} changed the room', from);
  }
}

export function renderRoomEventRow(msg: ChatMessage & { event: RoomEvent }): HTMLElement {
  const text = roomEventText(msg.from, msg.event);
  const row = h('div', { class: `row event event-${msg.event.kind}`, attrs: { role: 'note', 'aria-label': text } },
    h('span', { class: 'event-text', text }),
    timeEl(msg.ts, 'event-time'));
  row.dataset.seq = String(msg.seq);
  return row;
}
