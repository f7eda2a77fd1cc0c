import type { ManagedTransaction } from 'neo4j-driver';
import type { ChatMessage } from '../../../protocol';
import { createMessages, lockRooms } from './append';

/** Every user, sorted by name. */
export const EXPORT_USERS = 'MATCH (u:User) RETURN u {.name, .passwordHash, .createdAt} AS u ORDER BY u.name';

/** Every room, general and DMs included, sorted by id. */
export const EXPORT_ROOMS = 'MATCH (r:Room) RETURN r {.*} AS r ORDER BY r.id';

export const EXPORT_READ_MARKS = `
  MATCH (u:User)-[mo:MEMBER_OF]->(r:Room)
  WHERE mo.lastRead > 0
  RETURN r.id AS room, u.name AS user, mo.lastRead AS seq
  ORDER BY room, user`;

/** Stores messages with their given seq and msgId; one transaction, under the rooms' locks. */
export async function importInTx(tx: ManagedTransaction, messages: ChatMessage[]): Promise<void> {
  const roomIds = [...new Set(messages.map((m) => m.room))].sort();
  const lastSeq = await lockRooms(tx, roomIds);
  for (const m of messages) {
    const previous = lastSeq.get(m.room) ?? 0;
    if (!Number.isSafeInteger(m.seq) || m.seq <= previous) throw new Error(`import into ${m.room}: seq ${m.seq} does not follow ${previous}`);
    lastSeq.set(m.room, m.seq);
  }
  await createMessages(tx, messages, lastSeq);
}
