// The host side of the chat's files: previews, open, save, paste and drop.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import * as wv from '../webview/messages';
import type { ChatService } from './chatService';
import type { ChatView } from './chatView';
import type { FileSender, Outgoing } from './fileSender';
import type { MediaCache } from './mediaCache';
import { filesFromDroppedUris } from './droppedUris';

/** Dropped OS files arrive base64-encoded in a message; bigger ones go through Send File…. */
const MAX_INLINE_BYTES = 50 * 1024 * 1024;

type MediaRequest =
  | wv.MessageOf<typeof wv.RequestMedia>
  | wv.MessageOf<typeof wv.Download>
  | wv.MessageOf<typeof wv.OpenMedia>
  | wv.MessageOf<typeof wv.PasteImage>
  | wv.MessageOf<typeof wv.DropFiles>;

export class MediaHost {
  constructor(
    private readonly service: ChatService,
    private readonly chatView: ChatView,
    private readonly cache: MediaCache,
    private readonly sender: FileSender,
  ) {}

  private fetch(fileId: string) {
    return this.cache.get(() => this.service.transferClient(), fileId);
  }

  async handle(msg: MediaRequest): Promise<void> {
    try {
      switch (msg.type) {
        case 'requestMedia': {
          const file = await this.fetch(msg.fileId);
          const uri = this.chatView.asWebviewUri(vscode.Uri.file(file.path));
          if (!uri) throw new Error(vscode.l10n.t('The chat is not open.'));
          this.chatView.post(wv.replyTo(wv.RequestMedia, msg, { fileId: msg.fileId, uri: uri.toString() }));
          return;
        }
        case 'openMedia': {
          const file = await this.fetch(msg.fileId);
          await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file.path), { preview: true });
          break;
        }
        case 'download':
          await this.saveAs(msg.fileId);
          break;
        case 'pasteImage':
          await this.sender.send(msg.room, [{ kind: 'bytes', name: msg.name || 'pasted image', mime: msg.mime, data: Buffer.from(msg.dataBase64, 'base64') }]);
          break;
        case 'dropFiles': {
          const { items, tooBig } = await this.dropped(msg);
          if (items.length > 0) await this.sender.send(msg.room, items);
          if (tooBig.length > 0) {
            throw Object.assign(new Error(vscode.l10n.t('{0} is too big to drop here; use "Parley: Send File…".', tooBig.join(', '))), { code: 'TOO_LARGE' });
          }
          break;
        }
      }
      this.chatView.post(wv.Done.create({ requestId: msg.requestId }));
    } catch (err) {
      const e = err as { message?: string; code?: string };
      this.chatView.post(wv.replyError(msg, e?.message ?? String(err), e?.code));
    }
  }

  /** What can be sent, and the OS files that came without their bytes. */
  private async dropped(msg: wv.MessageOf<typeof wv.DropFiles>): Promise<{ items: Outgoing[]; tooBig: string[] }> {
    const out: Outgoing[] = [];
    const tooBig: string[] = [];
    if (msg.uris !== undefined && msg.uris.length > 0) out.push(...(await filesFromDroppedUris(msg.uris, this.roomLabel(msg.room))));
    for (const f of msg.files) {
      if (f.dataBase64 === undefined || f.size > MAX_INLINE_BYTES) tooBig.push(f.name);
      else out.push({ kind: 'bytes', name: f.name, mime: f.mime || undefined, data: Buffer.from(f.dataBase64, 'base64') });
    }
    return { items: out, tooBig };
  }

  private roomLabel(room: string): string {
    return this.service.model.displayName(room);
  }

  private async saveAs(fileId: string): Promise<void> {
    const known = this.cache.info(fileId);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = known?.name ?? fileId;
    const target = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Save {0}', name),
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    });
    if (!target) return;
    const file = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}…', name) },
      () => this.fetch(fileId),
    );
    if (target.scheme === 'file') await fs.promises.copyFile(file.path, target.fsPath);
    else await vscode.workspace.fs.copy(vscode.Uri.file(file.path), target, { overwrite: true });
    vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) Saved {0}', name), 3000);
  }
}
