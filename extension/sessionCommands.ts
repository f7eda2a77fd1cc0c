// "Manage Sessions" (where you are signed in: end one, or all others) and "Change Password".
import * as vscode from 'vscode';
import { MIN_PASSWORD_LENGTH, type SessionListing } from '../protocol';
import type { ChatService } from './chatService';

type Register = (id: string, fn: (...args: unknown[]) => unknown) => void;

interface SessionItem extends vscode.QuickPickItem {
  session?: SessionListing;
  all?: boolean;
}

function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

function itemOf(s: SessionListing): SessionItem {
  const client = s.client ?? vscode.l10n.t('unknown client');
  return {
    label: s.current === true ? vscode.l10n.t('$(check) {0} (this window)', client) : client,
    description: s.address ?? '',
    detail: vscode.l10n.t('Last seen {0} · expires {1}', when(s.lastSeen), when(s.expiresAt)),
    session: s,
  };
}

export function registerSessionCommands(register: Register, signedIn: () => Promise<boolean>, service: ChatService): void {
  register('parley.manageSessions', async () => {
    if (!(await signedIn())) return;
    const sessions = await service.sessions();
    const others = sessions.filter((s) => s.current !== true);
    const items: SessionItem[] = [];
    if (others.length > 0) {
      items.push({ label: vscode.l10n.t('$(sign-out) Sign out all other sessions ({0})', others.length), all: true });
      items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    }
    items.push(...sessions.map(itemOf));
    const pick = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Parley: Manage Sessions'),
      placeHolder: vscode.l10n.t('Pick a session to end it'),
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (pick === undefined) return;
    if (pick.all === true) {
      const end = vscode.l10n.t('Sign Out Others');
      const sure = await vscode.window.showWarningMessage(vscode.l10n.t('End all {0} other Parley sessions?', others.length), { modal: true }, end);
      if (sure !== end) return;
      const count = await service.revokeOtherSessions();
      void vscode.window.showInformationMessage(vscode.l10n.t('Ended {0} other Parley sessions.', count));
      return;
    }
    const session = pick.session;
    if (session === undefined) return;
    if (session.current === true) {
      // Ending this window's own session is signing out.
      await vscode.commands.executeCommand('parley.signOut');
      return;
    }
    const end = vscode.l10n.t('End Session');
    const sure = await vscode.window.showWarningMessage(
      vscode.l10n.t('End the session of {0} last seen {1}?', session.client ?? vscode.l10n.t('unknown client'), when(session.lastSeen)),
      { modal: true },
      end,
    );
    if (sure !== end) return;
    await service.revokeSession(session.id);
    void vscode.window.showInformationMessage(vscode.l10n.t('The session was ended.'));
  });

  register('parley.changePassword', async () => {
    if (!(await signedIn())) return;
    const title = vscode.l10n.t('Parley: Change Password');
    const old = await vscode.window.showInputBox({
      title: `${title} (1/3)`,
      prompt: vscode.l10n.t('Current password'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Enter your password.') : undefined),
    });
    if (old === undefined) return;
    const next = await vscode.window.showInputBox({
      title: `${title} (2/3)`,
      prompt: vscode.l10n.t('New password'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.length < MIN_PASSWORD_LENGTH ? vscode.l10n.t('At least {0} characters.', MIN_PASSWORD_LENGTH) : undefined),
    });
    if (next === undefined) return;
    const again = await vscode.window.showInputBox({
      title: `${title} (3/3)`,
      prompt: vscode.l10n.t('Repeat the password'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v === next ? undefined : vscode.l10n.t('The passwords differ.')),
    });
    if (again === undefined) return;
    const count = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Changing the Parley password…') },
      () => service.changePassword(old, next),
    );
    void vscode.window.showInformationMessage(vscode.l10n.t('Password changed; {0} other sessions were ended.', count));
  });
}
