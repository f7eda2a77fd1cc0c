// Code shared from the editor, and opening a received snippet where it came from.
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { Snippet } from '../protocol';
import { gitInfo } from './git';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The saved file's bytes when there are no unsaved edits (what others have), else the buffer. */
async function contentHash(document: vscode.TextDocument): Promise<string> {
  if (!document.isDirty && !document.isUntitled) {
    try {
      return sha256(await vscode.workspace.fs.readFile(document.uri));
    } catch {
      // fall back to the text
    }
  }
  return sha256(document.getText());
}

/** The selection of `editor` as a snippet, or undefined when nothing is selected. */
export async function snippetFromEditor(editor: vscode.TextEditor): Promise<Snippet | undefined> {
  const { document, selection } = editor;
  if (selection.isEmpty) return undefined;
  // A selection ending at column 0 of a line does not include that line.
  const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
  const range = new vscode.Range(selection.start.line, 0, endLine, document.lineAt(endLine).range.end.character);
  // Its size is checked against the server's limit by the caller, which can offer a file instead.
  const code = document.getText(selection.isSingleLine ? selection : range);
  const snippet: Snippet = {
    code,
    language: document.languageId.slice(0, 64) || 'plaintext',
    startLine: selection.start.line + 1,
    endLine: endLine + 1,
    fileSha256: await contentHash(document),
  };
  if (!document.isUntitled && vscode.workspace.getWorkspaceFolder(document.uri)) {
    snippet.path = vscode.workspace.asRelativePath(document.uri, false);
  }
  if (!document.isUntitled) {
    const git = await gitInfo(document.uri);
    if (git.remote) snippet.remote = git.remote.slice(0, 2048);
    if (git.commit) snippet.commit = git.commit;
  }
  return snippet;
}

async function findLocalCopy(snippet: Snippet): Promise<vscode.TextDocument | undefined> {
  if (!snippet.path || !snippet.fileSha256) return undefined;
  // Never let a received path climb out of the workspace.
  const parts = snippet.path.split(/[\\/]+/);
  if (parts.some((p) => p === '..') || snippet.path.startsWith('/')) return undefined;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const candidates = [vscode.Uri.joinPath(folder.uri, ...parts)];
    // Multi-root paths start with the folder name.
    if (parts.length > 1 && parts[0] === folder.name) candidates.push(vscode.Uri.joinPath(folder.uri, ...parts.slice(1)));
    for (const uri of candidates) {
      try {
        // The bytes on disk, not an open editor's model, which may lag behind the file.
        if (sha256(await vscode.workspace.fs.readFile(uri)) === snippet.fileSha256) return vscode.workspace.openTextDocument(uri);
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * Opens the sender's file at the shared lines when the local copy is the same file
 * (same sha256); otherwise shows the snippet itself in an untitled editor.
 */
export async function openSnippet(snippet: Snippet): Promise<'file' | 'untitled'> {
  const doc = await findLocalCopy(snippet);
  if (doc && snippet.startLine) {
    const start = Math.min(snippet.startLine - 1, doc.lineCount - 1);
    const end = Math.min((snippet.endLine ?? snippet.startLine) - 1, doc.lineCount - 1);
    const range = new vscode.Range(start, 0, end, doc.lineAt(end).range.end.character);
    await vscode.window.showTextDocument(doc, { selection: range, preview: true });
    return 'file';
  }
  const untitled = await vscode.workspace.openTextDocument({ content: snippet.code, language: snippet.language });
  await vscode.window.showTextDocument(untitled, { preview: true });
  return 'untitled';
}
