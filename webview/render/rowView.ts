// Rows → virtual list items: a key, a version (what makes the row render again) and a
// height estimate until the row has been measured.
import type { ChatMessage } from '../../protocol/messages';
import { h } from '../dom';
import { formatDay } from '../format';
import type { Row } from '../rows';
import { SNIPPET_PREVIEW_LINES, snippetLines } from './snippet';
import type { RenderContext } from './context';
import { renderMessageRow, renderPendingRow } from './messageRow';
import { renderRoomEventRow } from './roomEvent';

export type RowItem = Row & { version: string; estimate: number };

const LINE = 20;

function textHeight(text: string | undefined): number {
  if (!text) return 0;
  let lines = 0;
  for (const l of text.split('\n')) lines += Math.max(1, Math.ceil(l.length / 60));
  return lines * LINE;
}

export function toItem(row: Row, ctx: RenderContext): RowItem {
  switch (row.kind) {
    case 'top':
      return { ...row, version: row.state, estimate: 56 };
    case 'day':
      return { ...row, version: '', estimate: 36 };
    case 'unread':
      return { ...row, version: '', estimate: 30 };
    case 'event':
      return { ...row, version: '', estimate: 26 };
    case 'pending':
      return { ...row, version: `${row.head}|${row.pending.state}|${row.head ? senderVersion(ctx.me, ctx) : ''}`, estimate: (row.head ? 30 : 6) + textHeight(row.pending.text) + 20 };
    case 'msg': {
      const m = row.msg;
      let estimate = (row.head ? 34 : 6) + textHeight(m.text);
      if (m.snippet) {
        const n = snippetLines(m.snippet).length;
        estimate += 56 + Math.min(n, SNIPPET_PREVIEW_LINES) * 18 + (n > SNIPPET_PREVIEW_LINES ? 24 : 0);
      }
      let media = '';
      if (m.file) {
        const state = ctx.media(m.file.fileId);
        media = state === undefined ? 'none' : typeof state === 'string' ? state : 'uri';
        estimate += 56 + (m.file.kind === 'image' || m.file.kind === 'video' ? 200 : m.file.kind === 'audio' ? 48 : 0);
      }
      const expanded = m.snippet && ctx.isExpanded(row.key) ? 'x' : '';
      if (m.reactions) estimate += 28;
      if (m.replies) estimate += 24;
      const threadUnread = m.replies ? ctx.threadUnread(m) ?? '' : '';
      const sender = row.head ? senderVersion(m.from, ctx) : '';
      return { ...row, version: `${row.head}|${row.seen}|${media}|${expanded}|${stateVersion(m)}|${ctx.isEditing(m) ? 'e' : ''}|${threadUnread}|${sender}`, estimate };
    }
  }
}

/** What a row's head shows of its sender: display name, avatar and whether the picture has arrived. */
function senderVersion(user: string, ctx: RenderContext): string {
  const p = ctx.profile?.(user);
  if (p === undefined) return '';
  const picture = p.avatarFileId === undefined ? undefined : ctx.media(p.avatarFileId);
  return JSON.stringify([p.displayName, p.avatarFileId, typeof picture === 'object' ? picture.uri : picture]);
}

/** What of a message's current state shows: a change to any of it renders the row again. */
export function stateVersion(m: ChatMessage): string {
  return JSON.stringify([m.edited, m.deleted, m.reactions, m.replies, m.repliers, m.lastReply, m.pinned, m.resolvedBy, m.text?.length]);
}

export function renderRow(item: RowItem, ctx: RenderContext, roomTitle: string, isDm: boolean, onLoadOlder: () => void): HTMLElement {
  switch (item.kind) {
    case 'top': {
      const row = h('div', { class: `row top ${item.state}` });
      if (item.state === 'loading') row.append(h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }), 'Loading older messages…');
      else if (item.state === 'more') {
        const b = h('button', { class: 'link-button', text: 'Load older messages', attrs: { type: 'button' } });
        b.addEventListener('click', onLoadOlder);
        row.append(b);
      } else {
        row.append(
          h('div', { class: 'start-title', text: isDm ? roomTitle : `#${roomTitle}` }),
          h('div', { class: 'start-sub', text: isDm ? `This is the beginning of your conversation with ${roomTitle}.` : `This is the beginning of #${roomTitle}.` }),
        );
      }
      return row;
    }
    case 'day':
      return h('div', { class: 'row day', attrs: { role: 'separator' } }, h('span', { text: formatDay(item.ts) }));
    case 'unread':
      return h('div', { class: 'row unread', attrs: { role: 'separator' } }, h('span', { text: 'New messages' }));
    case 'event':
      return renderRoomEventRow(item.msg);
    case 'pending':
      return renderPendingRow(item.pending, item.key, item.head, ctx);
    case 'msg':
      return renderMessageRow(item.msg, item.key, item.head, item.mine, item.seen, ctx, { editing: ctx.isEditing(item.msg) });
  }
}
