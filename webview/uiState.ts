// UI state that survives the view being hidden or reloaded (kept by VS Code through
// getState/setState): the open room, each room's draft and scroll position, expanded snippets.
import type { Anchor } from './virtualList';

export interface SavedState {
  v: 1;
  activeRoom?: string;
  drafts: Record<string, string>;
  scroll: Record<string, Anchor | 'bottom'>;
  expanded: string[];
}

const MAX_EXPANDED = 200;

export function emptyState(): SavedState {
  return { v: 1, drafts: {}, scroll: {}, expanded: [] };
}

/** Reads saved state defensively: anything malformed falls back to empty. */
export function parseState(raw: unknown): SavedState {
  const s = emptyState();
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.activeRoom === 'string') s.activeRoom = r.activeRoom;
  if (isRecord(r.drafts)) {
    for (const [room, text] of Object.entries(r.drafts)) if (typeof text === 'string' && text) s.drafts[room] = text;
  }
  if (isRecord(r.scroll)) {
    for (const [room, pos] of Object.entries(r.scroll)) {
      if (pos === 'bottom') s.scroll[room] = 'bottom';
      else if (isRecord(pos) && typeof pos.key === 'string' && typeof pos.offset === 'number') s.scroll[room] = { key: pos.key, offset: pos.offset };
    }
  }
  if (Array.isArray(r.expanded)) s.expanded = r.expanded.filter((k): k is string => typeof k === 'string').slice(-MAX_EXPANDED);
  return s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
