import * as fs from 'node:fs';
import type * as tls from 'node:tls';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, GENERAL_ROOM, ParleyError, dmRoomId, type ChatMessage, type PresenceEntry } from '../protocol';
import { ConnectionError } from './connection';
import { getFile, sendFile } from './file-commands';
import { formatBytes, formatChange, formatMessage, formatPresence, formatRoom, parseTilde } from './format';
import { promptHidden, readLine } from './prompt';
import {
  RefusedError, SESSION_ENDED_CODES, UsageError, VERSION, client, json, onePositional, positiveInt, required, resumeSaved, serverKey, str,
  type Command, type Context, type Options,
} from './cli-command';
import { CONVERSATION_COMMANDS, printMessages } from './cli-conversation';
import { DISCUSSION_COMMANDS } from './cli-discussions';
import { ROOM_COMMANDS } from './cli-rooms';
import { SESSION_COMMANDS } from './cli-sessions';
import { PROFILE_COMMANDS } from './cli-profiles';
import { TokenStore, configDir } from './tokens';

/** Exit codes: 0 ok, 1 refused by the server, 2 usage, 3 cannot connect. */
export const EXIT = { OK: 0, REFUSED: 1, USAGE: 2, CONNECT: 3 } as const;

const GLOBAL_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies Options;

const GLOBAL_HELP = `Global options:
  --host H        server host (env PARLEY_HOST, default 127.0.0.1)
  --port P        server port (env PARLEY_PORT, default ${DEFAULT_PORT})
  --tls           connect with TLS (system CAs)
  --ca FILE       trust this CA certificate (implies --tls)
  --insecure      do not verify the server certificate (implies --tls)
  -h, --help      show help`;

const COMMANDS: Record<string, Command> = {
  register: {
    usage: 'register --user U [--password P]',
    summary: 'create an account (then: parley login)',
    options: { user: str, password: str },
    async run(ctx, v) {
      const user = required(v.user, '--user');
      const password = await passwordFrom(v.password, ctx);
      await client(ctx).register(user, password);
      ctx.out.write(`Registered ${user}. Next: parley login --user ${user}\n`);
    },
  },
  login: {
    usage: 'login --user U [--password P]',
    summary: 'sign in and save the session token (prompts for the password on a terminal)',
    options: { user: str, password: str },
    async run(ctx, v) {
      const user = required(v.user, '--user');
      const password = await passwordFrom(v.password, ctx);
      const session = await client(ctx).login(user, password);
      ctx.tokens.set(serverKey(ctx), { user: session.user, token: session.token });
      ctx.out.write(`Logged in as ${session.user} on ${serverKey(ctx)}.\n`);
    },
  },
  logout: {
    usage: 'logout',
    summary: 'revoke the session token and forget it',
    options: {},
    async run(ctx) {
      const saved = ctx.tokens.get(serverKey(ctx));
      if (!saved) throw new RefusedError(`not logged in to ${serverKey(ctx)}`);
      const c = client(ctx);
      try {
        await c.resume(saved.token);
        await c.logout();
      } catch (err) {
        // A token the server already forgot is as good as revoked.
        if (!(err instanceof ParleyError && SESSION_ENDED_CODES.has(err.code))) throw err;
      }
      ctx.tokens.delete(serverKey(ctx));
      ctx.out.write(`Logged out ${saved.user}.\n`);
    },
  },
  send: {
    positionals: true,
    usage: 'send [--room R | --to USER] [--json] TEXT…',
    summary: 'send a message (TEXT ending in "~user" goes to that user privately)',
    options: { room: str, to: str, json },
    async run(ctx, v, positionals) {
      let text = positionals.join(' ');
      if (!text.trim()) throw new UsageError('send needs a message text');
      if (v.room && v.to) throw new UsageError('give --room or --to, not both');
      const c = client(ctx);
      const session = await resumeSaved(ctx, c);
      let room = typeof v.room === 'string' ? v.room : undefined;
      let to = typeof v.to === 'string' ? v.to : undefined;
      if (!room && !to) {
        const tilde = parseTilde(text);
        if (tilde) ({ text, to } = tilde);
      }
      if (to) room = dmRoomId(session.user, to);
      const ack = await c.send(room ?? GENERAL_ROOM, { text });
      if (v.json) ctx.out.write(`${JSON.stringify(ack)}\n`);
      else ctx.out.write(`Sent [${ack.room} #${ack.seq}]\n`);
    },
  },
  'send-file': {
    positionals: true,
    usage: 'send-file [--room R | --to USER] [--json] PATH',
    summary: 'send a file to a room (default general) or to a user; others fetch it with parley get',
    options: { room: str, to: str, json },
    async run(ctx, v, positionals) {
      const file = onePositional(positionals, 'PATH');
      if (v.room && v.to) throw new UsageError('give --room or --to, not both');
      const c = client(ctx);
      const session = await resumeSaved(ctx, c);
      const room = typeof v.to === 'string' ? dmRoomId(session.user, v.to) : typeof v.room === 'string' ? v.room : GENERAL_ROOM;
      const ack = await sendFile(c, room, file, ctx.err);
      const f = ack.file;
      if (v.json) ctx.out.write(`${JSON.stringify(ack)}\n`);
      else ctx.out.write(`Sent ${f?.name ?? file} (${f?.mime ?? '?'}, ${formatBytes(f?.size ?? 0)}) [${ack.room} #${ack.seq}]\nFetch it with: parley get ${f?.fileId ?? '?'}\n`);
    },
  },
  get: {
    positionals: true,
    usage: 'get FILEID [-o PATH] [--json]',
    summary: 'download a shared file (checks its sha256; run again to resume an interrupted download)',
    options: { output: { type: 'string', short: 'o' }, json },
    async run(ctx, v, positionals) {
      const fileId = onePositional(positionals, 'FILEID');
      const c = client(ctx);
      await resumeSaved(ctx, c);
      const saved = await getFile(c, fileId, typeof v.output === 'string' ? v.output : undefined, ctx.err);
      if (v.json) ctx.out.write(`${JSON.stringify(saved)}\n`);
      else ctx.out.write(`Saved ${saved.path} (${saved.mime}, ${formatBytes(saved.size)}, sha256 ${saved.sha256.slice(0, 12)}… checked)\n`);
    },
  },
  tail: {
    usage: 'tail [--room R] [--json]',
    summary: 'print messages as they arrive; resumes after a dropped connection without duplicates',
    options: { room: str, json },
    async run(ctx, v) {
      const room = typeof v.room === 'string' ? v.room : undefined;
      const c = client(ctx, true);
      c.on('message', (m: ChatMessage) => {
        if (room && m.room !== room) return;
        ctx.out.write(v.json ? `${JSON.stringify(m)}\n` : `${formatMessage(m)}\n`);
      });
      c.on('change', (e) => {
        if (room && e.room !== room) return;
        ctx.out.write(v.json ? `${JSON.stringify(e)}\n` : `${formatChange(e)}\n`);
      });
      let lastError = '';
      c.on('status', (status, info) => {
        if (status === 'reconnecting') {
          const why = info.error?.message ?? 'connection lost';
          // One line per outage, not per retry.
          if (why !== lastError) ctx.err.write(`parley: ${why} Reconnecting…\n`);
          lastError = why;
        } else if (status === 'ready' && lastError) {
          ctx.err.write('parley: reconnected\n');
          lastError = '';
        }
      });
      const session = await resumeSaved(ctx, c);
      if (room && !room.startsWith('dm:') && !session.rooms.some((r) => r.id === room)) {
        throw new RefusedError(`you are not in room ${room} (parley join ${room})`);
      }
      ctx.err.write(`parley: tailing ${room ?? 'all rooms'} as ${session.user} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve, reject) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        c.on('status', (status, info) => {
          if (status === 'closed') reject(info.error ?? new ConnectionError('CLOSED', 'The connection was closed.'));
        });
      });
    },
  },
  history: {
    usage: 'history [--room R] [--limit N] [--before SEQ] [--json]',
    summary: 'print the latest messages of a room (default general), oldest first',
    options: { room: str, limit: str, before: str, json },
    async run(ctx, v) {
      const room = typeof v.room === 'string' ? v.room : GENERAL_ROOM;
      const limit = v.limit === undefined ? 50 : positiveInt(v.limit, '--limit');
      const before = v.before === undefined ? undefined : positiveInt(v.before, '--before');
      const c = client(ctx);
      await resumeSaved(ctx, c);
      const page = await c.history(room, before === undefined ? { limit } : { limit, before });
      printMessages(ctx, page.messages, v.json);
    },
  },
  who: {
    usage: 'who [--json]',
    summary: 'list users and whether they are online',
    options: { json },
    async run(ctx, v) {
      const c = client(ctx);
      // Listen first: presence follows the session reply at once.
      const first = new Promise<PresenceEntry[]>((resolve) => c.once('presence', (_e, all) => resolve(all)));
      await resumeSaved(ctx, c);
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new ConnectionError('TIMEOUT', 'The server sent no presence list.')), 5000).unref(),
      );
      const all = await Promise.race([first, timeout]);
      const order = { online: 0, away: 1, offline: 2 };
      const sorted = [...all].sort((a, b) => order[a.status] - order[b.status] || a.user.localeCompare(b.user));
      for (const p of sorted) ctx.out.write(v.json ? `${JSON.stringify(p)}\n` : `${formatPresence(p)}\n`);
    },
  },
  rooms: {
    usage: 'rooms [--json]',
    summary: 'list your rooms',
    options: { json },
    async run(ctx, v) {
      const c = client(ctx);
      await resumeSaved(ctx, c);
      for (const r of await c.rooms()) ctx.out.write(v.json ? `${JSON.stringify(r)}\n` : `${formatRoom(r)}\n`);
    },
  },
  join: {
    positionals: true,
    usage: 'join ROOM',
    summary: 'join a group room',
    options: {},
    async run(ctx, _v, positionals) {
      const room = onePositional(positionals, 'ROOM');
      const c = client(ctx);
      await resumeSaved(ctx, c);
      const info = await c.join(room);
      ctx.out.write(`Joined #${info?.name ?? room}.\n`);
    },
  },
  leave: {
    positionals: true,
    usage: 'leave ROOM',
    summary: 'leave a group room',
    options: {},
    async run(ctx, _v, positionals) {
      const room = onePositional(positionals, 'ROOM');
      const c = client(ctx);
      await resumeSaved(ctx, c);
      await c.leave(room);
      ctx.out.write(`Left #${room}.\n`);
    },
  },
  search: {
    positionals: true,
    usage: 'search [--room R] [--limit N] [--json] QUERY…',
    summary: 'full-text search in your rooms (filters: from:@user in:#room has:file has:snippet is:thread is:pinned before:/after:YYYY-MM-DD)',
    options: { room: str, limit: str, json },
    async run(ctx, v, positionals) {
      const query = positionals.join(' ').trim();
      if (!query) throw new UsageError('search needs a query');
      const opts: { room?: string; limit?: number } = {};
      if (typeof v.room === 'string') opts.room = v.room;
      if (v.limit !== undefined) opts.limit = positiveInt(v.limit, '--limit');
      const c = client(ctx);
      await resumeSaved(ctx, c);
      printMessages(ctx, await c.search(query, opts), v.json);
    },
  },
  ...CONVERSATION_COMMANDS,
  ...DISCUSSION_COMMANDS,
  ...SESSION_COMMANDS,
  ...ROOM_COMMANDS,
  ...PROFILE_COMMANDS,
};

function mainHelp(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return `parley ${VERSION} — terminal client for a Parley chat server

Usage: parley [global options] <command> [options]

Commands:
${lines.join('\n')}

${GLOBAL_HELP}

Exit codes: 0 ok, 1 refused by the server, 2 usage error, 3 cannot connect.
`;
}

function commandHelp(cmd: Command): string {
  return `Usage: parley ${cmd.usage}\n\n${cmd.summary[0].toUpperCase()}${cmd.summary.slice(1)}.\n\n${GLOBAL_HELP}\n`;
}

/** Runs the CLI and returns the exit code (resolves when a long-running command stops). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  let ctx: Context | undefined;
  let commandName: string | undefined;
  try {
    const { name, cmd, values, positionals } = parseCommandLine(argv);
    commandName = name;
    if (values.version) {
      out.write(`${VERSION}\n`);
      return EXIT.OK;
    }
    if (!cmd) {
      if (!values.help) {
        err.write(mainHelp());
        return EXIT.USAGE;
      }
      out.write(mainHelp());
      return EXIT.OK;
    }
    if (values.help) {
      out.write(commandHelp(cmd));
      return EXIT.OK;
    }
    ctx = makeContext(values, env, out, err);
    await cmd.run(ctx, values, positionals);
    return EXIT.OK;
  } catch (e) {
    const { code, message } = describeError(e);
    err.write(`parley: ${message}\n`);
    const about = e instanceof UsageError && e.command ? e.command : commandName;
    if (code === EXIT.USAGE) err.write(`Try "parley ${about ? `${about} ` : ''}--help".\n`);
    return code;
  } finally {
    for (const c of ctx?.clients ?? []) c.close();
  }
}

function parseCommandLine(argv: string[]): {
  name?: string;
  cmd?: Command;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
} {
  const allOptions: Options = { ...GLOBAL_OPTIONS, version: { type: 'boolean' } };
  for (const c of Object.values(COMMANDS)) Object.assign(allOptions, c.options);
  // First pass only finds the command word; global flags may come before or after it.
  const loose = parseArgs({ args: argv, options: allOptions, allowPositionals: true, strict: false, tokens: true });
  const nameToken = loose.tokens?.find((t) => t.kind === 'positional');
  if (!nameToken || nameToken.kind !== 'positional') {
    const strict = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, version: { type: 'boolean' } }, allowPositionals: false, strict: true });
    return { values: strict.values, positionals: [] };
  }
  const name = nameToken.value;
  const cmd = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) throw new UsageError(`unknown command "${name}"`);
  const rest = [...argv.slice(0, nameToken.index), ...argv.slice(nameToken.index + 1)];
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}`, name);
  }
  if (!cmd.positionals && parsed.positionals.length > 0) throw new UsageError(`${name} takes no argument "${parsed.positionals[0]}"`, name);
  return { name, cmd, values: parsed.values, positionals: parsed.positionals };
}

function makeContext(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Context {
  const host = (typeof values.host === 'string' && values.host) || env.PARLEY_HOST || '127.0.0.1';
  const portText = (typeof values.port === 'string' && values.port) || env.PARLEY_PORT || String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`bad port "${portText}"`);
  let tlsOption: boolean | tls.ConnectionOptions = false;
  if (values.tls || values.ca || values.insecure) {
    const opts: tls.ConnectionOptions = {};
    if (typeof values.ca === 'string') {
      try {
        opts.ca = fs.readFileSync(values.ca);
      } catch (e) {
        throw new UsageError(`cannot read --ca file: ${(e as Error).message}`);
      }
    }
    if (values.insecure) opts.rejectUnauthorized = false;
    tlsOption = Object.keys(opts).length ? opts : true;
  }
  return { host, port, tls: tlsOption, tokens: new TokenStore(configDir(env)), out, err, clients: [] };
}

async function passwordFrom(given: string | boolean | undefined, ctx: Context): Promise<string> {
  if (typeof given === 'string') return given;
  const stdin = process.stdin;
  const password = stdin.isTTY ? await promptHidden('Password: ', stdin, ctx.err) : await readLine(stdin);
  if (password === undefined || password === '') throw new UsageError('no password given (--password, or type it when asked)');
  return password;
}

function describeError(e: unknown): { code: number; message: string } {
  if (e instanceof UsageError) return { code: EXIT.USAGE, message: e.message };
  if (e instanceof ParleyError) return { code: EXIT.REFUSED, message: `${e.message} (${e.code})` };
  if (e instanceof RefusedError) return { code: EXIT.REFUSED, message: e.message };
  if (e instanceof ConnectionError) return { code: EXIT.CONNECT, message: e.message.replace('connect with TLS', 'add --tls') };
  if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    return { code: EXIT.USAGE, message: e.message };
  }
  return { code: EXIT.REFUSED, message: e instanceof Error ? e.message : String(e) };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`parley: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
