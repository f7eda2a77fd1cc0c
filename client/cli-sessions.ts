// Terminal-client commands for one's own sessions and password.
import { MIN_PASSWORD_LENGTH, type SessionListing } from '../protocol';
import { UsageError, client, json, resumeSaved, serverKey, type Command, type Context } from './cli-command';
import { promptHidden, readLines } from './prompt';

/** `abc123  parley-cli/0.1.0  from 10.0.0.1  last seen 2026-12-03 13:00  (this one)` */
export function formatSession(s: SessionListing): string {
  const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const parts = [s.id, s.client ?? 'unknown client'];
  if (s.address !== undefined) parts.push(`from ${s.address}`);
  parts.push(`last seen ${when(s.lastSeen)} UTC`, `expires ${when(s.expiresAt)} UTC`);
  if (s.current === true) parts.push('(this one)');
  return parts.join('  ');
}

/** The current and the new password: prompted without echo on a terminal, else the first two lines of stdin. */
async function passwords(ctx: Context): Promise<{ old: string; next: string }> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const [old, next] = await readLines(2, stdin);
    if (!old || !next) throw new UsageError('password reads the current and the new password, one a line, from stdin', 'password');
    return { old, next };
  }
  const old = await promptHidden('Current password: ', stdin, ctx.err);
  if (!old) throw new UsageError('no current password given', 'password');
  const next = await promptHidden('New password: ', stdin, ctx.err);
  if (!next) throw new UsageError('no new password given', 'password');
  if ((await promptHidden('New password again: ', stdin, ctx.err)) !== next) throw new UsageError('the two new passwords differ', 'password');
  return { old, next };
}

/** The account's password, to delete it: prompted without echo on a terminal, else the first line of stdin. */
async function onePassword(ctx: Context): Promise<string> {
  const stdin = process.stdin;
  const password = stdin.isTTY ? await promptHidden('Password (to delete your account): ', stdin, ctx.err) : (await readLines(1, stdin))[0];
  if (!password) throw new UsageError('delete-account reads your password, from the prompt or the first line of stdin', 'delete-account');
  return password;
}

export const SESSION_COMMANDS: Record<string, Command> = {
  sessions: {
    positionals: true,
    usage: 'sessions [--json] | sessions revoke ID|--all',
    summary: 'list your sessions (where you are signed in), or end one of them or all others',
    options: { json, all: { type: 'boolean' } },
    async run(ctx, v, positionals) {
      const [verb, id, ...extra] = positionals;
      const c = client(ctx);
      await resumeSaved(ctx, c);
      if (verb === undefined) {
        if (v.all) throw new UsageError('--all goes with "sessions revoke"', 'sessions');
        for (const s of await c.sessions()) ctx.out.write(v.json ? `${JSON.stringify(s)}\n` : `${formatSession(s)}\n`);
        return;
      }
      if (verb !== 'revoke') throw new UsageError(`sessions takes "revoke", not "${verb}"`, 'sessions');
      if (extra.length > 0 || (id === undefined) === (v.all !== true)) throw new UsageError('sessions revoke takes one session ID or --all', 'sessions');
      if (id === undefined) {
        const count = await c.revokeOtherSessions();
        ctx.out.write(`Ended ${count} other session${count === 1 ? '' : 's'}.\n`);
        return;
      }
      const own = (await c.sessions()).find((s) => s.current === true)?.id === id;
      await c.revokeSession(id);
      // Ending this very session is a logout: the saved token is no good any more.
      if (own) ctx.tokens.delete(serverKey(ctx));
      ctx.out.write(own ? `Ended session ${id} (this one); you are signed out.\n` : `Ended session ${id}.\n`);
    },
  },
  'delete-account': {
    positionals: true,
    usage: 'delete-account [USER]',
    summary: 'delete your account (prompts for your password; your messages stay, by "deleted user"), or as a server administrator USER\'s',
    options: {},
    async run(ctx, _v, positionals) {
      if (positionals.length > 1) throw new UsageError(`delete-account takes at most one USER, not "${positionals[1]}"`, 'delete-account');
      const [user] = positionals;
      const c = client(ctx);
      const session = await resumeSaved(ctx, c);
      if (user !== undefined && user.toLowerCase() !== session.user.toLowerCase()) {
        await c.deleteAccount(user);
        ctx.out.write(`Deleted the account of ${user}; their messages stay, by "deleted user".\n`);
        return;
      }
      const password = await onePassword(ctx);
      await c.deleteOwnAccount(password);
      ctx.tokens.delete(serverKey(ctx));
      ctx.out.write(`Deleted the account of ${session.user}; you are signed out. Your messages stay, by "deleted user".\n`);
    },
  },
  password: {
    usage: 'password',
    summary: 'change your password (prompts without echo; every other session ends)',
    options: {},
    async run(ctx) {
      const { old, next } = await passwords(ctx);
      if ([...next].length < MIN_PASSWORD_LENGTH) throw new UsageError(`the new password needs at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
      const c = client(ctx);
      const session = await resumeSaved(ctx, c);
      const ended = await c.changePassword(old, next);
      ctx.out.write(`Changed the password of ${session.user}; ended ${ended} other session${ended === 1 ? '' : 's'}.\n`);
    },
  },
};

/** `parley passwd` is `parley password`, by the name Unix gives it. */
SESSION_COMMANDS.passwd = { ...(SESSION_COMMANDS.password as Command), usage: 'passwd', summary: 'the same as password' };
