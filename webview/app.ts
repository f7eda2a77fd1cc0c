// The chat panel: wires host messages to the store and the store to the views.
import type { ChatMessage } from '../protocol/messages';
import { formatUnread } from '../protocol/unread-count';
import { Composer } from './composer';
import { Conversations } from './conversations';
import { h, icon, ICONS } from './dom';
import { l10n } from './l10n';
import { rankCandidates, type Trigger } from './mentions';
import {
  Acked, ActiveRoom, Changes, Connection, Download, DropFiles, ErrorMessage, Init, LoadOlder, MediaUri, Messages, OpenLink,
  OpenMedia, OpenRoom, OpenSnippet, PasteImage, Pending, Presence, Profiles, Read, ReadMark, Ready, RequestMedia, Retry, Rooms,
  OpenSearch, RunCommand, Search, SearchResults, Send, Typing, TypingEvent,
  type ConnectionState, type DroppedFile, type HostMessage, type ThemeKind,
} from './messages';
import { parsePrivateShortcut } from './privateChat';
import { keepFocus, rowNavigation } from './rowFocus';
import type { MediaState, RenderContext, ShownProfile } from './render/context';
import { renderRow, toItem, type RowItem } from './render/rowView';
import { mayPost, readOnlyHint, RoomHeader } from './roomHeader';
import { buildRows, type TopState } from './rows';
import { SearchView } from './searchView';
import { ChatStore, inRoomList, TYPING_TTL_MS } from './store';
import { parseState, type SavedState } from './uiState';
import { Host } from './vscodeApi';
import { VirtualList } from './virtualList';

const TYPING_SEND_INTERVAL_MS = 3000;
const NEAR_TOP_PX = 800;
const DEFAULT_MAX_TEXT = 16 * 1024;
const MAX_INLINE_FILE = 8 * 1024 * 1024;
const LOAD_RETRY_MS = 5000;

/** The banner's line for a connection state; empty hides it. */
function connectionText(state: ConnectionState, retryIn: number): string {
  switch (state) {
    case 'connecting':
      return l10n.t('Connecting…');
    case 'reconnecting':
      return retryIn > 0 ? l10n.t('Reconnecting in {0} s…', retryIn) : l10n.t('Reconnecting…');
    case 'offline':
      return l10n.t('Offline. Messages will be sent when the connection is back.');
    // The signed-out panel says it, with its Sign in and Register buttons.
    case 'connected':
    case 'signedOut':
      return '';
  }
}

/** "3 new messages": how many arrived below what is on screen. */
function newMessagesText(n: number): string {
  return n > 0 ? l10n.count(n, l10n.t('{0} new message', n), l10n.t('{0} new messages', n)) : l10n.t('Jump to latest');
}

export class App {
  private readonly host = new Host();
  private readonly store = new ChatStore();
  private readonly saved: SavedState;
  private readonly media = new Map<string, MediaState>();
  /** Display names and avatars, by user name. */
  private readonly profiles = new Map<string, ShownProfile>();
  private readonly expanded: Set<string>;
  private readonly ctx: RenderContext;
  private active: string | undefined;
  private ready = false;
  private connection: ConnectionState = 'connecting';
  private connectionDetail: string | undefined;
  /** When the next reconnection attempt is due (epoch ms), while reconnecting. */
  private retryAt: number | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The newest message seq seen at the bottom of the list, for the "N new messages" count. */
  private seenAtBottom = 0;
  private maxText = DEFAULT_MAX_TEXT;
  private lastTypingSent = 0;
  private readPosted = new Map<string, number>();
  private loadBlockedUntil = new Map<string, number>();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private readTimer: ReturnType<typeof setTimeout> | undefined;
  private mediaQueue: string[] = [];

  private readonly header: HTMLElement;
  private readonly roomSelect: HTMLSelectElement;
  private readonly roomStatus: HTMLElement;
  private readonly roomHeader: RoomHeader;
  private readonly banner: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly list: VirtualList<RowItem>;
  private readonly jump: HTMLButtonElement;
  private readonly jumpText: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly toast: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly signedOutPanel: HTMLElement;
  /** "Server: host:port" in the signed-out panel, as the host last said. */
  private readonly signedOutServer = h('span', { class: 'signed-out-server-name' });
  private readonly composer: Composer;
  private readonly search: SearchView;
  private readonly conv: Conversations;
  private readonly listWrap: HTMLElement;
  private readonly root: HTMLElement;
  /** Where the room's list was when a thread opened over it. */
  private threadReturn: ReturnType<VirtualList<RowItem>['position']> = 'bottom';

  constructor(root: HTMLElement) {
    this.saved = parseState(this.host.getState());
    this.expanded = new Set(this.saved.expanded);
    this.ctx = this.renderContext();

    this.roomSelect = h('select', { class: 'room-select', attrs: { 'aria-label': 'Room' } });
    this.roomStatus = h('span', { class: 'room-status' });
    const searchButton = h('button', { class: 'icon-button', title: 'Search messages', attrs: { type: 'button', 'aria-label': 'Search messages' } }, icon([...ICONS.search]));
    const threadsButton = h('button', { class: 'icon-button open-threads', title: 'Open threads', attrs: { type: 'button', 'aria-label': 'Open threads' } }, icon([...ICONS.thread]));
    const pinsButton = h('button', { class: 'icon-button pinned-list', title: 'Pinned', attrs: { type: 'button', 'aria-label': 'Pinned messages' } }, icon([...ICONS.pin]));
    this.search = new SearchView(this.ctx, (q) => this.runSearch(q), (room) => this.openRoom(room, false), () => this.list.refresh());
    this.roomHeader = new RoomHeader(() => this.host.post(RunCommand, { command: 'parley.roomSettings' }));
    const header = h('header', { class: 'topbar' },
      h('div', { class: 'topbar-row' }, this.roomSelect, this.roomStatus, threadsButton, pinsButton, searchButton),
      this.roomHeader.topic,
      this.search.bar);
    this.header = header;
    this.banner = h('div', { class: 'banner', attrs: { role: 'status' } });
    this.scroller = h('div', { class: 'scroller', attrs: { role: 'log', 'aria-label': 'Messages', tabindex: '0' } });
    this.jumpText = h('span', { class: 'jump-text', text: newMessagesText(0) });
    this.jump = h('button', { class: 'jump', attrs: { type: 'button' } }, this.jumpText, icon([...ICONS.arrowDown]));
    this.empty = h('div', { class: 'empty', text: 'Connecting to Parley…' });
    this.signedOutPanel = this.renderSignedOut();
    this.toast = h('div', { class: 'toast', attrs: { role: 'alert' } });
    this.toast.hidden = true;
    this.jump.hidden = true;
    const listWrap = h('main', { class: 'list-wrap' }, this.scroller, this.search.panel, this.empty, this.jump, this.toast);
    this.typingLine = h('div', { class: 'typing', attrs: { 'aria-live': 'polite' } });
    this.composer = new Composer({
      candidates: (t) => this.candidates(t),
      status: (name) => this.store.presence.get(name)?.status ?? 'offline',
      send: (text) => this.send(text),
      typing: () => this.sendTyping(),
      draftChanged: (text) => this.setDraft(text),
      paste: (files) => void this.pasteFiles(files),
      editLast: () => this.conv.editLastInRoom(),
    });
    this.composer.setEnabled(false);
    this.listWrap = listWrap;
    this.conv = new Conversations({
      host: this.host,
      store: this.store,
      ctx: this.ctx,
      composer: this.composer,
      candidates: (t) => this.candidates(t),
      status: (name) => this.store.presence.get(name)?.status ?? 'offline',
      typing: () => this.sendTyping(),
      activeRoom: () => this.active,
      roomTitle: (room) => this.ctx.roomTitle(room),
      maxText: () => this.maxText,
      refresh: () => this.refreshList(),
      roomChanged: (room) => this.roomChanged(room),
      toast: (m) => this.showToast(m),
      enterThread: () => this.enterThread(),
      leaveThread: () => this.leaveThread(),
      panelClosed: () => this.list.refresh(),
    });
    listWrap.insertBefore(this.conv.panel.el, this.empty);
    // The thread view is in the page only while a thread is open.
    root.replaceChildren(header, this.banner, listWrap, this.typingLine, this.composer.el);
    this.root = root;

    this.list = new VirtualList<RowItem>(this.scroller, (item) => this.renderItem(item));
    rowNavigation(this.scroller);
    this.list.onLayout = () => this.afterLayout();

    this.roomSelect.addEventListener('change', () => this.openRoom(this.roomSelect.value, false));
    searchButton.addEventListener('click', () => (this.search.isOpen ? this.search.close() : this.search.open()));
    threadsButton.addEventListener('click', () => this.conv.togglePanel('threads'));
    pinsButton.addEventListener('click', () => this.conv.togglePanel('pins'));
    this.jump.addEventListener('click', () => this.list.scrollToBottom());
    this.listenForLinks(root);
    this.listenForDrops(root);
    document.addEventListener('visibilitychange', () => this.scheduleRead());
    this.updateBanner();

    this.host.listen((msg) => this.handle(msg));
    this.host.post(Ready, {});
  }

  // ---- host messages ----------------------------------------------------------------------

  private handle(msg: HostMessage): void {
    if (Init.is(msg)) return this.onInit(msg);
    // Before init too: a signed-out host sends nothing else.
    if (Connection.is(msg)) return this.onConnection(msg.state, msg.detail, msg.retryAt, msg.server);
    if (!this.ready) return;
    if (Messages.is(msg)) {
      const page = msg.prepend === true || msg.requestId !== undefined;
      if (msg.threadUnread) this.store.setThreadUnread(msg.room, msg.threadUnread);
      this.store.addMessages(msg.room, msg.messages, page ? { prepend: true, more: msg.more } : { more: msg.more });
      this.roomChanged(msg.room);
      if (!page && msg.messages.some((m) => !inRoomList(m))) this.conv.afterEvents(msg.room, msg.messages);
    } else if (Changes.is(msg)) {
      this.store.applyChanges(msg.room, msg.events);
      this.roomChanged(msg.room);
      this.conv.afterEvents(msg.room, msg.events);
    } else if (Pending.is(msg)) {
      this.store.setPending(msg.room, msg.cid, msg.text, msg.state);
      this.roomChanged(msg.room);
    } else if (Acked.is(msg)) {
      const room = this.store.ack(msg.cid, msg.seq, msg);
      if (room) this.roomChanged(room);
    } else if (TypingEvent.is(msg)) {
      this.store.setTyping(msg.room, msg.user);
      if (msg.room === this.active) this.updateTyping();
    } else if (ReadMark.is(msg)) {
      this.store.setReadMark(msg.room, msg.user, msg.seq);
      this.roomChanged(msg.room);
    } else if (Presence.is(msg)) {
      this.store.applyPresence(msg.users, msg.changes);
      this.updateHeader();
    } else if (ActiveRoom.is(msg)) {
      this.openRoom(msg.room, true);
      if (msg.thread !== undefined && this.active === msg.room) this.conv.openThreadOf(msg.room, msg.thread);
    } else if (Rooms.is(msg)) {
      this.store.setRooms(msg.rooms);
      if (this.active && !this.store.rooms.has(this.active)) this.openRoom(this.defaultRoom(), false);
      this.updateHeader();
    } else if (OpenSearch.is(msg)) {
      // The host's Search command and the header's magnifier open this same search.
      this.search.open(msg.query);
      if (msg.query?.trim()) this.runSearch(msg.query.trim());
    } else if (SearchResults.is(msg)) {
      this.search.show(msg.query, msg.messages);
    } else if (Profiles.is(msg)) {
      for (const p of msg.profiles) this.profiles.set(p.user, { displayName: p.displayName, avatarFileId: p.avatarFileId });
      this.refreshList();
    } else if (MediaUri.is(msg)) {
      this.media.set(msg.fileId, { uri: msg.uri });
      this.refreshList();
    } else if (ErrorMessage.is(msg)) {
      // Errors answering a request are shown by whoever made the request.
      if (msg.requestId === undefined) this.showToast(msg.message);
    }
  }

  private onInit(msg: ReturnType<typeof Init.create>): void {
    this.ready = true;
    this.store.init(msg.me, msg.rooms);
    if (msg.presence) this.store.applyPresence(msg.presence);
    if (msg.connection) this.connection = msg.connection;
    if (msg.maxText) this.maxText = msg.maxText;
    if (msg.theme) applyTheme(msg.theme);
    this.empty.hidden = true;
    this.header.hidden = false;
    this.composer.setEnabled(true);
    this.updateBanner();
    const known = (id: string | undefined): id is string => id !== undefined && this.store.rooms.has(id);
    const room = known(msg.activeRoom) ? msg.activeRoom : known(this.saved.activeRoom) ? this.saved.activeRoom : this.defaultRoom();
    this.active = undefined;
    this.list.reset();
    this.openRoom(room, room === msg.activeRoom);
  }

  private onConnection(state: ConnectionState, detail?: string, retryAt?: number, server?: string): void {
    this.connection = state;
    this.connectionDetail = detail;
    this.retryAt = state === 'reconnecting' ? retryAt : undefined;
    if (server !== undefined) this.signedOutServer.textContent = `Server: ${server}`;
    if (state === 'signedOut') this.showSignedOut();
    this.updateBanner();
    // No presence is known while the server is out of reach: the header says so.
    if (this.ready) this.updateHeader();
  }

  /** Nothing of the previous session stays on screen; `init` brings the next one. */
  private showSignedOut(): void {
    this.ready = false;
    if (this.search.isOpen) this.search.close();
    this.conv.closeThread();
    this.conv.panel.close();
    this.active = undefined;
    this.list.reset();
    this.list.setItems([], 'bottom');
    this.roomSelect.replaceChildren();
    this.roomStatus.replaceChildren();
    this.typingLine.replaceChildren();
    this.jump.hidden = true;
    this.composer.setRoom('', 'Sign in to send messages');
    this.composer.setEnabled(false);
    this.empty.replaceChildren(this.signedOutPanel);
    this.empty.hidden = false;
    // No rooms to pick or search while signed out.
    this.header.hidden = true;
  }

  private renderSignedOut(): HTMLElement {
    // One pair of actions, worded as the commands are ("Sign In", "Register").
    const signIn = h('button', { class: 'primary-button', text: 'Sign In', attrs: { type: 'button' } });
    const register = h('button', { class: 'secondary-button', text: 'Register', attrs: { type: 'button' } });
    const change = h('button', { class: 'link-button signed-out-change', text: 'Change…', attrs: { type: 'button', 'aria-label': 'Change server' } });
    signIn.addEventListener('click', () => this.host.post(RunCommand, { command: 'parley.signIn' }));
    register.addEventListener('click', () => this.host.post(RunCommand, { command: 'parley.register' }));
    change.addEventListener('click', () => this.host.post(RunCommand, { command: 'parley.changeServer' }));
    return h('div', { class: 'signed-out', attrs: { role: 'region', 'aria-label': 'Signed out' } },
      h('p', { class: 'signed-out-title', text: 'You are signed out of Parley.' }),
      h('p', { class: 'signed-out-text', text: 'Sign in to chat with your team, or register a new account on this server.' }),
      h('div', { class: 'signed-out-actions' }, signIn, register),
      h('p', { class: 'signed-out-server' }, this.signedOutServer, h('span', { class: 'signed-out-sep', text: ' · ', attrs: { 'aria-hidden': 'true' } }), change));
  }

  // ---- rooms ------------------------------------------------------------------------------

  private defaultRoom(): string {
    if (this.store.rooms.has('general')) return 'general';
    return this.store.rooms.keys().next().value ?? 'general';
  }

  /** Switches rooms; `fromHost` when the host asked, so it is not told again. */
  private openRoom(id: string, fromHost: boolean): void {
    if (!this.ready) return;
    if (this.search.isOpen && !fromHost) this.search.close();
    if (id === this.active) return;
    this.conv.closeThread();
    this.conv.panel.close();
    if (this.active) this.saved.scroll[this.active] = this.list.position();
    this.active = id;
    this.seenAtBottom = 0;
    this.saved.activeRoom = id;
    const r = this.store.room(id);
    // The divider marks what was unread when the room was opened, and stays put while it is.
    r.unreadAfter = this.store.unreadCount(id) > 0 ? r.info.lastRead : undefined;
    this.composer.setRoom(this.saved.drafts[id] ?? '', this.placeholderOf(id));
    this.list.reset();
    const items = this.items();
    const savedPos = this.saved.scroll[id];
    const divider = items.find((i) => i.kind === 'unread');
    const position = savedPos && savedPos !== 'bottom' && items.some((i) => i.key === savedPos.key)
      ? savedPos
      : divider && savedPos === undefined ? { key: divider.key, offset: 48 } : 'bottom';
    this.list.setItems(items, position);
    this.updateHeader();
    this.updateTyping();
    if (!fromHost) this.host.post(OpenRoom, { room: id });
    if (r.more === undefined) this.loadOlder(id);
    this.persist();
  }

  private loadOlder(room: string): void {
    const r = this.store.room(room);
    if (r.loading || r.more === false || (this.loadBlockedUntil.get(room) ?? 0) > Date.now()) return;
    r.loading = true;
    if (room === this.active) this.refreshList();
    const before = r.messages[0]?.seq;
    this.host.request(LoadOlder, { room, ...(before !== undefined ? { before } : {}) }).catch((err: Error) => {
      r.loading = false;
      this.loadBlockedUntil.set(room, Date.now() + LOAD_RETRY_MS);
      if (room === this.active) this.refreshList();
      this.showToast(`Could not load messages: ${err.message}`);
    });
  }

  private roomChanged(room: string): void {
    if (room === this.active) {
      this.refreshList();
      this.updateTyping();
    }
    this.updateHeader();
  }

  // ---- the list ---------------------------------------------------------------------------

  private items(): RowItem[] {
    const id = this.active as string;
    const r = this.store.room(id);
    const peer = this.store.peerOf(id);
    const top: TopState = r.loading ? 'loading' : r.more === false ? 'start' : 'more';
    return buildRows({
      room: id,
      me: this.store.me,
      messages: r.messages,
      pending: r.pending,
      top,
      unreadAfter: r.unreadAfter,
      seenSeq: peer !== undefined ? r.readMarks.get(peer) : undefined,
    }).map((row) => toItem(row, this.ctx));
  }

  private refreshList(): void {
    if (!this.active) return;
    const restore = keepFocus(this.scroller);
    this.list.setItems(this.items(), 'keep');
    restore();
  }

  private renderItem(item: RowItem): HTMLElement {
    const id = this.active as string;
    const isDm = this.store.room(id).info.kind === 'dm';
    return renderRow(item, this.ctx, this.store.title(id), isDm, () => this.loadOlder(id));
  }

  private enterThread(): void {
    this.threadReturn = this.list.position();
    this.listWrap.hidden = true;
    this.typingLine.hidden = true;
    this.composer.el.hidden = true;
    this.root.appendChild(this.conv.thread.el);
  }

  /** Back from a thread: the room's list where it was. */
  private leaveThread(): void {
    this.conv.thread.el.remove();
    this.listWrap.hidden = false;
    this.typingLine.hidden = false;
    this.composer.el.hidden = false;
    if (this.active) this.list.setItems(this.items(), this.threadReturn);
    const seq = this.conv.thread.current?.root;
    (this.scroller.querySelector<HTMLElement>(`.row.msg[data-seq="${seq}"]`) ?? this.composer.textarea).focus();
  }

  private afterLayout(): void {
    const id = this.active;
    if (!id) return;
    const s = this.scroller;
    const r = this.store.room(id);
    if (s.scrollTop < NEAR_TOP_PX && r.more !== false && !r.loading) this.loadOlder(id);
    this.updateJump();
    this.scheduleRead();
    this.persist();
  }

  /** Marks as read up to the newest message on screen, once the scrolling settles. */
  private scheduleRead(): void {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      const id = this.active;
      if (!id || document.visibilityState !== 'visible' || this.search.isOpen) return;
      const [start, end] = this.list.visibleRange();
      let seq = 0;
      for (let i = end - 1; i >= start && seq === 0; i--) {
        const it = this.list.item(i);
        if (it?.kind === 'msg') seq = it.msg.seq;
      }
      const r = this.store.room(id);
      if (seq > Math.max(r.info.lastRead, this.readPosted.get(id) ?? 0)) {
        this.readPosted.set(id, seq);
        r.info.lastRead = seq;
        this.host.post(Read, { room: id, seq });
        this.updateHeader();
      }
    }, 250);
  }

  /**
   * "N new messages ↓" once the newest messages are a screen or more below, or when some
   * arrived below what is on screen. At the bottom everything counts as seen.
   */
  private updateJump(): void {
    const s = this.scroller;
    const fromBottom = s.scrollHeight - s.scrollTop - s.clientHeight;
    const messages = this.active ? this.store.room(this.active).messages : [];
    const newest = messages.length ? messages[messages.length - 1].seq : 0;
    if (fromBottom < 4 || this.seenAtBottom === 0) this.seenAtBottom = newest;
    const waiting = messages.filter((m) => m.seq > this.seenAtBottom && m.from !== this.store.me && inRoomList(m) && m.event === undefined).length;
    this.jumpText.textContent = newMessagesText(waiting);
    this.jump.hidden = waiting === 0 && fromBottom < s.clientHeight;
    // The list ends above the button, so the button never hides a message.
    this.listWrap.classList.toggle('with-jump', !this.jump.hidden);
  }

  // ---- header, banner, typing, toast ---------------------------------------------------------

  private updateHeader(): void {
    const groups: HTMLOptionElement[] = [];
    const dms: HTMLOptionElement[] = [];
    const ids = [...this.store.rooms.keys()];
    if (this.active && !ids.includes(this.active)) ids.push(this.active);
    for (const id of ids) {
      const r = this.store.room(id);
      // Timeline messages, and thread-only replies in the threads I take part in.
      const unread = id === this.active ? 0 : this.store.roomBadge(id);
      const mentions = id === this.active ? 0 : this.store.mentionCount(id);
      const name = r.info.kind === 'dm' ? this.store.title(id) : `# ${this.store.title(id)}`;
      const badges = `${mentions > 0 ? ` · ${mentionsText(mentions)}` : ''}${unread > 0 ? `  (${formatUnread(unread)})` : ''}`;
      const opt = h('option', { text: `${name}${badges}` });
      if (mentions > 0) opt.dataset.mentions = String(mentions);
      opt.value = id;
      (r.info.kind === 'dm' ? dms : groups).push(opt);
    }
    const byName = (a: HTMLOptionElement, b: HTMLOptionElement): number => (a.textContent ?? '').localeCompare(b.textContent ?? '');
    const parts: HTMLElement[] = [];
    if (groups.length) parts.push(h('optgroup', { attrs: { label: l10n.t('Rooms') } }, ...groups.sort(byName)));
    if (dms.length) parts.push(h('optgroup', { attrs: { label: l10n.t('Direct messages') } }, ...dms.sort(byName)));
    this.roomSelect.replaceChildren(...parts);
    if (this.active) this.roomSelect.value = this.active;

    const peer = this.active ? this.store.peerOf(this.active) : undefined;
    if (this.connection !== 'connected') {
      // Presence from before the connection dropped would be stale.
      this.roomStatus.replaceChildren(h('span', { class: 'presence-dot offline' }), l10n.t('offline'));
      this.roomStatus.title = l10n.t('Not connected to the server');
    } else if (peer !== undefined) {
      const status = this.store.presence.get(peer)?.status ?? 'offline';
      this.roomStatus.replaceChildren(h('span', { class: `presence-dot ${status}` }), presenceText(status));
      this.roomStatus.title = this.store.presence.get(peer)?.context ?? '';
    } else {
      const members = this.active ? this.store.membersOf(this.active) : [];
      const online = members.filter((m) => this.store.presence.get(m)?.status === 'online').length;
      this.roomStatus.replaceChildren(h('span', { class: 'presence-dot online' }), l10n.t('{0} online', online));
      this.roomStatus.title = l10n.count(members.length, l10n.t('{0} member', members.length), l10n.t('{0} members', members.length));
    }
    this.updateRoomInfo();
  }

  /** The room's topic in the header; a read-only room's composer closed to its members. */
  private updateRoomInfo(): void {
    const info = this.active ? this.store.rooms.get(this.active)?.info : undefined;
    this.roomHeader.show(info);
    if (!this.active) return;
    const open = info === undefined || mayPost(info);
    this.composer.setEnabled(open);
    this.composer.textarea.placeholder = open ? this.placeholderOf(this.active) : readOnlyHint();
  }

  private placeholderOf(id: string): string {
    const r = this.store.room(id);
    return `Message ${r.info.kind === 'dm' ? this.store.title(id) : `#${this.store.title(id)}`}`;
  }

  /** One line: "Reconnecting in 4 s…" counting down, then "Reconnecting…". */
  private updateBanner(): void {
    clearTimeout(this.retryTimer);
    const retryIn = this.retryAt !== undefined ? Math.ceil((this.retryAt - Date.now()) / 1000) : 0;
    const text = connectionText(this.connection, retryIn);
    const detail = this.connection === 'reconnecting' && this.retryAt !== undefined ? undefined : this.connectionDetail;
    this.banner.textContent = text && detail ? `${text} ${detail}` : text;
    this.banner.hidden = !text;
    this.banner.className = `banner ${this.connection}`;
    if (retryIn > 0) {
      const untilNextSecond = (this.retryAt as number) - Date.now() - (retryIn - 1) * 1000;
      this.retryTimer = setTimeout(() => this.updateBanner(), Math.max(50, untilNextSecond));
    }
  }

  private updateTyping(): void {
    clearTimeout(this.typingTimer);
    const users = this.active ? this.store.typingUsers(this.active) : [];
    if (users.length === 0) {
      this.typingLine.replaceChildren();
      return;
    }
    const who = users.length === 1 ? `${users[0]} is typing` : users.length === 2 ? `${users[0]} and ${users[1]} are typing` : 'Several people are typing';
    this.typingLine.replaceChildren(h('span', { class: 'dots', attrs: { 'aria-hidden': 'true' } }, h('i'), h('i'), h('i')), h('span', { text: who }));
    this.typingTimer = setTimeout(() => this.updateTyping(), TYPING_TTL_MS / 3);
  }

  private showToast(message: string): void {
    this.toast.textContent = message;
    this.toast.hidden = false;
    clearTimeout((this.toast as HTMLElement & { timer?: ReturnType<typeof setTimeout> }).timer);
    (this.toast as HTMLElement & { timer?: ReturnType<typeof setTimeout> }).timer = setTimeout(() => (this.toast.hidden = true), 6000);
  }

  // ---- composing ------------------------------------------------------------------------------

  private candidates(t: Trigger): string[] {
    if (!this.active) return [];
    const names = t.char === '~' ? [...this.store.presence.keys()] : this.store.membersOf(this.active);
    return rankCandidates(t.query, names, this.store.presence, this.store.me);
  }

  private send(text: string): boolean {
    const id = this.active;
    if (!id) return false;
    const known = this.store.presence.size > 0 ? (u: string) => this.store.presence.has(u) : undefined;
    const dm = parsePrivateShortcut(text, this.store.me, known);
    const room = dm ? dm.room : id;
    const body = dm ? dm.text : text;
    if (new TextEncoder().encode(body).length > this.maxText) {
      this.composer.showHint(`Too long to send: the limit is ${Math.floor(this.maxText / 1024)} KB.`, undefined, 'error');
      return false;
    }
    const cid = newCid();
    this.store.setPending(room, cid, body, 'sending');
    this.host.post(Send, { room, text: body, cid });
    if (dm) {
      this.composer.showHint(`Sent privately to ${dm.user}.`, { label: 'Open conversation', run: () => this.openRoom(room, false) });
      this.updateHeader();
    } else {
      this.list.setItems(this.items(), 'bottom');
    }
    return true;
  }

  private sendTyping(): void {
    const now = Date.now();
    if (!this.active || now - this.lastTypingSent < TYPING_SEND_INTERVAL_MS) return;
    this.lastTypingSent = now;
    this.host.post(Typing, { room: this.active });
  }

  private setDraft(text: string): void {
    if (!this.active) return;
    if (text) this.saved.drafts[this.active] = text;
    else delete this.saved.drafts[this.active];
    this.persist();
  }

  private runSearch(query: string): void {
    this.search.searching(query);
    this.host.request(Search, { query }).catch((err: Error) => this.search.failed(err.message));
  }

  // ---- files --------------------------------------------------------------------------------

  private async pasteFiles(files: File[]): Promise<void> {
    const room = this.active;
    if (!room) return;
    for (const f of files) {
      if (f.size > MAX_INLINE_FILE) {
        this.showToast(`${f.name || 'The pasted file'} is too large to paste; use “Send File”.`);
        continue;
      }
      const dataBase64 = toBase64(await f.arrayBuffer());
      this.host.request(PasteImage, { room, name: f.name || 'pasted-image.png', mime: f.type, dataBase64 })
        .catch((err: Error) => this.showToast(err.message));
    }
  }

  private listenForDrops(root: HTMLElement): void {
    root.addEventListener('dragover', (e) => {
      if (!e.dataTransfer) return;
      e.preventDefault();
      root.classList.add('dropping');
    });
    root.addEventListener('dragleave', (e) => {
      if (e.target === root || !root.contains(e.relatedTarget as Node | null)) root.classList.remove('dropping');
    });
    root.addEventListener('drop', (e) => {
      e.preventDefault();
      root.classList.remove('dropping');
      const room = this.active;
      const dt = e.dataTransfer;
      if (!room || !dt) return;
      const uris = (dt.getData('text/uri-list') || '').split(/\r?\n/).filter((l) => l && !l.startsWith('#'));
      void Promise.all(Array.from(dt.files).map(async (f): Promise<DroppedFile> => ({
        name: f.name,
        size: f.size,
        mime: f.type,
        ...(f.size <= MAX_INLINE_FILE ? { dataBase64: toBase64(await f.arrayBuffer()) } : {}),
      }))).then((files) => {
        if (files.length === 0 && uris.length === 0) return;
        return this.host.request(DropFiles, { room, files, ...(uris.length ? { uris } : {}) });
      }).catch((err: Error) => this.showToast(err.message));
    });
  }

  // ---- links and rendering context ------------------------------------------------------------

  /** Links never navigate: a click asks the host to open the URL. */
  private listenForLinks(root: HTMLElement): void {
    const openLink = (e: Event): void => {
      const target = e.target as Element | null;
      const a = target?.closest?.('a');
      if (!a) return;
      e.preventDefault();
      const href = a.getAttribute('data-href');
      if (href) this.host.post(OpenLink, { href });
    };
    root.addEventListener('click', (e) => {
      openLink(e);
      const copy = (e.target as Element | null)?.closest?.('button.copy-code');
      const code = copy?.closest('.code-block')?.querySelector('code')?.textContent;
      if (code !== undefined && code !== null) void navigator.clipboard?.writeText(code).catch(() => {});
    });
    root.addEventListener('auxclick', openLink);
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.target as Element | null)?.matches?.('a.link')) openLink(e);
    });
  }

  private renderContext(): RenderContext {
    const store = this.store;
    return {
      // Read lazily: the context exists before `init` says who I am.
      get me() {
        return store.me;
      },
      profile: (user) => this.profiles.get(user),
      media: (fileId) => this.media.get(fileId),
      wantMedia: (fileId) => this.wantMedia(fileId),
      isExpanded: (key) => this.expanded.has(key),
      toggleExpanded: (key) => {
        if (!this.expanded.delete(key)) this.expanded.add(key);
        this.refreshList();
        this.persist();
      },
      openSnippet: (message: ChatMessage) => this.host.post(OpenSnippet, { message }),
      openMedia: (fileId) => void this.host.request(OpenMedia, { fileId }).catch((err: Error) => this.showToast(err.message)),
      download: (fileId) => void this.host.request(Download, { fileId }).catch((err: Error) => this.showToast(err.message)),
      retry: (cid) => {
        if (this.conv.retry(cid)) return;
        const room = [...this.store.rooms.values()].find((r) => r.pending.some((p) => p.cid === cid));
        if (room) this.store.setPending(room.info.id, cid, '', 'sending');
        this.host.post(Retry, { cid });
        this.refreshList();
      },
      roomTitle: (room) => {
        const r = this.store.rooms.get(room);
        return r?.info.kind === 'dm' || this.store.peerOf(room) ? this.store.title(room) : `#${this.store.title(room)}`;
      },
      // The conversation logic exists once the constructor has made it; rows render later.
      react: (msg, emoji, on) => this.conv.react(msg, emoji, on),
      isEditing: (msg) => this.conv?.isEditing(msg) ?? false,
      openThread: (msg) => this.conv.openThread(msg),
      threadUnread: (msg) => this.store.threadUnreadOf(msg.room, msg.seq),
      act: (action, msg, anchor) => this.conv.act(action, msg, anchor),
    };
  }

  /** Preview requests go out after the current render, a few at a time. */
  private wantMedia(fileId: string): void {
    this.media.set(fileId, 'loading');
    this.mediaQueue.push(fileId);
    if (this.mediaQueue.length > 1) return;
    queueMicrotask(() => {
      const ids = this.mediaQueue;
      this.mediaQueue = [];
      for (const id of ids) {
        this.host.request(RequestMedia, { fileId: id }).catch(() => {
          this.media.set(id, 'unavailable');
          this.refreshList();
        });
      }
    });
  }

  private persist(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      if (this.active) this.saved.scroll[this.active] = this.list.position();
      this.saved.expanded = [...this.expanded].slice(-200);
      this.host.setState(this.saved);
    }, 150);
  }
}


function mentionsText(n: number): string {
  return l10n.count(n, l10n.t('{0} mention', n), l10n.t('{0} mentions', n));
}

function presenceText(status: string): string {
  return status === 'online' ? l10n.t('online') : status === 'away' ? l10n.t('away') : l10n.t('offline');
}

function applyTheme(theme: ThemeKind): void {
  const cls = document.body.classList;
  if (['vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light'].some((c) => cls.contains(c))) return;
  cls.add(`vscode-${theme}`);
  if (theme === 'high-contrast-light') cls.add('vscode-high-contrast');
}

function newCid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
