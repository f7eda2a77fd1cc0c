/**
 * A git remote without its user-info: `https://user:TOKEN@host/repo` becomes `https://host/repo`,
 * `ssh://git@host/repo` becomes `ssh://host/repo` and `git@host:org/repo` becomes `host:org/repo`.
 * Remotes are shared in chat, and user-info is where credentials (or who you are) hide.
 */
export function stripRemoteUserInfo(remote: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(remote);
  if (scheme) {
    const start = scheme[0].length;
    // The authority ends where git ends it: at the first "/", "?" or "#" …
    const rest = remote.slice(start);
    const end = rest.search(/[/?#]/);
    const authority = end === -1 ? rest : rest.slice(0, end);
    // … and user-info ends at its last "@", so an unencoded "@" in a token is stripped too.
    const at = authority.lastIndexOf('@');
    return at === -1 ? remote : remote.slice(0, start) + rest.slice(at + 1);
  }
  // scp-like `[user@]host:path`: a ":" before any "/" (not a drive letter like C:\).
  const colon = remote.indexOf(':');
  const slash = remote.indexOf('/');
  if (colon > 1 && (slash === -1 || colon < slash)) {
    const at = remote.lastIndexOf('@', colon);
    return at === -1 ? remote : remote.slice(at + 1);
  }
  return remote;
}
