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

export const PROFILE_COMMANDS: Record<string, Command> = {
  profile: {
    positionals: true,
    usage: 'profile [USER] [--name N] [--status S] [--clear-avatar] [--json]',
    summary: 'show your profile or USER\'s; --name, --status ("" clears) and --clear-avatar change yours',
    options: { name: str, status: str, 'clear-avatar': { type: 'boolean' }, json },
    async run(ctx, v, positionals) {
      if (positionals.length > 1) throw new UsageError('profile takes at most one USER', 'profile');
      const change: Omit<ProfileSetRequest, 'id'> = { t: 'profile_set' };
      if (typeof v.name === 'string') change.displayName = v.name;
      if (typeof v.status === 'string') change.statusMessage = v.status;
      if (v['clear-avatar'] === true) change.clearAvatar = true;
      const changing = Object.keys(change).length > 1;
      if (changing && positionals.length > 0) throw new UsageError('only your own profile can be changed: leave USER out', 'profile');
      const c = client(ctx);
      const session = await resumeSaved(ctx, c);
      let profile: Profile | undefined;
      if (changing) profile = (await c.request<ProfileEvent>(change)).profile;
      else {
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
    summary: `set your avatar from a PNG, JPEG, GIF or BMP (at most ${MAX_AVATAR_UPLOAD / 1024 / 1024} MiB; kept as a ${AVATAR_SIZE}×${AVATAR_SIZE} square)`,
    options: { json },
    async run(ctx, v, positionals) {
      if (positionals.length !== 1) throw new UsageError('avatar takes one FILE', 'avatar');
      const file = positionals[0];
      let size: number;
      try {
        const st = fs.statSync(file);
        if (!st.isFile()) throw new Error('not a file');
        size = st.size;
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 'avatar');
      }
      if (size > MAX_AVATAR_UPLOAD) throw new UsageError(`${file} is ${formatBytes(size)}; avatars are at most ${formatBytes(MAX_AVATAR_UPLOAD)}`, 'avatar');
      const c = client(ctx);
      await resumeSaved(ctx, c);
      const { profile } = await uploadAvatar(c, { path: file });
      ctx.out.write(v.json ? `${JSON.stringify(profile)}\n` : `Avatar set.\n${formatProfile(profile)}\n`);
    },
  },
};
