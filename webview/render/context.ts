// What a row renderer needs from the app: who I am, preview URIs, and the actions its
// buttons trigger. Renderers never post to the host themselves.
import type { ChatMessage } from '../../protocol/messages';

export type MediaState = { uri: string } | 'loading' | 'unavailable';

/** What a message's action bar and menu offer. */
export type MessageAction = 'react' | 'reply' | 'edit' | 'delete' | 'pin' | 'unpin' | 'copy' | 'revisions' | 'menu';

/** What the chat shows of a user's profile: their display name and the fileId of their avatar. */
export interface ShownProfile {
  displayName?: string;
  avatarFileId?: string;
}

export interface RenderContext {
  me: string;
  /** A user's profile, when the host sent one; absent in contexts that show plain names. */
  profile?(user: string): ShownProfile | undefined;
  /** Preview state of a file; undefined when never asked for. */
  media(fileId: string): MediaState | undefined;
  /** Ask the host for a preview of a file shown on screen. */
  wantMedia(fileId: string): void;
  isExpanded(key: string): boolean;
  toggleExpanded(key: string): void;
  openSnippet(msg: ChatMessage): void;
  openMedia(fileId: string): void;
  download(fileId: string): void;
  retry(cid: string): void;
  /** Room titles, for rows shown outside their room (search results). */
  roomTitle(room: string): string;
  /** Adds (`on`) or takes back my reaction. */
  react(msg: ChatMessage, emoji: string, on: boolean): void;
  /** Whether this message is being edited in a composer. */
  isEditing(msg: ChatMessage): boolean;
  /** Opens the thread of a root. */
  openThread(msg: ChatMessage): void;
  /** My unread replies in the thread of this root; undefined when I take no part in it. */
  threadUnread(msg: ChatMessage): number | undefined;
  /** Runs a message action; menus and pickers open next to `anchor`. */
  act(action: MessageAction, msg: ChatMessage, anchor: HTMLElement): void;
}

/** Stable colour class for a name (avatar tints come from theme chart colours). */
export function tintOf(name: string): string {
  // FNV-1a: short, similar names still spread over the palette.
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return `tint-${(hash >>> 0) % 6}`;
}

/** One visible letter for an avatar (first code point, so emoji and accents survive). */
export function initialOf(name: string): string {
  const first = Array.from(name.replace(/^[^\p{L}\p{N}]+/u, ''))[0] ?? Array.from(name)[0] ?? '?';
  return first.toUpperCase();
}
