// The "Discussions" tree (files, then their threads) with filters, and the Explorer badges of
// files with open discussions. Both read Discussions.list(): the comment threads are the one
// source of truth, and both follow its onDidChange.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiscussionEntry, Discussions } from './discussions';

export type DiscussionFilter = 'mine' | 'mentions' | 'unresolved';
export const DISCUSSION_FILTERS: readonly DiscussionFilter[] = ['mine', 'mentions', 'unresolved'];
const FILTERS_KEY = 'parley.discussions.filters';

type Node = { kind: 'file'; uri: vscode.Uri; path: string; entries: DiscussionEntry[] } | { kind: 'thread'; entry: DiscussionEntry };

/** The entries the filters let through: each filter on narrows the list. */
export function applyFilters(entries: DiscussionEntry[], on: ReadonlySet<DiscussionFilter>): DiscussionEntry[] {
  return entries.filter((e) => (!on.has('mine') || e.mine) && (!on.has('mentions') || e.mentionsMe) && (!on.has('unresolved') || !e.resolved));
}

/** The first non-empty line of a text, shortened for a row. */
export function firstLine(text: string, max = 80): string {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export class DiscussionsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly view: vscode.TreeView<Node>;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly filters: Set<DiscussionFilter>;
  private lastShown = '';

  constructor(
    private readonly discussions: Discussions,
    /** Where the filters are remembered (the workspace's state). */
    private readonly memento: vscode.Memento,
  ) {
    const saved = memento.get<string[]>(FILTERS_KEY, []);
    this.filters = new Set(DISCUSSION_FILTERS.filter((f) => saved.includes(f)));
    this.view = vscode.window.createTreeView('parley.discussions', { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions.push(this.view, this.emitter, discussions.onDidChange(() => this.refresh()));
    this.showFilters();
  }

  isOn(filter: DiscussionFilter): boolean {
    return this.filters.has(filter);
  }

  /** Turns a filter on or off, remembers it and shows the list again. */
  async toggle(filter: DiscussionFilter): Promise<void> {
    if (this.filters.has(filter)) this.filters.delete(filter);
    else this.filters.add(filter);
    await this.memento.update(FILTERS_KEY, [...this.filters]);
    this.showFilters();
    this.refresh();
  }

  private showFilters(): void {
    for (const f of DISCUSSION_FILTERS) void vscode.commands.executeCommand('setContext', `parley.discussions.filter.${f}`, this.filters.has(f));
    const names = { mine: vscode.l10n.t('mine'), mentions: vscode.l10n.t('mentioning me'), unresolved: vscode.l10n.t('unresolved') };
    this.view.description = this.filters.size ? vscode.l10n.t('Filter: {0}', DISCUSSION_FILTERS.filter((f) => this.filters.has(f)).map((f) => names[f]).join(', ')) : undefined;
  }

  /**
   * Redraws only when what the view shows changed: a redraw replaces the rows' command handles,
   * and a click on a row drawn just before runs a stale one.
   */
  refresh(): void {
    const all = this.discussions.list();
    const shown = applyFilters(all, this.filters);
    this.view.message =
      all.length === 0
        ? vscode.l10n.t('No discussions on the code of this workspace yet. Select lines and run "Start a Parley Discussion".')
        : shown.length === 0
          ? vscode.l10n.t('The filters hide all {0} discussions.', all.length)
          : undefined;
    const signature = JSON.stringify(shown.map((e) => [e.uri.toString(), e.room, e.seq, e.text, e.from, e.lines, e.outdated, e.resolved, e.replies]));
    if (signature === this.lastShown) return;
    this.lastShown = signature;
    this.emitter.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (node?.kind === 'thread') return [];
    if (node?.kind === 'file') return [...node.entries].sort((a, b) => (a.lines?.[0] ?? 0) - (b.lines?.[0] ?? 0)).map((entry) => ({ kind: 'thread', entry }));
    const byFile = new Map<string, Node & { kind: 'file' }>();
    for (const e of applyFilters(this.discussions.list(), this.filters)) {
      const key = e.uri.toString();
      const file = byFile.get(key) ?? { kind: 'file', uri: e.uri, path: e.path, entries: [] };
      file.entries.push(e);
      byFile.set(key, file);
    }
    return [...byFile.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(node.uri, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `file:${node.uri.toString()}`;
      item.label = path.posix.basename(node.path);
      item.description = path.posix.dirname(node.path) === '.' ? undefined : path.posix.dirname(node.path);
      item.contextValue = 'discussionFile';
      item.iconPath = vscode.ThemeIcon.File;
      item.tooltip = node.path;
      return item;
    }
    const e = node.entry;
    const item = new vscode.TreeItem(firstLine(e.text) || vscode.l10n.t('(message deleted)'), vscode.TreeItemCollapsibleState.None);
    item.id = `thread:${e.room}#${e.seq}`;
    const where = e.lines ? vscode.l10n.t('lines {0}–{1}', e.lines[0], e.lines[1]) : vscode.l10n.t('outdated');
    const replies = e.replies === 1 ? vscode.l10n.t('1 reply') : vscode.l10n.t('{0} replies', e.replies);
    item.description = `${e.from} · ${replies} · ${where}`;
    const state = e.resolved ? vscode.l10n.t('resolved') : e.outdated !== undefined ? vscode.l10n.t('outdated ({0})', e.outdated) : vscode.l10n.t('open');
    item.tooltip = `${e.from}: ${firstLine(e.text, 400)}\n${e.path} · ${where} · ${replies} · ${state}`;
    item.iconPath = e.resolved
      ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
      : e.outdated !== undefined
        ? new vscode.ThemeIcon('history', new vscode.ThemeColor('list.warningForeground'))
        : new vscode.ThemeIcon('comment-unresolved');
    item.contextValue = `discussion ${e.resolved ? 'resolved' : 'open'}${e.outdated !== undefined ? ' outdated' : ''}`;
    item.accessibilityInformation = { label: `${item.label as string}, ${item.description}, ${state}` };
    item.command = { command: 'parley.discussion.open', title: vscode.l10n.t('Open Discussion'), arguments: [e.room, e.seq] };
    return item;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}

/** Explorer badges: the number of open (unresolved) discussions of each file, kept live. */
export class DiscussionBadges implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.emitter.event;
  private counts = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly discussions: Discussions) {
    this.subscriptions.push(this.emitter, vscode.window.registerFileDecorationProvider(this), discussions.onDidChange(() => this.update()));
    this.update();
  }

  private update(): void {
    const next = new Map<string, number>();
    const uris = new Map<string, vscode.Uri>();
    for (const e of this.discussions.list()) {
      if (e.resolved) continue;
      const key = e.uri.toString();
      next.set(key, (next.get(key) ?? 0) + 1);
      uris.set(key, e.uri);
    }
    const changed: vscode.Uri[] = [];
    for (const [key, n] of next) if (this.counts.get(key) !== n) changed.push(uris.get(key) as vscode.Uri);
    for (const key of this.counts.keys()) if (!next.has(key)) changed.push(vscode.Uri.parse(key));
    this.counts = next;
    if (changed.length) this.emitter.fire(changed);
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    const n = this.counts.get(uri.toString());
    if (!n) return undefined;
    // A badge has room for two characters.
    const badge = n > 99 ? '99' : String(n);
    const tooltip = n === 1 ? vscode.l10n.t('1 open Parley discussion') : vscode.l10n.t('{0} open Parley discussions', n);
    return new vscode.FileDecoration(badge, tooltip, new vscode.ThemeColor('list.warningForeground'));
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
