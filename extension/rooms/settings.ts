// "Room Settings…": a room's name, topic, description, visibility, read-only flag and members
// with their roles, as a quick pick. Its owners and admins change them from there (rename, topic,
// description, read-only, invite and withdraw, remove, ban and unban, roles, hand-over); members
// see the same list read-only and can leave. After each change the list is read again; each
// refusal shows the server's own sentence, and the list comes back.
import * as vscode from 'vscode';
import { GENERAL_ROOM, type RoomInfo, type RoomRole } from '../../protocol';
import { describeError } from '../auth';
import type { ChatService } from '../chatService';
import { memberActions, pickInvitee, roleText, type Roster } from './members';

/** A row: `run` does its change and says whether the list should show again. */
type Row = vscode.QuickPickItem & { run?: () => Promise<boolean> };

const separator = (label: string): Row => ({ label, kind: vscode.QuickPickItemKind.Separator });

/** Shows the settings of `room` until the user closes them. */
export async function roomSettings(service: ChatService, room: string): Promise<void> {
  for (;;) {
    const state = service.model.room(room);
    if (!state?.joined || state.info.kind !== 'group') {
      void vscode.window.showInformationMessage(vscode.l10n.t('Room settings are for group rooms you are in.'));
      return;
    }
    const roster = await service.roomsClient().members(room);
    const rows = settingsRows(service, state.info, roster);
    const picked = await vscode.window.showQuickPick(rows, {
      title: vscode.l10n.t('Parley: Room Settings — #{0}', state.info.name),
      placeHolder: runsRoom(service, state.info, roster)
        ? vscode.l10n.t('Pick a setting or a member to change it')
        : vscode.l10n.t('Only the owners and admins change these settings'),
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked?.run) return;
    try {
      if (!(await picked.run())) return;
    } catch (err) {
      // The list comes back at once; the refusal stays up beside it.
      void vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', describeError(err)));
    }
  }
}

function myRole(service: ChatService, info: RoomInfo, roster: Roster): RoomRole | undefined {
  return roster.members.find((m) => m.user === service.user)?.role ?? info.role;
}

/** Owners and admins: the server sends them the invitations and bans too. */
function runsRoom(service: ChatService, info: RoomInfo, roster: Roster): boolean {
  const role = myRole(service, info, roster);
  return role === 'owner' || role === 'admin' || roster.invited !== undefined;
}

function settingsRows(service: ChatService, info: RoomInfo, roster: Roster): Row[] {
  const client = () => service.roomsClient();
  const staff = runsRoom(service, info, roster);
  const me = service.user as string;
  const room = info.id;
  const edit = (run: () => Promise<boolean>) => (staff ? run : undefined);
  const none = vscode.l10n.t('(none)');
  const rows: Row[] = [separator(vscode.l10n.t('About'))];
  rows.push({
    label: vscode.l10n.t('$(symbol-string) Name'),
    description: info.name,
    run: edit(async () => {
      const name = await vscode.window.showInputBox({
        title: vscode.l10n.t('Rename #{0}', info.name),
        prompt: vscode.l10n.t('New room name'),
        value: info.name,
        validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A room name cannot be blank.')),
      });
      if (name !== undefined && name.trim() !== info.name) await client().setRoom(room, { name: name.trim() });
      return true;
    }),
  });
  rows.push({
    label: vscode.l10n.t('$(comment) Topic'),
    description: info.topic || none,
    run: edit(async () => {
      const topic = await vscode.window.showInputBox({
        title: vscode.l10n.t('Topic of #{0}', info.name),
        prompt: vscode.l10n.t('What the room is about now (empty clears it)'),
        value: info.topic ?? '',
      });
      if (topic !== undefined && topic !== (info.topic ?? '')) await client().setRoom(room, { topic });
      return true;
    }),
  });
  rows.push({
    label: vscode.l10n.t('$(note) Description'),
    description: info.description ? undefined : none,
    detail: info.description || undefined,
    run: edit(async () => {
      const description = await vscode.window.showInputBox({
        title: vscode.l10n.t('Description of #{0}', info.name),
        prompt: vscode.l10n.t('A longer word on the room (empty clears it)'),
        value: info.description ?? '',
      });
      if (description !== undefined && description !== (info.description ?? '')) await client().setRoom(room, { description });
      return true;
    }),
  });
  rows.push(info.visibility === 'private'
    ? { label: vscode.l10n.t('$(lock) Private'), description: vscode.l10n.t('only people invited can join') }
    : { label: vscode.l10n.t('$(globe) Public'), description: vscode.l10n.t('listed in the directory; anyone can join') });
  rows.push({
    label: vscode.l10n.t('$(megaphone) Read-only'),
    description: info.readOnly === true
      ? vscode.l10n.t('on: only owners and admins post')
      : vscode.l10n.t('off: every member posts'),
    run: edit(async () => {
      await client().setRoom(room, { readOnly: info.readOnly !== true });
      return true;
    }),
  });

  rows.push(separator(vscode.l10n.t('Members ({0})', roster.members.length)));
  for (const m of roster.members) {
    rows.push({
      label: `$(${m.role === 'owner' ? 'star-full' : m.role === 'admin' ? 'shield' : 'person'}) ${m.user}`,
      description: m.user === me ? vscode.l10n.t('{0} · you', roleText(m.role)) : roleText(m.role),
      run: staff && m.user !== me ? () => memberActions(service, info, m, myRole(service, info, roster)) : undefined,
    });
  }
  if (staff && (roster.invited?.length ?? 0) > 0) {
    rows.push(separator(vscode.l10n.t('Invited')));
    for (const i of roster.invited ?? []) {
      rows.push({
        label: `$(mail) ${i.user}`,
        description: vscode.l10n.t('invited by {0}', i.by),
        run: async () => {
          const withdraw = vscode.l10n.t('Withdraw Invitation');
          const sure = await vscode.window.showWarningMessage(vscode.l10n.t('Withdraw the invitation of {0} to #{1}?', i.user, info.name), { modal: true }, withdraw);
          if (sure === withdraw) await client().uninvite(room, i.user);
          return true;
        },
      });
    }
  }
  if (staff && (roster.banned?.length ?? 0) > 0) {
    rows.push(separator(vscode.l10n.t('Banned')));
    for (const b of roster.banned ?? []) {
      rows.push({
        label: `$(circle-slash) ${b.user}`,
        description: vscode.l10n.t('banned by {0}', b.by),
        run: async () => {
          const unban = vscode.l10n.t('Unban');
          const sure = await vscode.window.showWarningMessage(vscode.l10n.t('Let {0} join #{1} again?', b.user, info.name), { modal: true }, unban);
          if (sure === unban) await client().unban(room, b.user);
          return true;
        },
      });
    }
  }

  rows.push(separator(vscode.l10n.t('Actions')));
  if (staff) {
    rows.push({
      label: vscode.l10n.t('$(person-add) Invite…'),
      run: async () => {
        const user = await pickInvitee(service, roster);
        if (user === undefined) return true;
        await client().invite(room, user);
        void vscode.window.showInformationMessage(vscode.l10n.t('Invited {0} to #{1}.', user, info.name));
        return true;
      },
    });
  }
  if (room !== GENERAL_ROOM) {
    rows.push({
      label: vscode.l10n.t('$(sign-out) Leave Room'),
      run: async () => {
        const leave = vscode.l10n.t('Leave');
        const sure = await vscode.window.showWarningMessage(vscode.l10n.t('Leave #{0}?', info.name), { modal: true }, leave);
        if (sure !== leave) return true;
        await service.leave(room);
        return false;
      },
    });
  }
  return rows;
}
