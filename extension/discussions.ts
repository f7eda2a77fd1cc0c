// Discussions on the code in the editor: Parley threads whose root carries a code anchor, shown
// through the Comments API at the lines they are about now (re-anchored), for every workspace
// repository the anchor names. Replies, reactions, edits, deletes, resolve, Open at Revision and
// Copy Link from the widget.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { anchoredCode, discussionLink, EXTENSION_ID, isRepoPath, mentionedNames, parseDiscussionLink, type ChatMessage, type Snippet } from '../protocol';
import { anchorOn, fileAt, Placer, repoPath, repositoryOf, type Placement, type Repository } from '../client/anchoring';
import { describeError } from './auth';
import type { ChatService } from './chatService';
import type { ChatView } from './chatView';
import { pickRoom } from './commands';
import { oversizedSnippet } from './snippetSize';
import { parleyComment, ParleyComment } from './discussionComments';
import { confirmDelete, pickReaction } from './discussionActions';

/** Read-only documents of a file as it was at an anchor's commit. */
export const REVISION_SCHEME = 'parley-revision';

interface Discussion {
  key: string;
  root: ChatMessage;
  replies: ChatMessage[];
  repo?: Repository;
  placement?: Placement;
  /** The file's path in the repository now (renames followed). */
  pathHere?: string;
  thread?: vscode.CommentThread;
}

const keyOf = (room: string, seq: number) => `${room}#${seq}`;

export class Discussions implements vscode.Disposable {
  private readonly controller: vscode.CommentController;
  private readonly byKey = new Map<string, Discussion>();
  private readonly byThread = new Map<vscode.CommentThread, string>();
  /** Messages (`room#seq`) whose comment is in edit mode: a redraw keeps them so. */
  private readonly editing = new Set<string>();
  private repos: Promise<Repository[]> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires whenever the threads shown changed (tests and views listen). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly service: ChatService,
    private readonly chatView: ChatView,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.controller = vscode.comments.createCommentController('parley.discussions', 'Parley');
    this.controller.commentingRangeProvider = {
      provideCommentingRanges: (doc) =>
        doc.uri.scheme === 'file' && vscode.workspace.getWorkspaceFolder(doc.uri) ? [new vscode.Range(0, 0, Math.max(0, doc.lineCount - 1), 0)] : [],
    };
    this.controller.options = { prompt: vscode.l10n.t('Reply in Parley…'), placeHolder: vscode.l10n.t('Write a reply; Parley shares it with the room') };
    // Last: VS Code (1.100) keeps only the latest of these updates, and clickable reactions matter
    // more than the reply box's own prompt.
    this.controller.reactionHandler = (comment, reaction) => this.toggleReaction(comment, reaction);
    this.disposables.push(
      this.controller,
      this.changed,
      service.onDidStartSession(() => void this.refresh()),
      service.onDidReceiveMessage((m) => void this.onMessage(m)),
      service.onDidReceiveChange((e) => void this.onChange(e)),
      vscode.workspace.onDidSaveTextDocument((doc) => void this.replaceIn(doc.uri)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.repos = undefined;
        void this.refresh();
      }),
      vscode.workspace.registerTextDocumentContentProvider(REVISION_SCHEME, { provideTextDocumentContent: (uri) => this.revisionText(uri) }),
      vscode.window.registerUriHandler({ handleUri: (uri) => this.handleUri(uri) }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** The repositories (or plain folders) of the workspace, once per set of folders. */
  private repositories(): Promise<Repository[]> {
    this.repos ??= (async () => {
      const out: Repository[] = [];
      for (const f of vscode.workspace.workspaceFolders ?? []) {
        if (f.uri.scheme !== 'file') continue;
        const r = (await repositoryOf(f.uri.fsPath)) ?? { root: f.uri.fsPath };
        if (!out.some((x) => x.root === r.root)) out.push(r);
      }
      return out;
    })();
    return this.repos;
  }

  private async repoFor(snippet: Snippet | undefined): Promise<Repository | undefined> {
    const a = snippet?.anchor;
    if (a === undefined) return undefined;
    return (await this.repositories()).find((r) => r.repo === a.repo);
  }

  /** Every discussion of the user's rooms, placed again. */
  async refresh(): Promise<void> {
    if (!this.service.user) return;
    let roots: ChatMessage[];
    try {
      roots = await this.service.discussions();
    } catch (err) {
      this.log.warn(`could not list discussions: ${(err as Error).message}`);
      return;
    }
    const placers = new Map<string, Placer>();
    await Promise.all(roots.map((m) => this.upsert(m, placers)));
    this.changed.fire();
  }

  /** Fetches a discussion's thread, places it and shows it. */
  private async upsert(root: ChatMessage, placers = new Map<string, Placer>()): Promise<void> {
    const key = keyOf(root.room, root.seq);
    const d = this.byKey.get(key) ?? { key, root, replies: [] };
    this.byKey.set(key, d);
    try {
      const page = await this.service.thread(root.room, root.seq);
      d.root = page.root;
      d.replies = page.replies;
    } catch {
      d.root = root;
    }
    // The server checks anchor paths, but the extension does not rely on any server for that.
    if (d.root.deleted === true || d.root.snippet?.anchor === undefined || !isRepoPath(d.root.snippet.anchor.path)) return this.forget(d);
    d.repo = await this.repoFor(d.root.snippet);
    if (d.repo === undefined) return this.forget(d);
    await this.place(d, placers);
    this.render(d);
  }

  private forget(d: Discussion): void {
    if (d.thread) this.byThread.delete(d.thread);
    d.thread?.dispose();
    this.byKey.delete(d.key);
  }

  private async place(d: Discussion, placers: Map<string, Placer>): Promise<void> {
    const repo = d.repo as Repository;
    let placer = placers.get(repo.root);
    if (placer === undefined) {
      placer = new Placer(repo.root);
      placers.set(repo.root, placer);
    }
    const at = await placer.place(anchoredCode(d.root.snippet) as NonNullable<ReturnType<typeof anchoredCode>>);
    d.placement = at.placement;
    d.pathHere = at.path;
  }

  private comment(m: ChatMessage, isRoot: boolean, d: Discussion): ParleyComment {
    const outdated = isRoot && d.placement?.kind === 'outdated' && m.snippet !== undefined;
    return parleyComment(m, {
      me: this.service.user,
      editing: this.editing.has(keyOf(m.room, m.seq)),
      ...(outdated && m.snippet ? { code: { language: m.snippet.language, text: m.snippet.code } } : {}),
    });
  }

  private render(d: Discussion): void {
    const repo = d.repo as Repository;
    const anchor = d.root.snippet?.anchor as NonNullable<Snippet['anchor']>;
    const placement = d.placement as Placement;
    const uri = vscode.Uri.file(path.join(repo.root, ...(d.pathHere ?? anchor.path).split('/')));
    const range =
      placement.kind === 'placed'
        ? new vscode.Range(placement.startLine - 1, 0, placement.endLine - 1, 0)
        : new vscode.Range(anchor.startLine - 1, 0, anchor.startLine - 1, 0);
    if (d.thread && d.thread.uri.toString() !== uri.toString()) {
      this.byThread.delete(d.thread);
      d.thread.dispose();
      d.thread = undefined;
    }
    const comments = [this.comment(d.root, true, d), ...d.replies.map((r) => this.comment(r, false, d))];
    const resolved = d.root.resolvedBy !== undefined;
    if (!d.thread) {
      d.thread = this.controller.createCommentThread(uri, range, comments);
      d.thread.collapsibleState = resolved ? vscode.CommentThreadCollapsibleState.Collapsed : vscode.CommentThreadCollapsibleState.Expanded;
      this.byThread.set(d.thread, d.key);
    } else {
      d.thread.range = range;
      d.thread.comments = comments;
      // VS Code folds a thread away when it is resolved; reopened, it unfolds again.
      if (d.thread.state === vscode.CommentThreadState.Resolved && !resolved) d.thread.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
    }
    const room = this.service.model.displayName(d.root.room);
    d.thread.label =
      placement.kind === 'placed'
        ? vscode.l10n.t('Parley · {0} · lines {1}–{2}', room, placement.startLine, placement.endLine)
        : vscode.l10n.t('Parley · {0} · outdated ({1})', room, placement.reason);
    d.thread.state = resolved ? vscode.CommentThreadState.Resolved : vscode.CommentThreadState.Unresolved;
    d.thread.contextValue = `parley ${placement.kind === 'placed' ? 'placed' : 'outdated'} ${resolved ? 'resolved' : 'open'}`;
    d.thread.canReply = true;
  }

  private async onMessage(m: ChatMessage): Promise<void> {
    if (m.root === undefined) {
      if (m.snippet?.anchor !== undefined && !m.deleted) await this.upsert(m);
      else return;
    } else {
      const d = this.byKey.get(keyOf(m.room, m.root));
      if (!d) return;
      if (!d.replies.some((r) => r.seq === m.seq)) d.replies.push(m);
      d.root = { ...d.root, replies: (d.root.replies ?? 0) + 1 };
      this.render(d);
    }
    this.changed.fire();
  }

  private async onChange(e: ChatMessage): Promise<void> {
    const target = e.change?.target;
    if (target === undefined) return;
    const d = this.byKey.get(keyOf(e.room, target)) ?? [...this.byKey.values()].find((x) => x.root.room === e.room && x.replies.some((r) => r.seq === target));
    if (!d) return;
    await this.upsert(d.root);
    this.changed.fire();
  }

  /** A saved file: its discussions placed again from what is on disk now. */
  private async replaceIn(uri: vscode.Uri): Promise<void> {
    if (uri.scheme !== 'file') return;
    const placers = new Map<string, Placer>();
    let any = false;
    for (const d of this.byKey.values()) {
      if (!d.repo || !d.thread) continue;
      if (!uri.fsPath.startsWith(d.repo.root + path.sep)) continue;
      await this.place(d, placers);
      this.render(d);
      any = true;
    }
    if (any) this.changed.fire();
  }

  /** The discussion a comment widget's thread shows, if it is one of ours. */
  private discussionOf(arg: unknown): Discussion | undefined {
    const thread = (arg as { thread?: vscode.CommentThread })?.thread ?? (arg as vscode.CommentThread);
    const key = thread ? this.byThread.get(thread) : undefined;
    return key ? this.byKey.get(key) : undefined;
  }

  /** A reply typed into a comment widget: in an existing discussion, or the start of a new one (the gutter "+"). */
  async reply(r: vscode.CommentReply): Promise<void> {
    const text = r.text.trim();
    if (!text) return;
    const d = this.discussionOf(r);
    if (d) {
      await this.service.reply(d.root.room, d.root.seq, text, randomUUID(), false);
      return;
    }
    const range = r.thread.range;
    if (!range) return;
    const started = await this.start(r.thread.uri, range.start.line + 1, range.end.line + 1, text);
    if (started) r.thread.dispose();
  }

  /** "Start a Parley Discussion" on the editor's selection. */
  async startFromEditor(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Select the lines to discuss first.'));
      return;
    }
    const sel = editor.selection;
    const end = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
    const text = await vscode.window.showInputBox({
      title: vscode.l10n.t('Parley: Start a Discussion'),
      prompt: vscode.l10n.t('What do you want to say about lines {0}–{1}?', sel.start.line + 1, end + 1),
    });
    if (!text?.trim()) return;
    await this.start(editor.document.uri, sel.start.line + 1, end + 1, text.trim());
  }

  /** Anchors lines `start`–`end` of the file and posts the discussion to a room the user picks. */
  private async start(uri: vscode.Uri, start: number, end: number, text: string): Promise<boolean> {
    if (uri.scheme !== 'file') {
      void vscode.window.showWarningMessage(vscode.l10n.t('Discussions are on files saved in the workspace.'));
      return false;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const repository = await repositoryOf(path.dirname(uri.fsPath));
    const rel = repository ? repoPath(repository.root, uri.fsPath) : vscode.workspace.asRelativePath(uri, false);
    const committed = repository?.head !== undefined ? await fileAt(repository.root, repository.head, rel) : undefined;
    const { text: code, ...anchor } = anchorOn(doc.getText(), rel, start, end, repository, committed);
    if (oversizedSnippet(code, this.service.maxText)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('These lines are too long for one discussion; select fewer.'));
      return false;
    }
    const room = await pickRoom(this.service, vscode.l10n.t('Parley: Start a Discussion'));
    if (!room) return false;
    const snippet: Snippet = { code, language: doc.languageId.slice(0, 64) || 'plaintext', path: rel, startLine: start, endLine: end, anchor };
    if (anchor.commit !== undefined) snippet.commit = anchor.commit;
    await this.service.sendDiscussion(room, text, snippet);
    return true;
  }

  async setResolved(arg: unknown, resolved: boolean): Promise<void> {
    const d = this.discussionOf(arg);
    if (d) await this.service.change(d.root.room, resolved ? 'resolve' : 'reopen', d.root.seq);
  }

  /** The message a comment of the widget shows, with its discussion. */
  private messageOf(arg: unknown): { d: Discussion; m: ChatMessage } | undefined {
    if (!(arg instanceof ParleyComment)) return undefined;
    for (const d of this.byKey.values()) {
      if (d.root.room !== arg.room) continue;
      const m = d.root.seq === arg.seq ? d.root : d.replies.find((r) => r.seq === arg.seq);
      if (m) return { d, m };
    }
    return undefined;
  }

  /** "React": the quick reactions to pick from; the one picked is added, or taken back if it was the user's. */
  async react(arg: unknown): Promise<void> {
    const found = this.messageOf(arg);
    if (!found) return;
    const emoji = await pickReaction(found.m.reactions, this.service.user);
    if (emoji !== undefined) await this.toggle(found.m, emoji);
  }

  /** A click on a reaction under a comment: the user's own is taken back, another's joined. */
  private async toggleReaction(comment: vscode.Comment, reaction: vscode.CommentReaction): Promise<void> {
    const found = this.messageOf(comment);
    if (!found) return;
    try {
      await this.toggle(found.m, reaction.label);
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', describeError(err)));
    }
  }

  private async toggle(m: ChatMessage, emoji: string): Promise<void> {
    const me = this.service.user;
    const mine = me !== undefined && (m.reactions?.[emoji] ?? []).includes(me);
    // What the widget shows comes back from the server, as every other client sees it.
    await this.service.change(m.room, mine ? 'unreact' : 'react', m.seq, { emoji });
  }

  /** "Edit": the comment turns into VS Code's editor for it, with its text. */
  startEdit(arg: unknown): void {
    const found = this.messageOf(arg);
    if (!found || found.m.deleted === true) return;
    this.editing.add(keyOf(found.m.room, found.m.seq));
    this.render(found.d);
  }

  /** "Save" under an edited comment: the server has the last word; refused, the editor stays open. */
  async saveEdit(arg: unknown): Promise<void> {
    const found = this.messageOf(arg);
    if (!found) return;
    const body = (arg as ParleyComment).body;
    const text = (typeof body === 'string' ? body : body.value).trim();
    if (text !== (found.m.text ?? '').trim()) await this.service.change(found.m.room, 'edit', found.m.seq, { text });
    this.editing.delete(keyOf(found.m.room, found.m.seq));
    this.render(found.d);
  }

  cancelEdit(arg: unknown): void {
    const found = this.messageOf(arg);
    if (!found) return;
    this.editing.delete(keyOf(found.m.room, found.m.seq));
    this.render(found.d);
  }

  /** "Delete", once confirmed: the author's own, or anyone's for the room's owner and admins (the server decides). */
  async remove(arg: unknown): Promise<void> {
    const found = this.messageOf(arg);
    if (!found || found.m.deleted === true) return;
    if (!(await confirmDelete(found.m.from, found.m.from === this.service.user))) return;
    await this.service.change(found.m.room, 'delete', found.m.seq);
  }

  async copyLink(arg: unknown): Promise<void> {
    const d = this.discussionOf(arg);
    if (!d) return;
    await vscode.env.clipboard.writeText(discussionLink(d.root.room, d.root.seq));
    vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) Link copied'), 3000);
  }

  /** The file as it was at the anchor's commit, read-only, at the anchored lines. */
  async openAtRevision(arg: unknown): Promise<void> {
    const d = this.discussionOf(arg);
    const anchor = d?.root.snippet?.anchor;
    if (!d || !anchor) return;
    const uri = vscode.Uri.from({ scheme: REVISION_SCHEME, path: `/${anchor.path}`, query: new URLSearchParams({ room: d.root.room, seq: String(d.root.seq) }).toString() });
    const doc = await vscode.workspace.openTextDocument(uri);
    const at = new vscode.Range(anchor.startLine - 1, 0, anchor.endLine - 1, 0);
    await vscode.window.showTextDocument(doc, { preview: true, selection: at });
  }

  private async revisionText(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const d = this.byKey.get(keyOf(q.get('room') ?? '', Number(q.get('seq'))));
    const anchor = d?.root.snippet?.anchor;
    if (!d || !anchor) return '';
    if (anchor.commit !== undefined && anchor.dirty !== true && d.repo) {
      const text = await fileAt(d.repo.root, anchor.commit, anchor.path);
      if (text !== undefined) return text;
    }
    // Not committed, or a commit this clone lacks: the anchored lines where they were.
    return '\n'.repeat(anchor.startLine - 1) + (d.root.snippet?.code ?? '') + '\n';
  }

  /** `vscode://parley.parley/discussion?room=R&seq=N`: the room in the chat, and the code when it is here. */
  private async handleUri(uri: vscode.Uri): Promise<void> {
    const link = parseDiscussionLink(uri.path, uri.query);
    if (!link) return;
    this.service.openRoom(link.room, link.seq);
    await this.chatView.reveal();
    await this.reveal(link.room, link.seq);
  }

  /**
   * "Open Discussion Link…": a pasted link goes through the workbench's URL handling, the way one
   * clicked outside VS Code comes in, under this VS Code's own scheme (`vscode`, `code-oss`, …).
   */
  async openLink(): Promise<void> {
    const linkOf = (text: string) => {
      try {
        const uri = vscode.Uri.parse(text.trim(), true);
        return uri.authority.toLowerCase() === EXTENSION_ID && parseDiscussionLink(uri.path, uri.query) ? uri : undefined;
      } catch {
        return undefined;
      }
    };
    const text = await vscode.window.showInputBox({
      title: vscode.l10n.t('Parley: Open Discussion Link'),
      prompt: vscode.l10n.t('Paste the link of a discussion (Copy Link on a discussion gives one).'),
      placeHolder: discussionLink('general', 1),
      validateInput: (v) => (v.trim() === '' || linkOf(v) ? undefined : vscode.l10n.t('This is not a Parley discussion link.')),
    });
    const uri = text === undefined ? undefined : linkOf(text);
    if (uri) await vscode.commands.executeCommand('vscode.open', uri.with({ scheme: vscode.env.uriScheme }));
  }

  /** Opens the code of discussion `room#seq` where it is now; false when it is not in this workspace. */
  async reveal(room: string, seq: number): Promise<boolean> {
    let d = this.byKey.get(keyOf(room, seq));
    if (!d) {
      await this.refresh();
      d = this.byKey.get(keyOf(room, seq));
    }
    if (!d?.thread) return false;
    const doc = await vscode.workspace.openTextDocument(d.thread.uri);
    await vscode.window.showTextDocument(doc, { selection: d.thread.range, preview: false });
    d.thread.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
    return true;
  }

  /** Opens discussion `room#seq` from a list: where its lines are now, or at its revision when outdated. */
  async open(room: string, seq: number): Promise<void> {
    const d = this.byKey.get(keyOf(room, seq));
    if (d?.placement?.kind === 'outdated' && d.thread) await this.openAtRevision(d.thread);
    else await this.reveal(room, seq);
  }

  /** What tests, the Discussions view and the Explorer badges read: each thread with where it is shown. */
  list(): DiscussionEntry[] {
    const me = this.service.user;
    return [...this.byKey.values()]
      .filter((d): d is Discussion & { thread: vscode.CommentThread } => d.thread !== undefined)
      .map((d) => ({
        room: d.root.room,
        seq: d.root.seq,
        path: d.pathHere ?? d.root.snippet?.anchor?.path ?? '',
        uri: d.thread.uri,
        from: d.root.from,
        text: d.root.deleted === true ? '' : (d.root.text ?? ''),
        mine: me !== undefined && d.root.from === me,
        mentionsMe: me !== undefined && [d.root, ...d.replies].some((m) => m.deleted !== true && mentionedNames(m.text).includes(me)),
        ...(d.placement?.kind === 'placed' ? { lines: [d.placement.startLine, d.placement.endLine] as [number, number] } : {}),
        ...(d.placement?.kind === 'outdated' ? { outdated: d.placement.reason } : {}),
        resolved: d.root.resolvedBy !== undefined,
        replies: d.replies.length,
      }));
  }
}

/** One discussion as lists show it. */
export interface DiscussionEntry {
  room: string;
  seq: number;
  /** The file's path in its repository now. */
  path: string;
  /** The file in this workspace. */
  uri: vscode.Uri;
  from: string;
  text: string;
  mine: boolean;
  mentionsMe: boolean;
  lines?: [number, number];
  outdated?: string;
  resolved: boolean;
  replies: number;
}

/** The commands of discussions, each failure shown as the others' are. */
export function registerDiscussionCommands(context: vscode.ExtensionContext, discussions: Discussions, describe: (err: unknown) => string, signedIn: () => Promise<boolean>): void {
  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await fn(...args);
        } catch (err) {
          void vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', describe(err)));
        }
      }),
    );
  register('parley.startDiscussion', async () => {
    if (await signedIn()) await discussions.startFromEditor();
  });
  for (const id of ['parley.discussion.reply', 'parley.discussion.start']) {
    register(id, async (r) => {
      if (await signedIn()) await discussions.reply(r as vscode.CommentReply);
    });
  }
  register('parley.discussion.resolve', (t) => discussions.setResolved(t, true));
  register('parley.discussion.reopen', (t) => discussions.setResolved(t, false));
  register('parley.discussion.openAtRevision', (t) => discussions.openAtRevision(t));
  register('parley.discussion.copyLink', (t) => discussions.copyLink(t));
  register('parley.openDiscussionLink', () => discussions.openLink());
  register('parley.discussion.react', (c) => discussions.react(c));
  register('parley.discussion.edit', (c) => discussions.startEdit(c));
  register('parley.discussion.saveEdit', (c) => discussions.saveEdit(c));
  register('parley.discussion.cancelEdit', (c) => discussions.cancelEdit(c));
  register('parley.discussion.delete', (c) => discussions.remove(c));
  register('parley.discussion.refresh', () => discussions.refresh());
  register('parley.discussion.open', (room, seq) => discussions.open(String(room), Number(seq)));
}
