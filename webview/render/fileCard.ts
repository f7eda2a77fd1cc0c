// A file message: a card with name, size and type, Open and Download buttons, and an
// image/video/audio preview once the host has provided a URI for it.
import type { FileRef } from '../../protocol/messages';
import { h, icon, ICONS } from '../dom';
import { formatSize } from '../format';
import type { RenderContext } from './context';

const PREVIEWABLE = new Set(['image', 'video', 'audio']);

/** URIs the webview will load: webview resources (and, in tests, the local origin), never scripts. */
export function safeMediaUri(uri: string, kind: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (['https:', 'http:', 'vscode-resource:', 'vscode-webview-resource:', 'blob:'].includes(url.protocol)) return url.href;
  if (url.protocol === 'data:' && kind === 'image' && /^data:image\/(png|jpeg|gif|webp|avif);/i.test(uri)) return uri;
  return undefined;
}

export function renderFileCard(file: FileRef, ctx: RenderContext): HTMLElement {
  const card = h('div', { class: `file-card kind-${PREVIEWABLE.has(file.kind) ? file.kind : 'file'}` });
  if (PREVIEWABLE.has(file.kind)) {
    const state = ctx.media(file.fileId);
    if (state === undefined) ctx.wantMedia(file.fileId);
    const uri = typeof state === 'object' ? safeMediaUri(state.uri, file.kind) : undefined;
    if (uri) card.appendChild(preview(file, uri));
    else if (state === undefined || state === 'loading') card.appendChild(h('div', { class: `media-placeholder kind-${file.kind}`, text: 'Loading preview…' }));
  }
  const kindIcon = file.kind === 'image' ? ICONS.image : file.kind === 'video' ? ICONS.video : file.kind === 'audio' ? ICONS.audio : ICONS.file;
  const open = h('button', { class: 'icon-button', title: 'Open', attrs: { type: 'button', 'aria-label': 'Open' } }, icon([...ICONS.open]));
  open.addEventListener('click', () => ctx.openMedia(file.fileId));
  const download = h('button', { class: 'icon-button', title: 'Download', attrs: { type: 'button', 'aria-label': 'Download' } }, icon([...ICONS.download]));
  download.addEventListener('click', () => ctx.download(file.fileId));
  const meta = [formatSize(file.size), file.mime].filter(Boolean).join(' · ');
  card.appendChild(h('div', { class: 'file-info' },
    h('span', { class: 'file-icon' }, icon([...kindIcon])),
    h('div', { class: 'file-text' },
      h('span', { class: 'file-name', text: file.name, title: file.name }),
      h('span', { class: 'file-meta', text: meta, title: meta })),
    open, download));
  return card;
}

function preview(file: FileRef, uri: string): HTMLElement {
  if (file.kind === 'image') {
    const img = h('img', { class: 'media', attrs: { alt: file.name, loading: 'lazy', decoding: 'async' } });
    img.src = uri;
    return img;
  }
  const el = h(file.kind === 'video' ? 'video' : 'audio', { class: 'media', attrs: { controls: '', preload: 'metadata' } });
  el.src = uri;
  return el;
}
