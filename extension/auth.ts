// Sign-in and registration prompts. The password only passes through to the server: it is
// never stored; the session token the server returns goes to SecretStorage.
import * as vscode from 'vscode';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ParleyError, USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH } from '../protocol';
import { passwordProblem, userProblem } from './credentialRules';

export interface Credentials {
  user: string;
  password: string;
}

const LAST_USER = 'parley.lastUser';

/** The rule for user names, said before anyone types one. */
export function userNameRule(): string {
  return vscode.l10n.t('{0} to {1} characters: letters, digits, "_", "." or "-".', USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH);
}

function validateUser(value: string): string | undefined {
  switch (userProblem(value)) {
    case undefined:
      return undefined;
    case 'short':
      return vscode.l10n.t('Too short: at least {0} characters ({1} typed).', USERNAME_MIN_LENGTH, value.trim().length);
    case 'long':
      return vscode.l10n.t('Too long: at most {0} characters ({1} typed).', USERNAME_MAX_LENGTH, value.trim().length);
    case 'characters':
      return vscode.l10n.t('Only letters, digits, "_", "." and "-"; no spaces.');
  }
}

function validatePassword(value: string, registering: boolean): string | undefined {
  switch (passwordProblem(value, registering)) {
    case undefined:
      return undefined;
    case 'empty':
      return registering ? vscode.l10n.t('At least {0} characters.', MIN_PASSWORD_LENGTH) : vscode.l10n.t('Enter your password.');
    case 'short':
      return vscode.l10n.t('At least {0} characters ({1} typed).', MIN_PASSWORD_LENGTH, [...value].length);
    case 'long':
      return vscode.l10n.t('At most {0} characters.', MAX_PASSWORD_LENGTH);
  }
}

/** Asks for user name and password (twice to register); the titles name the server. */
export async function askCredentials(memento: vscode.Memento, mode: 'signIn' | 'register', server: string): Promise<Credentials | undefined> {
  const registering = mode === 'register';
  const steps = registering ? 3 : 2;
  const title = registering ? vscode.l10n.t('Parley: Register at {0}', server) : vscode.l10n.t('Parley: Sign In to {0}', server);
  const user = await vscode.window.showInputBox({
    title: `${title} (1/${steps})`,
    prompt: registering ? vscode.l10n.t('Choose a user name. {0}', userNameRule()) : vscode.l10n.t('User name ({0})', userNameRule()),
    placeHolder: vscode.l10n.t('User name'),
    value: mode === 'signIn' ? memento.get<string>(LAST_USER) : undefined,
    ignoreFocusOut: true,
    validateInput: validateUser,
  });
  if (user === undefined) return undefined;
  const password = await vscode.window.showInputBox({
    title: `${title} (2/${steps})`,
    prompt: registering
      ? vscode.l10n.t('Choose a password for {0}: at least {1} characters.', user.trim(), MIN_PASSWORD_LENGTH)
      : vscode.l10n.t('Password for {0}', user.trim()),
    placeHolder: vscode.l10n.t('Password'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => validatePassword(v, registering),
  });
  if (password === undefined) return undefined;
  if (registering) {
    const again = await vscode.window.showInputBox({
      title: `${title} (3/3)`,
      prompt: vscode.l10n.t('Repeat the password'),
      placeHolder: vscode.l10n.t('Password'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v === password ? undefined : vscode.l10n.t('The passwords differ.')),
    });
    if (again === undefined) return undefined;
  }
  await memento.update(LAST_USER, user.trim());
  return { user: user.trim(), password };
}

// Node's codes for a certificate chain that does not end at a trusted CA.
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED',
]);

/** The TLS certificate error behind a failed connection, if that is what it was. */
export function certificateProblem(err: unknown): { kind: 'untrusted' | 'name' | 'other'; reason: string } | undefined {
  for (let e = err as { code?: unknown; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    const reason = e.message ?? code;
    if (UNTRUSTED.has(code)) return { kind: 'untrusted', reason };
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { kind: 'name', reason };
    if (/^CERT_|_CERT$|_CERT_/.test(code)) return { kind: 'other', reason };
  }
  return undefined;
}

/** Whether `err` says the server did not answer at all (refused, unreachable, silent). */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof ParleyError || certificateProblem(err)) return false;
  const code = (err as { code?: string })?.code;
  return code === 'CONNECT_FAILED' || code === 'ECONNREFUSED' || code === 'TIMEOUT' || code === 'CLOSED' || code === 'PROTOCOL';
}

/** A user-facing sentence for any failure of a request to the server (`server`: the address tried). */
export function describeError(err: unknown, server?: string): string {
  if (err instanceof ParleyError) return err.message;
  const cert = certificateProblem(err);
  if (cert?.kind === 'untrusted') {
    return vscode.l10n.t(
      'The server\'s TLS certificate is not trusted ({0}). If it is self-signed or signed by a private CA, set parley.server.tlsCaFile to that CA\'s certificate (a PEM file).',
      cert.reason,
    );
  }
  if (cert?.kind === 'name') return vscode.l10n.t('The server\'s TLS certificate is not valid for the host in parley.server.host ({0}).', cert.reason);
  if (cert) return vscode.l10n.t('The server\'s TLS certificate was refused ({0}).', cert.reason);
  const e = err as { code?: string; message?: string };
  if (e?.code === 'CONNECT_FAILED' || e?.code === 'ECONNREFUSED' || e?.code === 'TIMEOUT') {
    return server
      ? vscode.l10n.t('Cannot reach the Parley server at {0}.', server)
      : vscode.l10n.t('Cannot reach the Parley server. Check the parley.server settings.');
  }
  if (e?.code === 'PROTOCOL' && server) return vscode.l10n.t('{0} answered, but not as a Parley server ({1}).', server, e.message ?? '');
  return e?.message ?? String(err);
}
