// Bundles every part of Parley with esbuild. Usage: node scripts/build.mjs [--watch] [--production]
import { build, context } from 'esbuild';
import { existsSync, readFileSync, mkdirSync, copyFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const nodeBase = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  define: { PARLEY_VERSION: JSON.stringify(pkg.version) },
};

// Server and terminal client keep their npm dependencies external (installed with the package);
// the extension and webview bundle everything they use, since the .vsix ships no node_modules.
const targets = [
  { entry: 'server/cli.ts', out: 'dist/server/cli.js', ...nodeBase, external: Object.keys(pkg.dependencies), banner: { js: '#!/usr/bin/env node' } },
  { entry: 'client/cli.ts', out: 'dist/client/cli.js', ...nodeBase, external: Object.keys(pkg.dependencies), banner: { js: '#!/usr/bin/env node' } },
  { entry: 'extension/extension.ts', out: 'dist/extension/extension.js', ...nodeBase, external: ['vscode'] },
  { entry: 'webview/main.ts', out: 'dist/webview/main.js', bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: production ? false : 'linked', minify: production, logLevel: 'warning', loader: { '.css': 'css' } },
];

async function run() {
  const contexts = [];
  for (const { entry, out, ...options } of targets) {
    if (!existsSync(join(root, entry))) continue;
    const config = { ...options, entryPoints: [join(root, entry)], outfile: join(root, out) };
    if (watch) contexts.push(await context(config));
    else await build(config);
    if (config.banner) chmodSync(join(root, out), 0o755);
  }
  const css = join(root, 'webview/styles.css');
  if (existsSync(css)) {
    mkdirSync(join(root, 'dist/webview'), { recursive: true });
    copyFileSync(css, join(root, 'dist/webview/styles.css'));
  }
  if (watch) await Promise.all(contexts.map((c) => c.watch()));
}

run().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
