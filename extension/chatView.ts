// The "Chat" webview view. Only a bridge: the connection lives in the extension host, the
// webview renders. Posts wait in a queue until the webview says `ready` (it reloads whenever
// the view is hidden and shown again, and then says `ready` again).
import * as vscode from 'vscode';
import { Changes, isWebviewMessage, Messages, Ready, type HostMessage, type WebviewMessage } from '../webview/messages';
import { makeNonce, renderWebviewHtml } from '../webview/index.html';

/** Past this many queued posts the oldest live-message posts go; `ready` brings a fresh snapshot. */
const MAX_QUEUE = 500;

export class ChatView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'parley.chat';
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private queue: HostMessage[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  private readonly messageEmitter = new vscode.EventEmitter<WebviewMessage>();
  private readonly visibilityEmitter = new vscode.EventEmitter<boolean>();
  /** The webview (re)started and wants its initial state; posted ahead of the queue. */
  readonly onDidBecomeReady = this.readyEmitter.event;
  readonly onDidReceiveMessage = this.messageEmitter.event;
  readonly onDidChangeVisibility = this.visibilityEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly snapshot: () => HostMessage[],
    /** Downloaded files the webview may show; nothing else on disk is reachable from it. */
    private readonly mediaRoot?: vscode.Uri,
  ) {
    this.subscriptions.push(
      vscode.window.registerWebviewViewProvider(ChatView.viewId, this),
      this.readyEmitter,
      this.messageEmitter,
      this.visibilityEmitter,
    );
  }

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const root = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const roots = this.mediaRoot ? [root, this.mediaRoot] : [root];
    view.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: roots };
    view.webview.html = renderWebviewHtml({
      cspSource: view.webview.cspSource,
      mediaRoot: this.mediaRoot ? view.webview.asWebviewUri(this.mediaRoot).toString() : undefined,
      nonce: makeNonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'styles.css')).toString(),
      l10n: { language: vscode.env.language, bundle: vscode.l10n.bundle },
    });
    const subs = [
      view.webview.onDidReceiveMessage((msg: unknown) => this.receive(msg)),
      view.onDidChangeVisibility(() => {
        // A hidden view's page is torn down; it reports `ready` again when shown.
        if (!view.visible) this.ready = false;
        this.visibilityEmitter.fire(view.visible);
      }),
    ];
    view.onDidDispose(() => {
      for (const s of subs) s.dispose();
      if (this.view === view) {
        this.view = undefined;
        this.ready = false;
        this.visibilityEmitter.fire(false);
      }
    });
    this.visibilityEmitter.fire(view.visible);
  }

  private receive(msg: unknown): void {
    // Anything not shaped like a known message is dropped: the page is not trusted.
    if (!isWebviewMessage(msg)) return;
    if (Ready.is(msg)) {
      this.ready = true;
      // A fresh snapshot supersedes queued live messages and changes (history shows messages
      // as they are now); other queued posts (room switches, errors) still matter and follow it.
      const rest = this.queue.filter((m) => !Messages.is(m) && !Changes.is(m));
      this.queue = [];
      for (const m of this.snapshot()) void this.view?.webview.postMessage(m);
      for (const m of rest) void this.view?.webview.postMessage(m);
      this.readyEmitter.fire();
      return;
    }
    this.messageEmitter.fire(msg);
  }

  post(msg: HostMessage): void {
    if (this.ready && this.view) {
      void this.view.webview.postMessage(msg);
      return;
    }
    this.queue.push(msg);
    if (this.queue.length > MAX_QUEUE) {
      const i = this.queue.findIndex((m) => Messages.is(m) || Changes.is(m));
      this.queue.splice(i >= 0 ? i : 0, 1);
    }
  }

  /** A URI the current webview can load, for a file under the media root. */
  asWebviewUri(uri: vscode.Uri): vscode.Uri | undefined {
    return this.view?.webview.asWebviewUri(uri);
  }

  /** Shows the chat view (opening the Parley container if needed). */
  async reveal(preserveFocus = false): Promise<void> {
    if (this.view) {
      this.view.show(preserveFocus);
      return;
    }
    await vscode.commands.executeCommand(`${ChatView.viewId}.focus`);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}

