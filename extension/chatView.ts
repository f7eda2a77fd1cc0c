// The chat's webviews: the "Chat" view in the sidebar and, after "Open Chat in Editor", an
// editor tab. Only a bridge: the connection lives in the extension host, both render the same
// chat service. Replies go to the webview that asked; everything else goes to both.
import * as vscode from 'vscode';
import type { HostMessage, WebviewMessage } from '../webview/messages';
import { ChatSurface, type SurfaceHooks } from './chatSurface';

/** Requests remembered for routing their replies; the oldest are forgotten first. */
const MAX_ROUTED = 1000;

export class ChatView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'parley.chat';
  static readonly panelType = 'parley.chatEditor';
  private view: vscode.WebviewView | undefined;
  private viewSurface: ChatSurface | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private panelSurface: ChatSurface | undefined;
  /** requestId → the webview that sent the request. */
  private readonly routes = new Map<string, ChatSurface>();
  private wasVisible = false;
  /** Posts made before any webview existed; the first view gets them after its snapshot. */
  private readonly unresolved: HostMessage[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly messageEmitter = new vscode.EventEmitter<WebviewMessage>();
  private readonly visibilityEmitter = new vscode.EventEmitter<boolean>();
  readonly onDidReceiveMessage = this.messageEmitter.event;
  /** Whether any chat webview is visible changed. */
  readonly onDidChangeVisibility = this.visibilityEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly snapshot: () => HostMessage[],
    /** Downloaded files the webviews may show; nothing else on disk is reachable from them. */
    private readonly mediaRoot?: vscode.Uri,
  ) {
    this.subscriptions.push(
      vscode.window.registerWebviewViewProvider(ChatView.viewId, this),
      this.messageEmitter,
      this.visibilityEmitter,
    );
  }

  /** The sidebar view or the editor tab is showing. */
  get visible(): boolean {
    return (this.view?.visible ?? false) || (this.panel?.visible ?? false);
  }

  /** Whether the editor tab is open. */
  get inEditor(): boolean {
    return this.panel !== undefined;
  }

  private hooks(): SurfaceHooks {
    return {
      snapshot: this.snapshot,
      receive: (msg, from) => {
        const id = (msg as { requestId?: unknown }).requestId;
        if (typeof id === 'string') {
          this.routes.set(id, from);
          if (this.routes.size > MAX_ROUTED) this.routes.delete(this.routes.keys().next().value as string);
        }
        this.messageEmitter.fire(msg);
      },
      visibilityChanged: () => this.fireVisibility(),
      disposed: (surface) => {
        for (const [id, s] of this.routes) if (s === surface) this.routes.delete(id);
        if (surface === this.viewSurface) {
          this.view = undefined;
          this.viewSurface = undefined;
        }
        if (surface === this.panelSurface) {
          this.panel = undefined;
          this.panelSurface = undefined;
        }
        this.fireVisibility();
      },
    };
  }

  private fireVisibility(): void {
    const visible = this.visible;
    // Each time the view is shown counts (the room it shows is read again), not only changes.
    if (visible || visible !== this.wasVisible) this.visibilityEmitter.fire(visible);
    this.wasVisible = visible;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.viewSurface?.dispose();
    this.view = view;
    this.viewSurface = new ChatSurface(
      view.webview, () => view.visible, view.onDidChangeVisibility, view.onDidDispose, this.hooks(), this.extensionUri, this.mediaRoot,
    );
    for (const m of this.unresolved.splice(0)) this.viewSurface.post(m);
    this.fireVisibility();
  }

  /** "Open Chat in Editor": the same chat in an editor tab (one tab; shown again if open). */
  openInEditor(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      ChatView.panelType,
      vscode.l10n.t('Parley Chat'),
      vscode.ViewColumn.Active,
      { retainContextWhenHidden: false },
    );
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'extension', 'media', 'parley.svg');
    this.panel = panel;
    this.panelSurface = new ChatSurface(
      panel.webview, () => panel.visible, panel.onDidChangeViewState, panel.onDidDispose, this.hooks(), this.extensionUri, this.mediaRoot,
    );
    this.fireVisibility();
  }

  post(msg: HostMessage): void {
    const id = (msg as { requestId?: unknown }).requestId;
    const target = typeof id === 'string' ? this.routes.get(id) : undefined;
    if (target) {
      target.post(msg);
      return;
    }
    this.viewSurface?.post(msg);
    this.panelSurface?.post(msg);
    // Nothing shows the chat yet: kept for the view, which VS Code resolves when shown.
    if (!this.viewSurface && !this.panelSurface) {
      this.unresolved.push(msg);
      if (this.unresolved.length > MAX_ROUTED) this.unresolved.shift();
    }
  }

  /** A URI the webviews can load, for a file under the media root. */
  asWebviewUri(uri: vscode.Uri): vscode.Uri | undefined {
    return (this.viewSurface ?? this.panelSurface)?.webview.asWebviewUri(uri);
  }

  /** Shows the chat: the editor tab when it is open, else the sidebar view. */
  async reveal(preserveFocus = false): Promise<void> {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    if (this.view) {
      this.view.show(preserveFocus);
      return;
    }
    await vscode.commands.executeCommand(`${ChatView.viewId}.focus`);
  }

  dispose(): void {
    this.viewSurface?.dispose();
    this.panelSurface?.dispose();
    this.panel?.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}
