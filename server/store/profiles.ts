// The profile part of a stored user (display name, status message, avatar), shared by the backends.

/** A stored avatar: a square PNG in the media store under contentKey(sha256). */
export interface AvatarRecord {
  /** The id `download` takes; random, unrelated to the content. */
  fileId: string;
  sha256: string;
  size: number;
}

/** A user's profile; fields not set are absent. `user` is the name as it was created. */
export interface ProfileRecord {
  user: string;
  displayName?: string;
  statusMessage?: string;
  avatar?: AvatarRecord;
}

/** What setProfile changes: each field given replaces the stored one; "" or null clears it. */
export interface ProfilePatch {
  displayName?: string;
  statusMessage?: string;
  avatar?: AvatarRecord | null;
}

export interface ProfileUpdate {
  profile: ProfileRecord;
  /** The avatar the patch replaced or cleared, whose bytes the media store may drop once nobody uses them. */
  replaced?: AvatarRecord;
}

/** The profile of a user whose fields are stored as nullable columns or properties. */
export function toProfile(user: string, displayName: unknown, statusMessage: unknown, fileId: unknown, sha256: unknown, size: unknown): ProfileRecord {
  const profile: ProfileRecord = { user };
  if (typeof displayName === 'string' && displayName !== '') profile.displayName = displayName;
  if (typeof statusMessage === 'string' && statusMessage !== '') profile.statusMessage = statusMessage;
  if (typeof fileId === 'string' && typeof sha256 === 'string') profile.avatar = { fileId, sha256, size: Number(size) };
  return profile;
}

/** Whether a profile has anything set (copy-store copies only those). */
export function hasProfile(p: ProfileRecord): boolean {
  return p.displayName !== undefined || p.statusMessage !== undefined || p.avatar !== undefined;
}

/** The stored value of a patched text field: undefined keeps, null clears. */
export function patchedText(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === '' ? null : value;
}
