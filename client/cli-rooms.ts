// Terminal-client commands for rooms people run: the directory, private rooms, invitations,
// moderation, roles, and server administration. Other tools script against these exact forms.
import type { AuditEntry, RoomRole } from '../protocol';

const ROOM_ROLES: readonly RoomRole[] = ['owner', 'admin', 'member'];
import { UsageError, client, json, resumeSaved, str, type Command, type Context } from './cli-command';
import type { ParleyClient } from './session';

const flag = { type: 'boolean' } as const;

async function signedIn(ctx: Context): Promise<ParleyClient> {
  const c = client(ctx);
  await resumeSaved(ctx, c);
  return c;
}

/** Exactly these positionals, by name; the last may take the rest of the line (`rest`). */
function args(positionals: string[], names: string[], command: string, rest = false): string[] {
  if (positionals.length < names.length) throw new UsageError(`${command} needs ${names.join(' ')}`, command);
  if (!rest && positionals.length > names.length) throw new UsageError(`${command} takes ${names.join(' ')}, not "${positionals[names.length]}"`, command);
  if (!rest) return positionals;
  return [...positionals.slice(0, names.length - 1), positionals.slice(names.length - 1).join(' ')];
}

function line(ctx: Context, text: string): void {
  ctx.out.write(`${text}\n`);
}

function auditLine(e: AuditEntry): string {
  const when = new Date(e.at).toISOString().replace('T', ' ').slice(0, 19);
  const where = e.room !== undefined ? ` #${e.room}` : '';
  const whom = e.target !== undefined ? ` ${e.target}` : '';
  const detail = e.detail !== undefined ? ` (${e.detail})` : '';
  return `${when}  ${e.actor} ${e.action}${whom}${where}${detail}`;
}

const room = (name: string) => (name.startsWith('#') ? name.slice(1) : name);

export const ROOM_COMMANDS: Record<string, Command> = {
  create: {
    positionals: true,
    usage: 'create NAME [--private] [--topic T]',
    summary: 'create a group room and own it (--private: invitation only, not in the directory)',
    options: { private: flag, topic: str },
    async run(ctx, v, positionals) {
      const [name] = args(positionals, ['NAME'], 'create');
      const c = await signedIn(ctx);
      const visibility = v.private === true ? 'private' : 'public';
      const info = await c.create(room(name), { visibility, ...(typeof v.topic === 'string' ? { topic: v.topic } : {}) });
      line(ctx, `Created ${visibility === 'private' ? 'private ' : ''}#${info?.id ?? name}.`);
    },
  },
  directory: {
    positionals: true,
    usage: 'directory [QUERY] [--after ROOM] [--limit N] [--json]',
    summary: 'list public rooms with topic and member count, those matching QUERY',
    options: { json, after: str, limit: str },
    async run(ctx, v, positionals) {
      const c = await signedIn(ctx);
      const limit = typeof v.limit === 'string' ? Number(v.limit) : undefined;
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit takes a whole number ≥ 1', 'directory');
      const { rooms, more } = await c.directory(positionals.join(' '), { ...(typeof v.after === 'string' ? { after: v.after } : {}), ...(limit ? { limit } : {}) });
      for (const r of rooms) {
        if (v.json) line(ctx, JSON.stringify(r));
        else line(ctx, `#${r.id}${r.name !== r.id ? ` (${r.name})` : ''}  ${r.memberCount} member${r.memberCount === 1 ? '' : 's'}${r.member ? ', joined' : ''}${r.topic ? ` — ${r.topic}` : ''}`);
      }
      if (more && !v.json) line(ctx, `… more: parley directory ${positionals.join(' ')} --after ${rooms[rooms.length - 1].id}`.replace('  ', ' '));
    },
  },
  members: {
    positionals: true,
    usage: 'members ROOM [--json]',
    summary: "list a room's members, each with their role (and, for those who run it, invitations and bans)",
    options: { json },
    async run(ctx, v, positionals) {
      const [r] = args(positionals, ['ROOM'], 'members');
      const c = await signedIn(ctx);
      const list = await c.members(room(r));
      if (v.json) {
        for (const m of list.members) line(ctx, JSON.stringify(m));
        return;
      }
      for (const m of list.members) line(ctx, `${m.user}  ${m.role}`);
      for (const i of list.invited ?? []) line(ctx, `${i.user}  invited by ${i.by}`);
      for (const b of list.banned ?? []) line(ctx, `${b.user}  banned by ${b.by}`);
    },
  },
  invite: {
    positionals: true,
    usage: 'invite ROOM USER',
    summary: 'invite USER to a room you own or administer',
    options: {},
    async run(ctx, _v, positionals) {
      const [r, user] = args(positionals, ['ROOM', 'USER'], 'invite');
      await (await signedIn(ctx)).invite(room(r), user);
      line(ctx, `Invited ${user} to #${room(r)}.`);
    },
  },
  uninvite: {
    positionals: true,
    usage: 'uninvite ROOM USER',
    summary: 'withdraw the pending invitation of USER',
    options: {},
    async run(ctx, _v, positionals) {
      const [r, user] = args(positionals, ['ROOM', 'USER'], 'uninvite');
      await (await signedIn(ctx)).uninvite(room(r), user);
      line(ctx, `Withdrew the invitation of ${user} to #${room(r)}.`);
    },
  },
  invites: {
    usage: 'invites [--json]',
    summary: 'list your pending invitations',
    options: { json },
    async run(ctx, v) {
      const list = await (await signedIn(ctx)).invitations();
      for (const i of list) line(ctx, v.json ? JSON.stringify(i) : `#${i.room}${i.name !== i.room ? ` (${i.name})` : ''}  from ${i.by}`);
      if (list.length === 0 && !v.json) line(ctx, 'No pending invitations.');
    },
  },
  accept: {
    positionals: true,
    usage: 'accept ROOM',
    summary: 'accept an invitation and join the room',
    options: {},
    async run(ctx, _v, positionals) {
      const [r] = args(positionals, ['ROOM'], 'accept');
      const info = await (await signedIn(ctx)).accept(room(r));
      line(ctx, `Joined #${info?.id ?? room(r)}.`);
    },
  },
  decline: {
    positionals: true,
    usage: 'decline ROOM',
    summary: 'decline an invitation',
    options: {},
    async run(ctx, _v, positionals) {
      const [r] = args(positionals, ['ROOM'], 'decline');
      await (await signedIn(ctx)).decline(room(r));
      line(ctx, `Declined the invitation to #${room(r)}.`);
    },
  },
  kick: {
    positionals: true,
    usage: 'kick ROOM USER [--ban]',
    summary: 'remove USER from the room (--ban: and keep them out until unbanned)',
    options: { ban: flag },
    async run(ctx, v, positionals) {
      const [r, user] = args(positionals, ['ROOM', 'USER'], 'kick');
      const c = await signedIn(ctx);
      if (v.ban === true) await c.ban(room(r), user);
      else await c.kick(room(r), user);
      line(ctx, `${v.ban === true ? 'Banned' : 'Removed'} ${user} from #${room(r)}.`);
    },
  },
  ban: {
    positionals: true,
    usage: 'ban ROOM USER',
    summary: 'ban USER from the room: out, and unable to rejoin or be invited',
    options: {},
    async run(ctx, _v, positionals) {
      const [r, user] = args(positionals, ['ROOM', 'USER'], 'ban');
      await (await signedIn(ctx)).ban(room(r), user);
      line(ctx, `Banned ${user} from #${room(r)}.`);
    },
  },
  unban: {
    positionals: true,
    usage: 'unban ROOM USER',
    summary: 'lift the ban of USER',
    options: {},
    async run(ctx, _v, positionals) {
      const [r, user] = args(positionals, ['ROOM', 'USER'], 'unban');
      await (await signedIn(ctx)).unban(room(r), user);
      line(ctx, `Unbanned ${user} from #${room(r)}.`);
    },
  },
  role: {
    positionals: true,
    usage: 'role ROOM USER owner|admin|member',
    summary: "set a member's role (owner hands the room over; you become an admin)",
    options: {},
    async run(ctx, _v, positionals) {
      const [r, user, role] = args(positionals, ['ROOM', 'USER', 'ROLE'], 'role');
      if (!(ROOM_ROLES as readonly string[]).includes(role)) throw new UsageError(`the role is owner, admin or member, not "${role}"`, 'role');
      await (await signedIn(ctx)).setRole(room(r), user, role as RoomRole);
      line(ctx, `${user} is now ${role === 'admin' ? 'an admin' : role === 'owner' ? 'the owner' : 'a member'} of #${room(r)}.`);
    },
  },
  transfer: {
    positionals: true,
    usage: 'transfer ROOM USER',
    summary: 'hand the room over to USER (the same as role ROOM USER owner)',
    options: {},
    async run(ctx, _v, positionals) {
      const [r, user] = args(positionals, ['ROOM', 'USER'], 'transfer');
      await (await signedIn(ctx)).setRole(room(r), user, 'owner');
      line(ctx, `${user} now owns #${room(r)}.`);
    },
  },
  topic: {
    positionals: true,
    usage: 'topic ROOM TEXT…',
    summary: "set the room's topic (an empty text \"\" clears it)",
    options: {},
    async run(ctx, _v, positionals) {
      const [r, text] = args(positionals, ['ROOM', 'TEXT'], 'topic', true);
      await (await signedIn(ctx)).setRoom(room(r), { topic: text });
      line(ctx, text ? `Topic of #${room(r)}: ${text}` : `Cleared the topic of #${room(r)}.`);
    },
  },
  rename: {
    positionals: true,
    usage: 'rename ROOM NAME…',
    summary: "change the room's display name (its id stays)",
    options: {},
    async run(ctx, _v, positionals) {
      const [r, name] = args(positionals, ['ROOM', 'NAME'], 'rename', true);
      await (await signedIn(ctx)).setRoom(room(r), { name });
      line(ctx, `Renamed #${room(r)} to "${name}".`);
    },
  },
  readonly: {
    positionals: true,
    usage: 'readonly ROOM on|off',
    summary: 'make the room read-only for members (announcements), or open it again',
    options: {},
    async run(ctx, _v, positionals) {
      const [r, state] = args(positionals, ['ROOM', 'on|off'], 'readonly');
      if (state !== 'on' && state !== 'off') throw new UsageError(`readonly takes on or off, not "${state}"`, 'readonly');
      await (await signedIn(ctx)).setRoom(room(r), { readOnly: state === 'on' });
      line(ctx, state === 'on' ? `#${room(r)} is read-only: only its owners and admins post.` : `Every member of #${room(r)} can post again.`);
    },
  },
  block: {
    positionals: true,
    usage: 'block USER',
    summary: 'block USER: no direct messages or invitations from them, and their mentions do not count',
    options: {},
    async run(ctx, _v, positionals) {
      const [user] = args(positionals, ['USER'], 'block');
      await (await signedIn(ctx)).block(user);
      line(ctx, `Blocked ${user}.`);
    },
  },
  unblock: {
    positionals: true,
    usage: 'unblock USER',
    summary: 'stop blocking USER',
    options: {},
    async run(ctx, _v, positionals) {
      const [user] = args(positionals, ['USER'], 'unblock');
      await (await signedIn(ctx)).unblock(user);
      line(ctx, `Unblocked ${user}.`);
    },
  },
  blocks: {
    usage: 'blocks [--json]',
    summary: 'list the users you block',
    options: { json },
    async run(ctx, v) {
      const users = await (await signedIn(ctx)).blocks();
      if (v.json) line(ctx, JSON.stringify(users));
      else for (const u of users) line(ctx, u);
    },
  },
  admin: {
    positionals: true,
    usage: 'admin disable|enable USER | admin add|remove USER | admin list [--json] | admin audit [--limit N] [--json]',
    summary: 'server administrators: disable or enable an account, name or unname administrators, read the audit log',
    options: { json, limit: str },
    async run(ctx, v, positionals) {
      const [what, ...rest] = positionals;
      const c = await signedIn(ctx);
      if (what === 'disable' || what === 'enable') {
        const [user] = args(rest, ['USER'], `admin ${what}`);
        await c.disableAccount(user, what === 'disable');
        line(ctx, what === 'disable' ? `Disabled ${user}: their sessions have ended.` : `Enabled ${user}.`);
        return;
      }
      if (what === 'add' || what === 'remove') {
        const [user] = args(rest, ['USER'], `admin ${what}`);
        await c.setServerAdmin(user, what === 'add');
        line(ctx, what === 'add' ? `${user} is a server administrator.` : `${user} is no longer a server administrator.`);
        return;
      }
      if (what === 'list') {
        args(rest, [], 'admin list');
        const { users, fixed } = await c.serverAdmins();
        if (v.json) line(ctx, JSON.stringify({ users, fixed }));
        else for (const u of users) line(ctx, fixed.includes(u) ? `${u}  (named at start-up)` : u);
        return;
      }
      if (what === 'audit') {
        args(rest, [], 'admin audit');
        const limit = typeof v.limit === 'string' ? Number(v.limit) : undefined;
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit takes a whole number ≥ 1', 'admin');
        const { entries } = await c.audit(limit ? { limit } : {});
        for (const e of entries) line(ctx, v.json ? JSON.stringify(e) : auditLine(e));
        return;
      }
      throw new UsageError('admin takes disable USER, enable USER, add USER, remove USER, list or audit', 'admin');
    },
  },
};

/** `parley audit` is `parley admin audit`. */
ROOM_COMMANDS.audit = {
  usage: 'audit [--limit N] [--json]',
  summary: 'server administrators: the audit log of moderation actions, newest first',
  options: { json, limit: str },
  run: (ctx, v) => (ROOM_COMMANDS.admin as Command).run(ctx, v, ['audit']),
};
/** `parley invitations` is `parley invites`. */
ROOM_COMMANDS.invitations = { ...(ROOM_COMMANDS.invites as Command), usage: 'invitations [--json]', summary: 'the same as invites' };
