// `npm run bench -- <workload> [--json]`: builds the server, then runs bench/run.ts with tsx.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);
const args = process.argv.slice(2);
const script = args[0] && args[0].endsWith('.ts') ? args.shift() : 'bench/run.ts';
const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, script), ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PARLEY_BUILT: '1' },
});
process.exit(result.status ?? 1);
