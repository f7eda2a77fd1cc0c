import assert from 'node:assert/strict';
import { buildCsp, makeNonce, renderWebviewHtml } from '../../webview/index.html';

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
  });

  it('makes fresh base64 nonces', () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9+/]{43}=$/);
  });
});
