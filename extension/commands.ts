// Every command of the extension, registered in one place.
import * as vscode from 'vscode';
import { GENERAL_ROOM, ROOM_NAME_PATTERN, dmRoomId } from '../protocol';
import { askCredentials, describeError } from './auth';
import { formatAddress } from './serverAddress';
import { changeServer, ensureServerAnswers } from './signInFlow';
import type { ChatService } from './chatService';
import type { ChatView } from './chatView';
import { registerSendFileCommands } from './sendFileCommands';
import { registerSessionCommands } from './sessionCommands';
import { browseAndJoin, registerRoomCommands } from './rooms/commands';
import type { Invitations } from './rooms/invitations';
import type { FileSender } from './fileSender';
import { roomArg, userArg } from './peopleTree';
import { snippetFromEditor } from './snippet';
import { oversizedSnippet, snippetFileName } from './snippetSize';
import * as wv from '../webview/messages';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  service: ChatService;
  chatView: ChatView;
  sender: FileSender;
  invitations: Invitations;
}

export function registerCommands({ context, service, chatView, sender, invitations }: CommandDeps): void {
  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await fn(...args);
        } catch (err) {
          void vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', describeError(err)));
        }
      }),
    );

  /** True when signed in; otherwise offers to sign in. */
  const signedIn = async (): Promise<boolean> => {
    if (service.user) return true;
    const signIn = vscode.l10n.t('Sign In');
    const pick = await vscode.window.showInformationMessage(vscode.l10n.t('Sign in to Parley first.'), signIn);
    if (pick === signIn) await vscode.commands.executeCommand('parley.signIn');
    return false;
  };

  const openRoom = async (room: string) => {
    service.openRoom(room);
    await chatView.reveal();
  };

  /** Sign In and Register: the server first, then the credentials, then the request. */
  const signInOrRegister = async (mode: 'signIn' | 'register'): Promise<void> => {
    if (!(await ensureServerAnswers(service))) return;
    const server = formatAddress(service.serverConfig);
    const creds = await askCredentials(context.globalState, mode, server);
    if (!creds) return;
    try {
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Window,
          title: mode === 'register' ? vscode.l10n.t('Registering with {0}…', server) : vscode.l10n.t('Signing in to {0}…', server),
        },
        () => (mode === 'register' ? service.register(creds.user, creds.password) : service.login(creds.user, creds.password)),
      );
    } catch (err) {
      const again = vscode.l10n.t('Try Again');
      const pick = await vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', describeError(err, server)), again);
      if (pick === again) await vscode.commands.executeCommand(mode === 'register' ? 'parley.register' : 'parley.signIn');
      return;
    }
    if (mode === 'register') void vscode.window.showInformationMessage(vscode.l10n.t('Welcome to Parley, {0}!', creds.user));
    await chatView.reveal(true);
  };

  register('parley.signIn', () => signInOrRegister('signIn'));
  register('parley.register', () => signInOrRegister('register'));

  register('parley.changeServer', async () => {
    await changeServer(service);
  });

  register('parley.signOut', async () => {
    await service.logout();
  });

  register('parley.connect', async () => {
    if (!(await service.reconnect())) await vscode.commands.executeCommand('parley.signIn');
  });

  register('parley.openChat', async () => {
    await chatView.reveal();
  });

  register('parley.openChatInEditor', () => {
    chatView.openInEditor();
  });

  register('parley.openRoom', async (arg) => {
    const room = roomArg(arg);
    if (room) await openRoom(room);
  });

  register('parley.joinRoom', async (arg) => {
    if (!(await signedIn())) return;
    const room = roomArg(arg);
    // Without a room: the directory of public rooms.
    if (!room) return browseAndJoin(service, openRoom);
    await service.join(room);
    await openRoom(room);
  });

  register('parley.leaveRoom', async (arg) => {
    if (!(await signedIn())) return;
    let room = roomArg(arg);
    if (!room) {
      const leavable = service.model.allRooms().filter((r) => r.joined && r.info.kind === 'group' && r.info.id !== GENERAL_ROOM);
      if (leavable.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('You are only in #general, which everyone stays in.'));
        return;
      }
      const picked = await vscode.window.showQuickPick(
        leavable.map((r) => ({ label: `#${r.info.name}`, room: r.info.id })),
        { title: vscode.l10n.t('Parley: Leave Room'), placeHolder: vscode.l10n.t('Room to leave') },
      );
      room = picked?.room;
    }
    if (!room) return;
    await service.leave(room);
  });

  register('parley.createRoom', async () => {
    if (!(await signedIn())) return;
    const name = await vscode.window.showInputBox({
      title: vscode.l10n.t('Parley: Create Room'),
      prompt: vscode.l10n.t('Room name'),
      placeHolder: 'team-backend',
      validateInput: (v) =>
        ROOM_NAME_PATTERN.test(v) && v !== GENERAL_ROOM
          ? undefined
          : vscode.l10n.t('Lower-case letters, digits, "_", "." or "-" (at most 64), and not "general".'),
    });
    if (!name) return;
    const visibility = await vscode.window.showQuickPick(
      [
        { label: vscode.l10n.t('$(globe) Public'), description: vscode.l10n.t('listed in the directory; anyone can join'), visibility: 'public' as const },
        { label: vscode.l10n.t('$(lock) Private'), description: vscode.l10n.t('only people invited can join'), visibility: 'private' as const },
      ],
      { title: vscode.l10n.t('Parley: Create Room'), placeHolder: vscode.l10n.t('Who can find and join #{0}?', name) },
    );
    if (!visibility) return;
    const room = await service.create(name, visibility.visibility);
    await openRoom(room?.id ?? name);
  });

  register('parley.openDm', async (arg) => {
    if (!(await signedIn())) return;
    const me = service.user as string;
    let user = userArg(arg);
    if (!user) {
      const icon = (status: string) => (status === 'online' ? '$(circle-filled)' : status === 'away' ? '$(clock)' : '$(circle-outline)');
      const picked = await vscode.window.showQuickPick(
        service.model.allPeople().map((p) => ({ label: `${icon(p.status)} ${p.user}`, description: p.context, user: p.user })),
        { title: vscode.l10n.t('Parley: Open Direct Message'), placeHolder: vscode.l10n.t('Who do you want to talk to?') },
      );
      user = picked?.user;
    }
    if (!user || user === me) return;
    await openRoom(dmRoomId(me, user));
  });

  // The chat's own search, the one its header's magnifier opens: one search, in one place.
  register('parley.searchHistory', async (arg) => {
    if (!(await signedIn())) return;
    await chatView.reveal();
    chatView.post(wv.OpenSearch.create(typeof arg === 'string' && arg.trim() ? { query: arg.trim() } : {}));
  });

  register('parley.sendSelection', async () => {
    if (!(await signedIn())) return;
    const editor = vscode.window.activeTextEditor;
    const snippet = editor ? await snippetFromEditor(editor) : undefined;
    if (!snippet) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Select some code to send first.'));
      return;
    }
    const oversized = oversizedSnippet(snippet.code, service.maxText);
    if (oversized) {
      // Said before anything is sent: the server would refuse it as a snippet.
      const asFile = vscode.l10n.t('Send as File');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('The selection is {0} KiB; the server takes snippets up to {1} KiB.', Math.ceil(oversized.bytes / 1024), Math.floor(oversized.max / 1024)),
        asFile,
      );
      if (pick !== asFile) return;
      const room = await pickRoom(service, vscode.l10n.t('Parley: Send Selection'));
      if (!room) return;
      const name = snippetFileName(editor?.document.isUntitled ? undefined : editor?.document.fileName, snippet.startLine ?? 1, snippet.endLine ?? 1);
      // Each failure was already shown with its own message.
      await sender.send(room, [{ kind: 'bytes', name, data: Buffer.from(snippet.code) }]).catch(() => undefined);
      return;
    }
    const room = await pickRoom(service, vscode.l10n.t('Parley: Send Selection'));
    if (!room) return;
    await service.sendSnippet(room, snippet);
    vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) Sent to {0}', service.model.displayName(room)), 3000);
  });

  registerSendFileCommands(register, signedIn, (title) => pickRoom(service, title), sender);
  registerSessionCommands(register, signedIn, service);
  context.subscriptions.push(registerRoomCommands({ register, signedIn, service, invitations, openRoom }));
}

/** The chat's current room first, then the other rooms and the people to DM. */
export async function pickRoom(service: ChatService, title: string): Promise<string | undefined> {
  const me = service.user as string;
  const rooms = service.model.allRooms().filter((r) => r.joined);
  const items: { label: string; description?: string; room: string }[] = [];
  const add = (room: string, description?: string) => {
    if (!items.some((i) => i.room === room)) items.push({ label: service.model.displayName(room), description, room });
  };
  add(service.activeRoom, vscode.l10n.t('current room'));
  for (const r of rooms) add(r.info.id);
  for (const p of service.model.allPeople()) add(dmRoomId(me, p.user), p.status);
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('Where to send it') });
  return picked?.room;
}
