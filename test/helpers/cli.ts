// The terminal client as a test drives it: each user its own config dir, every command a
// real `parley` process against a real server.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, type TestServer } from './server';

export const CLI = path.resolve(__dirname, '../../dist/client/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A user of the terminal client: its own config dir and working dir, so tokens never mix. */
export class CliUser {
  readonly configDir = tempDir('parley-cli-');
  readonly cwd = tempDir('parley-cli-cwd-');

  constructor(
    readonly name: string,
    private readonly server: () => TestServer,
  ) {}

  env(): NodeJS.ProcessEnv {
    const s = this.server();
    return { ...process.env, PARLEY_CONFIG_DIR: this.configDir, PARLEY_HOST: s.host, PARLEY_PORT: String(s.port) };
  }

  spawn(args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
    return spawn(process.execPath, [CLI, ...args], { env: this.env(), cwd: this.cwd, stdio: [stdin, 'pipe', 'pipe'] });
  }

  run(args: string[], input?: string): Promise<CliResult> {
    const child = this.spawn(args, 'pipe');
    child.stdin?.end(input ?? '');
    return finished(child);
  }

  /** Runs a command that must succeed; returns its stdout. */
  async ok(args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`parley ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  tail(args: string[] = []): Tail {
    return new Tail(this.spawn(['tail', ...args]));
  }

  cleanup(): void {
    fs.rmSync(this.configDir, { recursive: true, force: true });
    fs.rmSync(this.cwd, { recursive: true, force: true });
  }
}

export function finished(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running `parley tail`, collecting its output. */
export class Tail {
  stdout = '';
  stderr = '';
  private readonly closed: Promise<number | null>;

  constructor(readonly proc: ChildProcess) {
    proc.stdout?.on('data', (c: Buffer) => (this.stdout += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.closed = new Promise((resolve) => proc.on('close', (code) => resolve(code)));
  }

  lines(): string[] {
    return this.stdout.split('\n').filter(Boolean);
  }

  async waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`tail: timed out waiting for ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      if (this.proc.exitCode !== null) throw new Error(`tail exited (${this.proc.exitCode}) waiting for ${what}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill('SIGINT');
    return this.closed;
  }
}
