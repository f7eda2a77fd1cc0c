// Our own presence: away after a stretch without editor activity, online again on the next
// keystroke or focus; and, only when the user opted in, "in src/x.ts on branch y".
import * as vscode from 'vscode';
import { gitInfo } from './git';

export type OwnStatus = { status: 'online' | 'away'; context?: string };

export class PresenceReporter implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private lastActivity = Date.now();
  private away = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private contextTimer: NodeJS.Timeout | undefined;
  private context: string | undefined;
  private lastSent: string | undefined;

  constructor(private readonly send: (status: OwnStatus) => void) {
    const activity = () => this.activity();
    this.subscriptions.push(
      vscode.window.onDidChangeTextEditorSelection(activity),
      vscode.workspace.onDidChangeTextDocument(activity),
      vscode.window.onDidChangeWindowState((s) => {
        if (s.focused) activity();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => {
        activity();
        this.scheduleContext();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('parley.presence')) {
          this.scheduleContext();
          this.armIdle();
        }
      }),
    );
    this.armIdle();
    this.scheduleContext();
  }

  private awayAfterMs(): number {
    const minutes = vscode.workspace.getConfiguration('parley.presence').get<number>('awayAfterMinutes', 5);
    return minutes > 0 ? minutes * 60_000 : 0;
  }

  private activity(): void {
    this.lastActivity = Date.now();
    if (this.away) {
      this.away = false;
      this.report();
    }
    this.armIdle();
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    const after = this.awayAfterMs();
    if (!after) {
      if (this.away) this.activity();
      return;
    }
    const left = this.lastActivity + after - Date.now();
    this.idleTimer = setTimeout(() => {
      this.away = true;
      this.report();
    }, Math.max(0, left));
  }

  private scheduleContext(): void {
    clearTimeout(this.contextTimer);
    // Switching through several files quickly sends only where the user ends up.
    this.contextTimer = setTimeout(() => void this.updateContext(), 1000);
  }

  private async updateContext(): Promise<void> {
    const share = vscode.workspace.getConfiguration('parley.presence').get<boolean>('shareContext', false);
    let context: string | undefined;
    const editor = vscode.window.activeTextEditor;
    if (share && editor && !editor.document.isUntitled && vscode.workspace.getWorkspaceFolder(editor.document.uri)) {
      const file = vscode.workspace.asRelativePath(editor.document.uri, false);
      const { branch } = await gitInfo(editor.document.uri);
      context = branch ? vscode.l10n.t('in {0} on branch {1}', file, branch) : vscode.l10n.t('in {0}', file);
      // The server takes at most 300 characters; keep the end of long paths.
      if (context.length > 300) context = `…${context.slice(-299)}`;
    }
    if (context !== this.context) {
      this.context = context;
      this.report();
    }
  }

  current(): OwnStatus {
    return { status: this.away ? 'away' : 'online', context: this.context };
  }

  private report(): void {
    const s = this.current();
    const key = JSON.stringify(s);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.send(s);
  }

  /** After (re)connecting the server knows nothing of our status: send it again. */
  resend(): void {
    this.lastSent = undefined;
    const s = this.current();
    // "online" without context is what the server assumes; say nothing then.
    if (s.status === 'online' && !s.context) {
      this.lastSent = JSON.stringify(s);
      return;
    }
    this.report();
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.contextTimer);
    for (const d of this.subscriptions) d.dispose();
  }
}
