// Before anyone types a password: which server, and does it answer? Sign In and Register check
// the server first; when it does not answer, they offer another address, Retry or the settings.
import * as vscode from 'vscode';
import { describeError, isUnreachable } from './auth';
import type { ChatService, ServerConfig } from './chatService';
import { formatAddress, parseAddress, type ServerAddress } from './serverAddress';

/** Asks for a server address (`host:port`, `tls://host:port`) and saves it in the user settings. */
export async function changeServer(service: ChatService): Promise<ServerAddress | undefined> {
  const current = service.signedIn ? service.configuredServer() : service.refreshServer();
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('Parley: Change Server'),
    prompt: vscode.l10n.t('The Parley server as host:port. Start with tls:// to connect over TLS.'),
    placeHolder: 'chat.example.com:6666',
    value: formatAddress(current),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const parsed = parseAddress(v);
      if (!('problem' in parsed)) return undefined;
      switch (parsed.problem) {
        case 'empty':
          return vscode.l10n.t('Enter host:port, for example 127.0.0.1:6666.');
        case 'scheme':
          return vscode.l10n.t('Only tls:// (TLS) or tcp:// (plain TCP) may come before the host.');
        case 'host':
          return vscode.l10n.t('Not a host name or address.');
        case 'port':
          return vscode.l10n.t('The port is a number from 1 to 65535.');
      }
    },
  });
  if (typed === undefined) return undefined;
  const parsed = parseAddress(typed);
  if ('problem' in parsed) return undefined;
  await saveServer(service, parsed);
  return parsed;
}

/** Writes host, port and TLS to the user settings, and uses them at once. */
async function saveServer(service: ChatService, address: ServerAddress): Promise<void> {
  const config = vscode.workspace.getConfiguration('parley.server');
  const target = vscode.ConfigurationTarget.Global;
  // All three, even what seems unchanged: settings.json may hold a hand edit VS Code has not loaded.
  await config.update('host', address.host, target);
  await config.update('port', address.port, target);
  await config.update('tls', address.tls, target);
  // Signed out it applies at once; connected, the settings change asks whether to reconnect.
  if (!service.signedIn) service.useServer({ ...service.serverConfig, ...address } satisfies ServerConfig);
}

/**
 * True once the configured server answers. Otherwise says which address did not answer and
 * offers Change Server…, Retry and Open Settings until it answers or the user gives up.
 */
export async function ensureServerAnswers(service: ChatService): Promise<boolean> {
  for (;;) {
    const server = formatAddress(service.refreshServer());
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Checking the Parley server at {0}…', server) },
        () => service.checkServer(),
      );
      return true;
    } catch (err) {
      const message = vscode.l10n.t('Parley: {0}', describeError(err, server));
      const settings = vscode.l10n.t('Open Settings');
      if (!isUnreachable(err)) {
        // A certificate or a configuration problem: the settings are where it is fixed.
        const pick = await vscode.window.showErrorMessage(message, settings);
        if (pick === settings) await openServerSettings();
        return false;
      }
      const change = vscode.l10n.t('Change Server…');
      const retry = vscode.l10n.t('Retry');
      const pick = await vscode.window.showErrorMessage(message, change, retry, settings);
      if (pick === change) {
        if (!(await changeServer(service))) return false;
      } else if (pick === settings) {
        await openServerSettings();
        return false;
      } else if (pick !== retry) {
        return false;
      }
    }
  }
}

export async function openServerSettings(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', 'parley.server');
}
