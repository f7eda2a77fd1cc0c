// The webview's HTML with a strict Content Security Policy: scripts only by nonce, styles,
// images, media and fonts only from the webview's own resource origin. No 'unsafe-*', no
// inline code. Used by the extension host; kept free of 'vscode' so tests can call it.

export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Fresh per render, e.g. from makeNonce(). */
  nonce: string;
  /** `webview.asWebviewUri(dist/webview/main.js)`. */
  scriptUri: string;
  /** `webview.asWebviewUri(dist/webview/styles.css)`. */
  styleUri: string;
  /** An extra origin media previews may load from (e.g. a loopback media server). */
  mediaRoot?: string;
  title?: string;
}

/** 32 random bytes, base64: a CSP nonce. */
export function makeNonce(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

const NONCE = /^[A-Za-z0-9+/=_-]{16,}$/;
// A CSP source expression: no spaces, quotes, semicolons or commas that could add directives.
const SOURCE = /^[^\s;,'"<>]+$/;

function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function buildCsp(opts: Pick<WebviewHtmlOptions, 'cspSource' | 'nonce' | 'mediaRoot'>): string {
  const { cspSource, nonce, mediaRoot } = opts;
  if (!NONCE.test(nonce)) throw new Error('nonce must be at least 16 base64 characters');
  const sources = cspSource.split(' ').filter(Boolean);
  if (sources.length === 0 || !sources.every((s) => SOURCE.test(s))) throw new Error(`invalid cspSource: ${cspSource}`);
  const src = sources.join(' ');
  let media = src;
  if (mediaRoot !== undefined) {
    const origin = new URL(mediaRoot).origin;
    if (!/^https?:\/\/[^\s;,'"<>]+$/.test(origin)) throw new Error(`invalid mediaRoot: ${mediaRoot}`);
    media = `${src} ${origin}`;
  }
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${src}`,
    `img-src ${media} data:`,
    `media-src ${media}`,
    `font-src ${src}`,
  ].join('; ');
}

export function renderWebviewHtml(opts: WebviewHtmlOptions): string {
  const csp = buildCsp(opts);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(opts.styleUri)}">
<title>${escapeAttr(opts.title ?? 'Parley Chat')}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${escapeAttr(opts.nonce)}" src="${escapeAttr(opts.scriptUri)}"></script>
</body>
</html>
`;
}
