import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir } from './server';

/** A port free right now on 127.0.0.1 (for services whose port must be known before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface Backend {
  name: string;
  /** The node's chat port. */
  port: number;
  /** Its --metrics-port, where HAProxy asks /healthz. */
  metricsPort: number;
}

/**
 * The TCP-mode configuration of docs/operations.md, with health checks every 200 ms: a node is
 * out after one failed /healthz and back after one good one. `balance first` sends every new
 * client to the first node that is up, so a test knows where clients land.
 */
export function haproxyConfig(frontPort: number, backends: Backend[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 5m',
    '  timeout server 5m',
    // Longer than the server's own 2 s per check; without it a check may take only `inter`.
    '  timeout check 3s',
    '  retries 3',
    '  option redispatch 1',
    'frontend parley',
    `  bind 127.0.0.1:${frontPort}`,
    '  default_backend parley_nodes',
    'backend parley_nodes',
    '  balance first',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    '  default-server inter 200ms fall 1 rise 1',
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check port ${b.metricsPort}`),
    '',
  ].join('\n');
}

/** HAProxy from Debian (/usr/sbin/haproxy), in the foreground, on a generated configuration. */
export class HaproxyProcess {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    private readonly dir: string,
    readonly output: string[],
  ) {}

  static async start(backends: Backend[]): Promise<HaproxyProcess> {
    const port = await freePort();
    const dir = tempDir('parley-haproxy-');
    const file = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(file, haproxyConfig(port, backends));
    const check = spawn('haproxy', ['-c', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const checked = await new Promise<{ code: number | null; text: string }>((resolve) => {
      let text = '';
      check.stdout?.on('data', (c: Buffer) => (text += c.toString()));
      check.stderr?.on('data', (c: Buffer) => (text += c.toString()));
      check.on('close', (code) => resolve({ code, text }));
    });
    if (checked.code !== 0) throw new Error(`haproxy refused the configuration:\n${checked.text}`);
    const output: string[] = [];
    const proc = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    proc.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    process.once('exit', () => proc.kill('SIGKILL'));
    const haproxy = new HaproxyProcess(proc, port, dir, output);
    await haproxy.waitForListening();
    return haproxy;
  }

  private async waitForListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`haproxy exited (${this.proc.exitCode}):\n${this.output.join('')}`);
      const ok = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: this.port }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`haproxy did not listen on ${this.port}:\n${this.output.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      this.proc.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
