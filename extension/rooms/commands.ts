// The commands of rooms people run: the directory, room settings, invitations, blocking, and
// the notice when the user is removed from a room.
import * as vscode from 'vscode';
import type { ChatService } from '../chatService';
import { invitationArg, roomArg, userArg } from '../peopleTree';
import { blockUser, unblockUser } from './blocking';
import { browseRooms } from './directory';
import type { Invitations } from './invitations';
import { roomSettings } from './settings';

type Register = (id: string, fn: (...args: unknown[]) => unknown) => void;

export interface RoomCommandDeps {
  register: Register;
  signedIn: () => Promise<boolean>;
  service: ChatService;
  invitations: Invitations;
  openRoom: (room: string) => Promise<void>;
}

/** The directory: picks a public room and joins it (or opens it, when joined already). */
export async function browseAndJoin(service: ChatService, openRoom: (room: string) => Promise<void>): Promise<void> {
  const choice = await browseRooms(service);
  if (choice?.kind === 'create') {
    await vscode.commands.executeCommand('parley.createRoom');
    return;
  }
  if (choice?.kind !== 'room') return;
  const { entry } = choice;
  if (!service.model.room(entry.id)?.joined) await service.join(entry.id);
  await openRoom(entry.id);
}

export function registerRoomCommands({ register, signedIn, service, invitations, openRoom }: RoomCommandDeps): vscode.Disposable {
  register('parley.browseRooms', async () => {
    if (!(await signedIn())) return;
    await browseAndJoin(service, openRoom);
  });

  register('parley.roomSettings', async (arg) => {
    if (!(await signedIn())) return;
    const room = roomArg(arg) ?? service.activeRoom;
    await roomSettings(service, room);
  });

  /** The invitation of a tree row, or one picked from the pending ones. */
  const invitationRoom = async (arg: unknown, title: string): Promise<string | undefined> => {
    const room = invitationArg(arg) ?? (typeof arg === 'string' ? arg : undefined);
    if (room !== undefined) return room;
    const pending = invitations.all();
    if (pending.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('You have no pending invitations.'));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      pending.map((i) => ({ label: `#${i.name}`, description: vscode.l10n.t('from {0}', i.by), room: i.room })),
      { title, placeHolder: vscode.l10n.t('Which invitation') },
    );
    return picked?.room;
  };

  register('parley.acceptInvitation', async (arg) => {
    if (!(await signedIn())) return;
    const room = await invitationRoom(arg, vscode.l10n.t('Parley: Accept Invitation'));
    if (room !== undefined) await invitations.accept(room);
  });

  register('parley.declineInvitation', async (arg) => {
    if (!(await signedIn())) return;
    const room = await invitationRoom(arg, vscode.l10n.t('Parley: Decline Invitation'));
    if (room !== undefined) await invitations.decline(room);
  });

  register('parley.blockUser', async (arg) => {
    if (!(await signedIn())) return;
    await blockUser(service, userArg(arg));
  });

  register('parley.unblockUser', async (arg) => {
    if (!(await signedIn())) return;
    await unblockUser(service, userArg(arg));
  });

  return service.onDidGetRemoved(({ name, reason }) => {
    void vscode.window.showWarningMessage(
      reason === 'banned' ? vscode.l10n.t('You were banned from #{0}.', name) : vscode.l10n.t('You were removed from #{0}.', name),
    );
  });
}
