// Accounts that end (Store.deleteUser) and server administrators named at runtime (u.adminAt).
// A deleted account keeps its (:User) node with deletedAt and its nameKey, so the name stays taken,
// and loses its password hash and every relationship; what it wrote moves to the (:User) named
// DELETED_USER (no nameKey: nobody signs in as it). Run in this order, in one transaction.

export const LIVE_SESSIONS = `
  MATCH (u:User {name: $name}) WHERE u.deletedAt IS NULL
  OPTIONAL MATCH (s:Session {user: $name}) WHERE NOT s.revoked
  RETURN count(u) AS found, collect(s.tokenHash) AS ended`;

export const DELETE_USER_STEPS: readonly string[] = [
  `MERGE (t:User {name: $tomb}) ON CREATE SET t.passwordHash = '', t.createdAt = 0, t.deletedAt = 0`,
  // Messages, changes and room events: the tombstone is their author; cids become unique again as (room, seq).
  `MATCH (u:User {name: $name})-[s:SENT]->(e:Entry), (t:User {name: $tomb})
   CREATE (t)-[:SENT]->(e)
   SET e.from = $tomb, e.cid = 'deleted:' + e.room + ':' + toString(e.seq)
   DELETE s`,
  `MATCH (e:Entry {from: $name}) SET e.from = $tomb, e.cid = 'deleted:' + e.room + ':' + toString(e.seq)`,
  `MATCH (m:Message) WHERE m.resolvedBy = $name SET m.resolvedBy = $tomb`,
  `MATCH (m:Message) WHERE $name IN m.repliers SET m.repliers = [x IN m.repliers | CASE WHEN x = $name THEN $tomb ELSE x END]`,
  // reacted is [emoji, user, …]: the tombstone holds one reaction per emoji, in the first one's place.
  `MATCH (m:Message) WHERE $name IN m.reacted
   WITH m, [i IN range(0, size(m.reacted) - 1, 2) | [m.reacted[i], CASE WHEN m.reacted[i + 1] = $name THEN $tomb ELSE m.reacted[i + 1] END]] AS pairs
   WITH m, reduce(kept = [], p IN pairs | CASE WHEN p IN kept THEN kept ELSE kept + [p] END) AS kept
   SET m.reacted = reduce(flat = [], p IN kept | flat + p)`,
  `MATCH (m:RoomEvent {eventUser: $name})
   SET m.eventUser = $tomb, m.event = replace(m.event, '"user":' + $nameJson, '"user":' + $tombJson)`,
  `MATCH (u:User {name: $name})-[x:REACTED]->(m), (t:User {name: $tomb})
   MERGE (t)-[y:REACTED {key: x.key}]->(m) ON CREATE SET y.seq = x.seq, y.ts = x.ts
   DELETE x`,
  `MATCH (f:File {uploader: $name}) SET f.uploader = $tomb`,
  `MATCH (r:Room {createdBy: $name}) SET r.createdBy = $tomb`,
  `MATCH ()-[i:INVITED {by: $name}]->() SET i.by = $tomb`,
  `MATCH ()-[b:BANNED_FROM {by: $name}]->() SET b.by = $tomb`,
  `MATCH (s:Session {user: $name}) DELETE s`,
  // Memberships (general's too, with their read marks), thread marks, invitations, bans, blocks and mentions.
  `MATCH (u:User {name: $name})-[x:MEMBER_OF|FOLLOWS|INVITED|BANNED_FROM|BLOCKS|MENTIONS]-() DELETE x`,
  `MATCH (u:User {name: $name})
   SET u.passwordHash = '', u.deletedAt = $at
   REMOVE u.disabledAt, u.adminAt, u.displayName, u.statusMessage, u.avatarFileId, u.avatarSha256, u.avatarSize`,
];

export const SET_ADMIN = 'MATCH (u:User {name: $user}) WHERE u.deletedAt IS NULL SET u.adminAt = $at';

export const SERVER_ADMINS = 'MATCH (u:User) WHERE u.adminAt IS NOT NULL AND u.deletedAt IS NULL RETURN u.name AS name ORDER BY name';
