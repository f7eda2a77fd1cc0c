import type { Driver } from 'neo4j-driver';
import { Neo4jError } from 'neo4j-driver';
import { GENERAL_ROOM, ROOM_MENTION, mentionedNames } from '../../../protocol';
import { int } from './records';

export const FULLTEXT_INDEX = 'message_text';

/**
 * Constraints and indexes, each created only when missing. (room, seq) is a uniqueness
 * constraint rather than a bare index: it is backed by the same range index (seeks and
 * index-ordered history pages) and also makes a repeated seq impossible.
 */
export const SCHEMA: readonly { name: string; create: string }[] = [
  { name: 'user_name', create: 'CREATE CONSTRAINT user_name IF NOT EXISTS FOR (u:User) REQUIRE u.name IS UNIQUE' },
  { name: 'room_id', create: 'CREATE CONSTRAINT room_id IF NOT EXISTS FOR (r:Room) REQUIRE r.id IS UNIQUE' },
  { name: 'message_id', create: 'CREATE CONSTRAINT message_id IF NOT EXISTS FOR (m:Message) REQUIRE m.id IS UNIQUE' },
  {
    name: 'message_room_seq',
    create: 'CREATE CONSTRAINT message_room_seq IF NOT EXISTS FOR (m:Message) REQUIRE (m.room, m.seq) IS UNIQUE',
  },
  // Idempotent sends: a resent (from, cid) finds the first copy through this index. Messages and
  // change events both carry :Entry, so one (from, cid) names one entry of either kind, on every
  // path (one constraint, not one per label, which two transactions could each pass).
  {
    name: 'entry_from_cid',
    create: 'CREATE CONSTRAINT entry_from_cid IF NOT EXISTS FOR (e:Entry) REQUIRE (e.from, e.cid) IS UNIQUE',
  },
  // Change events (reactions, edits, deletes, pins, resolve) share the room's seqs with messages.
  {
    name: 'change_room_seq',
    create: 'CREATE CONSTRAINT change_room_seq IF NOT EXISTS FOR (c:Change) REQUIRE (c.room, c.seq) IS UNIQUE',
  },
  // A mention of a name no user has (yet) points at a (:MentionedName); createUser moves it to the user.
  {
    name: 'mentioned_name',
    create: 'CREATE CONSTRAINT mentioned_name IF NOT EXISTS FOR (p:MentionedName) REQUIRE p.name IS UNIQUE',
  },
  // Range indexes hold only nodes that have every property: these two hold only thread roots with
  // replies and pinned messages, so listing them never scans a room.
  { name: 'message_thread', create: 'CREATE INDEX message_thread IF NOT EXISTS FOR (m:Message) ON (m.room, m.threadSeq)' },
  { name: 'message_pin', create: 'CREATE INDEX message_pin IF NOT EXISTS FOR (m:Message) ON (m.room, m.pinSeq)' },
  // Unread counts: only messages the timeline shows and that are not deleted carry shownSeq.
  { name: 'message_shown', create: 'CREATE INDEX message_shown IF NOT EXISTS FOR (m:Message) ON (m.room, m.shownSeq)' },
  // A delete asks whether another file record still has the same content.
  { name: 'file_sha256', create: 'CREATE INDEX file_sha256 IF NOT EXISTS FOR (f:File) ON (f.sha256)' },
  { name: 'file_id', create: 'CREATE CONSTRAINT file_id IF NOT EXISTS FOR (f:File) REQUIRE f.fileId IS UNIQUE' },
  // Names are unique ignoring case: nameKey is the lower-cased name (version 4).
  { name: 'user_name_key', create: 'CREATE CONSTRAINT user_name_key IF NOT EXISTS FOR (u:User) REQUIRE u.nameKey IS UNIQUE' },
  { name: 'session_token', create: 'CREATE CONSTRAINT session_token IF NOT EXISTS FOR (s:Session) REQUIRE s.tokenHash IS UNIQUE' },
  // A user's sessions (listing, revoking) and the purge of those not seen for too long.
  { name: 'session_user', create: 'CREATE INDEX session_user IF NOT EXISTS FOR (s:Session) ON (s.user, s.id)' },
  { name: 'session_last_seen', create: 'CREATE INDEX session_last_seen IF NOT EXISTS FOR (s:Session) ON (s.lastSeen)' },
  // Downloads find an avatar by its fileId; deleting old avatar bytes asks whether another user has the same (version 8).
  { name: 'user_avatar', create: 'CREATE INDEX user_avatar IF NOT EXISTS FOR (u:User) ON (u.avatarFileId)' },
  { name: 'user_avatar_sha256', create: 'CREATE INDEX user_avatar_sha256 IF NOT EXISTS FOR (u:User) ON (u.avatarSha256)' },
  // The audit log pages newest first by seq (version 6).
  { name: 'audit_seq', create: 'CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (a:AuditEntry) REQUIRE a.seq IS UNIQUE' },
  // No stop words: a chat search for "to be" or "it" should still find something. Eventually
  // consistent: a commit only queues its messages for Lucene, which takes them in large batches in
  // the background, instead of writing and reopening the index in every append's commit (by far
  // the largest cost of a small append). Searches first wait for what is queued (SEARCH), so a
  // search still finds every message acknowledged before it.
  {
    name: FULLTEXT_INDEX,
    create: `CREATE FULLTEXT INDEX ${FULLTEXT_INDEX} IF NOT EXISTS FOR (m:Message) ON EACH [m.text, m.searchExtra]
      OPTIONS {indexConfig: {\`fulltext.analyzer\`: 'standard-no-stop-words', \`fulltext.eventually_consistent\`: true}}`,
  },
];

// Two servers initialising the same database at once can both pass IF NOT EXISTS.
const ALREADY_THERE = /AlreadyExists|EquivalentSchemaRuleAlreadyExists/;

/**
 * Creates what is missing and waits until every index is online (a new one builds in the
 * background). One look at the existing indexes first keeps a restart to a single round trip.
 */
export async function ensureSchema(driver: Driver, database: string | undefined): Promise<void> {
  const existing = await driver.executeQuery('SHOW INDEXES YIELD name, state', {}, { database });
  const state = new Map(existing.records.map((r) => [r.get('name') as string, r.get('state') as string]));
  let waitForIndexes = false;
  for (const { name, create } of SCHEMA) {
    if (state.get(name) === 'ONLINE') continue;
    waitForIndexes = true;
    if (state.has(name)) continue;
    try {
      await driver.executeQuery(create, {}, { database });
    } catch (err) {
      if (!(err instanceof Neo4jError && ALREADY_THERE.test(err.code))) throw err;
    }
  }
  if (waitForIndexes) await driver.executeQuery('CALL db.awaitIndexes(300)', {}, { database });
}

/**
 * The version of the graph's data model, kept on the one (:ParleySchema) node:
 * 1. users, rooms, plain messages (no version node);
 * 2. threads, reactions, edits, deletes, pins, resolve as (:Change) events and their effects, and
 *    mentions as (:Message)-[:MENTIONS {seq}]->(:User | :Room);
 * 3. messages and change events also :Entry, unique by (from, cid) together; mentions of names
 *    without a user point at (:MentionedName {name}); each message carries its reactions as
 *    `reacted` ([emoji, user, emoji, user, …] in the order people reacted), kept with REACTED;
 * 4. each message the room's timeline shows (a post, or a reply also sent to the room) carries
 *    `shownSeq` (its seq) until it is deleted, for unread counts along (room, shownSeq).
 * 5. users unique by `nameKey` (the lower-cased name; where names differed only in case the
 *    oldest account keeps it, the others get `nameClash: true`, no key, and lose their sessions);
 *    sessions carry a public `id` and `lastSeen` (expiry slides from it).
 * 6. thread read marks: (:User)-[:FOLLOWS {room, seq}]->(root:Message) for every participant of a
 *    thread (see Store: thread read marks).
 * 7. rooms people run: MEMBER_OF carries `role` (owner, admin, member; general none: everyone is a
 *    member), rooms `visibility`, `topic`, `description`, `readOnly`; (:User)-[:INVITED {by, at}]->(:Room),
 *    (:User)-[:BANNED_FROM {by, at}]->(:Room), (:User)-[:BLOCKS {at}]->(:User), (:AuditEntry) numbered by (:AuditLog), users
 *    `disabledAt`, and room events as (:Message:Entry:RoomEvent {event, eventKind, eventUser}).
 * 8. profiles: users `displayName`, `statusMessage`, and the avatar as `avatarFileId`, `avatarSha256`,
 *    `avatarSize` (a user without them has an empty profile, so toVersion8 rewrites next to nothing).
 */
export const SCHEMA_VERSION = 8;

/** Constraints of version 2 that entry_from_cid replaces. */
const DROPPED = ['message_from_cid', 'change_from_cid'];

const READ_VERSION = `
  OPTIONAL MATCH (s:ParleySchema {name: 'parley'})
  RETURN s.version AS version, EXISTS { MATCH (:Message) } AS messages, EXISTS { MATCH (:User) } AS users`;

const WRITE_VERSION = `MERGE (s:ParleySchema {name: 'parley'}) SET s.version = $version`;

const MENTION_CANDIDATES = "MATCH (m:Message) WHERE m.text CONTAINS '@' RETURN m.room AS room, m.seq AS seq, m.text AS text";

// Idempotent (MERGE), so a migration cut short, or run by two servers at once, is simply run again.
const ADD_MENTIONS = `
  UNWIND $rows AS x
  MATCH (m:Message {room: x.room, seq: x.seq})
  CALL (m, x) {
    UNWIND x.names AS name
    OPTIONAL MATCH (u:User {name: name}) WHERE name <> $roomMention
    OPTIONAL MATCH (r:Room {id: m.room}) WHERE name = $roomMention
    WITH m, name, coalesce(u, r) AS t
    FOREACH (_ IN CASE WHEN t IS NULL THEN [1] ELSE [] END |
      MERGE (p:MentionedName {name: name})
      MERGE (m)-[n:MENTIONS]->(p) ON CREATE SET n.seq = m.seq)
    FOREACH (_ IN CASE WHEN t IS NULL THEN [] ELSE [1] END |
      MERGE (m)-[n:MENTIONS]->(t) ON CREATE SET n.seq = m.seq)
  }`;

// Version 2 → 3, each run in its own transactions (auto-commit, IN TRANSACTIONS): idempotent too.
// A (from, cid) that version 2 let a message and a change event share keeps it on the earlier
// entry; the later one's cid gets a suffix (it only serves to recognise resends).
const SPLIT_SHARED_CIDS = `
  MATCH (c:Change)
  MATCH (m:Message {from: c.from, cid: c.cid})
  WITH CASE WHEN (c.room = m.room AND c.seq > m.seq) OR (c.room <> m.room AND c.ts >= m.ts) THEN c ELSE m END AS later
  SET later.cid = later.cid + '~' + later.id`;
const LABEL_ENTRIES = `
  MATCH (n) WHERE (n:Message OR n:Change) AND NOT n:Entry
  CALL (n) { SET n:Entry } IN TRANSACTIONS OF 10000 ROWS`;
const ADD_REACTED = `
  MATCH (m:Message) WHERE m.reacted IS NULL AND EXISTS { (:User)-[:REACTED]->(m) }
  CALL (m) {
    SET m.reacted = reduce(acc = [], p IN COLLECT { MATCH (u:User)-[x:REACTED]->(m) RETURN [x.key, u.name] ORDER BY x.seq } | acc + p)
  } IN TRANSACTIONS OF 10000 ROWS`;

// Version 3 → 4: shownSeq on what the timeline shows. Idempotent, in its own transactions.
const ADD_SHOWN_SEQ = `
  MATCH (m:Message) WHERE m.shownSeq IS NULL AND m.deleted IS NULL AND (m.root IS NULL OR m.inRoom = true)
  CALL (m) { SET m.shownSeq = m.seq } IN TRANSACTIONS OF 10000 ROWS`;
// Version 4 → 5. The oldest account of each lower-cased name (then the name first in byte order)
// gets it as nameKey, unless an account has it already; the rest are marked and cannot sign in.
const ADD_NAME_KEYS = `
  MATCH (u:User) WHERE u.nameKey IS NULL AND u.nameClash IS NULL
  WITH toLower(u.name) AS key, u ORDER BY u.createdAt, u.name
  WITH key, collect(u) AS users
  OPTIONAL MATCH (holder:User {nameKey: key})
  WITH key, users, holder IS NOT NULL AS taken
  WITH key, CASE WHEN taken THEN null ELSE users[0] END AS keeper, CASE WHEN taken THEN users ELSE users[1..] END AS others
  FOREACH (k IN CASE WHEN keeper IS NULL THEN [] ELSE [keeper] END | SET k.nameKey = key)
  FOREACH (o IN others | SET o.nameClash = true)`;
const END_CLASHED_SESSIONS = `
  MATCH (u:User {nameClash: true}) MATCH (s:Session {user: u.name}) DETACH DELETE s`;
const ADD_SESSION_FIELDS = `
  MATCH (s:Session) WHERE s.id IS NULL
  SET s.id = replace(randomUUID(), '-', ''), s.lastSeen = CASE WHEN s.createdAt > $now THEN s.createdAt ELSE $now END`;

// Version 5 → 6: FOLLOWS thread marks for the threads stored before, for their participants
// (the root's author, the repliers, whoever the root or a reply mentions), read up to the last
// reply so nothing old turns unread. Idempotent (MERGE), in its own transactions.
const ADD_FOLLOWS = `
  MATCH (root:Message) WHERE root.threadSeq IS NOT NULL
  CALL (root) {
    MATCH (x:Message)-[:REPLY_TO]->(root)
    WITH root, max(x.seq) AS last
    CALL (root) {
      MATCH (u:User {name: root.from}) RETURN u
      UNION
      MATCH (u:User)-[:SENT]->(:Message)-[:REPLY_TO]->(root) RETURN u
      UNION
      MATCH (root)-[:MENTIONS]->(u:User) RETURN u
      UNION
      MATCH (y:Message)-[:REPLY_TO]->(root) MATCH (y)-[:MENTIONS]->(u:User) RETURN u
    }
    MERGE (u)-[f:FOLLOWS]->(root) ON CREATE SET f.room = root.room, f.seq = last
  } IN TRANSACTIONS OF 1000 ROWS`;

// Version 6 → 7: existing group rooms stay public; their creator owns them, or where the creator
// left, the first member by name; every other membership is a member's. Idempotent.
const ROOMS_PEOPLE_RUN = [
  `MATCH (r:Room) WHERE r.kind = 'group' AND r.visibility IS NULL SET r.visibility = 'public'`,
  `MATCH (u:User)-[mo:MEMBER_OF]->(r:Room) WHERE mo.role IS NULL AND r.id <> $general
   SET mo.role = CASE WHEN r.kind = 'group' AND r.createdBy = u.name THEN 'owner' ELSE 'member' END`,
  `MATCH (r:Room) WHERE r.kind = 'group' AND r.id <> $general
     AND NOT EXISTS { (:User)-[:MEMBER_OF {role: 'owner'}]->(r) } AND EXISTS { (:User)-[:MEMBER_OF]->(r) }
   CALL (r) {
     MATCH (u:User)-[mo:MEMBER_OF]->(r) WITH mo ORDER BY u.name LIMIT 1 SET mo.role = 'owner'
   }`,
];

const MIGRATION_BATCH = 1000;

/**
 * Brings a database written by an older Parley up to SCHEMA_VERSION (after ensureSchema) and
 * returns the version found. An empty database simply gets the current version; one written by a
 * newer Parley is refused, nothing changed.
 */
export async function migrate(driver: Driver, database: string | undefined): Promise<number> {
  const head = (await driver.executeQuery(READ_VERSION, {}, { database })).records[0];
  const stored = head?.get('version') as number | null;
  const empty = head?.get('messages') !== true && head?.get('users') !== true;
  if (stored !== null && stored > SCHEMA_VERSION) {
    throw new Error(`The Neo4j database holds data model version ${stored}; this Parley knows up to ${SCHEMA_VERSION}. Upgrade Parley.`);
  }
  const found = stored ?? (empty ? SCHEMA_VERSION : 1);
  // Version 3 also keeps the mentions of names without a user: found again from the texts.
  if (found < 3) await addMentions(driver, database);
  if (found < 3 && !empty) await toVersion3(driver, database);
  if (found < 3) for (const name of DROPPED) await driver.executeQuery(`DROP CONSTRAINT ${name} IF EXISTS`, {}, { database });
  if (found < 4 && !empty) await toVersion4(driver, database);
  if (found < 5 && !empty) await toVersion5(driver, database);
  if (found < 6 && !empty) await toVersion6(driver, database);
  if (found < 7 && !empty) await toVersion7(driver, database);
  if (found < 8 && !empty) await toVersion8(driver, database);
  if (stored !== SCHEMA_VERSION) await driver.executeQuery(WRITE_VERSION, { version: int(SCHEMA_VERSION) }, { database });
  return found;
}

/** Version 2 → 3: the :Entry label and the `reacted` aggregate on what is stored already. */
async function toVersion3(driver: Driver, database: string | undefined): Promise<void> {
  await driver.executeQuery(SPLIT_SHARED_CIDS, {}, { database });
  const session = driver.session({ database });
  try {
    await session.run(LABEL_ENTRIES);
    await session.run(ADD_REACTED);
  } finally {
    await session.close();
  }
}

/** Version 3 → 4: shownSeq on the messages stored before, so their unread counts are right. */
async function toVersion4(driver: Driver, database: string | undefined): Promise<void> {
  const session = driver.session({ database });
  try {
    await session.run(ADD_SHOWN_SEQ);
  } finally {
    await session.close();
  }
}

/** Version 4 → 5: case-insensitive user names, and sessions that can be listed and expire. */
async function toVersion5(driver: Driver, database: string | undefined): Promise<void> {
  await driver.executeQuery(ADD_NAME_KEYS, {}, { database });
  await driver.executeQuery(END_CLASHED_SESSIONS, {}, { database });
  await driver.executeQuery(ADD_SESSION_FIELDS, { now: int(Date.now()) }, { database });
}

/** Version 5 → 6: thread read marks (FOLLOWS) for the participants of the threads stored before. */
async function toVersion6(driver: Driver, database: string | undefined): Promise<void> {
  const session = driver.session({ database });
  try {
    await session.run(ADD_FOLLOWS);
  } finally {
    await session.close();
  }
}

/** Version 6 → 7: roles on the memberships there are (see ROOMS_PEOPLE_RUN). */
async function toVersion7(driver: Driver, database: string | undefined): Promise<void> {
  for (const query of ROOMS_PEOPLE_RUN) await driver.executeQuery(query, { general: GENERAL_ROOM }, { database });
}

/**
 * Version 7 → 8: profiles. Users stored before have none, which is what a user without the
 * properties is; only leftovers no Parley wrote (an empty display name or status) are cleared.
 */
async function toVersion8(driver: Driver, database: string | undefined): Promise<void> {
  await driver.executeQuery(CLEAR_EMPTY_PROFILE_FIELDS, {}, { database });
}

const CLEAR_EMPTY_PROFILE_FIELDS = `
  MATCH (u:User) WHERE u.displayName = '' OR u.statusMessage = ''
  SET u.displayName = CASE WHEN u.displayName = '' THEN null ELSE u.displayName END,
      u.statusMessage = CASE WHEN u.statusMessage = '' THEN null ELSE u.statusMessage END`;

/** Version 1 → 2 (and 2 → 3): unread mention counts need the mentions of messages stored before. */
async function addMentions(driver: Driver, database: string | undefined): Promise<void> {
  const candidates = (await driver.executeQuery(MENTION_CANDIDATES, {}, { database })).records;
  let rows: { room: string; seq: unknown; names: string[] }[] = [];
  const flush = async () => {
    if (rows.length > 0) await driver.executeQuery(ADD_MENTIONS, { rows, roomMention: ROOM_MENTION }, { database });
    rows = [];
  };
  for (const record of candidates) {
    const names = mentionedNames(record.get('text') as string);
    if (names.length === 0) continue;
    rows.push({ room: record.get('room') as string, seq: int(record.get('seq') as number), names });
    if (rows.length === MIGRATION_BATCH) await flush();
  }
  await flush();
}
