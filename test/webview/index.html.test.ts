import assert from 'node:assert/strict';
import { buildCsp, isResourceSource, makeNonce, renderWebviewHtml } from '../../webview/index.html';

const base = {
  cspSource: 'https://*.vscode-cdn.net',
  nonce: 'abcdefghijklmnopqrstuvwxyz012345',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/styles.css',
};

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'CSP meta tag present');
  return m[1].replace(/&#39;/g, "'");
}

describe('webview/index.html', () => {
  it('has a strict CSP with nothing unsafe', () => {
    const csp = cspOf(renderWebviewHtml(base));
    assert.equal(csp, [
      "default-src 'none'",
      `script-src 'nonce-${base.nonce}'`,
      `style-src ${base.cspSource}`,
      `img-src ${base.cspSource} data:`,
      `media-src ${base.cspSource}`,
      `font-src ${base.cspSource}`,
    ].join('; '));
    assert.doesNotMatch(csp, /unsafe-|\*\s*;|'self'/);
  });

  it('loads only the nonced script and the stylesheet, with no inline code', () => {
    const html = renderWebviewHtml(base);
    const scripts = html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0], new RegExp(`^<script nonce="${base.nonce}" src="${base.scriptUri.replace(/[.+]/g, '\\$&')}"></script>$`));
    assert.match(html, /<link rel="stylesheet" href="https:\/\/file\+\.vscode-resource/);
    assert.doesNotMatch(html, /<style|style=|\son[a-z]+=/i);
  });

  it('carries the language and translations as inert data, escaped', () => {
    const bundle = { 'Jump to latest': '跳到最新', '{0} results for “{1}”': '"><script>alert(1)</script>' };
    const html = renderWebviewHtml({ ...base, l10n: { language: 'zh-cn', bundle } });
    assert.match(html, /<html lang="zh-cn">/);
    const m = /<meta name="parley-l10n" content="([^"]*)">/.exec(html);
    assert.ok(m, 'the strings are in a meta tag');
    assert.doesNotMatch(m[1], /[<>"']/);
    const decoded = m[1].replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
    assert.deepEqual(JSON.parse(decoded), { language: 'zh-cn', bundle });
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'no script but the bundle');
    assert.match(renderWebviewHtml(base), /<html lang="en">/);
  });

  it('escapes what it interpolates and refuses sources that would add directives', () => {
    const html = renderWebviewHtml({ ...base, title: '<img src=x onerror=alert(1)>', scriptUri: 'https://a/"><script>alert(1)</script>' });
    assert.doesNotMatch(html, /<img|"><script>/);
    assert.throws(() => buildCsp({ ...base, cspSource: "https://a; script-src 'unsafe-inline'" }));
    assert.throws(() => buildCsp({ ...base, cspSource: '' }));
    assert.throws(() => buildCsp({ ...base, nonce: "x' 'unsafe-eval" }));
    assert.throws(() => buildCsp({ ...base, nonce: 'short' }));
  });

  it('adds a media origin only when asked, as an origin', () => {
    const csp = buildCsp({ ...base, mediaRoot: 'http://127.0.0.1:7777/media/files?x=1' });
    assert.match(csp, /img-src https:\/\/\*\.vscode-cdn\.net http:\/\/127\.0\.0\.1:7777 data:/);
    assert.match(csp, /media-src https:\/\/\*\.vscode-cdn\.net http:\/\/127\.0\.0\.1:7777(;|$)/);
    assert.doesNotMatch(csp, /script-src[^;]*127/);
    assert.throws(() => buildCsp({ ...base, mediaRoot: 'javascript:alert(1)' }));
    assert.throws(() => buildCsp({ ...base, mediaRoot: 'https://a+b.example/media' }), /invalid mediaRoot/);
  });

  it('does not list a media folder again that cspSource already allows (VS Code remote resource hosts)', () => {
    // What asWebviewUri gives for globalStorage/media in code-server: a "+" no CSP host may contain.
    const mediaRoot = 'https://vscode-remote+127-002e0-002e0-002e1-003a37831.vscode-resource.vscode-cdn.net/home/u/.local/share/code-server/User/globalStorage/parley.parley/media';
    for (const cspSource of ["'self' https://*.vscode-cdn.net", 'https://*.vscode-resource.vscode-cdn.net']) {
      const csp = buildCsp({ ...base, cspSource, mediaRoot });
      assert.doesNotMatch(csp, /\+/, csp);
      assert.match(csp, new RegExp(`img-src ${cspSource.replace(/[.*+/]/g, '\\$&')} data:`));
      assert.match(csp, new RegExp(`media-src ${cspSource.replace(/[.*+/]/g, '\\$&')}(;|$)`));
    }
    // Another port or scheme is not covered by the wildcard.
    assert.match(buildCsp({ ...base, mediaRoot: 'http://127.0.0.1:7777/m' }), /media-src https:\/\/\*\.vscode-cdn\.net http:\/\/127\.0\.0\.1:7777/);
  });

  // What `webview.cspSource` really is, by VS Code version: 1.100 and later, 1.5x–1.9x, and
  // the desktop app's own webview scheme.
  const REAL_CSP_SOURCES = [
    "'self' https://*.vscode-cdn.net",
    'https://*.vscode-resource.vscode-cdn.net',
    'vscode-webview://0fcr8ga3a0aumpd6b5n6l0l0s2ui5m5ujepr0f7hnbsvbd1ag8v1',
    "'self' https://*.vscode-resource.vscode-cdn.net vscode-webview://4a1b2c3d",
  ];

  it("accepts VS Code's real cspSource forms, 'self' included, for styles, images, media and fonts", () => {
    for (const cspSource of REAL_CSP_SOURCES) {
      const csp = buildCsp({ ...base, cspSource });
      for (const directive of ['style-src', 'img-src', 'media-src', 'font-src']) {
        assert.match(csp, new RegExp(`(^|; )${directive} ${cspSource.replace(/[.*+/]/g, '\\$&')}( |;|$)`), `${directive} in ${csp}`);
      }
      // Scripts stay nonce-only whatever the resource sources are.
      assert.match(csp, new RegExp(`script-src 'nonce-${base.nonce}'; `));
      assert.doesNotMatch(csp, /unsafe-/);
    }
    assert.ok(isResourceSource("'self'"));
    assert.ok(isResourceSource('https://*.vscode-cdn.net'));
  });

  it('refuses cspSources that would add a directive, start another policy or widen the policy', () => {
    const hostile = [
      "'self' https://*.vscode-cdn.net; script-src 'unsafe-inline'",
      "https://*.vscode-cdn.net;script-src *",
      'https://*.vscode-cdn.net, script-src *',
      "'self' 'unsafe-inline'",
      "'unsafe-eval'",
      "'unsafe-hashes'",
      "'strict-dynamic'",
      "'nonce-abcdefghijklmnop'",
      "'sha256-abc='",
      '"self"',
      "'self",
      "'SELF'",
      '*',
      "'self' *",
      'https://*',
      'https:',
      'https://',
      'data:',
      "'self' data:",
      'blob:',
      'javascript:alert(1)',
      'http://example.com',
      'http://127.0.0.1:8080',
      'https://*.vscode-cdn.net\tscript-src',
      'https://*.vscode-cdn.net\nscript-src *',
      "'self'\u00a0https://x.example",
      'https://a.example/<script>',
      'https://*.*.example',
      '*.vscode-cdn.net',
      '',
      ' ',
    ];
    for (const cspSource of hostile) {
      assert.throws(() => buildCsp({ ...base, cspSource }), /invalid cspSource/, JSON.stringify(cspSource));
    }
  });

  it('makes fresh base64 nonces', () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9+/]{43}=$/);
  });
});
