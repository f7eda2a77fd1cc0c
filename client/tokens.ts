import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SavedSession {
  user: string;
  token: string;
}

/** Where the terminal client keeps its tokens: $PARLEY_CONFIG_DIR, else $XDG_CONFIG_HOME/parley. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PARLEY_CONFIG_DIR) return env.PARLEY_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'parley');
}

/**
 * Session tokens per server (`host:port`), in one JSON file only the owner can read:
 * a token is as good as the password until it is revoked.
 */
export class TokenStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'sessions.json');
  }

  get(server: string): SavedSession | undefined {
    return this.readAll()[server];
  }

  set(server: string, session: SavedSession): void {
    const all = this.readAll();
    all[server] = session;
    this.writeAll(all);
  }

  delete(server: string): boolean {
    const all = this.readAll();
    if (!(server in all)) return false;
    delete all[server];
    this.writeAll(all);
    return true;
  }

  private readAll(): Record<string, SavedSession> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, SavedSession>) : {};
    } catch {
      // A damaged file only costs a new login.
      return {};
    }
  }

  private writeAll(all: Record<string, SavedSession>): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    // Write then rename, so a crash never leaves half a file; the mode is set at creation.
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, this.file);
  }
}
