import type { Database } from 'better-sqlite3';
import { ROOM_MENTION } from '../../../protocol';

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
  // Conversations: thread replies and changes (react, edit, delete, pin, resolve) are rows of
  // messages with their own seq. A reply has root (and in_room when the room shows it too); a
  // change has change_kind and change_target (change_emoji for reactions; an edit keeps its new
  // text in text). The rest is a message's current state, kept on its row so history reads one
  // row per message: edited (time of the last edit), deleted, pin_seq (the seq of the pin
  // event, which orders the pins), resolved_by, reply_count, last_reply_ts, repliers (JSON,
  // first reply first) and reaction_count (so a page without reactions never looks for them).
  // New columns are NULL on every old row, which is the default state, so adding them rewrites
  // nothing. The partial indexes hold only replies, changes, pins and
  // thread roots: a plain post adds no index entries beyond what it did before.
  //
  // The search index is rebuilt, with the same definition and FTS5's secure-delete option: an
  // edit or delete takes the old words out with the 'delete' command and the row's indexed
  // body, and secure-delete removes them from the index pages themselves. (contentless_delete
  // only marks entries deleted: the words stay in the file until segments merge.) The rebuild
  // indexes every message with the body INDEXED_BODY (body.ts) computes, so a later 'delete'
  // always names exactly what was indexed; changing that expression needs another rebuild.
  (db) =>
    db.exec(`
      ALTER TABLE messages ADD COLUMN root INTEGER;
      ALTER TABLE messages ADD COLUMN in_room INTEGER;
      ALTER TABLE messages ADD COLUMN change_kind TEXT;
      ALTER TABLE messages ADD COLUMN change_target INTEGER;
      ALTER TABLE messages ADD COLUMN change_emoji TEXT;
      ALTER TABLE messages ADD COLUMN edited INTEGER;
      ALTER TABLE messages ADD COLUMN deleted INTEGER;
      ALTER TABLE messages ADD COLUMN pin_seq INTEGER;
      ALTER TABLE messages ADD COLUMN resolved_by TEXT;
      ALTER TABLE messages ADD COLUMN reply_count INTEGER;
      ALTER TABLE messages ADD COLUMN last_reply_ts INTEGER;
      ALTER TABLE messages ADD COLUMN repliers TEXT;
      ALTER TABLE messages ADD COLUMN reaction_count INTEGER;

      CREATE INDEX messages_by_root ON messages(room, root, seq) WHERE root IS NOT NULL;
      CREATE INDEX messages_by_target ON messages(room, change_target) WHERE change_target IS NOT NULL;
      CREATE INDEX messages_pins ON messages(room, pin_seq) WHERE pin_seq IS NOT NULL;
      CREATE INDEX messages_threads ON messages(room, seq) WHERE reply_count > 0;

      -- One row per user and emoji on a message; at is the seq of the react event (reactor order).
      CREATE TABLE reactions (
        room  TEXT NOT NULL,
        seq   INTEGER NOT NULL,
        emoji TEXT NOT NULL,
        user  TEXT NOT NULL,
        at    INTEGER NOT NULL,
        PRIMARY KEY (room, seq, emoji, user)
      ) WITHOUT ROWID;

      -- Earlier versions of edited messages, oldest first by id; ts is when that version was written.
      CREATE TABLE revisions (
        id   INTEGER PRIMARY KEY,
        room TEXT NOT NULL,
        seq  INTEGER NOT NULL,
        ts   INTEGER NOT NULL,
        text TEXT NOT NULL
      );
      CREATE INDEX revisions_by_message ON revisions(room, seq);

      -- Who message msg mentions (a user name or 'room'); seq is the event that brought the
      -- mention (the post, or the edit that added it), compared with read marks.
      CREATE TABLE mentions (
        room      TEXT NOT NULL,
        user      TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        msg       INTEGER NOT NULL,
        from_user TEXT NOT NULL,
        PRIMARY KEY (room, user, seq)
      ) WITHOUT ROWID;
      CREATE INDEX mentions_by_message ON mentions(room, msg);

      -- A delete asks whether any other file still has the same content.
      CREATE INDEX files_by_sha256 ON files(sha256);

      DROP TABLE search_index;
      CREATE VIRTUAL TABLE search_index USING fts5(
        body,
        room,
        content = '',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1);
      INSERT INTO search_index (rowid, body, room)
        SELECT m.id, concat_ws(' ', m.text, json_extract(m.snippet, '$.path'), json_extract(m.snippet, '$.code'), json_extract(m.file, '$.name')),
          'r' || r.num FROM messages m JOIN rooms r ON r.id = m.room ORDER BY m.id;
    `),
  // Several messages may attach one file record (the same upload sent again, a copied message):
  // a delete keeps the record while another message still attaches it.
  (db) =>
    db.exec(`
      CREATE INDEX messages_by_file ON messages(json_extract(file, '$.fileId')) WHERE file IS NOT NULL;
    `),
  // Unread counts (RoomInfo.unread): the messages a room's timeline shows (posts and replies also
  // sent to the room) that are not deleted, by seq, with their sender. Change events, thread-only
  // replies and tombstones are not in it, so counting a room's unread reads only what counts
  // (and the reader's own messages, skipped by from_user inside the index). The WHERE is repeated
  // word for word by the query (rooms.ts, UNREAD_SHOWN), or SQLite would not use the index.
  (db) =>
    db.exec(`
      CREATE INDEX messages_unread ON messages(room, seq, from_user)
        WHERE change_kind IS NULL AND (root IS NULL OR in_room IS NOT NULL) AND deleted IS NULL;
    `),
  // Sessions that end, and names unique regardless of case.
  // - users.name_key is the lower-cased name, unique. Where existing names differ only in case,
  //   the oldest account (then the name first in byte order) keeps the key; the others keep their
  //   row and messages but get no key, so no lookup by name finds them: they cannot sign in or be
  //   reached by a DM, and their sessions end here. (User names are ASCII, so lower() is exact.)
  // - sessions gain a public id (random, for `sessions` and `revoke`), last_seen (expiry slides
  //   from it; sessions from before start their period now), and the client and address.
  (db) => {
    db.exec(`
      ALTER TABLE users ADD COLUMN name_key TEXT;
      UPDATE users SET name_key = lower(name) WHERE NOT EXISTS (
        SELECT 1 FROM users o WHERE lower(o.name) = lower(users.name)
          AND (o.created_at < users.created_at OR (o.created_at = users.created_at AND o.name < users.name)));
      CREATE UNIQUE INDEX users_by_key ON users(name_key);
      DELETE FROM sessions WHERE user IN (SELECT name FROM users WHERE name_key IS NULL);

      ALTER TABLE sessions ADD COLUMN id TEXT;
      ALTER TABLE sessions ADD COLUMN last_seen INTEGER;
      ALTER TABLE sessions ADD COLUMN client TEXT;
      ALTER TABLE sessions ADD COLUMN address TEXT;
      UPDATE sessions SET id = lower(hex(randomblob(12)));
      CREATE UNIQUE INDEX sessions_by_id ON sessions(id);
      CREATE INDEX sessions_by_user ON sessions(user, last_seen);
      CREATE INDEX sessions_by_last_seen ON sessions(last_seen);
    `);
    db.prepare('UPDATE sessions SET last_seen = max(created_at, ?)').run(Date.now());
  },
  addThreadMarks,
  countUnreadByHidden,
  roomsPeopleRun,
  addProfiles,
  accountsThatEnd,
];

/**
 * Per-thread read marks for the threads a user takes part in (the root's author, anyone who
 * replied, anyone the root or a reply mentions by name): a row is what makes a user a participant,
 * and `seq` is how far they have read that thread. Threads stored before start read up to their
 * last reply, so nothing old turns unread at the upgrade.
 */
function addThreadMarks(db: Database): void {
  db.exec(`
    CREATE TABLE thread_marks (
      room TEXT NOT NULL,
      user TEXT NOT NULL,
      root INTEGER NOT NULL,
      seq  INTEGER NOT NULL,
      PRIMARY KEY (room, user, root)
    ) WITHOUT ROWID;

    CREATE TEMP TABLE thread_ends AS
      SELECT room, root, max(seq) AS seq FROM messages WHERE root IS NOT NULL GROUP BY room, root;
    INSERT OR IGNORE INTO thread_marks (room, user, root, seq)
      SELECT m.room, m.from_user, m.root, e.seq FROM messages m JOIN thread_ends e ON e.room = m.room AND e.root = m.root
      WHERE m.root IS NOT NULL;
    INSERT OR IGNORE INTO thread_marks (room, user, root, seq)
      SELECT m.room, m.from_user, m.seq, e.seq FROM messages m JOIN thread_ends e ON e.room = m.room AND e.root = m.seq;
    INSERT OR IGNORE INTO thread_marks (room, user, root, seq)
      SELECT n.room, n.user, e.root, e.seq FROM mentions n
        JOIN messages t ON t.room = n.room AND t.seq = n.msg
        JOIN thread_ends e ON e.room = t.room AND e.root = coalesce(t.root, t.seq)
      WHERE n.user <> '${ROOM_MENTION}' AND n.user IN (SELECT name FROM users);
    DROP TABLE thread_ends;
  `);
}

/**
 * Unread counts without an index entry per post. messages_unread (schema 5) held every message
 * the timeline shows, so each post wrote a third index beside (room, seq) and (from_user, cid).
 * A room's seqs are gap-free, so the shown messages after a mark are the events after it minus
 * those the timeline does not show: messages_hidden holds only those (change events, thread-only
 * replies, tombstones), which plain posts never add to. It carries the columns of its WHERE, so a
 * count reads the index alone (covering), never a message row. One's own shown messages after one's
 * mark are none, as posting moves the mark (schema 5 on; read-marks.ts): marks left behind by
 * messages stored before that rule catch up here, once.
 */
function countUnreadByHidden(db: Database): void {
  db.exec(`
    DROP INDEX messages_unread;
    CREATE INDEX messages_hidden ON messages(room, seq, change_kind, root, in_room, deleted)
      WHERE change_kind IS NOT NULL OR (root IS NOT NULL AND in_room IS NULL) OR deleted IS NOT NULL;
    INSERT INTO read_marks (room, user, seq)
      SELECT room, from_user, max(seq) FROM messages
      WHERE change_kind IS NULL AND (root IS NULL OR in_room IS NOT NULL) AND from_user IN (SELECT name FROM users)
      GROUP BY room, from_user
      ON CONFLICT (room, user) DO UPDATE SET seq = max(seq, excluded.seq);
  `);
}

/**
 * Rooms people run: visibility, topic, description and read-only on rooms; a role on every
 * membership; invitations, bans, blocks between users and the audit log; disabled accounts; room events as rows of
 * messages (event, JSON), which unread counts leave out. Existing group rooms stay public and
 * their creator becomes their owner; a room whose creator is no longer in it gets its first
 * member by name as owner, so no room with members is without one. (`general` has no member
 * rows; server administrators hold its owner's rights.)
 */
function roomsPeopleRun(db: Database): void {
  db.exec(`
    ALTER TABLE rooms ADD COLUMN visibility TEXT CHECK (visibility IN ('public', 'private'));
    ALTER TABLE rooms ADD COLUMN topic TEXT;
    ALTER TABLE rooms ADD COLUMN description TEXT;
    ALTER TABLE rooms ADD COLUMN read_only INTEGER;

    ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member'));
    UPDATE members SET role = 'owner'
      WHERE EXISTS (SELECT 1 FROM rooms r WHERE r.id = members.room AND r.kind = 'group' AND r.created_by = members.user);
    UPDATE members SET role = 'owner'
      WHERE user = (SELECT min(o.user) FROM members o WHERE o.room = members.room)
        AND EXISTS (SELECT 1 FROM rooms r WHERE r.id = members.room AND r.kind = 'group')
        AND NOT EXISTS (SELECT 1 FROM members o WHERE o.room = members.room AND o.role = 'owner');

    CREATE TABLE invitations (
      room    TEXT NOT NULL REFERENCES rooms(id),
      user    TEXT NOT NULL REFERENCES users(name),
      by_user TEXT NOT NULL,
      at      INTEGER NOT NULL,
      PRIMARY KEY (room, user)
    ) WITHOUT ROWID;
    CREATE INDEX invitations_by_user ON invitations(user, at);

    CREATE TABLE bans (
      room    TEXT NOT NULL REFERENCES rooms(id),
      user    TEXT NOT NULL REFERENCES users(name),
      by_user TEXT NOT NULL,
      at      INTEGER NOT NULL,
      PRIMARY KEY (room, user)
    ) WITHOUT ROWID;

    CREATE TABLE audit (
      seq    INTEGER PRIMARY KEY,
      at     INTEGER NOT NULL,
      actor  TEXT NOT NULL,
      action TEXT NOT NULL,
      room   TEXT,
      target TEXT,
      detail TEXT
    );

    ALTER TABLE users ADD COLUMN disabled_at INTEGER;

    CREATE TABLE blocks (
      user    TEXT NOT NULL REFERENCES users(name),
      blocked TEXT NOT NULL REFERENCES users(name),
      at      INTEGER NOT NULL,
      PRIMARY KEY (user, blocked)
    ) WITHOUT ROWID;

    ALTER TABLE messages ADD COLUMN event TEXT;
    DROP INDEX messages_hidden;
    CREATE INDEX messages_hidden ON messages(room, seq, change_kind, root, in_room, deleted, event)
      WHERE change_kind IS NOT NULL OR (root IS NOT NULL AND in_room IS NULL) OR deleted IS NOT NULL OR event IS NOT NULL;
  `);
}

/**
 * Profiles: a display name, a status message and an avatar (the stored PNG's fileId, sha256 and
 * size) on each user; existing users start with none.
 */
function addProfiles(db: Database): void {
  db.exec(`
    ALTER TABLE users ADD COLUMN display_name TEXT;
    ALTER TABLE users ADD COLUMN status_message TEXT;
    ALTER TABLE users ADD COLUMN avatar_file_id TEXT;
    ALTER TABLE users ADD COLUMN avatar_sha256 TEXT;
    ALTER TABLE users ADD COLUMN avatar_size INTEGER;
    CREATE UNIQUE INDEX users_by_avatar ON users(avatar_file_id) WHERE avatar_file_id IS NOT NULL;
    CREATE INDEX users_by_avatar_sha256 ON users(avatar_sha256) WHERE avatar_sha256 IS NOT NULL;
  `);
}

/**
 * Accounts that end and administrators named at runtime: users.deleted_at marks a deleted account
 * (its row stays, so its name stays taken; nothing finds it by name), users.admin_at a server
 * administrator made by another one (those named with --admin are not stored).
 */
function accountsThatEnd(db: Database): void {
  db.exec(`
    ALTER TABLE users ADD COLUMN deleted_at INTEGER;
    ALTER TABLE users ADD COLUMN admin_at INTEGER;
  `);
}

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
