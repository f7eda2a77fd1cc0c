// One message in the list: avatar and name on the first message of a group, the text as
// markdown, a snippet or file card, and for my own messages the sending state or "Seen".
import type { ChatMessage } from '../../protocol/messages';
import { h } from '../dom';
import { formatFull, formatTime } from '../format';
import { mentionsMe, renderMarkdown } from '../markdown';
import type { PendingMessage } from '../rows';
import { initialOf, tintOf, type RenderContext } from './context';
import { renderFileCard } from './fileCard';
import { renderSnippet } from './snippet';

export function messageHeader(from: string, ts: number, extra?: Node): HTMLElement {
  return h('div', { class: 'meta' },
    h('span', { class: 'author', text: from }),
    extra ?? null,
    timeEl(ts));
}

export function avatar(name: string): HTMLElement {
  return h('div', { class: `avatar ${tintOf(name)}`, text: initialOf(name), attrs: { 'aria-hidden': 'true' } });
}

export function timeEl(ts: number, cls = 'time'): HTMLElement {
  const t = h('time', { class: cls, text: formatTime(ts), title: formatFull(ts) });
  t.dateTime = new Date(ts).toISOString();
  return t;
}

/** The body of a message (text, snippet, file), shared by the list and search results. */
export function messageBody(msg: ChatMessage, key: string, ctx: RenderContext): HTMLElement {
  const body = h('div', { class: 'content' });
  if (msg.text) {
    const md = h('div', { class: 'md' });
    md.appendChild(renderMarkdown(msg.text, ctx.me));
    body.appendChild(md);
  }
  if (msg.snippet) body.appendChild(renderSnippet(msg, key, ctx));
  if (msg.file) body.appendChild(renderFileCard(msg.file, ctx));
  return body;
}

export function renderMessageRow(msg: ChatMessage, key: string, head: boolean, mine: boolean, seen: boolean, ctx: RenderContext): HTMLElement {
  const row = h('div', {
    class: `row msg${head ? ' head' : ''}${mine ? ' mine' : ''}${msg.text && !mine && mentionsMe(msg.text, ctx.me) ? ' mentions-me' : ''}`,
    attrs: { role: 'article', 'aria-label': `${msg.from}, ${formatTime(msg.ts)}` },
  });
  row.dataset.seq = String(msg.seq);
  row.append(
    h('div', { class: 'gutter' }, head ? avatar(msg.from) : timeEl(msg.ts, 'hover-time')),
    h('div', { class: 'main' }, head ? messageHeader(msg.from, msg.ts) : null, messageBody(msg, key, ctx), seen ? h('div', { class: 'receipt', text: '✓ Seen' }) : null),
  );
  return row;
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
    h('div', { class: 'gutter' }, head ? avatar(ctx.me) : null),
    h('div', { class: 'main' }, head ? messageHeader(ctx.me, p.ts) : null, h('div', { class: 'content' }, md), status),
  );
  return row;
}
