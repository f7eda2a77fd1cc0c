// What every terminal-client command shares: its shape, its context, and the small helpers
// for sessions and arguments.
import type * as tls from 'node:tls';
import type { ParseArgsConfig } from 'node:util';
import { ParleyError } from '../protocol';
import { ParleyClient, type SessionInfo } from './session';
import type { TokenStore } from './tokens';

declare const PARLEY_VERSION: string | undefined;
export const VERSION = typeof PARLEY_VERSION === 'string' ? PARLEY_VERSION : 'dev';

export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}
/** Local refusals that are not the server's (not logged in): exit like a refusal. */
export class RefusedError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  usage: string;
  /** Whether the command takes free arguments (text, a room name). */
  positionals?: boolean;
  summary: string;
  options: Options;
  run(ctx: Context, values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<void>;
}

export interface Context {
  host: string;
  port: number;
  tls: boolean | tls.ConnectionOptions;
  tokens: TokenStore;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Clients opened for the command; closed when it ends. */
  clients: ParleyClient[];
}

export const json = { type: 'boolean' } as const;
export const str = { type: 'string' } as const;

export function client(ctx: Context, reconnect = false): ParleyClient {
  const c = new ParleyClient({ host: ctx.host, port: ctx.port, tls: ctx.tls, clientName: `parley-cli/${VERSION}`, reconnect });
  ctx.clients.push(c);
  return c;
}

export function serverKey(ctx: Context): string {
  return `${ctx.host}:${ctx.port}`;
}

/** Resume answers that mean the saved token is no good any more. */
export const SESSION_ENDED_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'SESSION_EXPIRED', 'SESSION_REVOKED']);

const ENDED_BECAUSE: Record<string, string> = {
  SESSION_EXPIRED: 'has expired (unused for too long)',
  SESSION_REVOKED: 'was ended (signed out elsewhere, revoked, or the password changed)',
  UNAUTHENTICATED: 'is no longer valid',
};

/** Signs in with the token saved by `parley login`. */
export async function resumeSaved(ctx: Context, c: ParleyClient): Promise<SessionInfo> {
  const saved = ctx.tokens.get(serverKey(ctx));
  if (!saved) throw new RefusedError(`not logged in to ${serverKey(ctx)}; run "parley login --user NAME"`);
  try {
    return await c.resume(saved.token);
  } catch (err) {
    if (err instanceof ParleyError && SESSION_ENDED_CODES.has(err.code)) {
      ctx.tokens.delete(serverKey(ctx));
      throw new RefusedError(`the saved session for ${saved.user} ${ENDED_BECAUSE[err.code]}; run "parley login --user ${saved.user}" (${err.code})`);
    }
    throw err;
  }
}

export function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

export function positiveInt(value: string | boolean | undefined, flag: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive whole number`);
  return n;
}

export function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return positionals[0];
}

