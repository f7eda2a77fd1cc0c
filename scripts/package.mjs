// `npm run package`: production build, then the .vsix (parley-<version>.vsix in the repo root).
// The extension bundles everything it uses, so vsce packages without node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${pkg.name}-${pkg.version}.vsix`);
const MAX_BYTES = 1.5 * 1024 * 1024;

function run(args) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

try {
  run([join(root, 'scripts/build.mjs'), '--production']);
  for (const f of ['dist/extension/extension.js', 'dist/webview/main.js']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing after the build`);
  }
  const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
  if (!existsSync(join(root, 'LICENSE'))) throw new Error('LICENSE is missing (the .vsix ships it)');
  run([vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out]);
  const size = statSync(out).size;
  console.log(`${out}: ${(size / 1024).toFixed(0)} KiB`);
  if (size > MAX_BYTES) throw new Error(`the .vsix is ${size} bytes, over the ${MAX_BYTES}-byte budget`);
} catch (err) {
  console.error(`package: ${err.message}`);
  process.exit(1);
}
