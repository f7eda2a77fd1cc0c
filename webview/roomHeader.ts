// The room header's topic line and its settings button, and whether the composer takes posts
// in the room: a read-only room takes them from its owners and admins only (the server refuses
// the others with READ_ONLY; the composer says so before anyone types).
import type { RoomInfo } from '../protocol/messages';
import { h, icon, ICONS } from './dom';
import { l10n } from './l10n';

/** Whether the signed-in user may post in the room, as far as the room list tells. */
export function mayPost(info: RoomInfo): boolean {
  return info.kind !== 'group' || info.readOnly !== true || info.role === 'owner' || info.role === 'admin';
}

export function readOnlyHint(): string {
  return l10n.t('Only owners and admins can post in this read-only room.');
}

export class RoomHeader {
  readonly topic: HTMLElement;
  readonly settings: HTMLButtonElement;

  constructor(openSettings: () => void) {
    this.topic = h('div', { class: 'room-topic' });
    this.topic.hidden = true;
    const label = l10n.t('Room settings');
    this.settings = h('button', { class: 'icon-button room-settings', title: label, attrs: { type: 'button', 'aria-label': label } }, icon([...ICONS.gear]));
    this.settings.addEventListener('click', openSettings);
  }

  /** The open room: its topic as text, and the settings button for group rooms. */
  show(info: RoomInfo | undefined): void {
    const topic = info?.kind === 'group' ? info.topic?.trim() ?? '' : '';
    this.topic.textContent = topic;
    this.topic.title = topic;
    this.topic.hidden = topic === '';
    this.settings.hidden = info?.kind !== 'group';
  }
}
