// Sign-in and registration prompts. The password only passes through to the server: it is
// never stored; the session token the server returns goes to SecretStorage.
import * as vscode from 'vscode';
import { MIN_PASSWORD_LENGTH, ParleyError, USERNAME_PATTERN } from '../protocol';

export interface Credentials {
  user: string;
  password: string;
}

const LAST_USER = 'parley.lastUser';

function validateUser(value: string): string | undefined {
  return USERNAME_PATTERN.test(value.trim())
    ? undefined
    : vscode.l10n.t('6 to 32 characters: letters, digits, "_", "." or "-".');
}

export async function askCredentials(memento: vscode.Memento, mode: 'signIn' | 'register'): Promise<Credentials | undefined> {
  const steps = mode === 'register' ? 3 : 2;
  const title = mode === 'register' ? vscode.l10n.t('Parley: Register') : vscode.l10n.t('Parley: Sign In');
  const user = await vscode.window.showInputBox({
    title: `${title} (1/${steps})`,
    prompt: vscode.l10n.t('User name'),
    placeHolder: vscode.l10n.t('User name'),
    value: mode === 'signIn' ? memento.get<string>(LAST_USER) : undefined,
    ignoreFocusOut: true,
    validateInput: validateUser,
  });
  if (user === undefined) return undefined;
  const password = await vscode.window.showInputBox({
    title: `${title} (2/${steps})`,
    prompt: vscode.l10n.t('Password for {0}', user.trim()),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) =>
      mode === 'register' && v.length < MIN_PASSWORD_LENGTH
        ? vscode.l10n.t('At least {0} characters.', MIN_PASSWORD_LENGTH)
        : v.length === 0
          ? vscode.l10n.t('Enter your password.')
          : undefined,
  });
  if (password === undefined) return undefined;
  if (mode === 'register') {
    const again = await vscode.window.showInputBox({
      title: `${title} (3/3)`,
      prompt: vscode.l10n.t('Repeat the password'),
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

/** A user-facing sentence for any failure of a request to the server. */
export function describeError(err: unknown): string {
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
  if (e?.code === 'CONNECT_FAILED' || e?.code === 'ECONNREFUSED') {
    return vscode.l10n.t('Cannot reach the Parley server. Check the parley.server settings.');
  }
  return e?.message ?? String(err);
}
