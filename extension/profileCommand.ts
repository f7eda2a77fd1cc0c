// "Parley: Edit Profile": display name, status message, then the avatar (keep, choose a
// picture, or remove), each step a quick input; Escape at any step changes nothing.
import { Readable } from 'node:stream';
import * as vscode from 'vscode';
import { uploadAvatar } from '../client/transfers';
import { MAX_AVATAR_UPLOAD, MAX_DISPLAY_NAME_LENGTH, MAX_STATUS_MESSAGE_LENGTH, type ProfileEvent } from '../protocol';
import { describeError } from './auth';
import type { ChatService } from './chatService';
import type { ProfileBook } from './profiles';

type AvatarChoice = 'keep' | 'choose' | 'remove';

const tooLong = (max: number) => (value: string) =>
  value.trim().length > max ? vscode.l10n.t('At most {0} characters.', max) : undefined;

export function registerProfileCommand(context: vscode.ExtensionContext, service: ChatService, book: ProfileBook): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('parley.editProfile', async () => {
      try {
        await editProfile(service, book);
      } catch (err) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', describeError(err)));
      }
    }),
  );
}

async function editProfile(service: ChatService, book: ProfileBook): Promise<void> {
  const me = service.user;
  if (!me) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sign in to Parley first.'));
    return;
  }
  const current = book.get(me);
  const title = vscode.l10n.t('Parley: Edit Profile');
  const displayName = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Display name, shown beside your user name {0} (empty to clear)', me),
    value: current?.displayName ?? '',
    validateInput: tooLong(MAX_DISPLAY_NAME_LENGTH),
  });
  if (displayName === undefined) return;
  const statusMessage = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Status message (empty to clear)'),
    value: current?.statusMessage ?? '',
    validateInput: tooLong(MAX_STATUS_MESSAGE_LENGTH),
  });
  if (statusMessage === undefined) return;
  const choices: (vscode.QuickPickItem & { choice: AvatarChoice })[] = [
    { label: current?.avatar ? vscode.l10n.t('$(check) Keep the current avatar') : vscode.l10n.t('$(circle-slash) No avatar'), choice: 'keep' },
    { label: vscode.l10n.t('$(file-media) Choose an image…'), description: vscode.l10n.t('PNG, JPEG, GIF or BMP, at most 5 MiB'), choice: 'choose' },
  ];
  if (current?.avatar) choices.push({ label: vscode.l10n.t('$(trash) Remove the avatar'), choice: 'remove' });
  const pick = await vscode.window.showQuickPick(choices, { title, placeHolder: vscode.l10n.t('Avatar') });
  if (pick === undefined) return;
  let image: vscode.Uri | undefined;
  if (pick.choice === 'choose') {
    image = (
      await vscode.window.showOpenDialog({
        title,
        canSelectMany: false,
        openLabel: vscode.l10n.t('Use as Avatar'),
        filters: { [vscode.l10n.t('Images')]: ['png', 'jpg', 'jpeg', 'gif', 'bmp'] },
      })
    )?.[0];
    if (image === undefined) return;
  }
  const client = service.transferClient();
  const saved = await client.request<ProfileEvent>({
    t: 'profile_set',
    displayName,
    statusMessage,
    ...(pick.choice === 'remove' ? { clearAvatar: true } : {}),
  });
  book.apply([saved.profile]);
  if (image !== undefined) {
    const bytes = await vscode.workspace.fs.readFile(image);
    if (bytes.byteLength > MAX_AVATAR_UPLOAD) throw new Error(vscode.l10n.t('That image is larger than 5 MiB.'));
    const uploaded = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Uploading your avatar…') }, () =>
      uploadAvatar(client, { stream: Readable.from([Buffer.from(bytes)]), size: bytes.byteLength, name: image.path.split('/').pop() }),
    );
    book.apply([uploaded.profile]);
  }
  vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) Profile saved'), 3000);
}
