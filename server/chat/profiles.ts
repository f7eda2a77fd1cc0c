import {
  MAX_DISPLAY_NAME_LENGTH,
  MAX_STATUS_MESSAGE_LENGTH,
  ParleyError,
  encodeFrame,
  type Profile,
  type ProfileSetRequest,
  type ProfilesRequest,
} from '../../protocol';
import { contentKey } from '../media/media-store';
import type { ProfilePatch, ProfileRecord } from '../store/profiles';
import type { ChatContext } from './context';
import type { Peer } from './peer';

/** The stored avatar's name and type, as `download` and the profile's FileRef give them. */
export const AVATAR_NAME = 'avatar.png';
export const AVATAR_MIME = 'image/png';

// C0/C1 controls (line breaks too: both fields are one line), and the bidi overrides and
// isolates that could make a display name read as someone else's.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** A profile as the wire carries it: the avatar as a FileRef that `download` takes. */
export function toWireProfile(p: ProfileRecord): Profile {
  const out: Profile = { user: p.user };
  if (p.displayName !== undefined) out.displayName = p.displayName;
  if (p.statusMessage !== undefined) out.statusMessage = p.statusMessage;
  if (p.avatar !== undefined) {
    out.avatar = { fileId: p.avatar.fileId, name: AVATAR_NAME, size: p.avatar.size, mime: AVATAR_MIME, kind: 'image', sha256: p.avatar.sha256 };
  }
  return out;
}

/**
 * A display name or status message as stored: trimmed ("" clears it). Refused with INVALID: control
 * and direction-changing characters, and a display name that is another user's name (in any case),
 * which would let someone pass for them.
 */
export function checkedText(ctx: ChatContext, user: string, field: 'displayName' | 'statusMessage', raw: string): string {
  const value = raw.trim();
  const max = field === 'displayName' ? MAX_DISPLAY_NAME_LENGTH : MAX_STATUS_MESSAGE_LENGTH;
  if (value.length > max) throw new ParleyError('INVALID', `"${field}" is at most ${max} characters.`);
  if (UNSAFE.test(value)) throw new ParleyError('INVALID', `"${field}" may not hold control or text-direction characters.`);
  if (field === 'displayName' && value !== '') {
    const owner = ctx.presence.canonical(value);
    if (owner !== undefined && owner !== user) throw new ParleyError('INVALID', 'That display name is another user’s name.');
  }
  return value;
}

/** Tells everyone who shares a room with the user (everyone: all are in general), on every node. */
export function announceProfile(ctx: ChatContext, profile: Profile, except?: Peer): void {
  const header = { t: 'profile', profile } as const;
  ctx.hub.toAll(encodeFrame(header), except);
  ctx.cluster?.profileChanged(header);
}

export async function profileSet(ctx: ChatContext, peer: Peer, f: ProfileSetRequest): Promise<void> {
  const user = peer.user as string;
  const patch: ProfilePatch = {};
  if (f.displayName !== undefined) patch.displayName = checkedText(ctx, user, 'displayName', f.displayName);
  if (f.statusMessage !== undefined) patch.statusMessage = checkedText(ctx, user, 'statusMessage', f.statusMessage);
  if (f.clearAvatar === true) patch.avatar = null;
  const update = await ctx.store.setProfile(user, patch);
  if (update === undefined) throw new ParleyError('NOT_FOUND', 'No such user.');
  const profile = toWireProfile(update.profile);
  peer.conn.send({ t: 'profile', id: f.id, profile });
  announceProfile(ctx, profile, peer);
  if (update.replaced !== undefined) await dropAvatarBytes(ctx, update.replaced.sha256);
}

export async function profiles(ctx: ChatContext, peer: Peer, f: ProfilesRequest): Promise<void> {
  const list = await ctx.store.getProfiles(f.users);
  peer.conn.send({ t: 'profiles', id: f.id, profiles: list.map(toWireProfile) });
}

/** Deletes an avatar's bytes that no avatar or file uses any more; a failure only leaves bytes behind. */
export async function dropAvatarBytes(ctx: ChatContext, sha256: string): Promise<void> {
  const media = ctx.media;
  if (media === undefined) return;
  try {
    if (await ctx.store.contentInUse(sha256)) return;
    await media.delete(contentKey(sha256));
  } catch (err) {
    ctx.logger.warn({ err }, 'could not delete the bytes of a replaced avatar');
  }
}
