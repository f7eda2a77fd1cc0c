import type { AuditEntry, BanEntry, Invitation, RoomEvent } from '../../../protocol';

// Rooms people run, as a graph a person can query (data model 6):
//   (:User)-[:MEMBER_OF {role, lastRead}]->(:Room {visibility, topic, description, readOnly})
//   (:User)-[:INVITED {by, at}]->(:Room)
//   (:User)-[:BANNED_FROM {by, at}]->(:Room)
//   (:User)-[:BLOCKS {at}]->(:User)
//   (:AuditEntry {seq, at, actor, action, room, target, detail}), numbered by (:AuditLog).lastSeq
// Room events are (:Message:Entry:RoomEvent) nodes in the room's seq order, with the event as JSON
// (`event`) and its kind and user as properties of their own (`eventKind`, `eventUser`) for queries.
// General has MEMBER_OF for every user and no role on it: everyone is a member there.

export const ROLE_OF = `
  MATCH (r:Room {id: $room})
  OPTIONAL MATCH (:User {name: $user})-[mo:MEMBER_OF]->(r)
  RETURN r.kind AS kind, mo IS NOT NULL AS member, mo.role AS role`;

export const MEMBER_ROLES = `
  MATCH (u:User)-[mo:MEMBER_OF]->(:Room {id: $room}) WHERE u.nameKey IS NOT NULL OR $room <> $general
  RETURN u.name AS user, coalesce(mo.role, 'member') AS role ORDER BY user`;

export const SET_ROLES = `
  UNWIND $roles AS x
  MATCH (:User {name: x.user})-[mo:MEMBER_OF]->(:Room {id: $room})
  WHERE coalesce(mo.role, 'member') <> x.role
  SET mo.role = x.role
  RETURN count(mo) AS changed`;

export const ADD_MEMBER = `
  MATCH (u:User {name: $user}), (r:Room {id: $room})
  MERGE (u)-[mo:MEMBER_OF]->(r) ON CREATE SET mo.lastRead = 0, mo.role = $role
  WITH u, r
  OPTIONAL MATCH (u)-[i:INVITED]->(r)
  DELETE i`;

export const UPDATE_ROOM = `
  MATCH (r:Room {id: $room})
  FOREACH (_ IN CASE WHEN $name IS NULL THEN [] ELSE [1] END | SET r.name = $name)
  FOREACH (_ IN CASE WHEN $topic IS NULL THEN [] ELSE [1] END | SET r.topic = CASE WHEN $topic = '' THEN null ELSE $topic END)
  FOREACH (_ IN CASE WHEN $description IS NULL THEN [] ELSE [1] END |
    SET r.description = CASE WHEN $description = '' THEN null ELSE $description END)
  FOREACH (_ IN CASE WHEN $readOnly IS NULL THEN [] ELSE [1] END | SET r.readOnly = CASE WHEN $readOnly THEN true ELSE null END)
  RETURN count(r) AS n`;

export const DIRECTORY = `
  MATCH (r:Room) WHERE r.kind = 'group' AND coalesce(r.visibility, 'public') = 'public' AND r.id > $after
    AND ($query = '' OR toLower(r.id) CONTAINS $query OR toLower(r.name) CONTAINS $query OR toLower(coalesce(r.topic, '')) CONTAINS $query)
  WITH r ORDER BY r.id LIMIT $limit
  RETURN r.id AS id, r.name AS name, r.topic AS topic,
    CASE WHEN r.id = $general THEN COUNT { MATCH (u:User) WHERE u.nameKey IS NOT NULL AND u.deletedAt IS NULL } ELSE COUNT { (:User)-[:MEMBER_OF]->(r) } END AS memberCount,
    EXISTS { (:User {name: $user})-[:MEMBER_OF]->(r) } AS member`;

export const INVITE = `
  MATCH (u:User {name: $user}), (r:Room {id: $room})
  WHERE NOT EXISTS { (u)-[:INVITED]->(r) }
  CREATE (u)-[:INVITED {by: $by, at: $at}]->(r)
  RETURN count(*) AS n`;

export const REMOVE_INVITATION = `
  MATCH (:User {name: $user})-[i:INVITED]->(:Room {id: $room})
  DELETE i
  RETURN count(*) AS n`;

export const INVITATIONS_OF = `
  MATCH (u:User {name: $user})-[i:INVITED]->(r:Room)
  RETURN r.id AS room, r.name AS name, u.name AS user, i.by AS by, i.at AS at ORDER BY at DESC, room`;

export const INVITATIONS_TO = `
  MATCH (u:User)-[i:INVITED]->(r:Room {id: $room})
  RETURN r.id AS room, r.name AS name, u.name AS user, i.by AS by, i.at AS at ORDER BY user`;

export const BAN = `
  MATCH (u:User {name: $user}), (r:Room {id: $room})
  MERGE (u)-[b:BANNED_FROM]->(r) ON CREATE SET b.by = $by, b.at = $at
  WITH u, r
  OPTIONAL MATCH (u)-[mo:MEMBER_OF]->(r)
  OPTIONAL MATCH (u)-[i:INVITED]->(r)
  DELETE mo, i`;

export const UNBAN = `
  MATCH (:User {name: $user})-[b:BANNED_FROM]->(:Room {id: $room})
  DELETE b
  RETURN count(*) AS n`;

export const IS_BANNED = 'RETURN EXISTS { (:User {name: $user})-[:BANNED_FROM]->(:Room {id: $room}) } AS banned';

export const BANS = `
  MATCH (u:User)-[b:BANNED_FROM]->(:Room {id: $room})
  RETURN u.name AS user, b.by AS by, b.at AS at ORDER BY user`;

// The room's write lock first (as append takes it), then lastSeq: gap-free with messages.
export const APPEND_ROOM_EVENT = `
  MATCH (r:Room {id: $room})
  SET r._lock = true
  REMOVE r._lock
  WITH r, r.lastSeq + 1 AS seq
  SET r.lastSeq = seq
  WITH r, seq
  MATCH (u:User {name: $from})
  CREATE (u)-[:SENT]->(x:Message:Entry:RoomEvent {id: $id, room: r.id, seq: seq, ts: $ts, from: $from, cid: $cid,
                                                  event: $event, eventKind: $kind, eventUser: $subject})-[:IN]->(r)
  RETURN seq`;

export const BLOCK = `
  MATCH (u:User {name: $user}), (o:User {name: $other})
  MERGE (u)-[b:BLOCKS]->(o) ON CREATE SET b.at = $at`;

export const UNBLOCK = 'MATCH (:User {name: $user})-[b:BLOCKS]->(:User {name: $other}) DELETE b';

export const ALL_BLOCKS = 'MATCH (u:User)-[b:BLOCKS]->(o:User) RETURN u.name AS user, o.name AS blocked, b.at AS at ORDER BY user, blocked';

export const SET_DISABLED = 'MATCH (u:User {name: $user}) SET u.disabledAt = $at';

export const ADD_AUDIT = `
  MERGE (l:AuditLog {name: 'parley'}) ON CREATE SET l.lastSeq = 0
  SET l._lock = true
  REMOVE l._lock
  WITH l, l.lastSeq + 1 AS seq
  SET l.lastSeq = seq
  CREATE (:AuditEntry {seq: seq, at: $at, actor: $actor, action: $action, room: $room, target: $target, detail: $detail})
  RETURN seq`;

export const AUDIT = `
  MATCH (a:AuditEntry) WHERE a.seq < $before
  RETURN a {.*} AS a ORDER BY a.seq DESC LIMIT $limit`;

export interface InvitationRow {
  room: string;
  name: string;
  user: string;
  by: string;
  at: number;
}

export const toInvitation = (r: InvitationRow): Invitation => ({ room: r.room, name: r.name, user: r.user, by: r.by, at: r.at });
export const toBan = (r: { user: string; by: string; at: number }): BanEntry => ({ user: r.user, by: r.by, at: r.at });

export function toAudit(a: { seq: number; at: number; actor: string; action: string; room?: string | null; target?: string | null; detail?: string | null }): AuditEntry {
  const entry: AuditEntry = { seq: a.seq, at: a.at, actor: a.actor, action: a.action };
  if (a.room !== undefined && a.room !== null) entry.room = a.room;
  if (a.target !== undefined && a.target !== null) entry.target = a.target;
  if (a.detail !== undefined && a.detail !== null) entry.detail = a.detail;
  return entry;
}

export function eventJson(event: RoomEvent): string {
  return JSON.stringify(event);
}
