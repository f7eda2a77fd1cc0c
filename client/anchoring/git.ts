// The git side of code anchors: making one from a working copy, and asking git what changed
// since one's commit so ./reanchor.ts can place it. Reads only the anchored file.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CODE_ANCHOR_CONTEXT, CODE_ANCHOR_LINE_MAX, isRepoPath, repositoryKey, splitLines, type AnchoredCode, type CodeAnchor } from '../../protocol';
import { followFile, parseGitDiff, type FileDiff, type GitView } from './diff';
import { reanchor, type Placement } from './reanchor';

/** Runs git; rejects with its stderr. No credentials ever go on its command line. */
export function git(cwd: string, args: string[], maxBuffer = 256 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-c', 'core.quotePath=false', ...args], { cwd, maxBuffer, windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(stderr.trim() || err.message), { code: 'GIT' }));
      else resolve(stdout);
    });
  });
}

const tryGit = (cwd: string, args: string[]) => git(cwd, args).then((s) => s.trim(), () => undefined);

export interface Repository {
  /** The working copy's top directory. */
  root: string;
  /** HEAD, when there is a commit. */
  head?: string;
  /** `repositoryKey` of the origin remote (else the first one). */
  repo?: string;
}

/** The repository `dir` is in, or undefined when it is not in one. */
export async function repositoryOf(dir: string): Promise<Repository | undefined> {
  const root = await tryGit(dir, ['rev-parse', '--show-toplevel']);
  if (!root) return undefined;
  const out: Repository = { root: path.resolve(root) };
  const head = await tryGit(root, ['rev-parse', '--verify', '-q', 'HEAD']);
  if (head) out.head = head;
  let remote = await tryGit(root, ['remote', 'get-url', 'origin']);
  if (!remote) {
    const first = (await tryGit(root, ['remote']))?.split('\n')[0];
    if (first) remote = await tryGit(root, ['remote', 'get-url', first]);
  }
  if (remote) out.repo = repositoryKey(remote);
  return out;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * An anchor on lines `start`–`end` (1-based) of `text` (the file as the user sees it), at `relPath`
 * in `repository`. `committed` is the file's text at HEAD (undefined when the file is not in
 * HEAD): when it differs from `text` the lines are the working copy's and the anchor is `dirty`.
 */
export function anchorOn(text: string, relPath: string, start: number, end: number, repository: Repository | undefined, committed: string | undefined): AnchoredCode {
  const lines = splitLines(text);
  if (start < 1 || end < start || end > lines.length) throw Object.assign(new Error(`Lines ${start}-${end} are not in ${relPath} (${lines.length} lines).`), { code: 'RANGE' });
  const code = lines.slice(start - 1, end).join('\n');
  const cut = (l: string) => l.slice(0, CODE_ANCHOR_LINE_MAX);
  const anchor: CodeAnchor = {
    path: relPath,
    startLine: start,
    endLine: end,
    textSha256: sha256(code),
    before: lines.slice(Math.max(0, start - 1 - CODE_ANCHOR_CONTEXT), start - 1).map(cut),
    after: lines.slice(end, end + CODE_ANCHOR_CONTEXT).map(cut),
  };
  if (repository?.repo !== undefined) anchor.repo = repository.repo;
  if (repository?.head !== undefined && committed !== undefined) {
    anchor.commit = repository.head;
    if (committed !== text) anchor.dirty = true;
  }
  return { ...anchor, text: code };
}

/** The file at `relPath` as of `commit`, or undefined when it was not there. */
export function fileAt(root: string, commit: string, relPath: string): Promise<string | undefined> {
  return git(root, ['show', `${commit}:${relPath}`]).then(
    (s) => s,
    () => undefined,
  );
}

/** `relPath` (a file in the working copy) as a path relative to the repository root, `/`-separated. */
export function repoPath(root: string, file: string): string {
  return path.relative(root, path.resolve(file)).split(path.sep).join('/');
}

/**
 * Places anchors in one working copy. Asks git once per anchor commit what changed since then
 * (renames followed) and reads each anchored file once.
 */
export class Placer {
  private readonly diffs = new Map<string, Promise<FileDiff[] | undefined>>();
  private readonly files = new Map<string, Promise<string | undefined>>();

  constructor(readonly root: string) {}

  /** Every file's change from `commit` to the working copy; undefined when the commit is not here. */
  changesSince(commit: string): Promise<FileDiff[] | undefined> {
    let d = this.diffs.get(commit);
    if (d === undefined) {
      d = (async () => {
        if ((await tryGit(this.root, ['cat-file', '-t', commit])) !== 'commit') return undefined;
        return parseGitDiff(await git(this.root, ['diff', '-M', '-U0', '--no-color', '--no-ext-diff', commit]));
      })();
      this.diffs.set(commit, d);
    }
    return d;
  }

  /** The working copy's text of `relPath`, or undefined when there is no such file. */
  read(relPath: string): Promise<string | undefined> {
    let f = this.files.get(relPath);
    if (f === undefined) {
      f = readFile(path.join(this.root, ...relPath.split('/')), 'utf8').catch(() => undefined);
      this.files.set(relPath, f);
    }
    return f;
  }

  /** Where `anchor` sits in this working copy now, and in which file. */
  async place(anchor: AnchoredCode): Promise<{ path: string; placement: Placement }> {
    let relPath = anchor.path;
    // An anchor from a server that did not check it: never read outside the working copy.
    if (!isRepoPath(relPath)) return { path: relPath, placement: { kind: 'outdated', reason: 'file deleted' } };
    let view: GitView = { kind: 'none' };
    const diffs = anchor.commit !== undefined && anchor.dirty !== true ? await this.changesSince(anchor.commit) : undefined;
    if (diffs !== undefined) {
      const followed = followFile(anchor.path, diffs);
      if (followed === 'deleted') return { path: relPath, placement: { kind: 'outdated', reason: 'file deleted' } };
      relPath = followed.path;
      view = followed.view;
    }
    return { path: relPath, placement: reanchor(anchor, await this.read(relPath), view) };
  }
}
