import type { Database, Statement } from 'better-sqlite3';
import type { UserRecord } from '../store';
import { toUser, type UserRow } from './rows';

/** Accounts. Names are unique by name_key, the lower-cased name; each keeps its own spelling. */
export class Users {
  private readonly insertUser: Statement<[string, string, string, number]>;
  private readonly selectUser: Statement<[string], UserRow>;
  private readonly updateHash: Statement<[string, string]>;
  private readonly selectExists: Statement<[string], number>;
  private readonly selectNames: Statement<[], string>;
  private readonly updateDisabled: Statement<[number | null, string]>;

  constructor(db: Database) {
    // No conflict target: a taken name or a taken name_key both leave the table as it was.
    this.insertUser = db.prepare('INSERT INTO users (name, name_key, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.selectUser = db.prepare('SELECT name, password_hash, created_at, disabled_at FROM users WHERE name_key = ?');
    this.updateDisabled = db.prepare('UPDATE users SET disabled_at = ? WHERE name = ?');
    this.updateHash = db.prepare('UPDATE users SET password_hash = ? WHERE name = ?');
    this.selectExists = db.prepare<[string], number>('SELECT 1 FROM users WHERE name = ?').pluck();
    this.selectNames = db.prepare<[], string>('SELECT name FROM users WHERE name_key IS NOT NULL ORDER BY name').pluck();
  }

  create(user: UserRecord): boolean {
    return this.insertUser.run(user.name, user.name.toLowerCase(), user.passwordHash, user.createdAt).changes === 1;
  }

  get(name: string): UserRecord | undefined {
    const row = this.selectUser.get(name.toLowerCase());
    return row === undefined ? undefined : toUser(row);
  }

  setPasswordHash(name: string, passwordHash: string): void {
    this.updateHash.run(passwordHash, name);
  }

  /** By the exact spelling, as the chat server passes names it got from getUser. */
  exists(name: string): boolean {
    return this.selectExists.get(name) !== undefined;
  }

  setDisabled(name: string, at: number | undefined): void {
    this.updateDisabled.run(at ?? null, name);
  }

  names(): string[] {
    return this.selectNames.all();
  }
}
