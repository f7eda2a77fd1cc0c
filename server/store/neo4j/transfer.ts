
/** Every user, sorted by name. */
export const EXPORT_USERS = 'MATCH (u:User) RETURN u {.name, .passwordHash, .createdAt, .disabledAt, .adminAt, .deletedAt} AS u ORDER BY u.name';

/** Every room, general and DMs included, sorted by id. */
export const EXPORT_ROOMS = 'MATCH (r:Room) RETURN r {.*} AS r ORDER BY r.id';

export const EXPORT_READ_MARKS = `
  MATCH (u:User)-[mo:MEMBER_OF]->(r:Room)
  WHERE mo.lastRead > 0
  RETURN r.id AS room, u.name AS user, mo.lastRead AS seq
  ORDER BY room, user`;

export { importInTx } from './conversation';
