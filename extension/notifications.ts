// Notifications for DMs and @mentions while the chat is hidden. During a debug session they
// are held (a toast mid-debugging steals focus) and shown as one digest when it ends.
import * as vscode from 'vscode';
import type { ChatMessage } from '../protocol';
import type { ChatModel } from './model';
import { digest, parseNotificationSetting, preview, shouldNotify, ThreadParticipation } from './notifyPolicy';

export class Notifier implements vscode.Disposable {
  private held: ChatMessage[] = [];
  private readonly threads = new ThreadParticipation();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly model: ChatModel,
    private readonly chatVisible: () => boolean,
    private readonly openRoom: (room: string) => void,
  ) {
    this.subscriptions.push(
      vscode.debug.onDidTerminateDebugSession(() => {
        // Sessions can be nested (compound launches); wait until the last one ends.
        if (!vscode.debug.activeDebugSession) this.flush();
      }),
    );
  }

  /**
   * Messages loaded from history or a thread: which threads the user takes part in, also those
   * the server counts as theirs (`threadUnread`: root seq → count; mentioned in them, say).
   */
  noteHistory(messages: readonly ChatMessage[], threadUnread?: Readonly<Record<string, number>>): void {
    for (const m of messages) this.threads.note(m, this.model.user);
    if (threadUnread === undefined || messages.length === 0) return;
    for (const root of Object.keys(threadUnread)) this.threads.noteRoot(messages[0].room, Number(root));
  }

  onMessage(msg: ChatMessage): void {
    const setting = parseNotificationSetting(vscode.workspace.getConfiguration('parley').get('notifications'));
    const inMyThread = this.threads.has(msg);
    this.threads.note(msg, this.model.user);
    if (!shouldNotify(setting, msg, this.model.user, this.chatVisible(), inMyThread)) return;
    if (vscode.debug.activeDebugSession) {
      this.held.push(msg);
      return;
    }
    void this.show(msg);
  }

  private async show(msg: ChatMessage): Promise<void> {
    const where = msg.root !== undefined
      ? vscode.l10n.t('{0} replied in a thread in {1}: {2}', msg.from, this.model.displayName(msg.room), preview(msg))
      : msg.room.startsWith('dm:')
        ? vscode.l10n.t('{0}: {1}', msg.from, preview(msg))
        : vscode.l10n.t('{0} in {1}: {2}', msg.from, this.model.displayName(msg.room), preview(msg));
    const open = vscode.l10n.t('Open');
    const pick = await vscode.window.showInformationMessage(where, open);
    if (pick === open) this.openRoom(msg.room);
  }

  private flush(): void {
    const held = this.held;
    this.held = [];
    if (held.length === 0) return;
    if (held.length === 1) {
      void this.show(held[0]);
      return;
    }
    const d = digest(held);
    const text = vscode.l10n.t(
      'While you were debugging: {0} messages from {1}.',
      d.count,
      d.senders.join(', '),
    );
    const open = vscode.l10n.t('Open');
    void vscode.window.showInformationMessage(text, open).then((pick) => {
      if (pick === open) this.openRoom(held[held.length - 1].room);
    });
  }

  /** Signing out drops what was held for the old session. */
  clear(): void {
    this.held = [];
    this.threads.clear();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
