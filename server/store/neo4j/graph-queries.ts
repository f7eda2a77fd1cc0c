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

/** Rooms by number of messages; `lastSeq` is exact (gap-free seqs), so no message is scanned. */
export const BUSIEST_ROOMS = `
  MATCH (r:Room)
  RETURN r.id AS room, r.kind AS kind, r.lastSeq AS messages, COUNT { (r)<-[:MEMBER_OF]-() } AS members
  ORDER BY messages DESC, room
  LIMIT $limit`;
