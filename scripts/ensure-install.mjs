// Installs dependencies when node_modules is missing or older than package-lock.json,
// so `npm start` and `npm test` work straight after a clone.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function ensureInstalled(root) {
  const marker = join(root, 'node_modules/.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  const env = { ...process.env };
  // better-sqlite3 builds from source; node-gyp must use the local Node headers, not download them.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  process.stdout.write('» npm ci (first run)\n');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`npm ci exited with ${result.status}`);
}
