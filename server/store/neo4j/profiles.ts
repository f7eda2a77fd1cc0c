import type { ManagedTransaction } from 'neo4j-driver';
import { patchedText, toProfile, type AvatarRecord, type ProfilePatch, type ProfileRecord, type ProfileUpdate } from '../profiles';
import { int } from './records';

// Profiles are properties of (:User) (data model 8): displayName, statusMessage, and the avatar as
// avatarFileId, avatarSha256, avatarSize. A property left out is a field not set.

const FIELDS = 'u.name AS name, u.displayName AS displayName, u.statusMessage AS statusMessage, u.avatarFileId AS fileId, u.avatarSha256 AS sha256, u.avatarSize AS size';

interface Columns {
  name: string;
  displayName: string | null;
  statusMessage: string | null;
  fileId: string | null;
  sha256: string | null;
  size: number | null;
}

export const GET_PROFILES = `
  UNWIND range(0, size($keys) - 1) AS i
  MATCH (u:User {nameKey: $keys[i]})
  RETURN ${FIELDS} ORDER BY i`;

export const AVATAR_BY_FILE_ID = `MATCH (u:User {avatarFileId: $fileId}) RETURN ${FIELDS}`;

export const CONTENT_IN_USE = `
  RETURN EXISTS { MATCH (:User {avatarSha256: $sha256}) } OR EXISTS { MATCH (:File {sha256: $sha256}) } AS used`;

export const EXPORT_PROFILES = `
  MATCH (u:User) WHERE u.nameKey IS NOT NULL
    AND (u.displayName IS NOT NULL OR u.statusMessage IS NOT NULL OR u.avatarFileId IS NOT NULL)
  RETURN ${FIELDS} ORDER BY name`;

const READ_ONE = `MATCH (u:User {name: $user}) RETURN ${FIELDS}`;

// Setting a property to null removes it.
const WRITE_ONE = `
  MATCH (u:User {name: $user})
  SET u.displayName = $displayName, u.statusMessage = $statusMessage,
      u.avatarFileId = $fileId, u.avatarSha256 = $sha256, u.avatarSize = $size`;

export function profileOf(c: Columns): ProfileRecord {
  return toProfile(c.name, c.displayName, c.statusMessage, c.fileId, c.sha256, c.size);
}

type Row = { toObject(): Columns };

/** Reads, patches and writes the user's profile in one transaction. */
export async function setProfileInTx(tx: ManagedTransaction, user: string, patch: ProfilePatch): Promise<ProfileUpdate | undefined> {
  const rows = (await tx.run(READ_ONE, { user })).records as unknown as Row[];
  if (rows.length === 0) return undefined;
  const now = rows[0].toObject();
  const before = profileOf(now);
  const display = patchedText(patch.displayName);
  const status = patchedText(patch.statusMessage);
  const next: Columns = {
    ...now,
    displayName: display === undefined ? now.displayName : display,
    statusMessage: status === undefined ? now.statusMessage : status,
  };
  if (patch.avatar !== undefined) {
    next.fileId = patch.avatar?.fileId ?? null;
    next.sha256 = patch.avatar?.sha256 ?? null;
    next.size = patch.avatar?.size ?? null;
  }
  await tx.run(WRITE_ONE, {
    user,
    displayName: next.displayName,
    statusMessage: next.statusMessage,
    fileId: next.fileId,
    sha256: next.sha256,
    size: next.size === null ? null : int(next.size),
  });
  const profile = profileOf(next);
  const replaced: AvatarRecord | undefined =
    patch.avatar !== undefined && before.avatar !== undefined && before.avatar.fileId !== patch.avatar?.fileId ? before.avatar : undefined;
  return replaced === undefined ? { profile } : { profile, replaced };
}
