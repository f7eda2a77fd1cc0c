// Installs Debian packages on demand for test services (root only).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, renameSync, rmSync, existsSync } from 'node:fs';

const POLICY = '/usr/sbin/policy-rc.d';
let updated = false;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  return r;
}

// Async so long installs don't block the caller's event loop.
function runAsync(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d) => {
      out = (out + d).slice(-20000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (status) => resolve({ status, out }));
  });
}

export function isDebInstalled(name) {
  const r = run('dpkg-query', ['-W', '-f=${Status}', name]);
  return r.status === 0 && /install ok installed/.test(r.stdout);
}

export function missingDebPackages(names) {
  return names.filter((n) => !isDebInstalled(n));
}

/**
 * Installs the missing packages. With policyRcD, a temporary policy-rc.d
 * stops the packages' daemons from being started by their maintainer scripts.
 */
export async function ensureDebPackages(names, { policyRcD = false } = {}) {
  const missing = missingDebPackages(names);
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}; installing them needs root ` +
        `(run as root, or: sudo apt-get install -y ${missing.join(' ')})`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Wait for a concurrent apt/dpkg instead of failing on its lock.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
  // An existing policy-rc.d (Docker images ship one) is kept unless it might allow starts.
  const current = existsSync(POLICY) ? readFileSync(POLICY, 'utf8') : null;
  const ownPolicy = policyRcD && !(current && /^\s*exit 101\s*$/m.test(current));
  const backup = `${POLICY}.parley-saved`;
  if (ownPolicy) {
    if (current !== null) renameSync(POLICY, backup);
    writeFileSync(POLICY, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  }
  try {
    if (!updated) {
      const u = await runAsync('apt-get', [...lockWait, 'update'], env);
      if (u.status !== 0) throw new Error(`apt-get update failed:\n${u.out}`);
      updated = true;
    }
    const r = await runAsync(
      'apt-get',
      [...lockWait, 'install', '-y', '--no-install-recommends', ...missing],
      env,
    );
    if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed:\n${r.out}`);
  } finally {
    if (ownPolicy) {
      rmSync(POLICY, { force: true });
      if (current !== null) renameSync(backup, POLICY);
    }
  }
  const still = missingDebPackages(missing);
  if (still.length) throw new Error(`still not installed after apt-get: ${still.join(' ')}`);
  return missing;
}
