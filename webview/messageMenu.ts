// The popups a message action opens: the action menu, the reaction picker (quick reactions
// plus "any emoji", checked with isEmoji), the delete confirmation and earlier versions.
import { isEmoji, QUICK_REACTIONS } from '../protocol/emoji';
import type { ChatMessage, Revision } from '../protocol/messages';
import { h, icon } from './dom';
import { formatFull } from './format';
import { arrowKeys, openPopup } from './popup';
import { actionsFor } from './render/actionBar';
import type { MessageAction } from './render/context';

export function showMenu(anchor: HTMLElement, msg: ChatMessage, me: string, run: (a: MessageAction) => void, inThread = false): void {
  const list = h('div', { class: 'menu', attrs: { role: 'menu' } });
  let close = (): void => {};
  for (const item of actionsFor(msg, me, { inThread })) {
    const b = h('button', { class: `menu-item act-${item.action}`, attrs: { type: 'button', role: 'menuitem' } }, icon([...item.icon]), h('span', { text: item.label }));
    b.addEventListener('click', () => {
      close();
      run(item.action);
    });
    list.appendChild(b);
  }
  arrowKeys(list, true);
  close = openPopup(anchor, list, { label: 'Message actions', role: 'presentation', cls: 'menu-popup' });
}

/** Quick reactions and an input for any one emoji; `pick` gets a checked emoji. */
export function showReactionPicker(anchor: HTMLElement, msg: ChatMessage, me: string, pick: (emoji: string, on: boolean) => void): void {
  let close = (): void => {};
  const choose = (emoji: string): void => {
    close();
    pick(emoji, !(msg.reactions?.[emoji] ?? []).includes(me));
  };
  const quick = h('div', { class: 'quick-reactions', attrs: { role: 'toolbar', 'aria-label': 'Quick reactions' } });
  for (const emoji of QUICK_REACTIONS) {
    const mine = (msg.reactions?.[emoji] ?? []).includes(me);
    const b = h('button', { class: `emoji-button${mine ? ' mine' : ''}`, text: emoji, title: emoji, attrs: { type: 'button', 'aria-pressed': String(mine) } });
    b.addEventListener('click', () => choose(emoji));
    quick.appendChild(b);
  }
  arrowKeys(quick, false);
  const input = h('input', { class: 'emoji-input', attrs: { type: 'text', placeholder: 'Any emoji', 'aria-label': 'Any emoji', maxlength: '32' } });
  const add = h('button', { class: 'secondary-button', text: 'React', attrs: { type: 'button' } });
  const error = h('div', { class: 'picker-error', attrs: { role: 'alert' } });
  error.hidden = true;
  const submit = (): void => {
    const value = input.value.trim();
    if (!isEmoji(value)) {
      error.textContent = 'A reaction is one emoji.';
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    choose(value);
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => {
    error.hidden = true;
    input.removeAttribute('aria-invalid');
  });
  add.addEventListener('click', submit);
  const box = h('div', { class: 'reaction-picker' }, quick, h('div', { class: 'emoji-row' }, input, add), error);
  close = openPopup(anchor, box, { label: 'Add reaction', cls: 'picker-popup' });
}

/** "Delete this message?" with Delete and Cancel; Cancel has the focus. */
export function confirmDelete(anchor: HTMLElement, confirm: () => void): void {
  let close = (): void => {};
  const del = h('button', { class: 'danger-button', text: 'Delete', attrs: { type: 'button' } });
  const cancel = h('button', { class: 'secondary-button', text: 'Cancel', attrs: { type: 'button', autofocus: '' } });
  del.addEventListener('click', () => {
    close();
    confirm();
  });
  cancel.addEventListener('click', () => close());
  const box = h('div', { class: 'confirm' },
    h('p', { class: 'confirm-title', text: 'Delete this message?' }),
    h('p', { class: 'confirm-text', text: 'Its text is erased for everyone. This cannot be undone.' }),
    h('div', { class: 'confirm-actions' }, cancel, del));
  close = openPopup(anchor, box, { label: 'Delete message', role: 'alertdialog', cls: 'confirm-popup' });
}

/** Earlier versions, oldest first, as plain text; then the current one. */
export function showRevisions(anchor: HTMLElement, msg: ChatMessage, revisions: Revision[]): void {
  const items = [...revisions, ...(msg.text !== undefined ? [{ text: msg.text, ts: msg.edited ?? msg.ts, current: true }] : [])];
  const list = h('ol', { class: 'revisions' }, ...items.map((r) =>
    h('li', { class: 'revision' },
      h('div', { class: 'revision-time', text: `${formatFull(r.ts)}${'current' in r ? ' (current)' : ''}` }),
      h('div', { class: 'revision-text', text: r.text }))));
  const box = h('div', { class: 'revisions-box' },
    h('p', { class: 'confirm-title', text: revisions.length === 0 ? 'No earlier versions.' : 'Earlier versions' }), list);
  openPopup(anchor, box, { label: 'Earlier versions', cls: 'revisions-popup' });
}
