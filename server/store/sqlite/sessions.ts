import type { Database, Statement } from 'better-sqlite3';
import type { NewSession, SessionRecord } from '../store';

interface SessionRow {
  token_hash: string;
  id: string;
  user: string;
  created_at: number;
  last_seen: number;
  client: string | null;
  address: string | null;
  revoked_at: number | null;
}

const COLUMNS = 'token_hash, id, user, created_at, last_seen, client, address, revoked_at';

/** Sign-in sessions; only token hashes are ever stored. */
export class Sessions {
  private readonly insert: Statement<[string, string, string, number, number, string | null, string | null]>;
  private readonly selectOne: Statement<[string], SessionRow>;
  private readonly touch: Statement<[number, string | null, string, number]>;
  private readonly selectOfUser: Statement<[string], SessionRow>;
  private readonly revokeOne: Statement<[number, string]>;
  private readonly revokeById: Statement<[number, string, string], string>;
  private readonly revokeOthers: Statement<[number, string, string], string>;
  private readonly purge: Statement<[number]>;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO sessions (token_hash, id, user, created_at, last_seen, client, address) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.selectOne = db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE token_hash = ?`);
    this.touch = db.prepare('UPDATE sessions SET last_seen = ?, address = coalesce(?, address) WHERE token_hash = ? AND last_seen < ?');
    this.selectOfUser = db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE user = ? AND revoked_at IS NULL ORDER BY last_seen DESC, id`);
    this.revokeOne = db.prepare('UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL');
    this.revokeById = db
      .prepare<[number, string, string], string>('UPDATE sessions SET revoked_at = ? WHERE user = ? AND id = ? AND revoked_at IS NULL RETURNING token_hash')
      .pluck();
    this.revokeOthers = db
      .prepare<[number, string, string], string>('UPDATE sessions SET revoked_at = ? WHERE user = ? AND token_hash <> ? AND revoked_at IS NULL RETURNING token_hash')
      .pluck();
    this.purge = db.prepare('DELETE FROM sessions WHERE revoked_at IS NOT NULL OR last_seen < ?');
  }

  create(s: NewSession): void {
    this.insert.run(s.tokenHash, s.id, s.user, s.createdAt, s.createdAt, s.client ?? null, s.address ?? null);
  }

  get(tokenHash: string): SessionRecord | undefined {
    const row = this.selectOne.get(tokenHash);
    return row === undefined ? undefined : toSession(row);
  }

  touchSession(tokenHash: string, lastSeen: number, address?: string): void {
    this.touch.run(lastSeen, address ?? null, tokenHash, lastSeen);
  }

  ofUser(user: string): SessionRecord[] {
    return this.selectOfUser.all(user).map(toSession);
  }

  revoke(tokenHash: string, at: number): void {
    this.revokeOne.run(at, tokenHash);
  }

  revokeId(user: string, id: string, at: number): string | undefined {
    return this.revokeById.all(at, user, id)[0];
  }

  revokeAllBut(user: string, keepTokenHash: string, at: number): string[] {
    return this.revokeOthers.all(at, user, keepTokenHash);
  }

  purgeBefore(lastSeenBefore: number): number {
    return this.purge.run(lastSeenBefore).changes;
  }
}

function toSession(row: SessionRow): SessionRecord {
  const out: SessionRecord = { tokenHash: row.token_hash, id: row.id, user: row.user, createdAt: row.created_at, lastSeen: row.last_seen };
  if (row.client !== null) out.client = row.client;
  if (row.address !== null) out.address = row.address;
  if (row.revoked_at !== null) out.revokedAt = row.revoked_at;
  return out;
}
