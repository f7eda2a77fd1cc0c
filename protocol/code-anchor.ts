// Code anchors: where a discussion's lines sit in git, carried in the thread root's snippet.
// Pure and dependency-free, so the webview can import it; hashing is the caller's (node:crypto).
import { stripRemoteUserInfo } from './git-remote';
import type { Snippet } from './messages';

/** At most this many context lines are kept before and after the range. */
export const CODE_ANCHOR_CONTEXT_MAX = 5;
/** A longer context line is cut to this many characters (minified code has no use for more). */
export const CODE_ANCHOR_LINE_MAX = 2000;
/** How many context lines a client keeps on each side. */
export const CODE_ANCHOR_CONTEXT = 3;

export type CodeAnchor = NonNullable<Snippet['anchor']>;

/** An anchor with the anchored text itself (the snippet's `code`): what re-anchoring works from. */
export interface AnchoredCode extends CodeAnchor {
  text: string;
}

/**
 * The one name of a repository, however it was cloned: user-info (credentials) stripped, then
 * scheme, port, a trailing `.git` and `/` dropped and the host lower-cased, so
 * `git@github.com:Org/repo.git`, `ssh://git@github.com:22/Org/repo` and
 * `https://token@github.com/Org/repo` are all `github.com/Org/repo`. A local path stays a path
 * (`file:///srv/repo.git` and `/srv/repo` are `/srv/repo`).
 */
export function repositoryKey(remote: string): string {
  let r = stripRemoteUserInfo(remote.trim());
  const trim = (s: string) => s.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  const file = /^file:\/\//i.exec(r);
  if (file) return trim(decodeURIComponent(r.slice(file[0].length)));
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(r);
  if (scheme) {
    r = r.slice(scheme[0].length);
    const end = r.search(/[/?#]/);
    const authority = (end === -1 ? r : r.slice(0, end)).replace(/:\d*$/, '').toLowerCase();
    const rest = end === -1 ? '' : r.slice(end).replace(/[?#].*$/, '');
    return trim(authority + rest.replace(/^\/+/, '/').replace(/\/~/, '/~'));
  }
  // scp-like `host:path`; user-info may still hold a ":" (`me:token@host:path`).
  const firstSlash = r.indexOf('/');
  const at = r.lastIndexOf('@', firstSlash === -1 ? r.length : firstSlash);
  if (at !== -1) r = r.slice(at + 1);
  // Not a drive letter like C:\.
  const colon = r.indexOf(':');
  const slash = r.indexOf('/');
  if (colon > 1 && (slash === -1 || colon < slash)) {
    return trim(r.slice(0, colon).toLowerCase() + '/' + r.slice(colon + 1).replace(/^\/+/, ''));
  }
  return trim(r.replace(/\\/g, '/'));
}

/** The lines of a text, without line ends ("\n" or "\r\n"); a final line end adds no line. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A path that stays inside the repository: relative, `/`-separated, no `.` or `..` parts. */
export function isRepoPath(path: string): boolean {
  if (path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
}

/**
 * What is wrong with a snippet's anchor beyond its schema, or undefined: the path must stay in
 * the repository, the range must be the snippet's lines, and `textSha256` is checked by the
 * caller (it needs a hash function).
 */
export function anchorProblem(snippet: Snippet): string | undefined {
  const a = snippet.anchor;
  if (a === undefined) return undefined;
  if (!isRepoPath(a.path)) return 'The anchor\'s "path" must be relative to the repository root, with "/" and no "." or ".." parts.';
  if (a.endLine < a.startLine) return 'The anchor\'s "endLine" comes before its "startLine".';
  const lines = Math.max(1, splitLines(snippet.code).length);
  if (a.endLine - a.startLine + 1 !== lines) {
    return `The anchor covers ${a.endLine - a.startLine + 1} lines but the snippet's code has ${lines}.`;
  }
  if (a.dirty === true && a.commit === undefined) return 'A "dirty" anchor needs the "commit" it differs from.';
  return undefined;
}

/** The anchor with its text, from a message's snippet; undefined when it has none. */
export function anchoredCode(snippet: Snippet | undefined): AnchoredCode | undefined {
  if (snippet?.anchor === undefined) return undefined;
  return { ...snippet.anchor, text: snippet.code };
}

/** `"A-B"`, the form the terminal client and links write a range in. */
export function formatLines(start: number, end: number): string {
  return `${start}-${end}`;
}

/** The extension's id (publisher.name): what `vscode://` links to a discussion go to. */
export const EXTENSION_ID = 'parley.parley';

/** `vscode://parley.parley/discussion?room=R&seq=N`: opens the thread in the Chat view, at the code when it is local. */
export function discussionLink(room: string, seq: number): string {
  return `vscode://${EXTENSION_ID}/discussion?room=${encodeURIComponent(room)}&seq=${seq}`;
}

/** The room and seq of a discussion link's path and query, or undefined when it is not one. */
export function parseDiscussionLink(path: string, query: string): { room: string; seq: number } | undefined {
  if (path.replace(/\/+$/, '') !== '/discussion') return undefined;
  const params = new URLSearchParams(query);
  const room = params.get('room');
  const seq = Number(params.get('seq'));
  if (!room || room.length > 200 || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  return { room, seq };
}
