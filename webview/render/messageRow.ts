// One message in the list: avatar and name on the first message of a group, the text as
// markdown, a snippet or file card, and for my own messages the sending state or "Seen".
// Below it: reactions and the thread summary; on hover or focus: its actions. A deleted
// message keeps its place as a tombstone.
import type { ChatMessage } from '../../protocol/messages';
import { h } from '../dom';
import { formatFull, formatTime } from '../format';
import { mentionsMe, renderMarkdown } from '../markdown';
import type { PendingMessage } from '../rows';
import { renderActionBar } from './actionBar';
import { initialOf, tintOf, type RenderContext } from './context';
import { renderFileCard, safeMediaUri } from './fileCard';
import { renderReactions } from './reactions';
import { renderSnippet } from './snippet';
import { renderMarkers, renderThreadSummary } from './threadSummary';

/** The sender: their display name (as text, never markup) with the user name beside it, or the user name alone. */
export function messageHeader(from: string, ts: number, extra?: Node, ctx?: RenderContext): HTMLElement {
  const shown = ctx?.profile?.(from)?.displayName;
  return h('div', { class: 'meta' },
    h('span', { class: 'author', text: shown ?? from, title: shown === undefined ? undefined : from }),
    shown === undefined ? null : h('span', { class: 'author-user', text: from }),
    extra ?? null,
    timeEl(ts));
}

/**
 * The user's avatar picture once the host has it (fetched through the media path like a file
 * preview), else their initial letter on a tint.
 */
export function avatar(name: string, ctx?: RenderContext): HTMLElement {
  const profile = ctx?.profile?.(name);
  const fileId = profile?.avatarFileId;
  const state = fileId === undefined ? undefined : ctx?.media(fileId);
  if (fileId !== undefined && state === undefined) ctx?.wantMedia(fileId);
  const uri = typeof state === 'object' ? safeMediaUri(state.uri, 'image') : undefined;
  if (uri !== undefined) {
    const img = h('img', { class: 'avatar-img', attrs: { alt: '', decoding: 'async' } });
    img.src = uri;
    return h('div', { class: 'avatar has-image', attrs: { 'aria-hidden': 'true' } }, img);
  }
  // The tint stays the user's; the letter is the one people read beside it.
  return h('div', { class: `avatar ${tintOf(name)}`, text: initialOf(profile?.displayName ?? name), attrs: { 'aria-hidden': 'true' } });
}

export function timeEl(ts: number, cls = 'time'): HTMLElement {
  const t = h('time', { class: cls, text: formatTime(ts), title: formatFull(ts) });
  t.dateTime = new Date(ts).toISOString();
  return t;
}

/** The body of a message (text, snippet, file), shared by the list and search results. */
export function messageBody(msg: ChatMessage, key: string, ctx: RenderContext): HTMLElement {
  const body = h('div', { class: 'content' });
  if (msg.deleted) {
    body.appendChild(h('div', { class: 'tombstone', text: 'message deleted' }));
    return body;
  }
  if (msg.text) {
    const md = h('div', { class: 'md' });
    md.appendChild(renderMarkdown(msg.text, ctx.me));
    body.appendChild(md);
  }
  if (msg.snippet) body.appendChild(renderSnippet(msg, key, ctx));
  if (msg.file) body.appendChild(renderFileCard(msg.file, ctx));
  // The stylesheet runs it on after a last paragraph.
  if (msg.edited !== undefined) body.appendChild(h('span', { class: 'edited', text: '(edited)', title: `Edited ${formatFull(msg.edited)}` }));
  return body;
}

export interface RowOptions {
  /** Shown inside a thread view: no thread summary and no "reply" action. */
  inThread?: boolean;
  /** The message is being edited in the composer. */
  editing?: boolean;
}

export function renderMessageRow(msg: ChatMessage, key: string, head: boolean, mine: boolean, seen: boolean, ctx: RenderContext, opts: RowOptions = {}): HTMLElement {
  const markers = renderMarkers(msg);
  const classes = ['row', 'msg'];
  if (head || markers) classes.push('head');
  if (mine) classes.push('mine');
  if (msg.text && !mine && !msg.deleted && mentionsMe(msg.text, ctx.me)) classes.push('mentions-me');
  if (msg.deleted) classes.push('deleted');
  if (msg.pinned) classes.push('pinned');
  if (opts.editing) classes.push('editing');
  const row = h('div', {
    class: classes.join(' '),
    attrs: { role: 'article', tabindex: '-1', 'aria-label': `${ctx.profile?.(msg.from)?.displayName ?? msg.from}, ${formatTime(msg.ts)}${msg.deleted ? ', deleted' : ''}` },
  });
  row.dataset.seq = String(msg.seq);
  const showHead = head || markers !== null;
  row.append(
    h('div', { class: 'gutter' }, showHead ? avatar(msg.from, ctx) : timeEl(msg.ts, 'hover-time')),
    h('div', { class: 'main' },
      showHead ? messageHeader(msg.from, msg.ts, markers ?? undefined, ctx) : null,
      messageBody(msg, key, ctx),
      renderReactions(msg, ctx),
      opts.inThread ? null : renderThreadSummary(msg, ctx),
      !opts.inThread && msg.root !== undefined ? inThreadLink(msg, ctx) : null,
      seen ? h('div', { class: 'receipt', text: '✓ Seen' }) : null),
    renderActionBar(msg, ctx, opts) ?? '',
  );
  // The context menu: right click, the menu key or Shift+F10 on a focused row.
  row.addEventListener('contextmenu', (e) => {
    if (msg.deleted || (e.target as Element | null)?.closest?.('a, input, textarea')) return;
    e.preventDefault();
    ctx.act('menu', msg, row);
  });
  row.addEventListener('keydown', (e) => {
    if (e.target !== row) return;
    if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      e.preventDefault();
      if (!msg.deleted) ctx.act('menu', msg, row);
    }
  });
  return row;
}

/** On a reply that was also sent to the room: where it belongs. */
function inThreadLink(msg: ChatMessage, ctx: RenderContext): HTMLElement {
  const b = h('button', { class: 'link-button in-thread', text: 'Replied in a thread', attrs: { type: 'button' } });
  b.addEventListener('click', () => ctx.openThread(msg));
  return b;
}

const PENDING_LABEL: Record<PendingMessage['state'], string> = {
  sending: 'Sending…',
  queued: 'Waiting for connection…',
  failed: 'Not sent.',
};

export function renderPendingRow(p: PendingMessage, key: string, head: boolean, ctx: RenderContext): HTMLElement {
  const status = h('div', { class: `status ${p.state}`, text: PENDING_LABEL[p.state] });
  if (p.state === 'failed') {
    const retry = h('button', { class: 'link-button retry', text: 'Retry', attrs: { type: 'button' } });
    retry.addEventListener('click', () => ctx.retry(p.cid));
    status.append(' ', retry);
  }
  const md = h('div', { class: 'md' });
  md.appendChild(renderMarkdown(p.text, ctx.me));
  const row = h('div', { class: `row msg mine pending ${p.state}${head ? ' head' : ''}` });
  row.dataset.cid = p.cid;
  row.append(
    h('div', { class: 'gutter' }, head ? avatar(ctx.me, ctx) : null),
    h('div', { class: 'main' }, head ? messageHeader(ctx.me, p.ts, undefined, ctx) : null, h('div', { class: 'content' }, md), status),
  );
  return row;
}
