// One status-bar item: who is connected, or what the connection is doing. Click: open the chat.
import * as vscode from 'vscode';
import { mentionsText, unreadText } from './counts';
import { formatUnread } from '../protocol/unread-count';
import type { ConnectionState } from './state';

/** The status item's icon. */
const PARLEY_ICON = '$(comment-discussion)';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  private state: ConnectionState = { kind: 'signedOut' };
  private unread = 0;
  private mentions = 0;

  constructor() {
    this.item = vscode.window.createStatusBarItem('parley.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = vscode.l10n.t('Parley connection');
    this.item.command = 'parley.openChat';
    this.render();
    this.item.show();
  }

  set(state: ConnectionState, unread = this.unread, mentions = this.mentions): void {
    this.state = state;
    this.unread = unread;
    this.mentions = mentions;
    this.render();
  }

  setUnread(unread: number, mentions = 0): void {
    if (unread === this.unread && mentions === this.mentions) return;
    this.unread = unread;
    this.mentions = mentions;
    this.render();
  }

  private render(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.state;
    this.item.backgroundColor = undefined;
    switch (s.kind) {
      case 'signedOut':
        this.item.text = `${PARLEY_ICON} ${vscode.l10n.t('Parley: signed out')}`;
        this.item.tooltip = vscode.l10n.t('Parley: signed out. Click to open the chat and sign in.');
        break;
      case 'connecting':
        this.item.text = `$(sync~spin) ${vscode.l10n.t('Parley: connecting…')}`;
        this.item.tooltip = vscode.l10n.t('Parley: connecting to the server…');
        break;
      case 'connected': {
        // The count as the People badge shows it; mentions in words.
        const counts = [this.unread > 0 ? formatUnread(this.unread) : '', this.mentions > 0 ? mentionsText(this.mentions) : ''].filter(Boolean);
        this.item.text = `${PARLEY_ICON} ${[s.user, ...counts].join(' · ')}`;
        const unread = [this.unread > 0 ? unreadText(this.unread) : '', this.mentions > 0 ? mentionsText(this.mentions) : ''].filter(Boolean).join(', ');
        this.item.tooltip = unread
          ? vscode.l10n.t('Parley: connected as {0}, {1}. Click to open the chat.', s.user, unread)
          : vscode.l10n.t('Parley: connected as {0}. Click to open the chat.', s.user);
        break;
      }
      case 'reconnecting': {
        const secs = Math.max(0, Math.ceil((s.at - Date.now()) / 1000));
        this.item.text = secs > 0
          ? `$(debug-disconnect) ${vscode.l10n.t('Parley: reconnecting in {0}s', secs)}`
          : `$(sync~spin) ${vscode.l10n.t('Parley: reconnecting…')}`;
        this.item.tooltip = s.reason
          ? vscode.l10n.t('Parley: disconnected ({0}). Click to open the chat.', s.reason)
          : vscode.l10n.t('Parley: disconnected. Click to open the chat.');
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        // Count down once a second until the attempt starts.
        if (secs > 0) this.timer = setTimeout(() => this.render(), Math.min(1000, s.at - Date.now() - (secs - 1) * 1000));
        break;
      }
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.item.dispose();
  }
}
