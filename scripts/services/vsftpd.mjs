// A real FTP server (Debian's vsftpd) on loopback for tests. Needs root:
// vsftpd authenticates local users through PAM and chroots them.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  chmodSync, chownSync, existsSync, lchownSync, linkSync, lstatSync, mkdirSync, readdirSync,
  readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebPackages } from './apt.mjs';
import { shQuote, spawnWatchdog } from './watchdog.mjs';

const VSFTPD = '/usr/sbin/vsftpd';
export const FTP_USER = 'parleyftp';
const PAM_SERVICE = 'parley-vsftpd';
const STATE_DIR = '/var/lib/parley-test';
const PASSWORD_FILE = path.join(STATE_DIR, 'vsftpd-password');
// vsftpd enters the home dir before local_root, so it must exist; an empty one
// keeps a misconfigured login from seeing anything.
const FTP_HOME = path.join(STATE_DIR, 'ftp-home');
const HOST = '127.0.0.1';
// Passive ports come from below Linux's ephemeral range (32768+), so outgoing
// connections of other processes can't be sitting on them.
const PASV_LOW = 20000;
const PASV_HIGH = 32000;
const PASV_COUNT = 64;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sh(cmd, args, input) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.error) throw r.error;
  return r;
}

function requireRoot() {
  if (process.getuid?.() !== 0) {
    throw new Error('vsftpd needs root (PAM login of a local user, chroot); run the tests as root');
  }
}

// passwd/shadow edits by concurrent callers fail on the shadow lock; retry those.
async function shRetry(cmd, args, input, ok = [0]) {
  for (let i = 0; ; i++) {
    const r = sh(cmd, args, input);
    if (ok.includes(r.status) || i >= 20) return r;
    await sleep(100 + Math.random() * 200);
  }
}

// One shared user for all instances; each instance chroots it to its own
// root via local_root. The password is kept so that concurrent instances
// (other processes) keep agreeing on it.
async function ensureFtpUser() {
  mkdirSync(STATE_DIR, { recursive: true });
  chmodSync(STATE_DIR, 0o711);
  if (!existsSync(PASSWORD_FILE)) {
    // write-then-link: readers never see a half-written file
    const tmp = `${PASSWORD_FILE}.${process.pid}.tmp`;
    writeFileSync(tmp, randomBytes(12).toString('hex'), { mode: 0o600 });
    try {
      linkSync(tmp, PASSWORD_FILE);
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  const password = readFileSync(PASSWORD_FILE, 'utf8').trim();

  mkdirSync(FTP_HOME, { recursive: true });
  chownSync(FTP_HOME, 0, 0);
  chmodSync(FTP_HOME, 0o555);
  const entry = sh('getent', ['passwd', FTP_USER]).stdout.trim().split(':');
  if (entry.length < 7) {
    // exit 9: created meanwhile by a concurrent caller
    const r = await shRetry('useradd', ['-M', '-d', FTP_HOME, '-s', '/bin/sh', FTP_USER], undefined, [0, 9]);
    if (r.status !== 0 && r.status !== 9) throw new Error(`useradd ${FTP_USER} failed: ${r.stderr}`);
  } else if (entry[5] !== FTP_HOME || entry[6] !== '/bin/sh') {
    // /bin/sh: a shell listed in /etc/shells, in case a PAM stack checks it
    const r = await shRetry('usermod', ['-d', FTP_HOME, '-s', '/bin/sh', FTP_USER]);
    if (r.status !== 0) throw new Error(`usermod ${FTP_USER} failed: ${r.stderr}`);
  }
  // SHA-512 crypt: Debian's default yescrypt makes every FTP login cost tens of milliseconds.
  const c = await shRetry('chpasswd', ['-c', 'SHA512'], `${FTP_USER}:${password}\n`);
  if (c.status !== 0) throw new Error(`chpasswd failed: ${c.stderr}`);
  const uid = Number(sh('id', ['-u', FTP_USER]).stdout.trim());
  const gid = Number(sh('id', ['-g', FTP_USER]).stdout.trim());
  return { password, uid, gid };
}

// Only the common stacks: the stock vsftpd service also checks /etc/ftpusers and /etc/shells.
function ensurePamService() {
  const file = `/etc/pam.d/${PAM_SERVICE}`;
  const text = '@include common-auth\n@include common-account\n@include common-session\n';
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text, { mode: 0o644 });
}

function chownTree(p, uid, gid) {
  const st = lstatSync(p);
  if (st.uid !== uid || st.gid !== gid) lchownSync(p, uid, gid);
  if (st.isDirectory()) for (const e of readdirSync(p)) chownTree(path.join(p, e), uid, gid);
}

// vsftpd enters local_root as the FTP user, so every ancestor needs search (x) permission.
function makeTraversable(dir) {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const st = statSync(d);
    if ((st.mode & 0o001) === 0) chmodSync(d, (st.mode & 0o7777) | 0o001);
    if (d === path.dirname(d)) break;
  }
}

function canBind(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

async function freePort() {
  const srv = createServer();
  await new Promise((r, j) => {
    srv.once('error', j);
    srv.listen(0, HOST, r);
  });
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

const claimedRanges = new Set();
const live = new Set();
// Servers run in their own process groups; don't leave them behind when the caller exits.
process.once('exit', () => {
  for (const kill of live) kill();
});

// A block of passive ports that is free now and not used by another instance of this process.
async function pickPasvRange() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const block = randomInt(Math.floor((PASV_HIGH - PASV_LOW) / PASV_COUNT));
    if (claimedRanges.has(block)) continue;
    const min = PASV_LOW + block * PASV_COUNT;
    let ok = true;
    for (let p = min; p < min + PASV_COUNT && ok; p++) ok = await canBind(p);
    if (ok) {
      claimedRanges.add(block);
      return { min, max: min + PASV_COUNT - 1, release: () => claimedRanges.delete(block) };
    }
  }
  throw new Error('no free passive port range found');
}

function configText({ port, root, pasv, dir, tls }) {
  return `${[
    'listen=YES',
    'listen_ipv6=NO',
    `listen_address=${HOST}`,
    `listen_port=${port}`,
    'background=NO',
    'anonymous_enable=NO',
    'local_enable=YES',
    'write_enable=YES',
    'local_umask=022',
    'file_open_mode=0666',
    'chroot_local_user=YES',
    'allow_writeable_chroot=YES',
    `local_root=${root}`,
    // the stock /var/run/vsftpd/empty is only created by the init script
    `secure_chroot_dir=${path.join(dir, 'empty')}`,
    'pasv_enable=YES',
    `pasv_address=${HOST}`,
    `pasv_min_port=${pasv.min}`,
    `pasv_max_port=${pasv.max}`,
    'port_enable=YES',
    'connect_from_port_20=NO',
    'seccomp_sandbox=NO',
    `pam_service_name=${PAM_SERVICE}`,
    'userlist_enable=NO',
    'tcp_wrappers=NO',
    'max_clients=200',
    'max_per_ip=200',
    'delay_failed_login=0',
    'async_abor_enable=YES',
    // partial uploads stay, so clients can resume them
    'delete_failed_uploads=NO',
    'use_localtime=NO',
    'xferlog_enable=YES',
    'xferlog_std_format=NO',
    'dual_log_enable=YES',
    `xferlog_file=${path.join(dir, 'xferlog')}`,
    `vsftpd_log_file=${path.join(dir, 'vsftpd.log')}`,
    ...(tls ? tlsConfig(tls) : []),
  ].join('\n')}\n`;
}

// Explicit FTPS (AUTH TLS) required for logins and data, as a production server would have it.
function tlsConfig({ certFile, keyFile }) {
  return [
    'ssl_enable=YES',
    `rsa_cert_file=${certFile}`,
    `rsa_private_key_file=${keyFile}`,
    'force_local_logins_ssl=YES',
    'force_local_data_ssl=YES',
    'ssl_tlsv1=NO',
    'ssl_sslv2=NO',
    'ssl_sslv3=NO',
    'ssl_ciphers=HIGH',
    // basic-ftp opens each data connection as a fresh TLS session
    'require_ssl_reuse=NO',
  ];
}

// Session processes are forked children; find every process running this config.
function pidsRunning(conf) {
  const want = `${VSFTPD}\0${conf}`;
  const pids = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'latin1');
      if (cmd === want || cmd === `${want}\0`) pids.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function readBanner(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = createConnection({ host: HOST, port });
    let buf = '';
    const done = (v) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(null));
    sock.on('error', () => done(null));
    sock.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) done(buf.trim());
    });
  });
}

/**
 * Starts vsftpd for one FTP root. `dir` holds config and logs; the FTP root is
 * `${dir}/root` unless `root` is given. `stop()` kills the server and all its
 * sessions (like a crash); `start()` brings it back on the same port and root.
 */
/**
 * `tls: { certFile, keyFile }` (PEM files readable by root) requires explicit FTPS for logins
 * and data.
 */
export async function startVsftpd({ dir, port = 0, root, tls } = {}) {
  if (!dir) throw new Error('startVsftpd: dir is required');
  requireRoot();
  await ensureDebPackages(['vsftpd'], { policyRcD: true });
  dir = path.resolve(dir);
  root = path.resolve(root ?? path.join(dir, 'root'));
  mkdirSync(dir, { recursive: true });
  mkdirSync(root, { recursive: true });
  const empty = path.join(dir, 'empty');
  mkdirSync(empty, { recursive: true });
  chownSync(empty, 0, 0);
  chmodSync(empty, 0o555);

  const { password, uid, gid } = await ensureFtpUser();
  ensurePamService();
  makeTraversable(root);

  if (!port) port = await freePort();
  const pasv = await pickPasvRange();
  const conf = path.join(dir, 'vsftpd.conf');
  // vsftpd insists on a config owned by the user running it
  writeFileSync(conf, configText({ port, root, pasv, dir, tls }), { mode: 0o600 });
  chownSync(conf, 0, 0);

  let child = null;
  let stderr = '';

  async function start({ timeoutMs = 10000 } = {}) {
    if (child) return;
    // files put there by the test (as root) must be writable over FTP too
    chownTree(root, uid, gid);
    stderr = '';
    const c = spawn(VSFTPD, [conf], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // startup failures ("500 OOPS: ...") arrive on stdout
    const keep = (d) => {
      stderr = (stderr + d).slice(-4000);
    };
    c.stdout.on('data', keep);
    c.stderr.on('data', keep);
    c.exited = new Promise((r) => c.once('exit', r));
    c.once('exit', () => {
      if (child === c) child = null;
    });
    child = c;
    const killNow = () => {
      for (const pid of [-c.pid, ...pidsRunning(conf)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    };
    live.add(killNow);
    const escaped = `${VSFTPD} ${conf}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const stopWatchdog = spawnWatchdog(
      `kill -KILL -${c.pid} 2>/dev/null; pkill -KILL -x -f ${shQuote(escaped)} 2>/dev/null`,
    );
    c.once('exit', () => live.delete(killNow));
    c.stopWatchdog = stopWatchdog;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (c.exitCode !== null || c.signalCode !== null) {
        stopWatchdog();
        // vsftpd exits 2 without a word when it cannot bind
        const why = stderr.trim() || (c.exitCode === 2 ? 'port probably in use' : 'no output');
        throw new Error(`vsftpd exited (${c.exitCode ?? c.signalCode}) on port ${port}: ${why}`);
      }
      const banner = await readBanner(port);
      if (banner?.startsWith('220')) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`vsftpd did not answer on port ${port} (last: ${banner}) ${stderr.trim()}`);
      }
      await sleep(50);
    }
  }

  async function stop() {
    const c = child;
    if (c) {
      c.stopWatchdog();
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch (e) {
        if (e.code !== 'ESRCH') throw e;
      }
      if (c.exitCode === null && c.signalCode === null) await c.exited;
    }
    // sessions that left the group still run this config
    for (let i = 0; i < 100; i++) {
      const left = pidsRunning(conf);
      if (left.length === 0) break;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await sleep(20);
    }
  }

  try {
    await start();
  } catch (e) {
    pasv.release();
    throw e;
  }
  const server = {
    url: `${tls ? 'ftpes' : 'ftp'}://${FTP_USER}:${encodeURIComponent(password)}@${HOST}:${port}/`,
    host: HOST,
    port,
    user: FTP_USER,
    password,
    root,
    dir,
    pasvPorts: [pasv.min, pasv.max],
    get running() {
      return child !== null;
    },
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    // stop for good: also frees the passive range for other instances
    async close() {
      await stop();
      pasv.release();
    },
  };
  return server;
}

async function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dir = arg('--dir');
  if (!dir) {
    console.error('usage: node scripts/services/vsftpd.mjs --dir DIR [--port N] [--root DIR]');
    process.exit(2);
  }
  const srv = await startVsftpd({ dir, port: Number(arg('--port') ?? 0), root: arg('--root') });
  console.log(srv.url);
  console.error(`root ${srv.root}, logs in ${srv.dir}; Ctrl-C stops`);
  const quit = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e.message ?? e);
    process.exit(1);
  });
}
