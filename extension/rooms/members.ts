// One member's actions in Room Settings (roles, hand-over, remove, ban) and the pick of whom to
// invite. Owners and admins see them; the server decides whether each may be done.
import * as vscode from 'vscode';
import type { BanEntry, Invitation, MemberEntry, RoomInfo, RoomRole } from '../../protocol';
import type { ChatService } from '../chatService';

/** A room's members, and for those who run it its invitations and bans. */
export interface Roster {
  members: MemberEntry[];
  invited?: Invitation[];
  banned?: BanEntry[];
}

export function roleText(role: RoomRole): string {
  return role === 'owner' ? vscode.l10n.t('owner') : role === 'admin' ? vscode.l10n.t('admin') : vscode.l10n.t('member');
}

/** Known users who are neither members nor invited yet. */
export async function pickInvitee(service: ChatService, roster: Roster): Promise<string | undefined> {
  const taken = new Set([...roster.members.map((m) => m.user), ...(roster.invited ?? []).map((i) => i.user)]);
  const people = service.model.allPeople().filter((p) => !taken.has(p.user));
  if (people.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Everyone Parley knows of is in the room or invited already.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    people.map((p) => ({ label: p.user, description: p.status === 'offline' ? vscode.l10n.t('offline') : p.status === 'away' ? vscode.l10n.t('away') : vscode.l10n.t('online') })),
    { title: vscode.l10n.t('Parley: Invite'), placeHolder: vscode.l10n.t('Who to invite') },
  );
  return picked?.label;
}

/** What an owner or admin can do to one member; the server decides whether they may. */
export async function memberActions(service: ChatService, info: RoomInfo, member: MemberEntry, mine: RoomRole | undefined): Promise<boolean> {
  const client = service.roomsClient();
  const room = info.id;
  const user = member.user;
  type Action = vscode.QuickPickItem & { run: () => Promise<void> };
  const confirm = async (question: string, button: string): Promise<boolean> =>
    (await vscode.window.showWarningMessage(question, { modal: true }, button)) === button;
  const actions: Action[] = [];
  if (member.role === 'member') actions.push({ label: vscode.l10n.t('$(shield) Make Admin'), run: () => client.setRole(room, user, 'admin') });
  if (member.role === 'admin') actions.push({ label: vscode.l10n.t('$(person) Make Member'), run: () => client.setRole(room, user, 'member') });
  if (mine === 'owner' && member.role !== 'owner') {
    actions.push({
      label: vscode.l10n.t('$(star-full) Hand Over Ownership…'),
      description: vscode.l10n.t('you become an admin'),
      run: async () => {
        const handOver = vscode.l10n.t('Hand Over');
        if (await confirm(vscode.l10n.t('Make {0} the owner of #{1}? You become an admin and cannot take it back yourself.', user, info.name), handOver)) {
          await client.setRole(room, user, 'owner');
        }
      },
    });
  }
  actions.push({
    label: vscode.l10n.t('$(close) Remove from Room'),
    run: async () => {
      const remove = vscode.l10n.t('Remove');
      if (await confirm(vscode.l10n.t('Remove {0} from #{1}?', user, info.name), remove)) await client.kick(room, user);
    },
  });
  actions.push({
    label: vscode.l10n.t('$(circle-slash) Ban from Room'),
    description: vscode.l10n.t('removes them and keeps them out'),
    run: async () => {
      const ban = vscode.l10n.t('Ban');
      if (await confirm(vscode.l10n.t('Ban {0} from #{1}? They cannot join again until unbanned.', user, info.name), ban)) await client.ban(room, user);
    },
  });
  const picked = await vscode.window.showQuickPick(actions, {
    title: vscode.l10n.t('Parley: {0} in #{1} ({2})', user, info.name, roleText(member.role)),
    placeHolder: vscode.l10n.t('What to do'),
  });
  if (picked) await picked.run();
  return true;
}
