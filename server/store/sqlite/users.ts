import type { Database, Statement } from 'better-sqlite3';
import { DELETED_USER } from '../../../protocol';
import type { UserRecord } from '../store';
import { toUser, type UserRow } from './rows';

/** Accounts. Names are unique by name_key, the lower-cased name; each keeps its own spelling. */
export class Users {
  private readonly insertUser: Statement<[string, string | null, string, number, number | null, number | null, number | null]>;
  private readonly selectUser: Statement<[string], UserRow>;
  private readonly updateHash: Statement<[string, string]>;
  private readonly selectExists: Statement<[string], number>;
  private readonly selectNames: Statement<[], string>;
  private readonly updateDisabled: Statement<[number | null, string]>;

  constructor(db: Database) {
    // No conflict target: a taken name or a taken name_key both leave the table as it was.
    this.insertUser = db.prepare(
      'INSERT INTO users (name, name_key, password_hash, created_at, disabled_at, admin_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    // A deleted account keeps its name_key (the name stays taken) but is found by no lookup.
    this.selectUser = db.prepare('SELECT name, password_hash, created_at, disabled_at, admin_at FROM users WHERE name_key = ? AND deleted_at IS NULL');
    this.updateDisabled = db.prepare('UPDATE users SET disabled_at = ? WHERE name = ?');
    this.updateHash = db.prepare('UPDATE users SET password_hash = ? WHERE name = ?');
    this.selectExists = db.prepare<[string], number>('SELECT 1 FROM users WHERE name = ? AND deleted_at IS NULL').pluck();
    this.selectNames = db.prepare<[], string>('SELECT name FROM users WHERE name_key IS NOT NULL AND deleted_at IS NULL ORDER BY name').pluck();
  }

  create(user: UserRecord): boolean {
    // DELETED_USER is no name anyone signs in with: it takes no name_key.
    const key = user.name === DELETED_USER ? null : user.name.toLowerCase();
    return this.insertUser.run(user.name, key, user.passwordHash, user.createdAt, user.disabledAt ?? null, user.adminAt ?? null, user.deletedAt ?? null).changes === 1;
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
