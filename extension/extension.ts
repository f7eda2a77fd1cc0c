// Entry point: wires the service, views, status bar, notifications and commands together.
// VS Code activates it on demand only — when the Parley views are shown or a Parley command runs
// (events it derives from the contributions) — never at start-up for its own sake.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import * as wv from '../webview/messages';
import { ChatService } from './chatService';
import { ChatView } from './chatView';
import { registerCommands } from './commands';
import { describeError } from './auth';
import { Discussions, registerDiscussionCommands } from './discussions';
import { DISCUSSION_FILTERS, DiscussionBadges, DiscussionsTree } from './discussionsView';
import { FileSender } from './fileSender';
import { MediaCache } from './mediaCache';
import { MediaHost } from './mediaHost';
import { Notifier } from './notifications';
import { PeopleTree } from './peopleTree';
import { registerProfileCommand } from './profileCommand';
import { InitialIcons } from './profileIcons';
import { ProfileBook } from './profiles';
import { PresenceReporter } from './presence';
import { Invitations } from './rooms/invitations';
import { formatAddress } from './serverAddress';
import { openSnippet } from './snippet';
import { StatusBar } from './statusBar';

const SAFE_LINK = /^(https?:|mailto:)/i;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Parley', { log: true });
  const service = new ChatService(context.secrets, context.globalState, log, userSettingsFile(context));
  const mediaDir = vscode.Uri.joinPath(context.globalStorageUri, 'media');
  const mediaCache = new MediaCache(mediaDir.fsPath);
  // Posts once the chat view exists; profiles are re-sent to a webview that loads (again) after they arrived.
  const profiles: ProfileBook = new ProfileBook(service, mediaCache, (msg) => chatView.post(msg), log);
  const chatView = new ChatView(context.extensionUri, () => [...service.snapshot(), ...profiles.snapshot()], mediaDir);
  const initials = new InitialIcons(vscode.Uri.joinPath(context.globalStorageUri, 'initials').fsPath);
  const sender = new FileSender(service);
  const media = new MediaHost(service, chatView, mediaCache, sender);
  const invitations = new Invitations(service, log, async (room) => {
    service.openRoom(room);
    await chatView.reveal();
  });
  const tree = new PeopleTree(service.model, () => formatAddress(service.serverConfig), invitations, { book: profiles, initials });
  const statusBar = new StatusBar();
  const notifier = new Notifier(service.model, () => chatView.visible && vscode.window.state.focused, (room) => {
    service.openRoom(room);
    void chatView.reveal();
  });
  const presence = new PresenceReporter(({ status, context: where }) => service.setStatus(status, where));
  const discussions = new Discussions(service, chatView, log);
  const discussionsTree = new DiscussionsTree(discussions, context.workspaceState);
  const badges = new DiscussionBadges(discussions);
  context.subscriptions.push(log, service, profiles, chatView, invitations, tree, statusBar, notifier, presence, discussions, discussionsTree, badges);
  for (const f of DISCUSSION_FILTERS) {
    context.subscriptions.push(vscode.commands.registerCommand(`parley.discussions.filter.${f}`, () => discussionsTree.toggle(f)));
  }

  const mentionTotal = () => service.model.allRooms().reduce((n, r) => n + (r.joined ? r.mentions : 0), 0);
  service.post = (msg) => chatView.post(msg);
  service.isChatVisible = () => chatView.visible;

  context.subscriptions.push(
    service.onDidChangeState((state) => {
      statusBar.set(state, service.model.unreadTotal(), mentionTotal());
      if (state.kind === 'signedOut') notifier.clear();
    }),
    service.model.onDidChange(() => statusBar.setUnread(service.model.unreadTotal(), mentionTotal())),
    service.onDidReceiveMessage((msg) => notifier.onMessage(msg)),
    service.onDidReceiveMessage((msg) => mediaCache.note(msg.file)),
    service.onDidStartSession(() => presence.resend()),
    service.onDidChangeServer(() => tree.refresh()),
    chatView.onDidChangeVisibility((visible) => {
      // Coming back to the chat reads the room it shows.
      if (!visible) return;
      const r = service.model.room(service.activeRoom);
      if (r && r.unread > 0) service.markRead(r.info.id, r.info.lastSeq);
    }),
    chatView.onDidReceiveMessage((msg) => void onWebviewMessage(msg)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('parley')) log.info('settings changed');
    }),
  );

  async function onWebviewMessage(msg: wv.WebviewMessage): Promise<void> {
    const fail = (req: { requestId: string }, err: unknown) => {
      const e = err as { message?: string; code?: string };
      chatView.post(wv.replyError(req, e?.message ?? String(err), e?.code));
    };
    /**
     * Replies and changes wait in the client's outbox while offline: then the webview hears at
     * once that they are on their way, and of a later refusal as an error without a request.
     */
    const outboxed = async (req: { requestId: string }, work: () => Promise<unknown>): Promise<void> => {
      let pending: Promise<unknown>;
      try {
        pending = work();
      } catch (err) {
        return fail(req, err);
      }
      if (service.connection.kind !== 'connected') {
        chatView.post(wv.Done.create({ requestId: req.requestId }));
        pending.catch((err: Error & { code?: string }) => chatView.post(wv.ErrorMessage.create({ message: err.message, ...(err.code ? { code: err.code } : {}) })));
        return;
      }
      try {
        await pending;
        chatView.post(wv.Done.create({ requestId: req.requestId }));
      } catch (err) {
        fail(req, err);
      }
    };
    switch (msg.type) {
      case 'send':
        service.sendText(msg.room, msg.text, msg.cid);
        return;
      case 'retry':
        service.retry(msg.cid);
        return;
      case 'openRoom':
        service.setActiveRoom(msg.room);
        return;
      case 'typing':
        service.typing(msg.room);
        return;
      case 'read':
        service.markRead(msg.room, msg.seq);
        return;
      case 'readThread':
        service.readThread(msg.room, msg.root, msg.seq);
        return;
      case 'loadOlder':
        try {
          const page = await service.history(msg.room, msg.before);
          for (const m of page.messages) mediaCache.note(m.file);
          notifier.noteHistory(page.messages, page.threadUnread);
          chatView.post(wv.replyTo(wv.LoadOlder, msg, {
            room: msg.room, messages: page.messages, prepend: true, more: page.more, ...(page.threadUnread && { threadUnread: page.threadUnread }),
          }));
        } catch (err) {
          fail(msg, err);
        }
        return;
      case 'search':
        try {
          const messages = await service.search(msg.query, msg.room);
          chatView.post(wv.replyTo(wv.Search, msg, { query: msg.query, messages }));
        } catch (err) {
          fail(msg, err);
        }
        return;
      case 'openLink':
        if (SAFE_LINK.test(msg.href)) await vscode.env.openExternal(vscode.Uri.parse(msg.href, true));
        return;
      case 'runCommand':
        // The guard let only WEBVIEW_COMMANDS through; checked again, as the page is not trusted.
        if ((wv.WEBVIEW_COMMANDS as readonly string[]).includes(msg.command)) await vscode.commands.executeCommand(msg.command);
        return;
      case 'openSnippet':
        // A discussion opens where its lines are now; any other snippet where it came from.
        if (msg.message.snippet?.anchor && (await discussions.reveal(msg.message.room, msg.message.seq))) return;
        if (msg.message.snippet) await openSnippet(msg.message.snippet);
        return;
      case 'requestMedia':
      case 'download':
      case 'openMedia':
      case 'pasteImage':
      case 'dropFiles':
        await media.handle(msg);
        return;
      case 'changeMessage':
        await outboxed(msg, () => service.change(msg.room, msg.kind, msg.seq, { emoji: msg.emoji, text: msg.text }));
        return;
      case 'reply':
        await outboxed(msg, () => service.reply(msg.room, msg.root, msg.text, msg.cid, msg.inRoom === true));
        return;
      case 'thread':
        try {
          const page = await service.thread(msg.room, msg.root, msg.after);
          notifier.noteHistory([page.root, ...page.replies], page.unread !== undefined ? { [page.root.seq]: page.unread } : undefined);
          chatView.post(wv.replyTo(wv.Thread, msg, {
            room: msg.room, root: page.root, replies: page.replies, more: page.more, ...(page.unread !== undefined && { unread: page.unread }),
          }));
        } catch (err) {
          fail(msg, err);
        }
        return;
      case 'threads':
      case 'pins':
        try {
          const messages = msg.type === 'threads' ? await service.openThreads(msg.room) : await service.pins(msg.room);
          chatView.post(wv.MessageList.create({ room: msg.room, messages, requestId: msg.requestId }));
        } catch (err) {
          fail(msg, err);
        }
        return;
      case 'revisions':
        try {
          const revisions = await service.revisions(msg.room, msg.seq);
          chatView.post(wv.replyTo(wv.Revisions, msg, { room: msg.room, seq: msg.seq, revisions }));
        } catch (err) {
          fail(msg, err);
        }
        return;
      case 'ready':
        return;
    }
  }

  registerCommands({ context, service, chatView, sender, invitations });
  registerProfileCommand(context, service, profiles);
  registerDiscussionCommands(context, discussions, describeError, async () => {
    if (service.user) return true;
    void vscode.window.showInformationMessage(vscode.l10n.t('Sign in to Parley first.'));
    return false;
  });
  statusBar.set(service.connection);
  void service.start();
  // Read by bench/extension-activation.ts next to VS Code's own activation figures.
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms (${vscode.env.appName} ${vscode.version}, ${context.extensionMode === vscode.ExtensionMode.Production ? 'production' : 'development'})`);
}

/**
 * The user settings.json next to the extension's global storage (`User/globalStorage/<id>`),
 * when it is a file on this disk; hand edits there are read at sign-in.
 */
function userSettingsFile(context: vscode.ExtensionContext): string | undefined {
  if (context.globalStorageUri.scheme !== 'file') return undefined;
  const file = path.join(context.globalStorageUri.fsPath, '..', '..', 'settings.json');
  return existsSync(file) ? file : undefined;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
