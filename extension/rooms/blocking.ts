// "Block User" / "Unblock User": a blocked user can no longer open or write a DM with the user,
// invite them, or mention them into a count (the server enforces it; see docs/protocol.md).
import * as vscode from 'vscode';
import type { ChatService } from '../chatService';

export async function blockUser(service: ChatService, user: string | undefined): Promise<void> {
  const who = user ?? (await pickPerson(service, vscode.l10n.t('Parley: Block User'), vscode.l10n.t('Who to block')));
  if (who === undefined) return;
  const block = vscode.l10n.t('Block');
  const sure = await vscode.window.showWarningMessage(
    vscode.l10n.t('Block {0}? They can no longer message you directly, invite you to rooms, or notify you with mentions.', who),
    { modal: true },
    block,
  );
  if (sure !== block) return;
  await service.roomsClient().block(who);
  void vscode.window.showInformationMessage(vscode.l10n.t('You blocked {0}.', who));
}

export async function unblockUser(service: ChatService, user: string | undefined): Promise<void> {
  let who = user;
  if (who === undefined) {
    const blocked = await service.roomsClient().blocks();
    if (blocked.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('You have not blocked anyone.'));
      return;
    }
    who = (await vscode.window.showQuickPick(blocked, { title: vscode.l10n.t('Parley: Unblock User'), placeHolder: vscode.l10n.t('Who to unblock') }));
    if (who === undefined) return;
  }
  await service.roomsClient().unblock(who);
  void vscode.window.showInformationMessage(vscode.l10n.t('You unblocked {0}.', who));
}

async function pickPerson(service: ChatService, title: string, placeHolder: string): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(service.model.allPeople().map((p) => ({ label: p.user })), { title, placeHolder });
  return picked?.label;
}
