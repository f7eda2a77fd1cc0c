/**
 * Questions the graph answers directly, for operators with a Neo4j browser or cypher-shell. Not
 * used by the chat server; kept here so they stay true to the model the store writes.
 */

/** Everything `$user` sent, newest first: `{room, seq, ts, text, to}` (`to` only for DMs). */
export const SENT_BY = `
  MATCH (:User {name: $user})-[:SENT]->(m:Message)-[:IN]->(r:Room)
  OPTIONAL MATCH (m)-[:TO]->(t:User)
  RETURN r.id AS room, m.seq AS seq, m.ts AS ts, m.text AS text, t.name AS to
  ORDER BY m.ts DESC, m.seq DESC
  LIMIT $limit`;

/** Direct messages `$user` received (group messages have no single receiver), newest first. */
export const RECEIVED_BY = `
  MATCH (s:User)-[:SENT]->(m:Message)-[:TO]->(:User {name: $user})
  RETURN s.name AS from, m.room AS room, m.seq AS seq, m.ts AS ts, m.text AS text
  ORDER BY m.ts DESC, m.seq DESC
  LIMIT $limit`;

/** The direct conversation between `$a` and `$b`, in order. */
export const CONVERSATION = `
  MATCH (s:User)-[:SENT]->(m:Message)-[:TO]->(t:User)
  WHERE (s.name = $a AND t.name = $b) OR (s.name = $b AND t.name = $a)
  RETURN s.name AS from, t.name AS to, m.seq AS seq, m.ts AS ts, m.text AS text
  ORDER BY m.seq`;

/**
 * Rooms by number of events (messages and changes each take a seq); `lastSeq` is exact (gap-free
 * seqs), so no message is scanned.
 */
export const BUSIEST_ROOMS = `
  MATCH (r:Room)
  RETURN r.id AS room, r.kind AS kind, r.lastSeq AS messages, COUNT { (r)<-[:MEMBER_OF]-() } AS members
  ORDER BY messages DESC, room
  LIMIT $limit`;

/**
 * The threads `$user` started that are still open (not resolved), newest first: each root with
 * its reply count, who replied and when the last reply came.
 */
export const OPEN_THREADS_STARTED_BY = `
  MATCH (:User {name: $user})-[:SENT]->(root:Message)<-[:REPLY_TO]-(reply:Message)
  WHERE root.resolvedBy IS NULL AND root.deleted IS NULL
  WITH root, reply ORDER BY reply.seq
  WITH root, count(reply) AS replies, collect(DISTINCT reply.from) AS repliers, max(reply.ts) AS lastReply
  RETURN root.room AS room, root.seq AS seq, root.text AS text, replies, repliers, lastReply
  ORDER BY lastReply DESC
  LIMIT $limit`;

/** Who reacted to what: every reaction, newest first, with the message it is on. */
export const REACTIONS = `
  MATCH (u:User)-[x:REACTED]->(m:Message)
  RETURN u.name AS user, x.key AS emoji, m.room AS room, m.seq AS seq, m.from AS author, m.text AS text
  ORDER BY x.ts DESC, x.seq DESC
  LIMIT $limit`;

/** The rooms `$user` owns or administers, with the role. */
export const ADMINISTERED_BY = `
  MATCH (:User {name: $user})-[mo:MEMBER_OF]->(r:Room)
  WHERE mo.role IN ['owner', 'admin']
  RETURN r.id AS room, r.name AS name, mo.role AS role
  ORDER BY room`;

/** Who was removed (kicked or banned) from `$room`, by whom and when, in order. */
export const REMOVED_FROM = `
  MATCH (by:User)-[:SENT]->(e:RoomEvent {room: $room})
  WHERE e.eventKind IN ['removed', 'banned']
  RETURN e.eventUser AS user, e.eventKind AS how, by.name AS by, e.ts AS at
  ORDER BY e.seq`;
