// code-server (VS Code server + web workbench) for testing the extension offline.
// Installed from npm into a cache folder outside the repo so the product's
// `npm ci` stays small; see VSCODE-TESTING.md in the design notes.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync,
  renameSync, openSync, closeSync, realpathSync, chmodSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebPackages } from './apt.mjs';
import { shQuote, spawnWatchdog } from './watchdog.mjs';

export const CODE_SERVER_VERSION = '4.100.3';
// What @vscode/ripgrep (as pinned by this code-server) looks for before downloading.
const RG_PKG_VERSION = '1.15.11';
const RG_VERSION = 'v13.0.0-10';
const DEB_DEPS = ['build-essential', 'python3', 'pkg-config', 'libkrb5-dev', 'ripgrep'];

export function codeServerCacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'parley-test', `code-server-${CODE_SERVER_VERSION}`);
}

const MARKER = '.parley-install-complete';
const binIn = (dir) => path.join(dir, 'node_modules', '.bin', 'code-server');

function rgTarget() {
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
  if (!arch) throw new Error(`no ripgrep target for arch ${process.arch}`);
  return `${arch}-unknown-linux-musl`;
}

// Seed @vscode/ripgrep's download cache with Debian's rg (there is no route to GitHub).
function seedRipgrepCache() {
  const rg = '/usr/bin/rg';
  if (!existsSync(rg)) throw new Error('ripgrep (/usr/bin/rg) is missing');
  const cacheDir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${RG_PKG_VERSION}`);
  const tarball = path.join(cacheDir, `ripgrep-${RG_VERSION}-${rgTarget()}.tar.gz`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(cacheDir, { recursive: true });
  const stage = mkdtempSync(path.join(os.tmpdir(), 'parley-rg-'));
  try {
    copyFileSync(rg, path.join(stage, 'rg'));
    const tmp = `${tarball}.${process.pid}.tmp`;
    const r = spawnSync('tar', ['-czf', tmp, '-C', stage, 'rg'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('tar of rg failed');
    renameSync(tmp, tarball);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return tarball;
}

// node-gyp must build against the headers on this machine, not download them.
function localNodeDir() {
  const candidates = [path.resolve(path.dirname(realpathSync(process.execPath)), '..'), '/usr'];
  return candidates.find((d) => existsSync(path.join(d, 'include', 'node', 'node.h')));
}

function runLogged(cmd, args, opts, logFile) {
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

function tail(file, n = 4000) {
  try {
    const s = readFileSync(file, 'utf8');
    return s.slice(-n);
  } catch {
    return '';
  }
}

/**
 * Installs code-server once (cached across runs) and returns the absolute
 * path of its bin. Installs into a staging folder and renames it into place,
 * so a crashed install never looks complete.
 */
export async function ensureCodeServer({ log = (m) => console.error(m) } = {}) {
  const dir = codeServerCacheDir();
  if (existsSync(path.join(dir, MARKER)) && existsSync(binIn(dir))) return binIn(dir);

  await ensureDebPackages(DEB_DEPS);
  seedRipgrepCache();

  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const stage = mkdtempSync(path.join(parent, `.code-server-${CODE_SERVER_VERSION}-`));
  const logFile = path.join(stage, 'install.log');
  writeFileSync(
    path.join(stage, 'package.json'),
    JSON.stringify({ name: 'parley-code-server', private: true }, null, 2),
  );
  const env = {
    ...process.env,
    TMPDIR: os.tmpdir(),
    npm_config_unsafe_perm: 'true',
    // node-pty's postinstall runs `npx node-gyp`
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const nodedir = localNodeDir();
  if (nodedir) env.npm_config_nodedir = nodedir;

  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (a few minutes; log: ${logFile})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = await runLogged(
    npm,
    ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`],
    { cwd: stage, env },
    logFile,
  );
  if (r.code !== 0 || !existsSync(binIn(stage))) {
    throw new Error(
      `code-server install failed (exit ${r.code ?? r.signal}); staging dir kept at ${stage}\n` +
        tail(logFile),
    );
  }
  // Sanity check: the bin starts and reports the expected version.
  const v = spawnSync(binIn(stage), ['--version'], { encoding: 'utf8', env: isolatedEnv(stage) });
  if (v.status !== 0 || !v.stdout.includes(CODE_SERVER_VERSION)) {
    throw new Error(`installed code-server does not run: ${v.stdout}${v.stderr}`);
  }
  writeFileSync(path.join(stage, MARKER), `${new Date().toISOString()}\n`);

  // Another process may have finished first; keep whichever complete copy is in place.
  if (existsSync(path.join(dir, MARKER))) {
    rmSync(stage, { recursive: true, force: true });
  } else {
    rmSync(dir, { recursive: true, force: true });
    chmodSync(stage, 0o755);
    renameSync(stage, dir);
  }
  return binIn(dir);
}

// code-server writes config/state under XDG dirs (default: ~); keep it in a temp dir.
function isolatedEnv(xdgRoot) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(xdgRoot, 'xdg-config'),
    XDG_DATA_HOME: path.join(xdgRoot, 'xdg-data'),
  };
}

export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'remote.autoForwardPorts': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
};

// Our defaults under whatever the caller already put in settings.json.
function writeUserSettings(userDataDir) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  mkdirSync(path.dirname(file), { recursive: true });
  let existing = {};
  try {
    existing = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    existing = {};
  }
  writeFileSync(file, JSON.stringify({ ...DEFAULT_SETTINGS, ...existing }, null, 2));
}

async function waitHealthy(url, child, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited early (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server not healthy after ${timeoutMs} ms:\n${tail(logFile)}`);
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (e) {
    if (e.code === 'ESRCH') return false;
    throw e;
  }
}

const live = new Set();
// Servers run in their own process groups; don't leave them behind when the caller exits.
process.once('exit', () => {
  for (const pid of live) killGroup(pid, 'SIGKILL');
});

function groupAlive(pid) {
  return killGroup(pid, 0);
}

/**
 * Starts code-server in its own process group. userDataDir/extensionsDir
 * default to folders in a fresh temp dir; stop() kills the whole group
 * (a plain kill leaves its file watcher behind) and removes the temp dir.
 */
export async function startCodeServer({
  workspace,
  userDataDir,
  extensionsDir,
  port = 0,
  timeoutMs = 30000,
  extraArgs = [],
} = {}) {
  const bin = await ensureCodeServer();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-code-server-'));
  userDataDir = path.resolve(userDataDir ?? path.join(tmp, 'user-data'));
  extensionsDir = path.resolve(extensionsDir ?? path.join(tmp, 'extensions'));
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir);
  if (!port) port = await freePort();

  const logFile = path.join(tmp, 'code-server.log');
  const args = [
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...extraArgs,
  ];
  if (workspace) args.push(path.resolve(workspace));

  const fd = openSync(logFile, 'a');
  // detached = setsid: its own process group, killed as a whole in stop()
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env: isolatedEnv(tmp) });
  closeSync(fd);
  live.add(child.pid);
  const stopWatchdog = spawnWatchdog(`kill -KILL -${child.pid} 2>/dev/null; rm -rf ${shQuote(tmp)}`);
  const exited = new Promise((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${port}/`;

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    stopWatchdog();
    killGroup(child.pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (groupAlive(child.pid) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    killGroup(child.pid, 'SIGKILL');
    live.delete(child.pid);
    if (child.exitCode === null && child.signalCode === null) await exited;
    rmSync(tmp, { recursive: true, force: true });
  }

  try {
    await waitHealthy(url, child, logFile, timeoutMs);
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  return { url, port, pid: child.pid, userDataDir, extensionsDir, logFile, stop };
}

/** Installs a packaged extension (.vsix) into extensionsDir. */
export async function installExtension({ vsix, userDataDir, extensionsDir }) {
  if (!vsix || !existsSync(vsix)) throw new Error(`vsix not found: ${vsix}`);
  if (!userDataDir || !extensionsDir) throw new Error('userDataDir and extensionsDir are required');
  const bin = await ensureCodeServer();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-code-server-'));
  try {
    const r = spawnSync(
      bin,
      [
        '--user-data-dir', path.resolve(userDataDir),
        '--extensions-dir', path.resolve(extensionsDir),
        '--install-extension', path.resolve(vsix),
        '--force',
      ],
      { encoding: 'utf8', env: isolatedEnv(tmp), timeout: 120000 },
    );
    if (r.status !== 0) {
      throw new Error(`installing ${vsix} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    }
    return r.stdout;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const t0 = Date.now();
  const bin = await ensureCodeServer();
  console.error(`code-server ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (argv.includes('--install-only')) {
    console.log(bin);
    return;
  }
  const srv = await startCodeServer({
    workspace: arg('--workspace'),
    userDataDir: arg('--user-data-dir'),
    extensionsDir: arg('--extensions-dir'),
    port: Number(arg('--port') ?? 0),
  });
  console.log(srv.url);
  const quit = () => srv.stop().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e.message ?? e);
    process.exit(1);
  });
}
