// One webview showing the chat: the sidebar's Chat view or the editor tab of "Open Chat in
// Editor". Posts wait in a queue until the page says `ready` (a hidden view's page is torn
// down and says `ready` again when shown); `ready` brings a fresh snapshot of the one chat
// service both share.
import * as vscode from 'vscode';
import { Changes, isWebviewMessage, Messages, Ready, type HostMessage, type WebviewMessage } from '../webview/messages';
import { makeNonce, renderWebviewHtml } from '../webview/index.html';

/** Past this many queued posts the oldest live-message posts go; `ready` brings a fresh snapshot. */
const MAX_QUEUE = 500;

export interface SurfaceHooks {
  snapshot: () => HostMessage[];
  receive: (msg: WebviewMessage, from: ChatSurface) => void;
  visibilityChanged: () => void;
  disposed: (surface: ChatSurface) => void;
}

export class ChatSurface {
  private ready = false;
  private queue: HostMessage[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    readonly webview: vscode.Webview,
    private readonly isVisible: () => boolean,
    onDidChangeVisibility: vscode.Event<unknown>,
    onDidDispose: vscode.Event<void>,
    private readonly hooks: SurfaceHooks,
    extensionUri: vscode.Uri,
    /** Downloaded files the webview may show; nothing else on disk is reachable from it. */
    mediaRoot: vscode.Uri | undefined,
  ) {
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: mediaRoot ? [root, mediaRoot] : [root] };
    webview.html = renderWebviewHtml({
      cspSource: webview.cspSource,
      mediaRoot: mediaRoot ? webview.asWebviewUri(mediaRoot).toString() : undefined,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'styles.css')).toString(),
      l10n: { language: vscode.env.language, bundle: vscode.l10n.bundle },
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((msg: unknown) => this.receive(msg)),
      onDidChangeVisibility(() => {
        if (!this.visible) this.ready = false;
        hooks.visibilityChanged();
      }),
      onDidDispose(() => {
        this.dispose();
        hooks.disposed(this);
      }),
    );
  }

  get visible(): boolean {
    return this.isVisible();
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
      for (const m of this.hooks.snapshot()) void this.webview.postMessage(m);
      for (const m of rest) void this.webview.postMessage(m);
      return;
    }
    this.hooks.receive(msg, this);
  }

  post(msg: HostMessage): void {
    if (this.ready) {
      void this.webview.postMessage(msg);
      return;
    }
    this.queue.push(msg);
    if (this.queue.length > MAX_QUEUE) {
      const i = this.queue.findIndex((m) => Messages.is(m) || Changes.is(m));
      this.queue.splice(i >= 0 ? i : 0, 1);
    }
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
    this.ready = false;
  }
}
