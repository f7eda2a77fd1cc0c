// A list of the room's messages over the message list: its open threads, or what is pinned.
// Each entry opens its thread (or shows where it is); pins can be unpinned here.
import { applyEvent } from '../protocol/apply-change';
import type { ChatMessage } from '../protocol/messages';
import { h, icon, ICONS } from './dom';
import type { RenderContext } from './render/context';
import { messageBody, messageHeader } from './render/messageRow';
import { renderThreadSummary } from './render/threadSummary';

export type PanelKind = 'threads' | 'pins';

const TITLES: Record<PanelKind, string> = { threads: 'Open threads', pins: 'Pinned' };
const EMPTY: Record<PanelKind, string> = { threads: 'No open threads in this room.', pins: 'Nothing is pinned in this room.' };

export class ListPanel {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly list: HTMLElement;
  private shown: { kind: PanelKind; room: string; messages: ChatMessage[] } | undefined;

  constructor(private readonly ctx: RenderContext, private readonly onClose: () => void) {
    const close = h('button', { class: 'icon-button', title: 'Close (Escape)', attrs: { type: 'button', 'aria-label': 'Close' } }, icon([...ICONS.close]));
    close.addEventListener('click', () => this.close());
    this.title = h('span', { class: 'panel-title' });
    this.list = h('div', { class: 'panel-list' });
    this.el = h('div', { class: 'list-panel', attrs: { role: 'region' } }, h('div', { class: 'panel-head' }, this.title, close), this.list);
    this.el.hidden = true;
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        this.close();
      }
    });
  }

  get kind(): PanelKind | undefined {
    return this.shown?.kind;
  }

  get room(): string | undefined {
    return this.shown?.room;
  }

  loading(kind: PanelKind, room: string): void {
    this.shown = { kind, room, messages: [] };
    this.el.hidden = false;
    this.el.setAttribute('aria-label', TITLES[kind]);
    this.title.textContent = TITLES[kind];
    this.list.replaceChildren(h('div', { class: 'panel-empty', text: 'Loading…' }));
  }

  failed(message: string): void {
    this.list.replaceChildren(h('div', { class: 'panel-empty', text: message }));
  }

  show(kind: PanelKind, room: string, messages: ChatMessage[]): void {
    if (this.shown?.kind !== kind || this.shown.room !== room) return;
    this.shown.messages = messages;
    this.render();
  }

  /** A live change or reply: update what is listed (a resolved thread, an unpinned message leaves). */
  apply(event: ChatMessage): void {
    const s = this.shown;
    if (!s || event.room !== s.room) return;
    const next = s.messages.map((m) => applyEvent(m, event));
    if (next.every((m, i) => m === s.messages[i])) return;
    s.messages = next.filter((m) => (s.kind === 'pins' ? m.pinned === true : m.resolvedBy === undefined && m.deleted !== true));
    this.render();
  }

  close(): void {
    if (!this.shown) return;
    this.shown = undefined;
    this.el.hidden = true;
    this.list.replaceChildren();
    this.onClose();
  }

  private render(): void {
    const s = this.shown;
    if (!s) return;
    if (s.messages.length === 0) {
      this.list.replaceChildren(h('div', { class: 'panel-empty', text: EMPTY[s.kind] }));
      return;
    }
    this.list.replaceChildren(...s.messages.map((m) => this.entry(s.kind, m)));
  }

  private entry(kind: PanelKind, m: ChatMessage): HTMLElement {
    const actions = h('div', { class: 'panel-actions' });
    if (kind === 'pins') {
      const unpin = h('button', { class: 'link-button', text: 'Unpin', attrs: { type: 'button' } });
      unpin.addEventListener('click', () => this.ctx.act('unpin', m, unpin));
      actions.appendChild(unpin);
    }
    if (m.root === undefined && (m.replies ?? 0) === 0) {
      const reply = h('button', { class: 'link-button', text: 'Reply in thread', attrs: { type: 'button' } });
      reply.addEventListener('click', () => this.ctx.openThread(m));
      actions.appendChild(reply);
    }
    const row = h('div', { class: 'row msg head' },
      h('div', { class: 'main' }, messageHeader(m.from, m.ts, undefined, this.ctx), messageBody(m, `${kind}|${m.room}|${m.seq}`, this.ctx), renderThreadSummary(m, this.ctx), actions));
    row.dataset.seq = String(m.seq);
    return h('div', { class: 'panel-entry' }, row);
  }
}
