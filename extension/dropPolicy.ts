// Which dropped URIs the host may read. The webview is untrusted, and a web page dragged into
// it can put any `file:` URI in `text/uri-list`, so a URI from the webview is never read on its
// word alone: files inside a workspace folder go (VS Code's Explorer drags those), anything else
// only after the user confirms, by name. No vscode import, so it is unit-tested in plain Node.

/** At most this many URIs from one drop; more is not a drag a person made. */
export const MAX_DROPPED_URIS = 50;

export interface DroppedTarget {
  /** The URI as the webview sent it. */
  raw: string;
  scheme: string;
  /** For `file:`, the real path (symlinks resolved); otherwise the URI's path. */
  path: string;
  /** For other schemes, the whole URI, to be read through VS Code's file system. */
  uri: string;
}

export type DropVerdict =
  | { kind: 'inside'; target: DroppedTarget }
  | { kind: 'outside'; target: DroppedTarget }
  | { kind: 'refused'; raw: string; reason: 'not a file' | 'unsupported scheme' | 'malformed' };

/** The workspace folders, each as `scheme` plus a real path (for `file:`) or URI string. */
export interface Folder {
  scheme: string;
  /** `file:` folders: the real path; others: the folder URI without a trailing slash. */
  root: string;
}

function within(root: string, candidate: string, sep: string): boolean {
  const base = root.endsWith(sep) ? root : root + sep;
  return candidate === root || candidate.startsWith(base);
}

/**
 * Sorts one resolved target: inside a workspace folder, outside (ask first), or refused.
 * `isFile` says whether a `file:` target is a regular file after resolving symlinks.
 */
export function classify(target: DroppedTarget, folders: readonly Folder[], isFile: boolean): DropVerdict {
  if (target.scheme === 'file') {
    if (!isFile) return { kind: 'refused', raw: target.raw, reason: 'not a file' };
    const inside = folders.some((f) => f.scheme === 'file' && within(f.root, target.path, '/'));
    return { kind: inside ? 'inside' : 'outside', target };
  }
  // Remote and virtual file systems: only those the workspace itself is on, only inside it.
  const folder = folders.find((f) => f.scheme === target.scheme);
  if (!folder) return { kind: 'refused', raw: target.raw, reason: 'unsupported scheme' };
  return within(folder.root, target.uri, '/') ? { kind: 'inside', target } : { kind: 'outside', target };
}
