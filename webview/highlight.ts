// Syntax highlighting with highlight.js (the common languages only, to keep the bundle small).
// Output is escaped HTML with <span class="hljs-…"> tokens; colours come from styles.css.
import hljs from 'highlight.js/lib/common';

// Highlighting is linear but slow on huge inputs; past this, show plain text.
const MAX_HIGHLIGHT = 64 * 1024;

export function knownLanguage(language: string | undefined): string | undefined {
  if (!language) return undefined;
  const lang = language.trim().toLowerCase();
  return hljs.getLanguage(lang) ? lang : undefined;
}

/** Escaped, highlighted HTML for `code`; plain escaped text for unknown languages. */
export function highlightToHtml(code: string, language: string | undefined): string {
  const lang = knownLanguage(language);
  if (!lang || code.length > MAX_HIGHLIGHT) return escapeHtml(code);
  try {
    return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  } catch {
    return escapeHtml(code);
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
