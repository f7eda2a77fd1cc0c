// Threads, reactions, edits, deletes and pins in the panel: runs message actions, drives the
// thread view and the open-threads / pinned lists, and the edit flow in either composer.
// Changes go to the host as requests; what they change comes back as live events.
import type { ChatMessage } from '../protocol/messages';
import type { Composer, ComposerDeps } from './composer';
import { ListPanel, type PanelKind } from './listPanel';
import { ChangeMessage, Pins, ReadThread, Reply, Revisions, Thread, Threads, type WebviewChangeKind } from './messages';
import { confirmDelete, showMenu, showReactionPicker, showRevisions } from './messageMenu';
import type { MessageAction, RenderContext } from './render/context';
import { threadKey, type ChatStore } from './store';
import { ThreadView } from './threadView';
import type { Host } from './vscodeApi';

export interface ConversationDeps extends Pick<ComposerDeps, 'candidates' | 'status' | 'typing'> {
  host: Host;
  store: ChatStore;
  ctx: RenderContext;
  composer: Composer;
  activeRoom(): string | undefined;
  roomTitle(room: string): string;
  maxText(): number;
  /** Re-renders the room's list (a row's state changed). */
  refresh(): void;
  /** A room's counts changed (a thread was read): its list and the room list show them again. */
  roomChanged(room: string): void;
  toast(message: string): void;
  /** The thread view covers the room's list (which remembers where it was) and back. */
  enterThread(): void;
  leaveThread(): void;
  /** A list panel closed. */
  panelClosed(): void;
}

export class Conversations {
  readonly thread: ThreadView;
  readonly panel: ListPanel;
  private editing: { room: string; seq: number } | undefined;
  /** Replies sent from the thread view, by cid, for Retry. */
  private readonly replies = new Map<string, { room: string; root: number; text: string; inRoom: boolean }>();

  constructor(private readonly deps: ConversationDeps) {
    this.thread = new ThreadView(deps.ctx, {
      candidates: deps.candidates,
      status: deps.status,
      typing: deps.typing,
      editLast: () => this.editLastInThread(),
      back: () => this.closeThread(),
      reply: (text, inRoom) => this.reply(text, inRoom),
      resolve: (resolved) => this.resolve(resolved),
      loadMore: () => this.loadMoreReplies(),
    });
    this.panel = new ListPanel(deps.ctx, () => deps.panelClosed());
  }

  isEditing(msg: ChatMessage): boolean {
    return this.editing?.room === msg.room && this.editing.seq === msg.seq;
  }

  // ---- actions ------------------------------------------------------------------------------

  act(action: MessageAction, msg: ChatMessage, anchor: HTMLElement): void {
    const inThread = anchor.closest('.thread-view') !== null;
    switch (action) {
      case 'menu':
        return showMenu(anchor, msg, this.deps.store.me, (a) => this.act(a, msg, anchor), inThread);
      case 'react':
        return showReactionPicker(anchor, msg, this.deps.store.me, (emoji, on) => this.react(msg, emoji, on));
      case 'reply':
        return this.openThread(msg);
      case 'edit':
        return this.startEdit(msg, inThread ? this.thread.composer : this.deps.composer);
      case 'delete':
        return confirmDelete(anchor, () => this.change(msg, 'delete'));
      case 'pin':
      case 'unpin':
        return this.change(msg, action);
      case 'copy':
        if (msg.text !== undefined) void navigator.clipboard?.writeText(msg.text).catch(() => this.deps.toast('Could not copy the text.'));
        return;
      case 'revisions':
        this.deps.host.request(Revisions, { room: msg.room, seq: msg.seq }).then(
          (r) => showRevisions(anchor.isConnected ? anchor : document.body, this.deps.store.message(msg.room, msg.seq) ?? msg, r.revisions),
          (err: Error) => this.deps.toast(`Could not load earlier versions: ${err.message}`));
        return;
    }
  }

  react(msg: ChatMessage, emoji: string, on: boolean): void {
    this.change(msg, on ? 'react' : 'unreact', { emoji });
  }

  private change(msg: ChatMessage, kind: WebviewChangeKind, extra: { emoji?: string; text?: string } = {}): void {
    this.deps.host.request(ChangeMessage, { room: msg.room, seq: msg.seq, kind, ...extra })
      .catch((err: Error) => this.deps.toast(err.message));
  }

  // ---- editing ------------------------------------------------------------------------------

  /** Up arrow in the room's empty composer: my last message in the room. */
  editLastInRoom(): boolean {
    const room = this.deps.activeRoom();
    const msg = room ? this.deps.store.lastEditable(this.deps.store.room(room).messages) : undefined;
    if (!msg) return false;
    this.startEdit(msg, this.deps.composer);
    return true;
  }

  private editLastInThread(): boolean {
    const cur = this.thread.current;
    const t = cur ? this.deps.store.threads.get(threadKey(cur.room, cur.root)) : undefined;
    const msg = t ? this.deps.store.lastEditable([t.root, ...t.replies]) : undefined;
    if (!msg) return false;
    this.startEdit(msg, this.thread.composer);
    return true;
  }

  startEdit(msg: ChatMessage, composer: Composer): void {
    if (msg.text === undefined || msg.deleted) return;
    this.editing = { room: msg.room, seq: msg.seq };
    this.rerender();
    composer.startEdit(msg.text, (text) => {
      this.editing = undefined;
      this.rerender();
      const now = this.deps.store.message(msg.room, msg.seq) ?? msg;
      if (text === now.text) return;
      if (new TextEncoder().encode(text).length > this.deps.maxText()) {
        this.deps.toast(`Too long to save: the limit is ${Math.floor(this.deps.maxText() / 1024)} KB.`);
        return;
      }
      this.change(msg, 'edit', { text });
    }, () => {
      this.editing = undefined;
      this.rerender();
    });
  }

  // ---- threads ------------------------------------------------------------------------------

  /** The thread of root `seq`, loaded first when the room's list does not hold it (a reply's root, a link). */
  openThreadOf(room: string, seq: number): void {
    const known = this.deps.store.message(room, seq);
    if (known) return this.openThread(known);
    this.deps.host.request(Thread, { room, root: seq }).then(
      (page) => this.openThread(this.deps.store.setThread(page.room, page.root, page.replies, page.more).root),
      (err: Error) => this.deps.toast(`Could not load the thread: ${err.message}`));
  }

  openThread(msg: ChatMessage): void {
    const rootSeq = msg.root ?? msg.seq;
    const root = this.deps.store.message(msg.room, rootSeq) ?? (msg.root === undefined ? msg : undefined);
    // A reply whose root is not loaded: the thread brings it.
    if (!root) return this.openThreadOf(msg.room, rootSeq);
    this.panel.close();
    if (!this.thread.isOpen) this.deps.enterThread();
    this.deps.composer.cancelEdit();
    this.thread.open(root, this.deps.roomTitle(msg.room));
    const known = this.deps.store.threads.get(threadKey(msg.room, rootSeq));
    if (known) this.thread.show(known);
    this.deps.host.request(Thread, { room: msg.room, root: rootSeq }).then(
      (page) => {
        if (page.unread !== undefined) this.deps.store.setThreadUnread(page.room, { [page.root.seq]: page.unread });
        this.thread.show(this.deps.store.setThread(page.room, page.root, page.replies, page.more));
        this.readOpenThread();
      },
      (err: Error) => this.thread.failed(`Could not load the thread: ${err.message}`));
  }

  /**
   * The open thread is on screen: for a thread I take part in, its replies are read. The host
   * moves my mark in it; the badges go at once (the server's room count follows).
   */
  private readOpenThread(): void {
    const cur = this.thread.current;
    if (!cur || !this.thread.isOpen || document.visibilityState !== 'visible') return;
    const seq = this.deps.store.threadRead(cur.room, cur.root);
    if (seq === undefined) return;
    this.deps.host.post(ReadThread, { room: cur.room, root: cur.root, seq });
    this.deps.roomChanged(cur.room);
  }

  private loadMoreReplies(): void {
    const cur = this.thread.current;
    if (!cur) return;
    const known = this.deps.store.threads.get(threadKey(cur.room, cur.root));
    const after = known?.pagedTo;
    if (after === undefined) return;
    this.deps.host.request(Thread, { room: cur.room, root: cur.root, after }).then(
      (page) => this.thread.show(this.deps.store.setThread(page.room, page.root, page.replies, page.more)),
      (err: Error) => this.thread.failed(`Could not load more replies: ${err.message}`));
  }

  closeThread(): void {
    if (!this.thread.isOpen) return;
    this.thread.close();
    this.editing = undefined;
    this.deps.leaveThread();
  }

  private reply(text: string, inRoom: boolean): string | undefined {
    const cur = this.thread.current;
    if (!cur) return undefined;
    if (new TextEncoder().encode(text).length > this.deps.maxText()) {
      this.thread.composer.showHint(`Too long to send: the limit is ${Math.floor(this.deps.maxText() / 1024)} KB.`, undefined, 'error');
      return undefined;
    }
    const cid = newCid();
    this.replies.set(cid, { room: cur.room, root: cur.root, text, inRoom });
    this.sendReply(cid);
    return cid;
  }

  private sendReply(cid: string): void {
    const r = this.replies.get(cid);
    if (!r) return;
    this.deps.host.request(Reply, { room: r.room, root: r.root, text: r.text, cid, ...(r.inRoom ? { inRoom: true } : {}) }).then(
      () => this.replies.delete(cid),
      (err: Error) => {
        this.thread.setReplyState(cid, 'failed');
        this.thread.composer.showHint(`Not sent: ${err.message}`, undefined, 'error');
      });
  }

  /** Retry on a failed reply in the thread view (same cid: the server stores it once); false for other cids. */
  retry(cid: string): boolean {
    if (!this.replies.has(cid)) return false;
    this.thread.setReplyState(cid, 'sending');
    this.sendReply(cid);
    return true;
  }

  private resolve(resolved: boolean): void {
    const cur = this.thread.current;
    const root = cur ? this.deps.store.message(cur.room, cur.root) : undefined;
    if (root) this.change(root, resolved ? 'resolve' : 'reopen');
  }

  // ---- lists --------------------------------------------------------------------------------

  togglePanel(kind: PanelKind): void {
    const room = this.deps.activeRoom();
    if (!room) return;
    if (this.panel.kind === kind && this.panel.room === room) return this.panel.close();
    this.closeThread();
    this.panel.loading(kind, room);
    const req = kind === 'threads' ? this.deps.host.request(Threads, { room }) : this.deps.host.request(Pins, { room });
    req.then((r) => this.panel.show(kind, room, r.messages), (err: Error) => this.panel.failed(err.message));
  }

  // ---- live events --------------------------------------------------------------------------

  /** After the store folded changes or replies of `room` in. */
  afterEvents(room: string, events: readonly ChatMessage[]): void {
    for (const e of events) this.panel.apply(e);
    const cur = this.thread.current;
    if (cur?.room === room) {
      const t = this.deps.store.threads.get(threadKey(cur.room, cur.root));
      if (t) this.thread.show(t);
      // Replies that arrive in the thread on screen are read as they come.
      if (events.some((e) => e.root === cur.root && e.change === undefined)) this.readOpenThread();
    }
    // A message being edited that someone deleted: nothing is left to edit.
    const e = this.editing;
    if (e?.room === room && this.deps.store.message(e.room, e.seq)?.deleted) {
      this.deps.composer.cancelEdit();
      this.thread.composer.cancelEdit();
    }
  }

  private rerender(): void {
    this.deps.refresh();
    const cur = this.thread.current;
    const t = cur ? this.deps.store.threads.get(threadKey(cur.room, cur.root)) : undefined;
    if (t) this.thread.show(t);
  }
}

export function newCid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
