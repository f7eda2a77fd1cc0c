/**
 * Same-run baselines for the benchmark: Debian's ngIRCd started in the foreground from a
 * generated config on a free loopback port, and a bare Node `net` server that only holds its
 * sockets (the floor for W4's RSS per idle connection).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const NGIRCD = '/usr/sbin/ngircd';
const HOST = '127.0.0.1';
/** The operator every bench client becomes, to set user mode F (no flood throttling). */
export const IRC_OPER = { name: 'bench', password: 'bench-password' };

export interface PeerProcess {
  name: string;
  pid: number;
  host: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on host:port (polling), or rejects after `ms`. */
async function waitForPort(port: number, proc: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: HOST, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on ${HOST}:${port} within ${ms} ms`);
}

function stopper(proc: ChildProcess, dir?: string): () => Promise<void> {
  return async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  };
}

/** True when ngIRCd is installed, or could be (root, with `install`: Debian's package through apt). */
export async function ensureNgircd(install: boolean): Promise<boolean> {
  if (fs.existsSync(NGIRCD)) return true;
  if (!install) return false;
  // @ts-expect-error: a plain .mjs module without types
  const apt = (await import('../scripts/services/apt.mjs')) as { ensureDebPackages(names: string[], o: { policyRcD: boolean }): Promise<string[]> };
  // policy-rc.d keeps the package's own service from starting on port 6667.
  await apt.ensureDebPackages(['ngircd'], { policyRcD: true });
  return fs.existsSync(NGIRCD);
}

/**
 * Starts ngIRCd in the foreground on a free loopback port. Nothing is persisted; no DNS, ident
 * or PAM look-ups; no connection limits; an operator block so clients can take mode F.
 */
export async function startNgircd(): Promise<PeerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-ngircd-'));
  const port = await freePort();
  const conf = path.join(dir, 'ngircd.conf');
  fs.writeFileSync(
    conf,
    [
      '[Global]',
      'Name = bench.parley.test',
      'Info = Parley benchmark peer',
      `Listen = ${HOST}`,
      `Ports = ${port}`,
      'MotdPhrase = bench',
      `PidFile = ${path.join(dir, 'ngircd.pid')}`,
      '[Limits]',
      'MaxConnections = 0',
      'MaxConnectionsIP = 0',
      'MaxJoins = 0',
      'MaxNickLength = 30',
      'PingTimeout = 600',
      'PongTimeout = 600',
      // No penalty delays at all (registration included): the peer runs as fast as it can.
      'MaxPenaltyTime = 0',
      '[Options]',
      'DNS = no',
      'Ident = no',
      'PAM = no',
      '[Operator]',
      `Name = ${IRC_OPER.name}`,
      `Password = ${IRC_OPER.password}`,
      '',
    ].join('\n'),
  );
  const proc = spawn(NGIRCD, ['--nodaemon', '--passive', '--config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    await waitForPort(port, proc, 10_000);
  } catch (err) {
    await stopper(proc, dir)();
    throw new Error(`ngircd: ${(err as Error).message}\n${stderr}`);
  }
  return { name: 'ngircd', pid: proc.pid as number, host: HOST, port, stop: stopper(proc, dir) };
}

// A server that accepts sockets and reads (and drops) what arrives: what Node itself costs per connection.
const BARE_NET_SOURCE = `
const net = require('node:net');
const noop = () => {};
const server = net.createServer({ noDelay: true }, (s) => { s.on('data', noop); s.on('error', noop); });
server.listen(0, '${HOST}', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

/** A bare Node `net` server in a process of its own (same node binary and V8 flags as Parley's). */
export async function startBareNet(): Promise<PeerProcess> {
  // The same V8 flags as the Parley server under test (PARLEY_SERVER_NODE_ARGS), for a like-for-like floor.
  const flags = process.env.PARLEY_SERVER_NODE_ARGS?.trim();
  const proc = spawn(process.execPath, [...(flags ? flags.split(/\s+/) : []), '-e', BARE_NET_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`bare net server exited with ${code}`)));
    proc.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  return { name: 'bare-net', pid: proc.pid as number, host: HOST, port, stop: stopper(proc) };
}
