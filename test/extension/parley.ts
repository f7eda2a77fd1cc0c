// A real parley-server on a free port with a temp data dir, and the terminal client `parley`,
// for the extension suites. Both run from dist/ exactly as users run them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const SERVER_CLI = path.join(ROOT, 'dist/server/cli.js');
export const CLIENT_CLI = path.join(ROOT, 'dist/client/cli.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface ServerTls {
  certFile: string;
  keyFile: string;
}

export class ParleyServer {
  private child?: ChildProcess;
  private output = '';
  readonly dataDir: string;

  private constructor(
    readonly port: number,
    /** Serves TLS with this certificate (`--tls-cert`, `--tls-key`). */
    readonly tls?: ServerTls,
    /** More `parley-server` options (`--log-level debug` logs each sign-in). */
    private readonly extraArgs: string[] = [],
  ) {
    this.dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-ext-data-'));
  }

  static async start(opts: { tls?: ServerTls; args?: string[] } = {}): Promise<ParleyServer> {
    const s = new ParleyServer(await freePort(), opts.tls, opts.args);
    await s.launch();
    return s;
  }

  /** What the terminal client needs to reach this server: the port, and the CA with TLS. */
  get clientArgs(): string[] {
    return ['--port', String(this.port), ...(this.tls ? ['--ca', this.tls.certFile] : [])];
  }

  get log(): string {
    return this.output.slice(-4000);
  }

  /**
   * The connections `user` signed in on (chat, not transfers), from the `signed in` lines the
   * server logs at `--log-level debug`.
   */
  signIns(user: string): number[] {
    const conns: number[] = [];
    for (const line of this.output.split('\n')) {
      try {
        const rec = JSON.parse(line) as { msg?: string; user?: string; conn?: number };
        if (rec.msg === 'signed in' && rec.user === user && typeof rec.conn === 'number') conns.push(rec.conn);
      } catch {
        // not a log line
      }
    }
    return conns;
  }

  /** Starts (or restarts) the server on the same port and data dir. */
  async launch(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        SERVER_CLI, '--host', '127.0.0.1', '--port', String(this.port), '--data', this.dataDir, '--rate-limit', '0',
        ...(this.tls ? ['--tls-cert', this.tls.certFile, '--tls-key', this.tls.keyFile] : []),
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-200_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor(`parley-server on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`parley-server exited: ${this.log}`);
      return portOpen(this.port);
    });
  }

  /** Kills the server without a goodbye, as a crash would. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** One terminal-client user with its own config dir (where `parley login` keeps its token). */
export class TerminalUser {
  readonly configDir: string;
  private tails: ChildProcess[] = [];

  constructor(
    private readonly server: ParleyServer,
    readonly user: string,
    readonly password: string,
  ) {
    this.configDir = mkdtempSync(path.join(os.tmpdir(), `parley-cli-${user}-`));
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, PARLEY_CONFIG_DIR: this.configDir };
  }

  run(...args: string[]): string {
    const r = spawnSync(process.execPath, [CLIENT_CLI, ...this.server.clientArgs, ...args], {
      env: this.env(),
      encoding: 'utf8',
      timeout: 20000,
    });
    if (r.status !== 0) throw new Error(`parley ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  register(): void {
    this.run('register', '--user', this.user, '--password', this.password);
  }

  login(): void {
    this.run('login', '--user', this.user, '--password', this.password);
  }

  send(room: string, text: string): string {
    return this.run('send', '--room', room, text);
  }

  /** `parley tail --json` (all rooms without `room`): a live connection, so the user is online. */
  tail(room?: string): Tail {
    const args = [...this.server.clientArgs, 'tail', ...(room ? ['--room', room] : []), '--json'];
    const child = spawn(process.execPath, [CLIENT_CLI, ...args], {
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.tails.push(child);
    return new Tail(child);
  }

  close(): void {
    for (const t of this.tails) if (t.exitCode === null) t.kill('SIGTERM');
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

export interface TailMessage {
  room?: string;
  seq?: number;
  from?: string;
  text?: string;
  cid?: string;
  snippet?: Record<string, unknown>;
  [key: string]: unknown;
}

export class Tail {
  readonly messages: TailMessage[] = [];
  private buf = '';
  stderr = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (!line) continue;
        try {
          this.messages.push(JSON.parse(line) as TailMessage);
        } catch {
          // not a message line
        }
      }
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
  }

  waitFor(what: string, match: (m: TailMessage) => boolean, timeoutMs = 15000): Promise<TailMessage> {
    return waitFor(`tail: ${what} (got ${JSON.stringify(this.messages.slice(-5))}; stderr ${this.stderr})`, () => this.messages.find(match), timeoutMs);
  }

  count(match: (m: TailMessage) => boolean): number {
    return this.messages.filter(match).length;
  }
}
