// Terminal-client commands for profiles: display name, status message and avatar.
import * as fs from 'node:fs';
import { AVATAR_SIZE, MAX_AVATAR_UPLOAD, type Profile, type ProfileEvent, type ProfileSetRequest, type ProfilesReply } from '../protocol';
import { UsageError, client, json, resumeSaved, str, type Command } from './cli-command';
import { formatBytes } from './format';
import { uploadAvatar } from './transfers';

/**
 * `alice_01 — Ada Lovelace` then the status and the avatar, one a line; a user with no profile is
 * their name alone. Everything shown is the server's text, printed as is (one line each: the
 * server refuses control characters).
 */
export function formatProfile(p: Profile): string {
  const lines = [p.displayName === undefined ? p.user : `${p.user} — ${p.displayName}`];
  if (p.statusMessage !== undefined) lines.push(`  status: ${p.statusMessage}`);
  if (p.avatar !== undefined) lines.push(`  avatar: ${AVATAR_SIZE}×${AVATAR_SIZE} PNG, ${formatBytes(p.avatar.size)} (parley get ${p.avatar.fileId})`);
  return lines.join('\n');
}

/** The size of an avatar file the user named, refused with a usage error before anything is sent. */
function avatarFileSize(file: string, command: string): number {
  let size: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, command);
  }
  if (size > MAX_AVATAR_UPLOAD) throw new UsageError(`${file} is ${formatBytes(size)}; avatars are at most ${formatBytes(MAX_AVATAR_UPLOAD)}`, command);
  return size;
}

export const PROFILE_COMMANDS: Record<string, Command> = {
  profile: {
    positionals: true,
    usage: 'profile [USER] [--display-name N] [--status S] [--avatar FILE | --clear-avatar] [--json]',
    summary: 'show your profile or USER\'s; --display-name, --status ("" clears), --avatar and --clear-avatar change yours',
    // --name is the older spelling of --display-name.
    options: { 'display-name': str, name: str, status: str, avatar: str, 'clear-avatar': { type: 'boolean' }, json },
    async run(ctx, v, positionals) {
      if (positionals.length > 1) throw new UsageError('profile takes at most one USER', 'profile');
      const change: Omit<ProfileSetRequest, 'id'> = { t: 'profile_set' };
      const displayName = typeof v['display-name'] === 'string' ? v['display-name'] : v.name;
      if (typeof displayName === 'string') change.displayName = displayName;
      if (typeof v.status === 'string') change.statusMessage = v.status;
      if (v['clear-avatar'] === true) change.clearAvatar = true;
      const avatar = typeof v.avatar === 'string' ? v.avatar : undefined;
      if (avatar !== undefined && change.clearAvatar) throw new UsageError('--avatar and --clear-avatar exclude each other', 'profile');
      if (avatar !== undefined) avatarFileSize(avatar, 'profile');
      const changing = Object.keys(change).length > 1;
      if ((changing || avatar !== undefined) && positionals.length > 0) throw new UsageError('only your own profile can be changed: leave USER out', 'profile');
      const c = client(ctx);
      const session = await resumeSaved(ctx, c);
      let profile: Profile | undefined;
      if (changing) profile = (await c.request<ProfileEvent>(change)).profile;
      if (avatar !== undefined) profile = (await uploadAvatar(c, { path: avatar })).profile;
      if (profile === undefined) {
        const user = positionals[0] ?? session.user;
        profile = (await c.request<ProfilesReply>({ t: 'profiles', users: [user] })).profiles[0];
        if (profile === undefined) throw new UsageError(`no user ${user}`, 'profile');
      }
      ctx.out.write(v.json ? `${JSON.stringify(profile)}\n` : `${formatProfile(profile)}\n`);
    },
  },
  avatar: {
    positionals: true,
    usage: 'avatar [--json] FILE',
    summary: `set your avatar from a PNG, JPEG, GIF or BMP (at most ${MAX_AVATAR_UPLOAD / 1024 / 1024} MiB; kept as a ${AVATAR_SIZE}×${AVATAR_SIZE} square; the same as profile --avatar)`,
    options: { json },
    async run(ctx, v, positionals) {
      if (positionals.length !== 1) throw new UsageError('avatar takes one FILE', 'avatar');
      const file = positionals[0];
      avatarFileSize(file, 'avatar');
      const c = client(ctx);
      await resumeSaved(ctx, c);
      const { profile } = await uploadAvatar(c, { path: file });
      ctx.out.write(v.json ? `${JSON.stringify(profile)}\n` : `Avatar set.\n${formatProfile(profile)}\n`);
    },
  },
};
