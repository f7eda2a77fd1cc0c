import type { Database } from 'better-sqlite3';

/**
 * Schema changes, in order. Entry i takes the database from version i to i + 1
 * (PRAGMA user_version). Never edit a released entry: append a new one.
 */
export const MIGRATIONS: readonly ((db: Database) => void)[] = [
  (db) =>
    db.exec(`
      CREATE TABLE users (
        name          TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        created_at    INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user       TEXT NOT NULL REFERENCES users(name),
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) WITHOUT ROWID;

      -- num names the room inside the search index (one short token); a rowid alias, so stable.
      CREATE TABLE rooms (
        num        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL CHECK (kind IN ('group', 'dm')),
        name       TEXT NOT NULL,
        created_by TEXT,
        created_at INTEGER NOT NULL
      );

      -- Explicit rows for every room but general, whose members are all users.
      CREATE TABLE members (
        room TEXT NOT NULL REFERENCES rooms(id),
        user TEXT NOT NULL REFERENCES users(name),
        PRIMARY KEY (room, user)
      ) WITHOUT ROWID;
      CREATE INDEX members_by_user ON members(user, room);

      CREATE TABLE files (
        file_id  TEXT PRIMARY KEY,
        room     TEXT NOT NULL REFERENCES rooms(id),
        sha256   TEXT NOT NULL,
        size     INTEGER NOT NULL,
        mime     TEXT NOT NULL,
        kind     TEXT NOT NULL,
        name     TEXT NOT NULL,
        uploader TEXT NOT NULL REFERENCES users(name),
        ts       INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- (room, seq) is the key; the integer id only names the row for the search index,
      -- and being a rowid alias it survives VACUUM unchanged. snippet and file are JSON; file
      -- repeats what files holds so that reading history needs no join.
      CREATE TABLE messages (
        id        INTEGER PRIMARY KEY,
        room      TEXT NOT NULL REFERENCES rooms(id),
        seq       INTEGER NOT NULL,
        msg_id    TEXT NOT NULL UNIQUE,
        from_user TEXT NOT NULL REFERENCES users(name),
        cid       TEXT NOT NULL,
        ts        INTEGER NOT NULL,
        text      TEXT,
        snippet   TEXT,
        file      TEXT,
        UNIQUE (room, seq),
        UNIQUE (from_user, cid)
      );

      CREATE TABLE read_marks (
        room TEXT NOT NULL REFERENCES rooms(id),
        user TEXT NOT NULL REFERENCES users(name),
        seq  INTEGER NOT NULL,
        PRIMARY KEY (room, user)
      ) WITHOUT ROWID;

      -- Contentless: the words live only in the index, the text stays in messages (rowid = messages.id).
      -- room holds the room's token so that a search can be narrowed to rooms inside the index.
      -- Without contentless_delete, which cost ~12% of ingest; editing or deleting messages
      -- later means a migration that rebuilds the index with it.
      CREATE VIRTUAL TABLE search_index USING fts5(
        body,
        room,
        content = '',
        tokenize = 'unicode61 remove_diacritics 2'
      );
    `),
  // msg_id loses its UNIQUE index. Nothing looks a message up by it, and the ids are 96 random
  // bits (or copied from a store that made them unique), while keeping the index cost an insert
  // at a random place in a B-tree per message: with small commits, one more page in the WAL
  // each time. SQLite cannot drop a column constraint, so the table is rebuilt with its ids
  // (the search index refers to them) and its other constraints; nothing refers to messages.
  (db) =>
    db.exec(`
      CREATE TABLE messages_v2 (
        id        INTEGER PRIMARY KEY,
        room      TEXT NOT NULL REFERENCES rooms(id),
        seq       INTEGER NOT NULL,
        msg_id    TEXT NOT NULL,
        from_user TEXT NOT NULL REFERENCES users(name),
        cid       TEXT NOT NULL,
        ts        INTEGER NOT NULL,
        text      TEXT,
        snippet   TEXT,
        file      TEXT,
        UNIQUE (room, seq),
        UNIQUE (from_user, cid)
      );
      INSERT INTO messages_v2 (id, room, seq, msg_id, from_user, cid, ts, text, snippet, file)
        SELECT id, room, seq, msg_id, from_user, cid, ts, text, snippet, file FROM messages ORDER BY id;
      DROP TABLE messages;
      ALTER TABLE messages_v2 RENAME TO messages;
    `),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the file up to SCHEMA_VERSION, one transaction per step, and returns the version it
 * found. A file from a newer release is refused rather than guessed at.
 */
export function migrate(db: Database): number {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > SCHEMA_VERSION) {
    throw new Error(`database schema version ${found} is newer than this server understands (${SCHEMA_VERSION})`);
  }
  for (let version = found; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      MIGRATIONS[version](db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return found;
}
