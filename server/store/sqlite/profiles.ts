import type { Database, Statement } from 'better-sqlite3';
import { patchedText, toProfile, type AvatarRecord, type ProfilePatch, type ProfileRecord, type ProfileUpdate } from '../profiles';

interface ProfileRow {
  name: string;
  display_name: string | null;
  status_message: string | null;
  avatar_file_id: string | null;
  avatar_sha256: string | null;
  avatar_size: number | null;
}

const COLUMNS = 'name, display_name, status_message, avatar_file_id, avatar_sha256, avatar_size';

function fromRow(r: ProfileRow): ProfileRecord {
  return toProfile(r.name, r.display_name, r.status_message, r.avatar_file_id, r.avatar_sha256, r.avatar_size);
}

/** Profiles: columns of users (schema version 9). */
export class Profiles {
  private readonly selectByKey: Statement<[string], ProfileRow>;
  private readonly selectByName: Statement<[string], ProfileRow>;
  private readonly selectByAvatar: Statement<[string], ProfileRow>;
  private readonly update: Statement<[string | null, string | null, string | null, string | null, number | null, string]>;
  private readonly selectAvatarUsed: Statement<[string], number>;
  private readonly selectFileUsed: Statement<[string], number>;
  private readonly selectAll: Statement<[], ProfileRow>;

  constructor(private readonly db: Database) {
    this.selectByKey = db.prepare(`SELECT ${COLUMNS} FROM users WHERE name_key = ?`);
    this.selectByName = db.prepare(`SELECT ${COLUMNS} FROM users WHERE name = ?`);
    this.selectByAvatar = db.prepare(`SELECT ${COLUMNS} FROM users WHERE avatar_file_id = ?`);
    this.update = db.prepare(
      'UPDATE users SET display_name = ?, status_message = ?, avatar_file_id = ?, avatar_sha256 = ?, avatar_size = ? WHERE name = ?',
    );
    this.selectAvatarUsed = db.prepare<[string], number>('SELECT 1 FROM users WHERE avatar_sha256 = ? LIMIT 1').pluck();
    this.selectFileUsed = db.prepare<[string], number>('SELECT 1 FROM files WHERE sha256 = ? LIMIT 1').pluck();
    this.selectAll = db.prepare(
      `SELECT ${COLUMNS} FROM users WHERE name_key IS NOT NULL
         AND (display_name IS NOT NULL OR status_message IS NOT NULL OR avatar_file_id IS NOT NULL) ORDER BY name`,
    );
  }

  get(names: readonly string[]): ProfileRecord[] {
    const out: ProfileRecord[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      const row = this.selectByKey.get(name.toLowerCase());
      if (row === undefined || seen.has(row.name)) continue;
      seen.add(row.name);
      out.push(fromRow(row));
    }
    return out;
  }

  set(user: string, patch: ProfilePatch): ProfileUpdate | undefined {
    return this.db.transaction(() => {
      const row = this.selectByName.get(user);
      if (row === undefined) return undefined;
      const before = fromRow(row);
      const display = patchedText(patch.displayName);
      const status = patchedText(patch.statusMessage);
      const next: ProfileRow = {
        ...row,
        display_name: display === undefined ? row.display_name : display,
        status_message: status === undefined ? row.status_message : status,
      };
      if (patch.avatar !== undefined) {
        next.avatar_file_id = patch.avatar?.fileId ?? null;
        next.avatar_sha256 = patch.avatar?.sha256 ?? null;
        next.avatar_size = patch.avatar?.size ?? null;
      }
      this.update.run(next.display_name, next.status_message, next.avatar_file_id, next.avatar_sha256, next.avatar_size, user);
      const profile = fromRow(next);
      const replaced = patch.avatar !== undefined && before.avatar !== undefined && before.avatar.fileId !== patch.avatar?.fileId ? before.avatar : undefined;
      return replaced === undefined ? { profile } : { profile, replaced };
    })();
  }

  byAvatar(fileId: string): { user: string; avatar: AvatarRecord } | undefined {
    const row = this.selectByAvatar.get(fileId);
    if (row === undefined) return undefined;
    const { avatar } = fromRow(row);
    return avatar === undefined ? undefined : { user: row.name, avatar };
  }

  contentInUse(sha256: string): boolean {
    return this.selectAvatarUsed.get(sha256) !== undefined || this.selectFileUsed.get(sha256) !== undefined;
  }

  all(): ProfileRecord[] {
    return this.selectAll.all().map(fromRow);
  }
}
