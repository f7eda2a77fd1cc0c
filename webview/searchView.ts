// Search results over the message list: a query box in the header opens it; each result shows
// its room, author, time and message, and a button to go to the room.
import type { ChatMessage } from '../protocol/messages';
import { h, icon, ICONS } from './dom';
import { l10n } from './l10n';
import { messageBody, messageHeader } from './render/messageRow';
import type { RenderContext } from './render/context';

export class SearchView {
  readonly bar: HTMLElement;
  readonly panel: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly summary: HTMLElement;

  constructor(
    private readonly ctx: RenderContext,
    private readonly run: (query: string) => void,
    private readonly goTo: (room: string) => void,
    private readonly onClose: () => void,
  ) {
    this.input = h('input', { class: 'search-input', attrs: { type: 'search', placeholder: 'Search messages', 'aria-label': 'Search messages' } });
    const close = h('button', { class: 'icon-button', title: 'Close search (Escape)', attrs: { type: 'button', 'aria-label': 'Close search' } }, icon([...ICONS.close]));
    this.bar = h('div', { class: 'search-bar' }, icon([...ICONS.search], 'icon search-icon'), this.input, close);
    this.summary = h('div', { class: 'search-summary', attrs: { role: 'status' } });
    this.list = h('div', { class: 'search-results' });
    this.panel = h('div', { class: 'search-panel', attrs: { role: 'region', 'aria-label': 'Search results' } }, this.summary, this.list);
    this.bar.hidden = true;
    this.panel.hidden = true;
    close.addEventListener('click', () => this.close());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && this.input.value.trim()) {
        e.preventDefault();
        this.run(this.input.value.trim());
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
      }
    });
  }

  get isOpen(): boolean {
    return !this.bar.hidden;
  }

  /** Shows the search box (with `query`, from the host's Search command) and focuses it. */
  open(query?: string): void {
    if (query !== undefined) this.input.value = query;
    this.bar.hidden = false;
    this.input.focus();
    this.input.select();
  }

  close(): void {
    this.bar.hidden = true;
    this.panel.hidden = true;
    this.list.replaceChildren();
    this.onClose();
  }

  searching(query: string): void {
    this.panel.hidden = false;
    this.summary.textContent = l10n.t('Searching for “{0}”…', query);
    this.list.replaceChildren();
  }

  failed(message: string): void {
    this.panel.hidden = false;
    this.summary.textContent = message;
  }

  show(query: string, messages: ChatMessage[]): void {
    this.bar.hidden = false;
    if (!this.input.value) this.input.value = query;
    this.panel.hidden = false;
    const n = messages.length;
    this.summary.textContent = n === 0
      ? l10n.t('No messages match “{0}”.', query)
      : l10n.count(n, l10n.t('{0} result for “{1}”', n, query), l10n.t('{0} results for “{1}”', n, query));
    // Newest first, like most chat search.
    const sorted = [...messages].sort((a, b) => b.ts - a.ts);
    this.list.replaceChildren(...sorted.map((m) => this.result(m)));
  }

  private result(m: ChatMessage): HTMLElement {
    const go = h('button', { class: 'link-button', text: 'Go to room', attrs: { type: 'button' } });
    go.addEventListener('click', () => this.goTo(m.room));
    const room = h('div', { class: 'result-room' }, h('span', { text: this.ctx.roomTitle(m.room) }), go);
    return h('div', { class: 'result' }, room, h('div', { class: 'row msg head' },
      h('div', { class: 'main' }, messageHeader(m.from, m.ts, undefined, this.ctx), messageBody(m, `search|${m.room}|${m.seq}`, this.ctx))));
  }
}
