import type { SessionRecord } from '../store';

// Sign-in sessions: (:Session {tokenHash, id, user, createdAt, lastSeen, client?, address?,
// revoked, revokedAt?}). Only token hashes are stored; `id` is the public name of a session.

export const CREATE_SESSION = `
  MATCH (u:User {name: $user})
  CREATE (s:Session {tokenHash: $tokenHash, id: $id, user: $user, revoked: false, createdAt: $createdAt, lastSeen: $createdAt,
    client: $client, address: $address})
  RETURN count(s) AS n`;

export const GET_SESSION = 'MATCH (s:Session {tokenHash: $tokenHash}) RETURN s {.*} AS s';

export const TOUCH_SESSION = `
  MATCH (s:Session {tokenHash: $tokenHash}) WHERE s.lastSeen < $lastSeen
  SET s.lastSeen = $lastSeen, s.address = coalesce($address, s.address)`;

export const USER_SESSIONS = `
  MATCH (s:Session {user: $user}) WHERE NOT s.revoked
  RETURN s {.*} AS s ORDER BY s.lastSeen DESC, s.id`;

export const REVOKE_SESSION = 'MATCH (s:Session {tokenHash: $tokenHash}) WHERE NOT s.revoked SET s.revoked = true, s.revokedAt = $at';

export const REVOKE_SESSION_BY_ID = `
  MATCH (s:Session {user: $user, id: $id}) WHERE NOT s.revoked
  SET s.revoked = true, s.revokedAt = $at
  RETURN s.tokenHash AS tokenHash`;

export const REVOKE_OTHER_SESSIONS = `
  MATCH (s:Session {user: $user}) WHERE NOT s.revoked AND s.tokenHash <> $keep
  SET s.revoked = true, s.revokedAt = $at
  RETURN s.tokenHash AS tokenHash`;

export const PURGE_SESSIONS = `
  MATCH (s:Session) WHERE s.revoked OR s.lastSeen < $before
  DETACH DELETE s
  RETURN count(*) AS n`;

export interface SessionProps {
  tokenHash: string;
  id: string;
  user: string;
  createdAt: number;
  lastSeen: number;
  client?: string | null;
  address?: string | null;
  revoked: boolean;
  revokedAt?: number | null;
}

export function toSession(s: SessionProps): SessionRecord {
  const out: SessionRecord = { tokenHash: s.tokenHash, id: s.id, user: s.user, createdAt: s.createdAt, lastSeen: s.lastSeen };
  if (typeof s.client === 'string') out.client = s.client;
  if (typeof s.address === 'string') out.address = s.address;
  if (s.revoked) out.revokedAt = typeof s.revokedAt === 'number' ? s.revokedAt : s.lastSeen;
  return out;
}
