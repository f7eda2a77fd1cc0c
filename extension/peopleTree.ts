// The "People" tree: rooms with unread counts, then people grouped Online / Offline.
// Items carry contextValue so the manifest's menus can offer Open DM / Join / Leave.
import * as vscode from 'vscode';
import { dmRoomId } from '../protocol';
import { formatUnread } from '../protocol/unread-count';
import type { ChatModel, PersonState, RoomState } from './model';

type Node =
  | { kind: 'group'; id: 'rooms' | 'online' | 'offline' }
  | { kind: 'room'; room: RoomState }
  | { kind: 'person'; person: PersonState };

export class PeopleTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly view: vscode.TreeView<Node>;
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastShown = '';
  private lastBadge = 0;

  constructor(private readonly model: ChatModel) {
    this.view = vscode.window.createTreeView('parley.people', { treeDataProvider: this, showCollapseAll: false });
    this.subscriptions.push(this.view, this.emitter, model.onDidChange(() => this.refresh()));
  }

  /**
   * Re-renders only when something shown changed, at most every 100 ms: every refresh replaces
   * the items' command handles, and a click on a row rendered just before one runs a stale
   * handle ("command not found"). Messages and presence arrive in bursts.
   */
  refresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const shown = this.signature();
      if (shown !== this.lastShown) {
        this.lastShown = shown;
        this.emitter.fire(undefined);
      }
      const total = this.model.unreadTotal();
      if (total !== this.lastBadge) {
        this.lastBadge = total;
        this.view.badge = total > 0 ? { value: total, tooltip: vscode.l10n.t('{0} unread messages', formatUnread(total)) } : undefined;
      }
    }, 100);
  }

  private signature(): string {
    const rooms = this.model.allRooms().map((r) => [r.info.id, r.info.name, r.joined, r.unread, r.mentions]);
    const people = this.model.allPeople().map((p) => [p.user, p.status, p.context]);
    return JSON.stringify([this.model.user, rooms, people]);
  }

  getChildren(node?: Node): Node[] {
    if (!this.model.user) return [];
    if (!node) {
      const groups: Node[] = [{ kind: 'group', id: 'rooms' }];
      const people = this.model.allPeople();
      if (people.some((p) => p.status !== 'offline')) groups.push({ kind: 'group', id: 'online' });
      if (people.some((p) => p.status === 'offline')) groups.push({ kind: 'group', id: 'offline' });
      return groups;
    }
    if (node.kind !== 'group') return [];
    if (node.id === 'rooms') return this.model.allRooms().map((room) => ({ kind: 'room', room }));
    const online = node.id === 'online';
    return this.model
      .allPeople()
      .filter((p) => (p.status !== 'offline') === online)
      .map((person) => ({ kind: 'person', person }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'group':
        return this.groupItem(node.id);
      case 'room':
        return this.roomItem(node.room);
      case 'person':
        return this.personItem(node.person);
    }
  }

  private groupItem(id: 'rooms' | 'online' | 'offline'): vscode.TreeItem {
    const people = this.model.allPeople();
    const label =
      id === 'rooms'
        ? vscode.l10n.t('Rooms')
        : id === 'online'
          ? vscode.l10n.t('Online ({0})', people.filter((p) => p.status !== 'offline').length)
          : vscode.l10n.t('Offline ({0})', people.filter((p) => p.status === 'offline').length);
    const item = new vscode.TreeItem(
      label,
      id === 'offline' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
    );
    item.id = `group:${id}`;
    item.contextValue = `group.${id}`;
    return item;
  }

  private roomItem(r: RoomState): vscode.TreeItem {
    const dm = r.info.kind === 'dm';
    const item = new vscode.TreeItem(this.model.displayName(r.info.id));
    item.id = `room:${r.info.id}`;
    item.contextValue = dm ? 'room.dm' : r.joined ? 'room.joined' : 'room.available';
    item.iconPath = new vscode.ThemeIcon(dm ? 'person' : r.joined ? 'comment-discussion' : 'circle-large-outline');
    if (r.unread > 0) {
      item.description = r.mentions > 0 ? `${formatUnread(r.unread)} · @${r.mentions}` : formatUnread(r.unread);
      item.tooltip = vscode.l10n.t('{0}: {1} unread', this.model.displayName(r.info.id), formatUnread(r.unread));
    } else if (!r.joined) {
      item.description = vscode.l10n.t('not joined');
    }
    item.accessibilityInformation = { label: `${this.model.displayName(r.info.id)} ${item.description ?? ''}`.trim() };
    item.command = r.joined
      ? { command: 'parley.openRoom', title: vscode.l10n.t('Open Room'), arguments: [r.info.id] }
      : { command: 'parley.joinRoom', title: vscode.l10n.t('Join Room'), arguments: [r.info.id] };
    return item;
  }

  private personItem(p: PersonState): vscode.TreeItem {
    const item = new vscode.TreeItem(p.user);
    item.id = `user:${p.user}`;
    item.contextValue = `user.${p.status}`;
    const color =
      p.status === 'online'
        ? new vscode.ThemeColor('testing.iconPassed')
        : p.status === 'away'
          ? new vscode.ThemeColor('testing.iconQueued')
          : new vscode.ThemeColor('disabledForeground');
    item.iconPath = new vscode.ThemeIcon(p.status === 'offline' ? 'circle-outline' : 'circle-filled', color);
    const status =
      p.status === 'online' ? vscode.l10n.t('online') : p.status === 'away' ? vscode.l10n.t('away') : vscode.l10n.t('offline');
    const dm = this.model.user ? this.model.room(dmRoomId(this.model.user, p.user)) : undefined;
    const parts = [p.status === 'online' ? undefined : status, p.context, dm && dm.unread > 0 ? `(${formatUnread(dm.unread)})` : undefined];
    item.description = parts.filter(Boolean).join(' · ') || undefined;
    item.tooltip = p.context ? `${p.user} — ${status}, ${p.context}` : `${p.user} — ${status}`;
    item.command = { command: 'parley.openDm', title: vscode.l10n.t('Open Direct Message'), arguments: [p.user] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}

/** What a command gets from a tree item (the node) or from a caller (a plain id). */
export function userArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const n = arg as Node | undefined;
  return n?.kind === 'person' ? n.person.user : undefined;
}

export function roomArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const n = arg as Node | undefined;
  return n?.kind === 'room' ? n.room.info.id : undefined;
}
