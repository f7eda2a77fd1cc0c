// "Send Image…" / "Send File…": from the palette, the chat's toolbar, or the Explorer's context menu.
import * as vscode from 'vscode';
import type { FileSender, Outgoing } from './fileSender';

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'bmp', 'svg'];

type Register = (id: string, fn: (...args: unknown[]) => unknown) => void;

/** Explorer context menus pass the clicked resource and the whole selection. */
function explorerUris(args: unknown[]): vscode.Uri[] {
  const [first, all] = args;
  if (Array.isArray(all) && all.every((u) => u instanceof vscode.Uri)) return all as vscode.Uri[];
  return first instanceof vscode.Uri ? [first] : [];
}

async function toOutgoing(uri: vscode.Uri): Promise<Outgoing> {
  if (uri.scheme === 'file') return { kind: 'path', path: uri.fsPath };
  // Other file systems (remote, virtual) are read through VS Code.
  return { kind: 'bytes', name: uri.path.split('/').pop() || 'file', data: Buffer.from(await vscode.workspace.fs.readFile(uri)) };
}

export function registerSendFileCommands(
  register: Register,
  signedIn: () => Promise<boolean>,
  pickRoom: (title: string) => Promise<string | undefined>,
  sender: FileSender,
): void {
  const send = async (images: boolean, args: unknown[]) => {
    if (!(await signedIn())) return;
    const title = images ? vscode.l10n.t('Parley: Send Image') : vscode.l10n.t('Parley: Send File');
    let uris = explorerUris(args);
    if (uris.length === 0) {
      uris =
        (await vscode.window.showOpenDialog({
          title,
          openLabel: vscode.l10n.t('Send'),
          canSelectMany: true,
          canSelectFiles: true,
          canSelectFolders: false,
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
          filters: images ? { [vscode.l10n.t('Images')]: IMAGE_EXTENSIONS } : undefined,
        })) ?? [];
    }
    if (uris.length === 0) return;
    const room = await pickRoom(title);
    if (!room) return;
    // Each failure was already shown with its own message.
    await sender.send(room, await Promise.all(uris.map(toOutgoing))).catch(() => undefined);
  };
  register('parley.sendImage', (...args) => send(true, args));
  register('parley.sendFile', (...args) => send(false, args));
  register('parley.sendToParley', (...args) => send(false, args));
}
