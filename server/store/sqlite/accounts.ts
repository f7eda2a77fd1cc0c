import type { Database, Statement } from 'better-sqlite3';
import { DELETED_USER } from '../../../protocol';

/**
 * Accounts that end and server administrators named at runtime. A deleted account keeps its row,
 * without a password hash, so its name stays taken (nobody can take it to pass for them) while no
 * lookup finds it; its messages move to the DELETED_USER row, and everything else of it goes.
 */
export class Accounts {
  private readonly deleteTx: (name: string, at: number) => string[] | undefined;
  private readonly updateAdmin: Statement<[number | null, string]>;
  private readonly selectAdmins: Statement<[], string>;

  constructor(db: Database) {
    const live = db.prepare<[string], number>('SELECT 1 FROM users WHERE name = ? AND deleted_at IS NULL').pluck();
    const tombstone = db.prepare<[string]>(
      "INSERT INTO users (name, name_key, password_hash, created_at, deleted_at) VALUES (?, NULL, '', 0, 0) ON CONFLICT DO NOTHING",
    );
    const liveSessions = db.prepare<[string], string>('SELECT token_hash FROM sessions WHERE user = ? AND revoked_at IS NULL').pluck();
    // Each statement takes (@name, @tomb); unique (from_user, cid) holds as the cids become their (room, seq).
    const steps = [
      `UPDATE messages SET from_user = @tomb, cid = 'deleted:' || room || ':' || seq WHERE from_user = @name`,
      `UPDATE messages SET resolved_by = @tomb WHERE resolved_by = @name`,
      `UPDATE messages SET repliers = replace(repliers, json_quote(@name), json_quote(@tomb)) WHERE repliers IS NOT NULL AND instr(repliers, json_quote(@name)) > 0`,
      `UPDATE messages SET event = json_set(event, '$.user', @tomb) WHERE event IS NOT NULL AND json_extract(event, '$.user') = @name`,
      `UPDATE OR IGNORE reactions SET user = @tomb WHERE user = @name`,
      // What is left of theirs is what the tombstone held already: those rows go, and their count.
      `UPDATE messages SET reaction_count = nullif(reaction_count - (SELECT count(*) FROM reactions x WHERE x.room = messages.room AND x.seq = messages.seq AND x.user = @name), 0)
         WHERE EXISTS (SELECT 1 FROM reactions x WHERE x.room = messages.room AND x.seq = messages.seq AND x.user = @name)`,
      `DELETE FROM reactions WHERE user = @name`,
      `UPDATE mentions SET from_user = @tomb WHERE from_user = @name`,
      `DELETE FROM mentions WHERE user = @name`,
      `UPDATE files SET uploader = @tomb WHERE uploader = @name`,
      `UPDATE rooms SET created_by = @tomb WHERE created_by = @name`,
      `DELETE FROM sessions WHERE user = @name`,
      `DELETE FROM members WHERE user = @name`,
      `DELETE FROM read_marks WHERE user = @name`,
      `DELETE FROM thread_marks WHERE user = @name`,
      `DELETE FROM invitations WHERE user = @name`,
      `UPDATE invitations SET by_user = @tomb WHERE by_user = @name`,
      `DELETE FROM bans WHERE user = @name`,
      `UPDATE bans SET by_user = @tomb WHERE by_user = @name`,
      `DELETE FROM blocks WHERE user = @name OR blocked = @name`,
      `UPDATE users SET password_hash = '', disabled_at = NULL, admin_at = NULL, deleted_at = @at,
         display_name = NULL, status_message = NULL, avatar_file_id = NULL, avatar_sha256 = NULL, avatar_size = NULL
       WHERE name = @name`,
    ].map((sql) => db.prepare(sql));
    this.deleteTx = db.transaction((name: string, at: number) => {
      if (live.get(name) === undefined || name === DELETED_USER) return undefined;
      const ended = liveSessions.all(name);
      tombstone.run(DELETED_USER);
      for (const step of steps) step.run(withParams(step.source, { name, tomb: DELETED_USER, at }));
      return ended;
    });
    this.updateAdmin = db.prepare('UPDATE users SET admin_at = ? WHERE name = ? AND deleted_at IS NULL');
    this.selectAdmins = db.prepare<[], string>('SELECT name FROM users WHERE admin_at IS NOT NULL AND deleted_at IS NULL ORDER BY name').pluck();
  }

  /** Erases the account (see the class); its live sessions' token hashes, or undefined when there is no such account. */
  delete(name: string, at: number): string[] | undefined {
    return this.deleteTx(name, at);
  }

  setAdmin(name: string, at: number | undefined): void {
    this.updateAdmin.run(at ?? null, name);
  }

  admins(): string[] {
    return this.selectAdmins.all();
  }
}

/** better-sqlite3 refuses named parameters a statement does not use: give each only its own. */
function withParams(sql: string, all: Record<string, string | number>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(all)) if (sql.includes(`@${key}`)) out[key] = value;
  return out;
}
