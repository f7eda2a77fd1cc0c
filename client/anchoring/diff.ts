// git's view of what changed since an anchor's commit: `git diff -M -U0` parsed into hunks.
// Pure: the caller runs git (./git.ts).

/** One change with no context lines (-U0): old lines [oldStart, oldStart+oldCount) became the new ones. */
export interface Hunk {
  /** With oldCount 0 the new lines were inserted after old line oldStart (0: at the top). */
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

/** One file's change; `oldPath` absent for an added file, `newPath` absent for a deleted one. */
export interface FileDiff {
  oldPath?: string;
  newPath?: string;
  hunks: Hunk[];
}

/** How a file changed since the anchor's commit, as re-anchoring takes it. */
export type GitView =
  /** git says the file is as it was at the commit. */
  | { kind: 'unchanged' }
  /** git's hunks from the commit to the working copy. */
  | { kind: 'diff'; hunks: Hunk[] }
  /** No usable history: the commit is not here, the file was not committed, or the lines were uncommitted. */
  | { kind: 'none' };

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** A path from a `---`/`+++`/`rename` line: `a/` or `b/` prefix off, C-quoted names decoded. */
function pathOf(raw: string, prefix: string): string | undefined {
  let p = raw.replace(/\t$/, '');
  if (p === '/dev/null') return undefined;
  if (p.startsWith('"') && p.endsWith('"')) p = unquote(p.slice(1, -1));
  return p.startsWith(prefix) ? p.slice(prefix.length) : p;
}

function unquote(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i];
    if (/[0-7]/.test(n)) {
      bytes.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(({ n: 10, t: 9, r: 13, '"': 34, '\\': 92 } as Record<string, number>)[n] ?? n.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses the output of `git diff -M -U0 --no-color` (several files). */
export function parseGitDiff(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | undefined;
  let inHeader = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      file = { hunks: [] };
      files.push(file);
      inHeader = true;
      // Paths from the header, for diffs with no ---/+++ lines (a pure rename, a mode change).
      const m = /^diff --git (?:"a\/((?:[^"\\]|\\.)*)"|a\/(\S+)) (?:"b\/((?:[^"\\]|\\.)*)"|b\/(\S+))$/.exec(line);
      if (m) {
        file.oldPath = m[1] !== undefined ? unquote(m[1]) : m[2];
        file.newPath = m[3] !== undefined ? unquote(m[3]) : m[4];
      }
      continue;
    }
    if (file === undefined) continue;
    if (inHeader) {
      if (line.startsWith('rename from ')) file.oldPath = pathOf(line.slice(12), '');
      else if (line.startsWith('rename to ')) file.newPath = pathOf(line.slice(10), '');
      else if (line.startsWith('new file mode')) delete file.oldPath;
      else if (line.startsWith('deleted file mode')) delete file.newPath;
      else if (line.startsWith('--- ')) {
        const p = pathOf(line.slice(4), 'a/');
        if (p === undefined) delete file.oldPath;
        else file.oldPath = p;
      } else if (line.startsWith('+++ ')) {
        const p = pathOf(line.slice(4), 'b/');
        if (p === undefined) delete file.newPath;
        else file.newPath = p;
      }
    }
    const h = HUNK.exec(line);
    if (h) {
      inHeader = false;
      file.hunks.push({
        oldStart: Number(h[1]),
        oldCount: h[2] === undefined ? 1 : Number(h[2]),
        newStart: Number(h[3]),
        newCount: h[4] === undefined ? 1 : Number(h[4]),
      });
    }
  }
  return files;
}

/**
 * Where the file at `path` (as of the anchor's commit) is now, following renames:
 * its path and view, or `deleted`.
 */
export function followFile(path: string, diffs: FileDiff[]): { path: string; view: GitView } | 'deleted' {
  const d = diffs.find((f) => f.oldPath === path);
  if (d === undefined) return { path, view: { kind: 'unchanged' } };
  if (d.newPath === undefined) return 'deleted';
  return { path: d.newPath, view: d.hunks.length === 0 ? { kind: 'unchanged' } : { kind: 'diff', hunks: d.hunks } };
}
