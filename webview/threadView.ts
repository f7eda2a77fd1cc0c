// A thread inside the Chat view: Back, the root and its replies, Resolve/Reopen, and its own
// composer with "Also send to the room". Escape or Alt+Left goes back to the room.
import type { ChatMessage } from '../protocol/messages';
import { Composer, type ComposerDeps } from './composer';
import { h, icon, ICONS } from './dom';
import { popupOpen } from './popup';
import { keepFocus, rowNavigation } from './rowFocus';
import type { RenderContext } from './render/context';
import { renderMessageRow, renderPendingRow } from './render/messageRow';
import type { PendingMessage } from './rows';
import { replyCount } from './render/threadSummary';
import type { ThreadData } from './store';

export interface ThreadDeps extends Pick<ComposerDeps, 'candidates' | 'status' | 'typing' | 'editLast'> {
  back(): void;
  /** Sends a reply; returns its cid, or undefined to keep it in the box. */
  reply(text: string, inRoom: boolean): string | undefined;
  resolve(resolved: boolean): void;
  /** Asks for the replies after the last one loaded. */
  loadMore(): void;
}

export class ThreadView {
  readonly el: HTMLElement;
  readonly composer: Composer;
  private readonly title: HTMLElement;
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private readonly resolveButton: HTMLButtonElement;
  private readonly alsoRoom: HTMLInputElement;
  private readonly alsoLabel: HTMLElement;
  private shown: { room: string; root: number } | undefined;
  private openedRoot: ChatMessage | undefined;
  private data: ThreadData | undefined;
  /** My replies on their way, until they come back from the server. */
  private pending: PendingMessage[] = [];

  constructor(private readonly ctx: RenderContext, private readonly deps: ThreadDeps) {
    const back = h('button', { class: 'icon-button thread-back', title: 'Back to the room (Escape)', attrs: { type: 'button', 'aria-label': 'Back to the room' } }, icon([...ICONS.back]));
    back.addEventListener('click', () => deps.back());
    this.title = h('span', { class: 'thread-title', text: 'Thread' });
    this.resolveButton = h('button', { class: 'secondary-button thread-resolve', text: 'Resolve', attrs: { type: 'button' } });
    this.resolveButton.addEventListener('click', () => deps.resolve(this.data?.root.resolvedBy === undefined));
    this.status = h('div', { class: 'thread-status', attrs: { role: 'status' } });
    this.list = h('div', { class: 'thread-list', attrs: { role: 'log', 'aria-label': 'Thread', tabindex: '0' } });
    rowNavigation(this.list);
    this.alsoRoom = h('input', { class: 'also-room', attrs: { type: 'checkbox' } });
    this.alsoLabel = h('span', { text: 'Also send to the room' });
    this.composer = new Composer({
      candidates: deps.candidates,
      status: deps.status,
      typing: deps.typing,
      editLast: deps.editLast,
      send: (text) => {
        const cur = this.shown;
        const cid = cur ? deps.reply(text, this.alsoRoom.checked) : undefined;
        if (!cur || cid === undefined) return false;
        this.alsoRoom.checked = false;
        this.pending.push({ room: cur.room, cid, text, state: 'sending', ts: Date.now() });
        this.rerender();
        return true;
      },
      draftChanged: () => {},
      paste: () => {},
      inputClass: 'reply-input',
      label: 'Reply',
    });
    const also = h('label', { class: 'also-room-label' }, this.alsoRoom, this.alsoLabel);
    this.el = h('section', { class: 'thread-view', attrs: { role: 'region', 'aria-label': 'Thread' } },
      h('div', { class: 'thread-head' }, back, this.title, this.resolveButton),
      this.status,
      this.list,
      h('div', { class: 'thread-compose' }, also, this.composer.el));
    this.el.hidden = true;
    this.el.addEventListener('keydown', (e) => {
      if (popupOpen() || e.defaultPrevented) return;
      const back = (e.key === 'Escape' && !this.composer.isEditing) || (e.key === 'ArrowLeft' && e.altKey);
      if (!back) return;
      e.preventDefault();
      deps.back();
    });
  }

  get current(): { room: string; root: number } | undefined {
    return this.shown;
  }

  get isOpen(): boolean {
    return this.shown !== undefined;
  }

  /** Opens the thread of `root` in `roomTitle`; its replies follow with show(). */
  open(root: ChatMessage, roomTitle: string): void {
    this.shown = { room: root.room, root: root.seq };
    this.data = undefined;
    this.pending = [];
    this.openedRoot = root;
    this.title.textContent = `Thread in ${roomTitle}`;
    this.alsoLabel.textContent = `Also send to ${roomTitle}`;
    this.alsoRoom.checked = false;
    this.composer.setRoom('', 'Reply…');
    this.composer.setEnabled(true);
    this.el.hidden = false;
    this.render({ room: root.room, root, replies: [], more: false }, 'Loading replies…');
    this.composer.focus();
  }

  failed(message: string): void {
    this.status.textContent = message;
    this.status.hidden = false;
  }

  /** A reply of mine could not be sent (`failed`), or goes out again (`sending`). */
  setReplyState(cid: string, state: 'sending' | 'failed'): PendingMessage | undefined {
    const p = this.pending.find((x) => x.cid === cid);
    if (!p) return undefined;
    p.state = state;
    this.rerender();
    return p;
  }

  private rerender(): void {
    const cur = this.shown;
    if (!cur) return;
    this.render(this.data ?? { room: cur.room, root: this.rootOf(cur), replies: [], more: false }, this.status.textContent ?? '');
  }

  private rootOf(cur: { room: string; root: number }): ChatMessage {
    return this.data?.root ?? this.openedRoot ?? { room: cur.room, seq: cur.root, ts: 0, msgId: '', from: '' };
  }

  /** The thread's current state (after loading, and after each live change). */
  show(t: ThreadData): void {
    if (!this.shown || t.room !== this.shown.room || t.root.seq !== this.shown.root) return;
    this.data = t;
    this.render(t, '');
  }

  close(): void {
    this.composer.cancelEdit();
    this.shown = undefined;
    this.data = undefined;
    this.pending = [];
    this.el.hidden = true;
    this.list.replaceChildren();
  }

  private render(t: ThreadData, status: string): void {
    const l = this.list;
    const atBottom = l.scrollHeight - l.scrollTop - l.clientHeight < 24;
    const rootRow = renderMessageRow(t.root, `thread|${t.room}|${t.root.seq}`, true, t.root.from === this.ctx.me, false, this.ctx, {
      inThread: true, editing: this.ctx.isEditing(t.root),
    });
    rootRow.classList.add('thread-root');
    const n = Math.max(t.replies.length, t.root.replies ?? 0);
    const divider = h('div', { class: 'row day thread-count', attrs: { role: 'separator' } }, h('span', { text: n === 0 ? 'No replies yet' : replyCount(n) }));
    const arrived = new Set(t.replies.filter((m) => m.from === this.ctx.me && m.cid).map((m) => m.cid));
    this.pending = this.pending.filter((p) => !arrived.has(p.cid));
    const rows = t.replies.map((m) => renderMessageRow(m, `thread|${t.room}|${m.seq}`, true, m.from === this.ctx.me, false, this.ctx, {
      inThread: true, editing: this.ctx.isEditing(m),
    }));
    if (t.more) {
      const more = h('button', { class: 'secondary-button thread-more', text: 'Load more replies', attrs: { type: 'button' } });
      more.addEventListener('click', () => {
        more.disabled = true;
        more.textContent = 'Loading replies…';
        this.deps.loadMore();
      });
      rows.push(h('div', { class: 'row thread-more-row' }, more));
    }
    for (const p of this.pending) rows.push(renderPendingRow(p, `thread|${t.room}|p:${p.cid}`, true, this.ctx));
    const restore = keepFocus(l);
    l.replaceChildren(rootRow, divider, ...rows);
    restore();
    if (atBottom) l.scrollTop = l.scrollHeight;
    this.status.textContent = status;
    this.status.hidden = !status;
    const resolved = t.root.resolvedBy !== undefined;
    this.resolveButton.textContent = resolved ? 'Reopen' : 'Resolve';
    this.resolveButton.title = resolved ? `Resolved by ${t.root.resolvedBy}` : 'Mark this thread resolved';
    this.resolveButton.hidden = t.root.deleted === true || (t.root.replies ?? 0) === 0;
    this.composer.setEnabled(t.root.deleted !== true);
  }
}
