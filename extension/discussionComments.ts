// The comments of a discussion as VS Code's comment widget shows them: body, author, reactions
// with their counts, and the context value the widget's menus (react, edit, delete) match on.
import * as vscode from 'vscode';
import type { ChatMessage, Reactions } from '../protocol';

/** One message of a discussion in the widget; it knows which message it is, for its actions. */
export class ParleyComment implements vscode.Comment {
  constructor(
    readonly room: string,
    readonly seq: number,
    /** The message's own text, what an edit starts from. */
    readonly text: string,
    public body: vscode.MarkdownString | string,
    public mode: vscode.CommentMode,
    public author: vscode.CommentAuthorInformation,
    public contextValue: string,
    public timestamp: Date,
    public reactions: vscode.CommentReaction[],
    public label?: string,
  ) {}
}

/** What the widget shows for the reactions: each emoji with its count and whether one is the user's. */
export function commentReactions(reactions: Reactions | undefined, me: string | undefined): vscode.CommentReaction[] {
  return Object.entries(reactions ?? {}).map(([emoji, users]) => ({
    label: emoji,
    // No icon: the widget shows the label, the emoji itself.
    iconPath: '',
    count: users.length,
    authorHasReacted: me !== undefined && users.includes(me),
  }));
}

export interface CommentOptions {
  me: string | undefined;
  /** The code, fenced, under the root's text when its lines are gone from the file. */
  code?: { language: string; text: string };
  editing: boolean;
}

/** The comment of message `m`; in edit mode its body is the bare text the user changes. */
export function parleyComment(m: ChatMessage, opts: CommentOptions): ParleyComment {
  const deleted = m.deleted === true;
  const own = m.text ?? '';
  let shown = deleted ? vscode.l10n.t('(message deleted)') : own;
  if (opts.code && !deleted) {
    const fence = '`'.repeat(Math.max(3, ...[...opts.code.text.matchAll(/`+/g)].map((x) => x[0].length + 1)));
    shown += `\n\n${fence}${opts.code.language}\n${opts.code.text}\n${fence}`;
  }
  const body = new vscode.MarkdownString(opts.editing ? own : shown);
  body.isTrusted = false;
  body.supportHtml = false;
  // Menus match words: `mine` (edit, delete), `deleted` (no actions at all).
  const words = ['parley-comment', deleted ? 'deleted' : 'live', m.from === opts.me ? 'mine' : 'others'];
  return new ParleyComment(
    m.room,
    m.seq,
    own,
    body,
    opts.editing && !deleted ? vscode.CommentMode.Editing : vscode.CommentMode.Preview,
    { name: m.from },
    words.join(' '),
    new Date(m.ts),
    deleted ? [] : commentReactions(m.reactions, opts.me),
    m.edited !== undefined ? vscode.l10n.t('(edited)') : undefined,
  );
}
