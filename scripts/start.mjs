// `npm start`: installs when needed, builds, packages the extension (.vsix), then runs
// parley-server on the embedded defaults (SQLite and media under ./parley-data).
// Arguments after `--` go to parley-server, e.g. `npm start -- --port 7000`.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInstalled } from './ensure-install.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(script) {
  const result = spawnSync('node', [join(root, 'scripts', script)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${script} failed`);
}

try {
  ensureInstalled(root);
  run('build.mjs');
  run('package.mjs');
} catch (err) {
  console.error(`npm start: ${err.message}`);
  process.exit(1);
}

const server = spawn(process.execPath, [join(root, 'dist/server/cli.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
// The server handles SIGINT/SIGTERM itself (flush, close, exit 0); pass them on and mirror its exit.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
