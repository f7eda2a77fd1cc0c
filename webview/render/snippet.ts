// A code snippet shared from an editor: language, path:lines, an Open button and the code
// with line numbers. Long snippets show their first lines until expanded.
import type { ChatMessage, Snippet } from '../../protocol/messages';
import { h, icon, ICONS } from '../dom';
import { highlightToHtml, knownLanguage } from '../highlight';
import { l10n } from '../l10n';
import { sanitize } from '../markdown';
import type { RenderContext } from './context';

export const SNIPPET_PREVIEW_LINES = 16;

export function snippetLines(s: Snippet): string[] {
  return s.code.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
}

export function snippetLocation(s: Snippet): string {
  if (!s.path) return '';
  if (s.startLine === undefined) return s.path;
  const end = s.endLine !== undefined && s.endLine !== s.startLine ? `–${s.endLine}` : '';
  return `${s.path}:${s.startLine}${end}`;
}

export function renderSnippet(msg: ChatMessage, key: string, ctx: RenderContext): HTMLElement {
  const s = msg.snippet as Snippet;
  const lines = snippetLines(s);
  const expanded = ctx.isExpanded(key);
  const shown = expanded ? lines : lines.slice(0, SNIPPET_PREVIEW_LINES);
  const first = s.startLine ?? 1;
  const lang = knownLanguage(s.language);

  const open = h('button', { class: 'text-button', title: 'Open in editor', attrs: { type: 'button' } }, icon([...ICONS.open]), 'Open');
  open.addEventListener('click', () => ctx.openSnippet(msg));
  const location = snippetLocation(s);
  // The folders give way first (ellipsized), then the file name: "src/comp…/Button.tsx:4–9".
  const slash = location.lastIndexOf('/', s.path?.length ?? 0);
  // A discussion on the code: the editor shows it at the lines where they are now.
  const discussion = s.anchor
    ? h('span', { class: 'snippet-discussion', text: l10n.t('Discussion'), title: l10n.t('Shown in the editor at these lines, wherever they are now') })
    : null;
  const head = h('div', { class: 'snippet-head' },
    discussion,
    h('span', { class: 'code-lang', text: lang ?? (s.language || 'text') }),
    location
      ? h('span', { class: 'snippet-path', title: location },
        slash >= 0 ? h('span', { class: 'snippet-dir', text: location.slice(0, slash + 1) }) : null,
        h('span', { class: 'snippet-file', text: location.slice(slash + 1) }))
      : null,
    open);

  const gutter = h('pre', { class: 'snippet-gutter', attrs: { 'aria-hidden': 'true' }, text: shown.map((_, i) => String(first + i)).join('\n') });
  const code = h('code', { class: 'hljs' });
  code.appendChild(sanitize(highlightToHtml(shown.join('\n'), lang)));
  const body = h('div', { class: 'snippet-body' }, gutter, h('pre', { class: 'snippet-code' }, code));

  const box = h('div', { class: 'snippet' }, head, body);
  if (lines.length > SNIPPET_PREVIEW_LINES) {
    const more = h('button', {
      class: 'link-button snippet-more',
      text: expanded ? l10n.t('Show less') : l10n.t('Show all {0} lines', lines.length),
      attrs: { type: 'button' },
    });
    more.addEventListener('click', () => ctx.toggleExpanded(key));
    box.appendChild(more);
  }
  return box;
}
