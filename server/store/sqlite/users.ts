import type { Database, Statement } from 'better-sqlite3';
import type { UserRecord } from '../store';
import { toUser, type UserRow } from './rows';

/** Accounts and login sessions (only token hashes are ever stored). */
export class Users {
  private readonly insertUser: Statement<[string, string, number]>;
  private readonly selectUser: Statement<[string], UserRow>;
  private readonly updateHash: Statement<[string, string]>;
  private readonly selectExists: Statement<[string], number>;
  private readonly selectNames: Statement<[], string>;
  private readonly insertSession: Statement<[string, string, number]>;
  private readonly selectSession: Statement<[string], string>;
  private readonly updateRevoked: Statement<[number, string]>;

  constructor(db: Database) {
    this.insertUser = db.prepare('INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING');
    this.selectUser = db.prepare('SELECT name, password_hash, created_at FROM users WHERE name = ?');
    this.updateHash = db.prepare('UPDATE users SET password_hash = ? WHERE name = ?');
    this.selectExists = db.prepare<[string], number>('SELECT 1 FROM users WHERE name = ?').pluck();
    this.selectNames = db.prepare<[], string>('SELECT name FROM users ORDER BY name').pluck();
    this.insertSession = db.prepare('INSERT INTO sessions (token_hash, user, created_at) VALUES (?, ?, ?)');
    this.selectSession = db.prepare<[string], string>('SELECT user FROM sessions WHERE token_hash = ? AND revoked_at IS NULL').pluck();
    this.updateRevoked = db.prepare('UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL');
  }

  create(user: UserRecord): boolean {
    return this.insertUser.run(user.name, user.passwordHash, user.createdAt).changes === 1;
  }

  get(name: string): UserRecord | undefined {
    const row = this.selectUser.get(name);
    return row === undefined ? undefined : toUser(row);
  }

  setPasswordHash(name: string, passwordHash: string): void {
    this.updateHash.run(passwordHash, name);
  }

  exists(name: string): boolean {
    return this.selectExists.get(name) !== undefined;
  }

  names(): string[] {
    return this.selectNames.all();
  }

  createSession(tokenHash: string, user: string, createdAt: number): void {
    this.insertSession.run(tokenHash, user, createdAt);
  }

  sessionUser(tokenHash: string): string | undefined {
    return this.selectSession.get(tokenHash);
  }

  revokeSession(tokenHash: string): void {
    this.updateRevoked.run(Date.now(), tokenHash);
  }
}
