import type { Driver } from 'neo4j-driver';
import { Neo4jError } from 'neo4j-driver';

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
  // Idempotent sends: a resent (from, cid) finds the first copy through this index.
  {
    name: 'message_from_cid',
    create: 'CREATE CONSTRAINT message_from_cid IF NOT EXISTS FOR (m:Message) REQUIRE (m.from, m.cid) IS UNIQUE',
  },
  { name: 'file_id', create: 'CREATE CONSTRAINT file_id IF NOT EXISTS FOR (f:File) REQUIRE f.fileId IS UNIQUE' },
  { name: 'session_token', create: 'CREATE CONSTRAINT session_token IF NOT EXISTS FOR (s:Session) REQUIRE s.tokenHash IS UNIQUE' },
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
