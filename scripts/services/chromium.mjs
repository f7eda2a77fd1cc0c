// Debian's Chromium for headless browser tests (Playwright's own browser
// downloads have no route here; use it via executablePath).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebPackages } from './apt.mjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

// No sandbox: tests run as root. The rest keeps it off the network and quiet.
// Playwright refuses --user-data-dir here; give it launchPersistentContext's dir.
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function ensureChromium() {
  await ensureDebPackages(['chromium']);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} missing after installing chromium`);
  return CHROMIUM_PATH;
}

/** One-shot headless screenshot, e.g. to check the browser works at all. */
export async function screenshot(url, out, { width = 800, height = 600 } = {}) {
  const bin = await ensureChromium();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'parley-chromium-'));
  try {
    const r = spawnSync(
      bin,
      [
        '--headless', ...chromiumArgs, `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`, `--screenshot=${path.resolve(out)}`, url,
      ],
      // its own XDG dir: otherwise it writes under ~
      { encoding: 'utf8', timeout: 60000, env: { ...process.env, XDG_CONFIG_HOME: profile } },
    );
    if (r.status !== 0 || !existsSync(out)) {
      throw new Error(`chromium screenshot failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
    }
    return path.resolve(out);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--screenshot');
  (i >= 0 ? screenshot(argv[i + 2] ?? 'data:text/html,<h1>hi</h1>', argv[i + 1]) : ensureChromium())
    .then((p) => console.log(p))
    .catch((e) => {
      console.error(e.message ?? e);
      process.exit(1);
    });
}
