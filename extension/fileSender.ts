// Sending files and images: uploads inside a cancellable progress notification, with errors
// in words and a Retry where trying again can help.
import { Readable } from 'node:stream';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { uploadFile } from '../client/transfers';
import type { AckReply } from '../protocol';
import type { ChatService } from './chatService';

/** A file on disk, or bytes held in memory (pasted or dropped into the chat). */
export type Outgoing = { kind: 'path'; path: string; name?: string } | { kind: 'bytes'; name: string; mime?: string; data: Buffer };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

function nameOf(item: Outgoing): string {
  return item.name ?? path.basename(item.kind === 'path' ? item.path : 'file');
}

function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError';
}

export class FileSender {
  constructor(private readonly service: ChatService) {}

  /**
   * Sends each file in turn; resolves with the acks of those that went through. Failures are
   * shown (with Retry where it helps) and do not stop the rest; the first one is rethrown at the end.
   */
  async send(room: string, items: Outgoing[]): Promise<AckReply[]> {
    const acks: AckReply[] = [];
    let firstError: unknown;
    for (const item of items) {
      try {
        const ack = await this.sendOne(room, item);
        if (ack) acks.push(ack);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
    return acks;
  }

  /** Undefined when the user cancelled. */
  private async sendOne(room: string, item: Outgoing): Promise<AckReply | undefined> {
    const name = nameOf(item);
    const where = this.service.model.displayName(room);
    try {
      const ack = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('Sending {0} to {1}', name, where),
          cancellable: true,
        },
        (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          let shown = 0;
          const onProgress = (sent: number, total: number) => {
            const pct = total > 0 ? Math.floor((sent / total) * 100) : 100;
            // Only whole-percent steps: a report per chunk would flood the notification.
            if (pct === shown && sent !== total) return;
            progress.report({ increment: pct - shown, message: `${formatBytes(sent)} / ${formatBytes(total)} (${pct}%)` });
            shown = pct;
          };
          const client = this.service.transferClient();
          const source =
            item.kind === 'path'
              ? { path: item.path, name }
              : { stream: Readable.from([item.data]), size: item.data.length, name, mime: item.mime };
          return uploadFile(client, { room, ...source, signal: abort.signal, onProgress }).finally(() => sub.dispose());
        },
      );
      vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) Sent {0} to {1}', name, where), 3000);
      return ack;
    } catch (err) {
      if (isAbort(err)) {
        vscode.window.setStatusBarMessage(vscode.l10n.t('Sending {0} cancelled', name), 3000);
        return undefined;
      }
      void this.report(room, item, name, err);
      throw err;
    }
  }

  private async report(room: string, item: Outgoing, name: string, err: unknown): Promise<void> {
    const e = err as { code?: string; message?: string };
    const retry = vscode.l10n.t('Retry');
    let text: string;
    let canRetry = false;
    switch (e?.code) {
      case 'TOO_LARGE': {
        let max: number | undefined;
        try {
          max = this.service.transferClient().limits?.maxUpload;
        } catch {
          // signed out meanwhile: say it without the number
        }
        text = max
          ? vscode.l10n.t('{0} is too large: the server accepts up to {1} MB.', name, Math.floor(max / (1024 * 1024)))
          : vscode.l10n.t('{0} is too large for this server.', name);
        break;
      }
      case 'FORBIDDEN':
        text = vscode.l10n.t('You may not send files to {0}.', this.service.model.displayName(room));
        break;
      case 'MEDIA_UNAVAILABLE':
        text = vscode.l10n.t('The server cannot store files right now; {0} was not sent.', name);
        canRetry = true;
        break;
      case 'UNAUTHENTICATED':
        text = vscode.l10n.t('Sign in to Parley to send files.');
        break;
      default:
        if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') {
          text = vscode.l10n.t('Cannot read {0}: {1}', name, e.message ?? String(err));
          break;
        }
        // Closed connections, timeouts, bytes that did not match: nothing was posted.
        text = vscode.l10n.t('Sending {0} was interrupted: {1}', name, e?.message ?? String(err));
        canRetry = true;
    }
    const pick = await vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', text), ...(canRetry ? [retry] : []));
    if (pick === retry) await this.send(room, [item]).catch(() => undefined);
  }
}
