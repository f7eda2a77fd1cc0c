// Turns the URIs of a drop on the chat into files to send, reading only what the user chose.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MAX_DROPPED_URIS, classify, type DroppedTarget, type DropVerdict, type Folder } from './dropPolicy';
import type { Outgoing } from './fileSender';

async function workspaceFolders(): Promise<Folder[]> {
  const out: Folder[] = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    if (f.uri.scheme === 'file') {
      const real = await fs.promises.realpath(f.uri.fsPath).catch(() => f.uri.fsPath);
      out.push({ scheme: 'file', root: real });
    } else {
      out.push({ scheme: f.uri.scheme, root: f.uri.toString().replace(/\/+$/, '') });
    }
  }
  return out;
}

async function judge(raw: string, folders: Folder[]): Promise<DropVerdict> {
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(raw, true);
  } catch {
    return { kind: 'refused', raw, reason: 'malformed' };
  }
  if (uri.scheme !== 'file') {
    const target: DroppedTarget = { raw, scheme: uri.scheme, path: uri.path, uri: uri.toString() };
    return classify(target, folders, false);
  }
  // The real path, so a link inside the workspace cannot point the upload at ~/.ssh.
  const real = await fs.promises.realpath(uri.fsPath).catch(() => undefined);
  const stat = real === undefined ? undefined : await fs.promises.stat(real).catch(() => undefined);
  const target: DroppedTarget = { raw, scheme: 'file', path: real ?? uri.fsPath, uri: uri.toString() };
  return classify(target, folders, stat?.isFile() ?? false);
}

/**
 * The files a drop may send to `roomLabel`: those inside the workspace, plus those outside it
 * that the user confirms in a modal dialog naming them. Refused URIs are reported by name.
 */
export async function filesFromDroppedUris(raws: readonly string[], roomLabel: string): Promise<Outgoing[]> {
  if (raws.length > MAX_DROPPED_URIS) {
    throw new Error(vscode.l10n.t('Drop at most {0} files at once.', MAX_DROPPED_URIS));
  }
  const folders = await workspaceFolders();
  const verdicts = await Promise.all(raws.map((raw) => judge(raw, folders)));
  const refused = verdicts.filter((v): v is Extract<DropVerdict, { kind: 'refused' }> => v.kind === 'refused');
  const inside = verdicts.filter((v) => v.kind === 'inside').map((v) => (v as { target: DroppedTarget }).target);
  let outside = verdicts.filter((v) => v.kind === 'outside').map((v) => (v as { target: DroppedTarget }).target);
  if (outside.length > 0) {
    const names = outside.map((t) => (t.scheme === 'file' ? t.path : t.uri));
    const send = vscode.l10n.t('Send');
    const answer = await vscode.window.showWarningMessage(
      outside.length === 1
        ? vscode.l10n.t('Send {0} to {1}? It is outside your workspace.', path.basename(names[0]), roomLabel)
        : vscode.l10n.t('Send {0} files from outside your workspace to {1}?', outside.length, roomLabel),
      { modal: true, detail: names.join('\n') },
      send,
    );
    if (answer !== send) outside = [];
  }
  if (refused.length > 0) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Not sent (only files can be dropped): {0}', refused.map((r) => r.raw).join(', ')),
    );
  }
  const out: Outgoing[] = [];
  for (const t of [...inside, ...outside]) {
    if (t.scheme === 'file') out.push({ kind: 'path', path: t.path, name: path.basename(t.path) });
    else {
      const uri = vscode.Uri.parse(t.uri, true);
      out.push({ kind: 'bytes', name: uri.path.split('/').pop() || 'file', data: Buffer.from(await vscode.workspace.fs.readFile(uri)) });
    }
  }
  return out;
}
