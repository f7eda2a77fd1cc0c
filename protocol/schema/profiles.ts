import { Type } from '@sinclair/typebox';
import { MAX_DISPLAY_NAME_LENGTH, MAX_PROFILES_LIST, MAX_STATUS_MESSAGE_LENGTH } from '../limits';
import { Bool, NonNegativeInt, RequestIdSchema, ShortString } from './fields';

// Profiles: what a user shows besides their name (protocol 3).

const Text = (max: number) => Type.String({ maxLength: max, description: `a string of at most ${max} characters` });

/** Sets the sender's display name and status message ("" clears one); `clearAvatar` removes the avatar. */
export const ProfileSetSchema = Type.Object({
  t: Type.Literal('profile_set'),
  id: RequestIdSchema,
  displayName: Type.Optional(Text(MAX_DISPLAY_NAME_LENGTH)),
  statusMessage: Type.Optional(Text(MAX_STATUS_MESSAGE_LENGTH)),
  clearAvatar: Type.Optional(Bool()),
});

/** The profiles of these users (names in any case); unknown names are left out of the reply. */
export const ProfilesSchema = Type.Object({
  t: Type.Literal('profiles'),
  id: RequestIdSchema,
  users: Type.Array(ShortString(32), { minItems: 1, maxItems: MAX_PROFILES_LIST, description: `a list of 1 to ${MAX_PROFILES_LIST} user names` }),
});

/**
 * Starts an avatar upload on a transfer connection: answered by `upload_ready`, then `chunk` and
 * `upload_end` as for a file; the `upload_end` is answered by `profile {id, profile}`.
 */
export const AvatarSchema = Type.Object({
  t: Type.Literal('avatar'),
  id: RequestIdSchema,
  size: NonNegativeInt(),
  name: Type.Optional(ShortString(255)),
});
