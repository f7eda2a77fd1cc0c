// A real VS Code (code-server) with the packaged extension installed, driven through its UI by
// headless Chromium. Commands go through the command palette, as a user would run them.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Frame, Locator, Page } from 'playwright-core';
import { ROOT, waitFor } from './parley';

export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

interface CodeServerHandle {
  url: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  stop(): Promise<void>;
}

const isCi = process.env.CI === 'true';

/** Imports a service helper; without CI a missing service skips the suite, under CI it fails it. */
export async function service<T>(file: string): Promise<T> {
  return (await import(path.join(ROOT, 'scripts/services', file))) as T;
}

export function ciMustHave(ctx: Mocha.Context, err: unknown): never {
  if (isCi) throw err;
  console.warn(`skipping: ${(err as Error).message}`);
  ctx.skip();
}

/** `npm run package`: the production build and the .vsix the suite installs. */
export function packageVsix(): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const vsix = path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
  // `npm test` packages once before any suite runs: a rebuild here would rewrite dist/ under
  // the server suites running beside this one.
  if (process.env.PARLEY_PACKAGED === '1' && existsSync(vsix)) return vsix;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/package.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  return vsix;
}

/**
 * For a suite's `before`: drops the suite's old screenshots (those starting with `prefix`),
 * provisions code-server and Chromium (a missing one skips, or fails under CI), builds unless
 * the test runner already did, and returns the packaged .vsix.
 */
export async function prepareVsixSuite(ctx: Mocha.Context, prefix: string): Promise<string> {
  ctx.timeout(15 * 60_000);
  if (existsSync(ARTIFACTS)) {
    for (const f of readdirSync(ARTIFACTS)) if (f.startsWith(prefix)) rmSync(path.join(ARTIFACTS, f), { recursive: true, force: true });
  }
  try {
    await (await service<{ ensureCodeServer(): Promise<string> }>('code-server.mjs')).ensureCodeServer();
    await (await service<{ ensureChromium(): Promise<string> }>('chromium.mjs')).ensureChromium();
  } catch (err) {
    ciMustHave(ctx, err);
  }
  if (process.env.PARLEY_BUILT !== '1') {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  }
  return packageVsix();
}

export class Workbench {
  private constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly server: CodeServerHandle,
    private readonly tmp: string,
    readonly installOutput: string,
    /** Content Security Policy reports from any frame, the webviews' included. */
    private readonly cspReports: string[],
  ) {}

  /**
   * `initScript` runs at the start of every document in every frame (the webviews' included),
   * before their own scripts.
   */
  static async start(opts: { vsix: string; workspace: string; settings: Record<string, unknown>; initScript?: string }): Promise<Workbench> {
    const cs = await service<{
      installExtension(o: { vsix: string; userDataDir: string; extensionsDir: string }): Promise<string>;
      startCodeServer(o: { workspace: string; userDataDir: string; extensionsDir: string }): Promise<CodeServerHandle>;
    }>('code-server.mjs');
    const chromium = await service<{ ensureChromium(): Promise<string | undefined>; chromiumArgs: string[] }>('chromium.mjs');
    const executablePath = (await chromium.ensureChromium()) ?? '/usr/bin/chromium';

    const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-vscode-'));
    const userDataDir = path.join(tmp, 'user-data');
    const extensionsDir = path.join(tmp, 'extensions');
    mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    mkdirSync(extensionsDir, { recursive: true });
    writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ 'workbench.tips.enabled': false, 'git.openRepositoryInParentFolders': 'never', ...opts.settings }, null, 2),
    );
    const installOutput = await cs.installExtension({ vsix: opts.vsix, userDataDir, extensionsDir });
    const server = await cs.startCodeServer({ workspace: opts.workspace, userDataDir, extensionsDir });
    let context: BrowserContext | undefined;
    try {
      const { chromium: pw } = await import('playwright-core');
      const browserDir = path.join(tmp, 'browser');
      context = await pw.launchPersistentContext(browserDir, {
        executablePath,
        headless: true,
        viewport: { width: 1400, height: 900 },
        env: { ...process.env, XDG_CONFIG_HOME: browserDir },
        args: chromium.chromiumArgs,
      });
      if (opts.initScript) await context.addInitScript(opts.initScript);
      const page = context.pages()[0] ?? (await context.newPage());
      const cspReports: string[] = [];
      page.on('console', (msg) => {
        if (/Content[- ]Security[- ]Policy/i.test(msg.text())) cspReports.push(msg.text());
      });
      // Generous per-action timeouts: the machines running this are small and often busy.
      page.setDefaultTimeout(60000);
      // Generous: on a loaded 2-core machine the first workbench load can take a minute.
      await page.goto(`${server.url}?folder=${encodeURIComponent(opts.workspace)}`, { timeout: 120000 });
      await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
      await page.locator('.statusbar').waitFor({ timeout: 120000 });
      return new Workbench(page, context, server, tmp, installOutput, cspReports);
    } catch (err) {
      await context?.close().catch(() => {});
      await server.stop().catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  get logFile(): string {
    return this.server.logFile;
  }

  get userDataDir(): string {
    return this.server.userDataDir;
  }

  /**
   * The text of VS Code's log files whose path matches `file`: the extension host's log
   * (`/exthost/`, activations), or an output channel's (`/Parley\.log$/`).
   */
  logs(file: RegExp): string {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (file.test(p)) out.push(readFileSync(p, 'utf8'));
      }
    };
    const root = path.join(this.server.userDataDir, 'logs');
    if (existsSync(root)) walk(root);
    return out.join('\n');
  }

  /** Every "CSP" line the page's frames logged (violations are logged to the console). */
  cspViolations(): string[] {
    return [...this.cspReports];
  }

  async stop(): Promise<void> {
    await this.context.close().catch(() => {});
    // Keep VS Code's logs (extension host, the Parley output channel) next to the screenshots.
    const logs = path.join(this.server.userDataDir, 'logs');
    const keep = path.join(ARTIFACTS, 'vscode-logs');
    rmSync(keep, { recursive: true, force: true });
    if (existsSync(logs)) cpSync(logs, keep, { recursive: true });
    if (existsSync(this.server.logFile)) cpSync(this.server.logFile, path.join(keep, 'code-server.log'));
    await this.server.stop().catch(() => {});
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /**
   * Changes machine settings: code-server is a remote window, where machine-scoped settings
   * (parley.server.tlsCaFile) are read from the remote's Machine settings, not the user's.
   */
  updateMachineSettings(patch: Record<string, unknown>): void {
    const file = path.join(this.server.userDataDir, 'Machine', 'settings.json');
    mkdirSync(path.dirname(file), { recursive: true });
    const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(file, JSON.stringify({ ...current, ...patch }, null, 2));
  }

  /** The user settings.json on disk. */
  get userSettingsFile(): string {
    return path.join(this.server.userDataDir, 'User', 'settings.json');
  }

  userSettings(): Record<string, unknown> {
    return JSON.parse(readFileSync(this.userSettingsFile, 'utf8')) as Record<string, unknown>;
  }

  /** Edits the user settings.json on disk by hand, as an editor outside VS Code would. */
  editUserSettingsFile(patch: Record<string, unknown>): void {
    writeFileSync(this.userSettingsFile, JSON.stringify({ ...this.userSettings(), ...patch }, null, 2));
  }

  /** The message under the open quick input (validateInput's answer), or '' when there is none. */
  async quickInputMessage(): Promise<string> {
    const msg = this.page.locator('.quick-input-widget .quick-input-message');
    return ((await msg.isVisible()) ? await msg.innerText() : '').trim();
  }

  /** Clicks the button `label` on the notification toast whose text matches `text`. */
  async clickToastButton(text: RegExp, label: string): Promise<void> {
    const toast = this.page.locator('.notification-toast', { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    await toast.locator('.monaco-button', { hasText: label }).first().click();
  }

  /** Changes workspace settings (.vscode/settings.json): VS Code's file watcher picks them up. */
  updateSettings(workspace: string, patch: Record<string, unknown>): void {
    const file = path.join(workspace, '.vscode', 'settings.json');
    mkdirSync(path.dirname(file), { recursive: true });
    const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(file, JSON.stringify({ ...current, ...patch }, null, 2));
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** F1, `>title`, then the entry whose label is exactly the title (trailing dots aside). */
  async command(title: string): Promise<void> {
    const page = this.page;
    // Escape only a quick input left open: in an editor it would drop the selection.
    if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Escape');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await this.openPalette(input);
    await input.fill(`>${title}`);
    const bare = (s: string) => s.trim().replace(/(\.\.\.|…)$/, '');
    const row = await waitFor(
      `palette entry "${title}"`,
      async () => {
        const rows = page.locator('.quick-input-list .monaco-list-row');
        const n = await rows.count();
        for (let i = 0; i < n; i++) {
          const label = await rows.nth(i).locator('.label-name').first().innerText({ timeout: 1000 }).catch(() => '');
          if (bare(label) === bare(title)) return rows.nth(i);
        }
        return undefined;
      },
      30000,
      200,
    );
    await row.click();
  }

  /**
   * F1 opens the palette only when the workbench has the keyboard: a webview that has just taken
   * focus (the Chat view after sign-in) may swallow the key. Then the focus goes back to the
   * workbench document and the key is pressed again.
   */
  private async openPalette(input: Locator): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await this.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await this.page.keyboard.press(attempt < 2 ? 'F1' : 'Control+Shift+P');
      try {
        await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 5000 : 30000 });
        return;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  /**
   * Runs the item `label` of the open context menu. A menu ignores a click that comes too soon
   * after it opened, so while the menu stays open the item is pressed again, by key.
   */
  async menuItem(label: RegExp): Promise<void> {
    const item = this.page.locator('.context-view .monaco-menu .action-item', { hasText: label }).first();
    await item.click();
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await item.waitFor({ state: 'detached', timeout: 3000 });
        return;
      } catch {
        await item.hover();
        await this.page.keyboard.press('Enter');
      }
    }
    await item.waitFor({ state: 'detached', timeout: 10000 });
  }

  /** Answers the open quick input (input box or pick) with `text`. */
  async answer(text: string, expectPrompt?: RegExp): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    await input.waitFor({ state: 'visible' });
    if (expectPrompt) await this.waitForPrompt(expectPrompt);
    await input.fill(text);
    await input.press('Enter');
  }

  /**
   * Waits for the quick input showing `prompt` (title, prompt or placeholder). One widget serves
   * every quick input, so "visible" alone may still be the one that is closing.
   */
  async waitForPrompt(prompt: RegExp): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    await waitFor(`quick input ${prompt}`, async () => {
      if (!(await widget.isVisible())) return false;
      const text = `${await widget.innerText()} ${(await input.getAttribute('placeholder')) ?? ''}`;
      return prompt.test(text);
    });
  }

  /**
   * Answers VS Code's simple open dialog (a quick input prefilled with a path) with `file`.
   * Retried: Enter can land before the dialog has read its own value, and the command
   * palette's input is the same widget.
   */
  async chooseFile(file: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await waitFor('the open dialog', async () => (await input.isVisible()) && (await input.inputValue()).startsWith('/'), 20_000);
    await waitFor('the path accepted', async () => {
      if (!((await input.inputValue()) ?? '').startsWith('/')) return true;
      await input.fill(file);
      await input.press('Enter');
      await new Promise((r) => setTimeout(r, 500));
      return !(await input.isVisible()) || !((await input.inputValue()) ?? '').startsWith('/');
    }, 20_000);
  }

  /** Filters the open quick pick with `text` and accepts the first matching entry. */
  async pick(text: string, expectPrompt?: RegExp): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    if (expectPrompt) await this.waitForPrompt(expectPrompt);
    await input.fill(text);
    // Enter takes the first row: wait until the filter has put the match there.
    const first = this.page.locator('.quick-input-list .monaco-list-row').first();
    await waitFor(`"${text}" first in the pick`, async () => ((await first.innerText({ timeout: 1000 }).catch(() => '')) ?? '').includes(text), 15000);
    await input.press('Enter');
  }

  statusItem(text: RegExp): Locator {
    return this.page.locator('.statusbar-item', { hasText: text });
  }

  async statusText(): Promise<string> {
    return (await this.page.locator('.statusbar').innerText()).replace(/\s+/g, ' ');
  }

  /** The frame of the chat webview (the inner frame that holds the bundle's DOM). */
  async chatFrame(marker: string, timeoutMs = 30000): Promise<Frame> {
    return waitFor(
      'the chat webview frame',
      async () => {
        for (const f of this.page.frames()) {
          try {
            if ((await f.locator(marker).count()) > 0) return f;
          } catch {
            // detached while looking
          }
        }
        return undefined;
      },
      timeoutMs,
      250,
    );
  }

  /**
   * The chat webview frame holding `marker` in the sidebar or in the editor area (the Chat view
   * and "Open Chat in Editor" both show one): told apart by where its iframe sits.
   */
  async chatFrameIn(where: 'sidebar' | 'editor', marker: string, timeoutMs = 30000): Promise<Frame> {
    const page = this.page;
    const editorLeft = async () => (await page.locator('.part.editor').boundingBox())?.x ?? Infinity;
    return waitFor(
      `the chat webview frame in the ${where}`,
      async () => {
        const left = await editorLeft();
        for (const f of page.frames()) {
          try {
            if ((await f.locator(marker).count()) === 0) continue;
            let top = f;
            while (top.parentFrame() && top.parentFrame() !== page.mainFrame()) top = top.parentFrame() as Frame;
            const box = await (await top.frameElement()).boundingBox();
            if (!box || box.width === 0) continue;
            if ((box.x >= left - 1) === (where === 'editor')) return f;
          } catch {
            // detached while looking
          }
        }
        return undefined;
      },
      timeoutMs,
      250,
    );
  }

  /** Notifications toasts' text. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-toast .notification-list-item-message').allInnerTexts();
  }

  /** Opens the Parley container in the activity bar. */
  async openParley(): Promise<void> {
    // The li, not its link: the unread badge sits on top of the link.
    const item = this.page.locator('.activitybar .action-item:has(a[aria-label^="Parley"])').first();
    await item.waitFor({ state: 'visible', timeout: 30000 });
    const checked = await this.page.locator('.activitybar .action-item.checked a[aria-label^="Parley"]').count();
    if (!checked) await item.click();
  }

  treeRow(label: string | RegExp): Locator {
    return this.page.locator('.pane .monaco-list-row', { hasText: label });
  }

  async activeEditorTitle(): Promise<string> {
    return (await this.page.locator('.tabs-container .tab.active').first().innerText().catch(() => '')).trim();
  }
}
