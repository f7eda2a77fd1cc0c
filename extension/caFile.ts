// Where parley.server.tlsCaFile points. No vscode import, so the rule is unit-tested as is.
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * `~` or `~/…` under the home folder, or an absolute path; anything else is undefined. Never
 * relative to the workspace: a repository you open must not pick the CA you trust.
 */
export function resolveCaFile(file: string, home: string = os.homedir()): string | undefined {
  if (file === '~') return home;
  if (file.startsWith('~/') || file.startsWith('~\\')) return path.join(home, file.slice(2));
  return path.isAbsolute(file) ? path.normalize(file) : undefined;
}
