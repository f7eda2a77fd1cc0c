// The room header's topic line, which opens the room's settings, and whether the composer takes
// posts in the room: a read-only room takes them from its owners and admins only (the server
// refuses the others with READ_ONLY; the composer says so before anyone types).
import type { RoomInfo } from '../protocol/messages';
import { h } from './dom';
import { l10n } from './l10n';

/** Whether the signed-in user may post in the room, as far as the room list tells. */
export function mayPost(info: RoomInfo): boolean {
  return info.kind !== 'group' || info.readOnly !== true || info.role === 'owner' || info.role === 'admin';
}

export function readOnlyHint(): string {
  return l10n.t('Only owners and admins can post in this read-only room.');
}

export class RoomHeader {
  /** The topic, as text; a click opens Room Settings (the Chat view's title has its gear too). */
  readonly topic: HTMLButtonElement;

  constructor(openSettings: () => void) {
    this.topic = h('button', { class: 'room-topic', attrs: { type: 'button' } });
    this.topic.hidden = true;
    this.topic.addEventListener('click', openSettings);
  }

  /** The open room's topic; none for DMs and rooms without one. */
  show(info: RoomInfo | undefined): void {
    const topic = info?.kind === 'group' ? info.topic?.trim() ?? '' : '';
    this.topic.textContent = topic;
    this.topic.title = topic ? l10n.t('{0} — click for the room settings', topic) : '';
    this.topic.setAttribute('aria-label', topic ? l10n.t('Topic: {0}. Open the room settings', topic) : '');
    this.topic.hidden = topic === '';
  }
}
