// Debian's HAProxy in front of parley-server nodes for tests: TCP mode, health checks, on a free
// loopback port, in the foreground (-db) from a generated config. Installing it needs root once.
// The one place that finds, installs, configures and runs HAProxy: test/helpers/haproxy.ts wraps
// it with types, `npm test` set-up calls ensureHaproxy.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDebPackages } from './apt.mjs';
import { spawnWatchdog } from './watchdog.mjs';

const HAPROXY = '/usr/sbin/haproxy';
const HOST = '127.0.0.1';

export async function ensureHaproxy() {
  await ensureDebPackages(['haproxy'], { policyRcD: true });
  return HAPROXY;
}

/** A free loopback port (the usual bind-to-0 race with other processes is accepted). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * The config: one TCP frontend, one backend of `servers` ({name, port, metricsPort?}) checked
 * every `checkMs` (down after one failure, up after one success). A server with a `metricsPort`
 * is checked with `GET /healthz` there (docs/operations.md: a draining or unhealthy node answers
 * 503 and gets no new clients), one without by a TCP connect to its chat port. `balance` is
 * HAProxy's: `leastconn` spreads clients, `first` sends every new one to the first node up, so a
 * test knows where clients land.
 */
export function haproxyConfig({ port, servers, checkMs = 250, balance = 'leastconn' }) {
  const http = servers.some((s) => s.metricsPort !== undefined);
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 10m',
    '  timeout server 10m',
    // Longer than the server's own 2 s per /healthz; without it a check may take only `inter`.
    `  timeout check ${http ? '3s' : '1s'}`,
    'frontend parley',
    `  bind ${HOST}:${port}`,
    '  default_backend nodes',
    'backend nodes',
    `  balance ${balance}`,
    // A client whose node died is not sent back to it: the connection fails over on reconnect.
    '  option redispatch',
    '  retries 3',
    ...(http ? ['  option httpchk GET /healthz', '  http-check expect status 200'] : []),
    `  default-server inter ${checkMs}ms fall 1 rise 1`,
    ...servers.map((s) => `  server ${s.name} ${HOST}:${s.port} check${s.metricsPort !== undefined ? ` port ${s.metricsPort}` : ''}`),
    '',
  ].join('\n');
}

/** Runs `haproxy -c` on a config file; throws with HAProxy's words when it refuses it. */
export function checkConfig(file) {
  const r = spawnSync(HAPROXY, ['-c', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`haproxy refused the configuration:\n${r.stdout}${r.stderr}`);
}

/**
 * Starts HAProxy in front of `servers` (see haproxyConfig for them, `checkMs` and `balance`);
 * resolves once it accepts connections, with its port, its output so far and `stop()`.
 */
export async function startHaproxy({ servers, checkMs, balance } = {}) {
  await ensureHaproxy();
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-haproxy-'));
  const port = await freePort();
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig({ port, servers, checkMs, balance }));
  try {
    checkConfig(file);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const proc = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => {
    output = (output + d).slice(-8000);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  // If the test process dies without stopping it, HAProxy goes too.
  const disarm = spawnWatchdog(`kill -9 ${proc.pid} 2>/dev/null`);
  const deadline = Date.now() + 15_000;
  while (true) {
    if (proc.exitCode !== null) throw new Error(`haproxy exited ${proc.exitCode}: ${output}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`haproxy did not listen on ${port}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: HOST,
    port,
    config: file,
    output: () => output,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      disarm();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = createConnection({ host: HOST, port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
