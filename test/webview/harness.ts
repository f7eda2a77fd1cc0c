// Runs the real webview bundle in headless Chromium: builds it, serves the HTML from
// renderWebviewHtml on 127.0.0.1, and replaces the VS Code host with a FakeHost that records
// what the webview posts and posts host messages back.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeNonce, renderWebviewHtml } from '../../webview/index.html';
import { Messages, type HostMessage, type WebviewMessage } from '../../webview/messages';
import type { ChatMessage } from '../../protocol/messages';
import { THEMES, VSCODE_DEFAULT_STYLES, type TestTheme } from './themes';

export const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist/webview');
export const artifacts = path.join(root, 'test-artifacts');

let built: Promise<void> | undefined;

/** Bundles webview/main.ts exactly as scripts/build.mjs does (skipped when `npm test` already built). */
export function buildWebview(): Promise<void> {
  built ??= (async () => {
    if (process.env.PARLEY_BUILT === '1' && existsSync(path.join(dist, 'main.js'))) return;
    await build({
      entryPoints: [path.join(root, 'webview/main.ts')],
      outfile: path.join(dist, 'main.js'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      sourcemap: 'linked',
      logLevel: 'warning',
      loader: { '.css': 'css' },
    });
    mkdirSync(dist, { recursive: true });
    copyFileSync(path.join(root, 'webview/styles.css'), path.join(dist, 'styles.css'));
  })();
  return built;
}

// ---- server ---------------------------------------------------------------------------------

export interface TestServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `/` (the webview HTML; `?csp=0` drops the CSP, `?lang=zh-cn` passes the zh-cn bundle
 * as the host does), VS Code's default webview styles first in <head> as VS Code has them, the
 * bundle, and `/media/*.png`.
 */
export async function startServer(): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = `http://${req.headers.host}`;
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/') {
      // 'self', as in VS Code's own cspSource: the page, bundle and media share this origin.
      const lang = url.searchParams.get('lang');
      const l10n = lang ? { language: lang, bundle: JSON.parse(readFileSync(path.join(root, `l10n/bundle.l10n.${lang}.json`), 'utf8')) as Record<string, string> } : undefined;
      let html = renderWebviewHtml({ cspSource: "'self'", nonce: makeNonce(), scriptUri: `${origin}/main.js`, styleUri: `${origin}/styles.css`, l10n });
      html = html.replace('<head>\n', `<head>\n<link rel="stylesheet" href="${origin}/vscode-default.css">\n`);
      if (url.searchParams.get('csp') === '0') html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n/, '');
      return send(200, 'text/html; charset=utf-8', html);
    }
    if (url.pathname === '/vscode-default.css') return send(200, 'text/css', VSCODE_DEFAULT_STYLES);
    const file = { '/main.js': 'main.js', '/main.js.map': 'main.js.map', '/styles.css': 'styles.css' }[url.pathname];
    if (file && existsSync(path.join(dist, file))) {
      return send(200, file.endsWith('.css') ? 'text/css' : 'text/javascript', readFileSync(path.join(dist, file)));
    }
    const media = /^\/media\/([a-z0-9-]+)\.png$/.exec(url.pathname);
    if (media) return send(200, 'image/png', testPng(media[1]));
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A 480×270 gradient PNG whose hue depends on `name` (a stand-in for shared images). */
export function testPng(name: string, w = 480, h = 270): Buffer {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  const base = [hash & 0xff, (hash >> 8) & 0xff, (hash >> 16) & 0xff];
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      const t = (x + y) / (w + h);
      const sun = (x - w * 0.7) ** 2 + (y - h * 0.35) ** 2 < 900 ? 120 : 0;
      raw[row + 1 + x * 3] = Math.min(255, base[0] * (1 - t) + 40 * t + sun);
      raw[row + 2 + x * 3] = Math.min(255, base[1] * (1 - t) + 90 * t + sun);
      raw[row + 3 + x * 3] = Math.min(255, base[2] * t + 120 * (1 - t) + sun * 0.5);
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

// ---- browser --------------------------------------------------------------------------------

/**
 * Debian's Chromium via scripts/services/chromium.mjs. Missing and not installable: the suite
 * is skipped locally, and fails under CI=true.
 */
export async function launchBrowser(ctx: Mocha.Context): Promise<Browser> {
  let executablePath: string;
  let args: string[];
  try {
    const svc = (await import(pathToFileURL(path.join(root, 'scripts/services/chromium.mjs')).href)) as {
      ensureChromium(): Promise<string>;
      chromiumArgs: string[];
    };
    executablePath = await svc.ensureChromium();
    args = ['--headless', ...svc.chromiumArgs];
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    console.warn(`    skipping browser tests: ${(err as Error).message}`);
    ctx.skip();
  }
  return chromium.launch({ executablePath, args, headless: true });
}

// ---- the fake VS Code host ----------------------------------------------------------------

type Posted = WebviewMessage & Record<string, unknown>;
type Responder = (msg: Posted) => HostMessage | HostMessage[] | undefined | void;

export interface OpenOptions {
  theme?: TestTheme;
  /** Saved webview state, as VS Code's getState() would return it. */
  state?: unknown;
  csp?: boolean;
  /** VS Code's display language; its bundle from l10n/ reaches the page as the host passes it. */
  language?: 'zh-cn';
  width?: number;
  height?: number;
}

/** Stands in for the extension host: what the webview posted, and a way to answer. */
export class FakeHost {
  readonly received: Posted[] = [];
  readonly errors: string[] = [];
  private readonly responders = new Map<string, Responder>();
  private readonly waiters: { match: (m: Posted) => boolean; resolve: (m: Posted) => void }[] = [];

  constructor(readonly page: Page) {}

  /** Forgets everything before a fresh load of the page. */
  reset(): void {
    this.received.length = 0;
    this.errors.length = 0;
    this.responders.clear();
    this.waiters.length = 0;
  }

  /** Answers every posted message of `type` (e.g. loadOlder) with what `fn` returns. */
  on(type: string, fn: Responder): void {
    this.responders.set(type, fn);
  }

  /** Called (in order) for every message the webview posts. */
  async receive(msg: Posted): Promise<void> {
    this.received.push(msg);
    for (const w of [...this.waiters]) {
      if (w.match(msg)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    }
    const reply = this.responders.get(msg.type)?.(msg);
    if (reply) for (const m of Array.isArray(reply) ? reply : [reply]) await this.post(m);
  }

  /** Delivers a host message the way VS Code does: a `message` event on the window. */
  async post(msg: HostMessage | Record<string, unknown>): Promise<void> {
    // As a JSON string: Playwright's own serialization of large objects is very slow.
    await this.page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(msg));
    await this.settle();
  }

  ofType<T extends string>(type: T): (Posted & { type: T })[] {
    return this.received.filter((m) => m.type === type) as (Posted & { type: T })[];
  }

  waitFor(type: string, match: (m: Posted) => boolean = () => true, timeout = 5000): Promise<Posted> {
    const found = this.received.find((m) => m.type === type && match(m));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`webview did not post ${type} within ${timeout} ms`)), timeout);
      this.waiters.push({
        match: (m) => m.type === type && match(m),
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** The state the webview last saved with setState(). */
  state(): Promise<Record<string, unknown> | undefined> {
    return this.page.evaluate(() => (window as unknown as { __host: { state: Record<string, unknown> | undefined } }).__host.state);
  }

  /** CSP violations seen so far. */
  violations(): Promise<{ directive: string; blocked: string; sample: string }[]> {
    return this.page.evaluate(() => (window as unknown as { __host: { violations: { directive: string; blocked: string; sample: string }[] } }).__host.violations);
  }

  /** Waits for pending tasks and two frames, so rendering has happened. */
  async settle(): Promise<void> {
    await this.page.evaluate(() => new Promise<void>((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => r())), 0)));
  }

  setTheme(theme: TestTheme): Promise<void> {
    return this.page.evaluate((t) => (window as unknown as { __host: { setTheme(t: unknown): void } }).__host.setTheme(t), THEMES[theme]);
  }
}

// The page-side stand-in for VS Code, as plain JavaScript (no TypeScript transform touches it).
// acquireVsCodeApi() gives one API object per page, like VS Code; posted messages go to the
// FakeHost through an exposed binding; setState() is kept; CSP violations are recorded.
const STUB = String.raw`function () {
  // Helper the test runner's transform adds to functions passed to page.evaluate.
  window.__name = window.__name || function (f) { return f; };
  // Each test's saved state and theme arrive in the URL fragment (#cfg=…), so one page serves many tests.
  var m = /#cfg=(.*)$/.exec(location.hash);
  var cfg = m ? JSON.parse(decodeURIComponent(m[1])) : { theme: { className: 'vscode-dark', vars: {} } };
  var host = {
    state: cfg.state,
    violations: [],
    setTheme: function (t) {
      var body = document.body;
      body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
      t.className.split(' ').forEach(function (c) { body.classList.add(c); });
      var html = document.documentElement;
      // A theme replaces every variable of the one before: some are undefined in some themes.
      Array.from(html.style).forEach(function (k) { html.style.removeProperty(k); });
      Object.keys(t.vars).forEach(function (k) { html.style.setProperty(k, t.vars[k]); });
    },
  };
  window.__host = host;
  document.addEventListener('securitypolicyviolation', function (e) {
    host.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  var acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: function (m) { window.__hostReceive(JSON.parse(JSON.stringify(m))); },
      getState: function () { return host.state; },
      setState: function (s) { host.state = JSON.parse(JSON.stringify(s)); return s; },
    });
  };
  // VS Code sets the theme on <body> before any of the page's scripts run.
  function apply() {
    if (!document.body) return false;
    host.setTheme(cfg.theme);
    return true;
  }
  if (!apply()) {
    var mo = new MutationObserver(function () { if (apply()) mo.disconnect(); });
    mo.observe(document, { childList: true, subtree: true });
  }
}`;

const sessions = new WeakMap<Browser, FakeHost>();
let loads = 0;

/**
 * Loads the webview in a page with a stub acquireVsCodeApi wired to a FakeHost. One page per
 * browser is reused (a fresh load each time): opening pages is slow on a busy machine.
 */
export async function openWebview(browser: Browser, server: TestServer, opts: OpenOptions = {}): Promise<FakeHost> {
  await buildWebview();
  let host = sessions.get(browser);
  if (!host || host.page.isClosed()) {
    const page = await browser.newPage();
    const h = new FakeHost(page);
    host = h;
    page.on('pageerror', (e) => h.errors.push(e.message));
    await page.exposeFunction('__hostReceive', (m: Posted) => h.receive(m));
    await page.addInitScript(`(${STUB})();`);
    sessions.set(browser, h);
  }
  // Leave the previous load first: its pending timers (a read mark 250 ms after scrolling)
  // would otherwise post into this test after the reset.
  await host.page.goto('about:blank');
  host.reset();
  await host.page.setViewportSize({ width: opts.width ?? 420, height: opts.height ?? 720 });
  const cfg = encodeURIComponent(JSON.stringify({ state: opts.state, theme: THEMES[opts.theme ?? 'dark'] }));
  // A new query each time: a change of fragment alone would not load the page again.
  await host.page.goto(`${server.origin}/?load=${++loads}${opts.csp === false ? '&csp=0' : ''}${opts.language ? `&lang=${opts.language}` : ''}#cfg=${cfg}`);
  await host.waitFor('ready');
  return host;
}

export function pageErrors(host: FakeHost): string[] {
  return host.errors;
}

/** Answers loadOlder like the extension host would: newest `pageSize` messages before `before`. */
export function serveHistory(host: FakeHost, history: Record<string, ChatMessage[]>, pageSize = 50): void {
  host.on('loadOlder', (m) => {
    const all = history[m.room as string] ?? [];
    const before = m.before as number | undefined;
    const older = before === undefined ? all : all.filter((x) => x.seq < before);
    const messages = older.slice(-pageSize);
    return Messages.create({ room: m.room as string, messages, prepend: true, more: older.length > messages.length, requestId: m.requestId as string });
  });
}

/** What a suite made with webviewSuite() holds: its browser and server, and the last page opened. */
export interface WebviewSuite {
  readonly browser: Browser;
  readonly server: TestServer;
  readonly host: FakeHost | undefined;
  /** Loads the webview afresh; the suite checks this page after the test. */
  open(opts?: OpenOptions): Promise<FakeHost>;
}

/**
 * The hooks every webview suite shares, called inside its describe(): one browser and one page
 * server for the suite, and after each test no uncaught error (and with `csp`, no CSP
 * violation) in the page it opened last.
 */
export function webviewSuite(checks: { csp?: boolean } = {}): WebviewSuite {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let host: FakeHost | undefined;
  before(async function () {
    this.timeout(120_000);
    browser = await launchBrowser(this);
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(() => {
    host = undefined;
  });
  afterEach(async () => {
    if (!host) return;
    assert.deepEqual(pageErrors(host), [], 'no uncaught errors in the page');
    if (checks.csp) assert.deepEqual(await host.violations(), [], 'no CSP violations');
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the webview suite's ${what} is not started yet (use it inside a test or hook)`);
    return value;
  };
  return {
    get browser() {
      return started(browser, 'browser');
    },
    get server() {
      return started(server, 'page server');
    },
    get host() {
      return host;
    },
    async open(opts: OpenOptions = {}) {
      host = await openWebview(started(browser, 'browser'), started(server, 'page server'), opts);
      return host;
    },
  };
}
