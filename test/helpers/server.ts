import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

const ROOT = path.resolve(__dirname, '../..');
/** The built CLI; PARLEY_SERVER_CLI points the tests at another build. */
export const SERVER_CLI = process.env.PARLEY_SERVER_CLI ?? path.join(ROOT, 'dist/server/cli.js');

let built = false;

// Servers still running when the test process exits (a failed test skipped its cleanup) die with it.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

/**
 * Builds dist/ once per test process (`npm run build`), unless the runner already did
 * (`npm test` sets PARLEY_BUILT=1). Call from a suite's `before` hook.
 */
export function ensureBuilt(): void {
  if (built || process.env.PARLEY_BUILT === '1') {
    built = true;
    return;
  }
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
  built = true;
}

/**
 * Flags added to every test server: PARLEY_TEST_SERVER_ARGS="--neo4j bolt://127.0.0.1:7687" runs a
 * suite once more with the server on another backend.
 */
function extraServerArgs(): string[] {
  const extra = process.env.PARLEY_TEST_SERVER_ARGS?.trim();
  return extra ? extra.split(/\s+/) : [];
}

export function tempDir(prefix = 'parley-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface StartOptions {
  /** Data directory; a fresh temp dir by default. */
  dataDir?: string;
  /** Port to bind; a free one (port 0) by default. */
  port?: number;
  /** Extra CLI flags, e.g. ['--rate-limit', '0']. */
  args?: string[];
  env?: Record<string, string>;
  /** Milliseconds to wait for the "listening" log line. */
  timeoutMs?: number;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A parley-server child process started from the built CLI. */
export class TestServer {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private readonly logWaiters = new Set<(line: LogLine) => void>();
  exitCode: number | null | undefined;
  exitSignal: NodeJS.Signals | null | undefined;
  private readonly exited: Promise<void>;
  private readonly drained: Promise<void>;

  private constructor(
    readonly proc: ChildProcess,
    readonly dataDir: string,
    readonly options: StartOptions,
  ) {
    const closed = (stream: NodeJS.ReadableStream | null) => new Promise<void>((resolve) => (stream ? stream.once('close', () => resolve()) : resolve()));
    this.drained = Promise.all([closed(proc.stdout), closed(proc.stderr)]).then(() => undefined);
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      }),
    );
  }

  host = '127.0.0.1';
  port = 0;

  static async start(options: StartOptions = {}): Promise<TestServer> {
    ensureBuilt();
    const dataDir = options.dataDir ?? tempDir();
    const args = [...(process.env.PARLEY_SERVER_NODE_ARGS ? process.env.PARLEY_SERVER_NODE_ARGS.split(" ") : []), SERVER_CLI, '--port', String(options.port ?? 0), '--data', dataDir, ...(options.args ?? []), ...extraServerArgs()];
    const proc = spawn(process.execPath, args, {
      cwd: dataDir,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const server = new TestServer(proc, dataDir, options);
    await server.waitForListening(options.timeoutMs ?? 60_000);
    return server;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Sends a signal and waits for the exit; returns the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    if (this.running) {
      this.proc.kill(signal);
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitCode ?? null;
  }

  /** SIGKILL: no flush, no goodbye, like a power cut for the process. */
  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }

  /** Starts a new process on the same data dir and port. */
  restart(extra: StartOptions = {}): Promise<TestServer> {
    return TestServer.start({ ...this.options, ...extra, dataDir: this.dataDir, port: this.port });
  }

  /** Resolves with the first log line, from now on, that `pred` accepts. */
  waitForLog(pred: (line: LogLine) => boolean, timeoutMs = 10_000, what = 'log line'): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.logWaiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (line: LogLine) => {
        if (!pred(line)) return;
        clearTimeout(timer);
        this.logWaiters.delete(waiter);
        resolve(line);
      };
      this.logWaiters.add(waiter);
    });
  }

  waitForExit(): Promise<void> {
    return this.exited;
  }

  /** Resolves once stdout and stderr have closed: every log line and stderr chunk is in by then. */
  outputDrained(): Promise<void> {
    return this.drained;
  }

  /** Removes the data directory (after stop). */
  cleanup(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  private waitForListening(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.proc.kill('SIGKILL');
        reject(new Error(`parley-server did not start within ${timeoutMs} ms:\n${this.stderr.join('')}`));
      }, timeoutMs);
      const lines = readline.createInterface({ input: this.proc.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        let entry: LogLine;
        try {
          entry = JSON.parse(line) as LogLine;
        } catch {
          return;
        }
        this.logs.push(entry);
        for (const waiter of this.logWaiters) waiter(entry);
        if (typeof entry.port === 'number' && entry.msg.startsWith('parley-server listening')) {
          this.host = String(entry.address);
          this.port = entry.port;
          clearTimeout(timer);
          resolve();
        }
      });
      this.proc.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
      this.proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`parley-server exited (${code ?? signal}) before listening:\n${this.stderr.join('')}`));
      });
    });
  }
}

export function startServer(options?: StartOptions): Promise<TestServer> {
  return TestServer.start(options);
}
