// The "People" tree: pending invitations, rooms, then direct messages, with unread counts, then
// people grouped Online / Offline; signed out, the server the next sign-in goes to. Items carry
// contextValue so the manifest's menus can offer Accept / Decline, Open DM / Join / Leave.
import * as vscode from 'vscode';
import { dmRoomId, type Invitation } from '../protocol';
import { mentionsText, unreadText } from './counts';
import { formatUnread } from '../protocol/unread-count';
import type { ChatModel, PersonState, RoomState } from './model';
import type { ProfileBook } from './profiles';
import type { InitialIcons } from './profileIcons';

type GroupId = 'invitations' | 'rooms' | 'dms' | 'online' | 'offline';
type Node =
  | { kind: 'group'; id: GroupId }
  | { kind: 'invitation'; invitation: Invitation }
  | { kind: 'signedOut'; id: 'server' | 'signIn' }
  | { kind: 'room'; room: RoomState }
  | { kind: 'person'; person: PersonState };

export interface PendingInvitations {
  all(): readonly Invitation[];
  onDidChange: vscode.Event<void>;
}

export class PeopleTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly view: vscode.TreeView<Node>;
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastShown = '';
  private lastBadge = 0;

  constructor(
    private readonly model: ChatModel,
    /** The address the next sign-in goes to, shown while signed out. */
    private readonly server: () => string,
    /** The user's pending invitations. */
    private readonly invitations: PendingInvitations = { all: () => [], onDidChange: () => ({ dispose() {} }) },
    /** Display names, status messages and avatars; without them people show by name. */
    private readonly profiles?: { book: ProfileBook; initials: InitialIcons },
  ) {
    this.view = vscode.window.createTreeView('parley.people', { treeDataProvider: this, showCollapseAll: false });
    this.subscriptions.push(this.view, this.emitter, model.onDidChange(() => this.refresh()), invitations.onDidChange(() => this.refresh()));
    if (profiles) this.subscriptions.push(profiles.book.onDidChange(() => this.refresh()));
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
        this.view.badge = total > 0 ? { value: total, tooltip: unreadText(total) } : undefined;
      }
    }, 100);
  }

  private signature(): string {
    const rooms = this.model.allRooms().map((r) => [r.info.id, r.info.name, r.joined, r.unread, r.mentions]);
    const people = this.model.allPeople().map((p) => [p.user, p.status, p.context, this.profiles?.book.get(p.user), this.profiles?.book.picture(p.user)?.fsPath]);
    const invited = this.invitations.all().map((i) => [i.room, i.name, i.by]);
    return JSON.stringify([this.model.user, this.model.user ? '' : this.server(), rooms, people, invited]);
  }

  getChildren(node?: Node): Node[] {
    if (!this.model.user) return node ? [] : [{ kind: 'signedOut', id: 'signIn' }, { kind: 'signedOut', id: 'server' }];
    if (!node) {
      const groups: Node[] = this.invitations.all().length > 0 ? [{ kind: 'group', id: 'invitations' }] : [];
      groups.push({ kind: 'group', id: 'rooms' });
      if (this.model.allRooms().some((r) => r.info.kind === 'dm')) groups.push({ kind: 'group', id: 'dms' });
      const people = this.model.allPeople();
      if (people.some((p) => p.status !== 'offline')) groups.push({ kind: 'group', id: 'online' });
      if (people.some((p) => p.status === 'offline')) groups.push({ kind: 'group', id: 'offline' });
      return groups;
    }
    if (node.kind !== 'group') return [];
    if (node.id === 'invitations') return this.invitations.all().map((invitation) => ({ kind: 'invitation', invitation }));
    if (node.id === 'rooms' || node.id === 'dms') {
      const dms = node.id === 'dms';
      return this.model.allRooms().filter((r) => (r.info.kind === 'dm') === dms).map((room) => ({ kind: 'room', room }));
    }
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
      case 'signedOut':
        return this.signedOutItem(node.id);
      case 'invitation':
        return this.invitationItem(node.invitation);
      case 'room':
        return this.roomItem(node.room);
      case 'person':
        return this.personItem(node.person);
    }
  }

  /** Signed out: where to sign in (the Chat view has the one pair of buttons), and the server. */
  private signedOutItem(id: 'server' | 'signIn'): vscode.TreeItem {
    if (id === 'signIn') {
      const item = new vscode.TreeItem(vscode.l10n.t('Signed out'));
      item.id = 'signedOut:signIn';
      item.description = vscode.l10n.t('sign in from the Chat view');
      item.tooltip = vscode.l10n.t('Sign In and Register are in the Chat view. Click to show it.');
      item.iconPath = new vscode.ThemeIcon('account');
      item.command = { command: 'parley.openChat', title: vscode.l10n.t('Open Chat') };
      return item;
    }
    const server = this.server();
    const item = new vscode.TreeItem(vscode.l10n.t('Server: {0}', server));
    item.id = 'signedOut:server';
    item.contextValue = 'server';
    item.description = vscode.l10n.t('Change…');
    item.iconPath = new vscode.ThemeIcon('server');
    item.tooltip = vscode.l10n.t('Sign In and Register go to {0}. Click to change the server.', server);
    item.command = { command: 'parley.changeServer', title: vscode.l10n.t('Change Server…') };
    return item;
  }

  private groupItem(id: GroupId): vscode.TreeItem {
    const people = this.model.allPeople();
    const label =
      id === 'invitations'
        ? vscode.l10n.t('Invitations ({0})', this.invitations.all().length)
        : id === 'rooms'
        ? vscode.l10n.t('Rooms')
        : id === 'dms'
          ? vscode.l10n.t('Direct Messages')
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

  private invitationItem(i: Invitation): vscode.TreeItem {
    const item = new vscode.TreeItem(`#${i.name}`);
    item.id = `invitation:${i.room}`;
    item.contextValue = 'invitation';
    item.iconPath = new vscode.ThemeIcon('mail');
    item.description = vscode.l10n.t('from {0}', i.by);
    item.tooltip = vscode.l10n.t('{0} invited you to #{1}. Accept or decline with the buttons.', i.by, i.name);
    return item;
  }

  private roomItem(r: RoomState): vscode.TreeItem {
    const dm = r.info.kind === 'dm';
    const item = new vscode.TreeItem(this.model.displayName(r.info.id));
    item.id = `room:${r.info.id}`;
    item.contextValue = dm ? 'room.dm' : r.joined ? 'room.joined' : 'room.available';
    item.iconPath = new vscode.ThemeIcon(dm ? 'person' : r.joined ? 'comment-discussion' : 'circle-large-outline');
    if (r.unread > 0) {
      // The count alone, as VS Code's own badges show it; mentions in words.
      item.description = r.mentions > 0 ? `${formatUnread(r.unread)} · ${mentionsText(r.mentions)}` : formatUnread(r.unread);
      item.tooltip = r.mentions > 0
        ? vscode.l10n.t('{0}: {1}, {2}', this.model.displayName(r.info.id), unreadText(r.unread), mentionsText(r.mentions))
        : vscode.l10n.t('{0}: {1}', this.model.displayName(r.info.id), unreadText(r.unread));
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
    const profile = this.profiles?.book.get(p.user);
    const shown = profile?.displayName;
    const item = new vscode.TreeItem(shown ?? p.user);
    item.id = `user:${p.user}`;
    item.contextValue = `user.${p.status}`;
    const color =
      p.status === 'online'
        ? new vscode.ThemeColor('testing.iconPassed')
        : p.status === 'away'
          ? new vscode.ThemeColor('testing.iconQueued')
          : new vscode.ThemeColor('disabledForeground');
    // The picture, else the initial as the chat shows it; without profiles, the status dot.
    item.iconPath = this.profiles?.book.picture(p.user) ?? this.profiles?.initials.of(p.user, shown) ??
      new vscode.ThemeIcon(p.status === 'offline' ? 'circle-outline' : 'circle-filled', color);
    const status =
      p.status === 'online' ? vscode.l10n.t('online') : p.status === 'away' ? vscode.l10n.t('away') : vscode.l10n.t('offline');
    const dm = this.model.user ? this.model.room(dmRoomId(this.model.user, p.user)) : undefined;
    // The DM's count as its row in Direct Messages shows it; the user name beside a display name.
    const parts = [
      dm && dm.unread > 0 ? formatUnread(dm.unread) : undefined,
      shown === undefined ? undefined : p.user,
      p.status === 'online' ? undefined : status,
      profile?.statusMessage,
      p.context,
    ];
    item.description = parts.filter(Boolean).join(' · ') || undefined;
    const who = shown === undefined ? p.user : `${shown} (${p.user})`;
    const lines = [p.context ? `${who} — ${status}, ${p.context}` : `${who} — ${status}`];
    if (profile?.statusMessage) lines.push(profile.statusMessage);
    item.tooltip = lines.join('\n');
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

/** The room of an invitation row. */
export function invitationArg(arg: unknown): string | undefined {
  const n = arg as Node | undefined;
  return n?.kind === 'invitation' ? n.invitation.room : undefined;
}

export function roomArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const n = arg as Node | undefined;
  return n?.kind === 'room' ? n.room.info.id : undefined;
}
