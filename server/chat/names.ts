import { ROOM_MENTION, dmRoomId } from '../../protocol';

/** The spelling a user was created with, for a name given in any case; undefined for no such user. */
export type CanonicalName = (name: string) => string | undefined;

/**
 * A DM room id with both names in their own spelling (`dm:ALICE01:bob_smith` → `dm:alice01:bob_smith`),
 * so `~ALICE01` reaches alice01. An id that is no DM, or names someone who does not exist, is
 * returned as it is (and answered NOT_FOUND where it is used).
 */
export function canonicalDmRoom(room: string, canonical: CanonicalName): string {
  if (!room.startsWith('dm:')) return room;
  const parts = room.split(':');
  if (parts.length !== 3 || !parts[1] || !parts[2]) return room;
  const a = canonical(parts[1]);
  const b = canonical(parts[2]);
  if (a === undefined || b === undefined || a === b) return room;
  return dmRoomId(a, b);
}

/** Mentioned names in their users' spelling; names of nobody (yet) and `room` stay as written. */
export function canonicalMentions(names: string[], canonical: CanonicalName): string[] {
  const out = new Set<string>();
  for (const name of names) out.add(name === ROOM_MENTION ? name : (canonical(name) ?? name));
  return [...out];
}
