import { createHash, randomBytes } from 'node:crypto';

/** A session token: 32 random bytes, base64url. Only its hash is ever stored or logged. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The public name of a session (listed by `sessions`, named by `revoke`): random, unrelated to the token. */
export function newSessionId(): string {
  return randomBytes(9).toString('base64url');
}
