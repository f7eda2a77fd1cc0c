// Remote, commit and branch of a file: the built-in git extension when it is there,
// else the git CLI. Everything here is best-effort; no git means no git fields.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { stripRemoteUserInfo } from '../protocol';

export interface GitInfo {
  remote?: string;
  commit?: string;
  branch?: string;
}

// The small part of the vscode.git API (extensions/git/src/api/git.d.ts) used here.
interface GitRemote {
  name: string;
  fetchUrl?: string;
  pushUrl?: string;
}
interface GitRepository {
  rootUri: vscode.Uri;
  state: { HEAD?: { name?: string; commit?: string }; remotes: GitRemote[] };
}
interface GitApi {
  getRepository(uri: vscode.Uri): GitRepository | null;
}
interface GitExtension {
  enabled: boolean;
  getAPI(version: 1): GitApi;
}

async function gitApi(): Promise<GitApi | undefined> {
  const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
  if (!ext) return undefined;
  try {
    const exports = ext.isActive ? ext.exports : await ext.activate();
    return exports?.enabled ? exports.getAPI(1) : undefined;
  } catch {
    return undefined;
  }
}

function pickRemote(remotes: GitRemote[]): string | undefined {
  const r = remotes.find((x) => x.name === 'origin') ?? remotes[0];
  const url = r?.fetchUrl ?? r?.pushUrl;
  return url === undefined ? undefined : stripRemoteUserInfo(url);
}

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 5000, windowsHide: true }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim() || undefined);
    });
  });
}

async function fromCli(file: vscode.Uri): Promise<GitInfo> {
  if (file.scheme !== 'file') return {};
  const cwd = path.dirname(file.fsPath);
  const commit = await git(cwd, ['rev-parse', 'HEAD']);
  if (!commit) return {};
  const branch = await git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  let remote = await git(cwd, ['remote', 'get-url', 'origin']);
  if (!remote) {
    const first = (await git(cwd, ['remote']))?.split('\n')[0];
    if (first) remote = await git(cwd, ['remote', 'get-url', first]);
  }
  return { commit, branch: branch === 'HEAD' ? undefined : branch, remote: remote === undefined ? undefined : stripRemoteUserInfo(remote) };
}

export async function gitInfo(file: vscode.Uri): Promise<GitInfo> {
  const api = await gitApi();
  const repo = api?.getRepository(file);
  if (repo?.state.HEAD?.commit) {
    return { commit: repo.state.HEAD.commit, branch: repo.state.HEAD.name, remote: pickRemote(repo.state.remotes) };
  }
  return fromCli(file);
}
