// Message text → inert DOM. markdown-it with raw HTML off renders the markup; DOMPurify then
// whitelists what may remain (a second line of defence); links lose their href and keep the
// target in data-href, so a click can only ask the host to open it, never navigate.
import MarkdownIt from 'markdown-it';
import DOMPurify from 'dompurify';
import { h, ICONS, icon } from './dom';
import { highlightToHtml, knownLanguage } from './highlight';

const SAFE_URL = /^(?:https?:\/\/|mailto:)/i;

const md = new MarkdownIt({
  html: false,
  linkify: true,
  breaks: true,
  typographer: false,
  highlight: (code, lang) => highlightToHtml(code, lang),
});
// Remote images would be blocked by the CSP anyway; files travel as file messages.
md.disable(['image']);
md.validateLink = (url) => SAFE_URL.test(url.trim());

const PURIFY = {
  ALLOWED_TAGS: [
    'p', 'br', 'strong', 'em', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'hr',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span',
  ],
  ALLOWED_ATTR: ['href', 'class', 'start'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOWED_URI_REGEXP: /^(?:https?|mailto):/i,
};

/** Sanitized fragment from trusted-shape HTML (markdown-it or highlight.js output). */
export function sanitize(html: string): DocumentFragment {
  return DOMPurify.sanitize(html, { ...PURIFY, RETURN_DOM_FRAGMENT: true });
}

const cache = new Map<string, DocumentFragment>();
const CACHE_MAX = 600;

/** Rendered markdown for `text`, with @mentions of `me` marked. Returns a fresh copy. */
export function renderMarkdown(text: string, me: string): DocumentFragment {
  const key = `${me}\u0000${text}`;
  let frag = cache.get(key);
  if (frag) {
    cache.delete(key);
  } else {
    frag = sanitize(md.render(text));
    finishLinks(frag);
    finishCodeBlocks(frag);
    markMentions(frag, me);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, frag);
  return frag.cloneNode(true) as DocumentFragment;
}

export function mentionsMe(text: string, me: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_.-])@${me.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_-])`).test(text);
}

function finishLinks(root: DocumentFragment): void {
  for (const a of Array.from(root.querySelectorAll('a'))) {
    const href = a.getAttribute('href') ?? '';
    a.removeAttribute('href');
    if (SAFE_URL.test(href)) {
      a.dataset.href = href;
      a.className = 'link';
      a.title = href;
      a.setAttribute('role', 'link');
      a.tabIndex = 0;
    } else {
      a.replaceWith(...Array.from(a.childNodes));
    }
  }
}

function finishCodeBlocks(root: DocumentFragment): void {
  for (const pre of Array.from(root.querySelectorAll('pre'))) {
    const code = pre.querySelector('code');
    const cls = Array.from(code?.classList ?? []).find((c) => c.startsWith('language-'));
    const lang = cls ? cls.slice('language-'.length) : '';
    code?.classList.add('hljs');
    const copy = h('button', { class: 'icon-button copy-code', title: 'Copy code', attrs: { type: 'button', 'aria-label': 'Copy code' } }, icon([...ICONS.copy]));
    const head = h('div', { class: 'code-head' }, h('span', { class: 'code-lang', text: knownLanguage(lang) ?? (lang || 'text') }), copy);
    const block = h('div', { class: 'code-block' }, head);
    pre.replaceWith(block);
    block.appendChild(pre);
  }
}

const MENTION = /(^|[^A-Za-z0-9_.-])@([A-Za-z0-9_.-]{1,32})/g;

function markMentions(root: DocumentFragment, me: string): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement?.closest('code, pre, a') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const texts: Text[] = [];
  while (walker.nextNode()) texts.push(walker.currentNode as Text);
  for (const t of texts) {
    const s = t.data;
    MENTION.lastIndex = 0;
    if (!MENTION.test(s)) continue;
    MENTION.lastIndex = 0;
    const out = document.createDocumentFragment();
    let last = 0;
    for (let m = MENTION.exec(s); m; m = MENTION.exec(s)) {
      const at = m.index + m[1].length;
      out.append(s.slice(last, at));
      out.append(h('span', { class: m[2] === me ? 'mention me' : 'mention', text: `@${m[2]}` }));
      last = at + 1 + m[2].length;
    }
    out.append(s.slice(last));
    t.replaceWith(out);
  }
}
