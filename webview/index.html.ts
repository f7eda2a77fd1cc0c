// The webview's HTML with a strict Content Security Policy: scripts only by nonce, styles,
// images, media and fonts only from the webview's own resource origins (`webview.cspSource`,
// as VS Code gives it). No 'unsafe-*', no inline code. Used by the extension host; kept free of 'vscode' so tests can call it.
import { L10N_META, type WebviewStrings } from './l10n';

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
  /** VS Code's display language and the extension's translations, for the webview's text. */
  l10n?: WebviewStrings;
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
// What VS Code's `webview.cspSource` is made of: the 'self' keyword and host sources such as
// https://*.vscode-cdn.net, https://*.vscode-resource.vscode-cdn.net or vscode-webview://<id>.
// A host source needs a scheme and a host (optionally starting with "*."), an optional port and
// path, and nothing that could end the directive (;), start another policy (,), quote a keyword
// ('unsafe-inline', 'nonce-…'), or allow every host (a bare *, "https:", data:, blob:).
const SELF = "'self'";
const HOST_SOURCE = /^(?:https|vscode-webview|vscode-resource|vscode-file):\/\/(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d{1,5})?(?:\/[A-Za-z0-9._~%!$&()*+=:@/-]*)?$/i;

/** One source of `webview.cspSource`: 'self', or a scheme://host source without a bare wildcard. */
export function isResourceSource(s: string): boolean {
  if (s === SELF) return true;
  return HOST_SOURCE.test(s);
}

function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Whether the host source `source` (e.g. https://*.vscode-cdn.net) already allows `url`'s origin. */
function coversOrigin(source: string, url: URL): boolean {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([^/:]+)(?::(\d+))?/i.exec(source);
  if (!m || `${m[1].toLowerCase()}:` !== url.protocol) return false;
  const [, , wildcard, host, port] = m;
  if ((port ?? '') !== url.port) return false;
  const h = url.hostname.toLowerCase();
  return wildcard ? h.endsWith(`.${host.toLowerCase()}`) : h === host.toLowerCase();
}

export function buildCsp(opts: Pick<WebviewHtmlOptions, 'cspSource' | 'nonce' | 'mediaRoot'>): string {
  const { cspSource, nonce, mediaRoot } = opts;
  if (!NONCE.test(nonce)) throw new Error('nonce must be at least 16 base64 characters');
  // Sources are separated by single spaces; tabs, newlines and other whitespace are refused.
  const sources = cspSource.split(' ').filter(Boolean);
  if (sources.length === 0 || !sources.every(isResourceSource)) throw new Error(`invalid cspSource: ${cspSource}`);
  const src = sources.join(' ');
  let media = src;
  if (mediaRoot !== undefined) {
    const url = new URL(mediaRoot);
    // Inside VS Code the media folder is a webview resource like the rest (e.g.
    // https://vscode-remote+….vscode-resource.vscode-cdn.net), already allowed by cspSource's
    // wildcard, and its "+" is no valid CSP host character: it is not listed again.
    if (!sources.some((s) => coversOrigin(s, url))) {
      if (!/^https?:$/.test(url.protocol) || !/^(?:[a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/i.test(url.hostname)) {
        throw new Error(`invalid mediaRoot: ${mediaRoot}`);
      }
      media = `${src} ${url.origin}`;
    }
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
  const strings: WebviewStrings = opts.l10n ?? { language: 'en' };
  // Data in an attribute, never markup or script: the page reads it with l10n.load().
  const l10nMeta = `<meta name="${L10N_META}" content="${escapeAttr(JSON.stringify(strings))}">`;
  return `<!DOCTYPE html>
<html lang="${escapeAttr(strings.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${l10nMeta}
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
