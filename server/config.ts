import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LIMITS, DEFAULT_PORT, USERNAME_PATTERN, type Limits } from '../protocol';
import { DEFAULT_FTP_POOL, parseFtpUrl } from './media/ftp-store';
import type { MediaConfig } from './media/open-media-store';
import type { StoreConfig } from './store';
import { parseClusterUrl, type ClusterConfig } from './cluster/cluster-config';
import { parseRequestLimits, type Budget, type BudgetKind } from './chat/budgets';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  tls?: { certFile: string; keyFile: string };
  limits: Limits;
  /** Messages per second per user; 0 turns message, typing and registration limits off. */
  rateLimit: number;
  /** Failed sign-ins per minute per user and address (after a burst of 5); 0 turns sign-in throttling off. */
  loginRateLimit: number;
  rateBurst: number;
  /** Per-user budgets of other request kinds over the defaults (server/chat/budgets.ts), and the address factor. */
  requestLimits: { budgets: Partial<Record<BudgetKind, Budget>>; addressFactor?: number };
  /** Bytes a connection may have queued before it is dropped as a slow consumer. */
  outboundBuffer: number;
  /** Keepalive ping interval in ms; a peer silent for twice this is closed. */
  pingInterval: number;
  /** A session ends this many days after it was last used (fractions allowed). */
  sessionDays: number;
  /** Ms between purges of expired and revoked sessions. */
  sessionPurgeInterval: number;
  /** Connections one remote address may hold at once; 0 means no limit. */
  maxConnectionsPerAddress: number;
  /** Port of the HTTP endpoint with /healthz and /metrics; undefined leaves it off (0 picks a free one). */
  metricsPort?: number;
  /** Address the metrics endpoint listens on. */
  metricsHost: string;
  /** Ms a SIGTERM shutdown may take: clients leave, pending commits finish, the store closes. */
  drainTimeout: number;
  logLevel: string;
  /** Server administrators (`--admin USER`, repeatable, or PARLEY_ADMINS=a,b): they can act in any room, disable accounts and read the audit log. */
  admins: string[];
  /** Which Store backend; `openStore` turns it into a Store. */
  store: StoreConfig;
  /** Which MediaStore backend; `openMediaStore` turns it into a MediaStore. */
  media: MediaConfig;
  /** Set with --cluster: this server is one node of several sharing Redis and the Neo4j store. */
  cluster?: ClusterConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Values gathered from flags and env before defaults and derived fields are filled in. */
interface Raw {
  [key: string]: string | undefined;
}

/** Room for a team behind one NAT address, far below what exhausts the server's descriptors. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

/** Sessions unused this long end. */
export const DEFAULT_SESSION_DAYS = 30;

/** Seconds a graceful shutdown may take. */
export const DEFAULT_DRAIN_TIMEOUT_S = 10;

/** One failed sign-in per 10 s for a user from one address, one per 2 s for the address overall. */
export const DEFAULT_LOGIN_RATE_LIMIT = 6;

export interface OptionSpec {
  /** Flag name without dashes; the env name is PARLEY_ + upper-cased with '_' for '-'. */
  name: string;
  arg: string;
  help: string;
  /** A switch: `--name` alone means on; env accepts 1/0, true/false, yes/no. */
  flag?: boolean;
  /** An env name other than the derived one. */
  env?: string;
}

/**
 * Every option, in --help order. A backend option (`neo4j`, `ftp`) is added here and read in
 * `selectBackends`; nothing else needs to change.
 */
export const OPTIONS: OptionSpec[] = [
  { name: 'host', arg: 'ADDR', help: 'address to listen on (default 127.0.0.1)' },
  { name: 'port', arg: 'N', help: `TCP port (default ${DEFAULT_PORT}; 0 picks a free one)` },
  { name: 'data', arg: 'DIR', help: 'data directory for the SQLite file and media (default ./parley-data)' },
  { name: 'tls-cert', arg: 'FILE', help: 'PEM certificate; with --tls-key serves TLS on the same port' },
  { name: 'tls-key', arg: 'FILE', help: 'PEM private key for --tls-cert' },
  { name: 'max-frame', arg: 'BYTES', help: `largest frame accepted (default ${DEFAULT_LIMITS.maxFrame})` },
  { name: 'max-text', arg: 'BYTES', help: `largest message text in UTF-8 bytes (default ${DEFAULT_LIMITS.maxText})` },
  { name: 'max-upload', arg: 'BYTES', help: `largest upload (default ${DEFAULT_LIMITS.maxUpload})` },
  { name: 'rate-limit', arg: 'N', help: 'messages per second per user (default 20; 0 turns every request budget and the registration limit off)' },
  { name: 'login-rate-limit', arg: 'N', help: `failed sign-ins per minute one address gets for one user after 5 at once (default ${DEFAULT_LOGIN_RATE_LIMIT}; 0 = off)` },
  { name: 'request-limits', arg: 'KIND=R/B,…', help: 'per-user budgets of other requests, e.g. search=2/10,history=20/100, and address=N (an address gets N users\' worth; default 10); --rate-limit 0 turns them off too' },
  { name: 'rate-burst', arg: 'N', help: 'messages a user may send at once before the rate applies (default 100)' },
  { name: 'outbound-buffer', arg: 'BYTES', help: 'per-connection send buffer before SLOW_CONSUMER (default 8MiB)' },
  { name: 'ping-interval', arg: 'SECONDS', help: 'keepalive ping interval; silence past twice this closes (default 30)' },
  { name: 'max-connections-per-address', arg: 'N', help: `connections one remote address may hold at once (default ${DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}; 0 = no limit)` },
  { name: 'session-days', arg: 'N', help: `a session ends N days after it was last used (default ${DEFAULT_SESSION_DAYS}; fractions allowed)` },
  { name: 'session-purge-interval', arg: 'SECONDS', help: 'how often expired and revoked sessions are deleted (default 3600; also at start)' },
  { name: 'metrics-port', arg: 'N', help: 'serve GET /healthz and /metrics (Prometheus) over HTTP on this port (default: off; 0 picks a free one)' },
  { name: 'metrics-host', arg: 'ADDR', help: 'address for --metrics-port (default 127.0.0.1)' },
  { name: 'drain-timeout', arg: 'SECONDS', help: `on SIGTERM, how long clients get to move elsewhere and pending messages to be stored before the server exits anyway (default ${DEFAULT_DRAIN_TIMEOUT_S})` },
  { name: 'admin', arg: 'USER', env: 'PARLEY_ADMINS', help: 'a server administrator: acts in any room, disables accounts, reads the audit log (repeatable; PARLEY_ADMINS takes a comma-separated list)' },
  { name: 'log-level', arg: 'LEVEL', help: 'trace, debug, info, warn, error or silent (default info)' },
  { name: 'neo4j', arg: 'URI', env: 'PARLEY_NEO4J_URI', help: 'keep users and messages in Neo4j: bolt://host:7687 (default: SQLite in DIR)' },
  { name: 'neo4j-user', arg: 'NAME', help: 'Neo4j user, when the server has authentication on' },
  { name: 'neo4j-password', arg: 'PASSWORD', help: 'Neo4j password (prefer --neo4j-password-file: argv is visible to every local user)' },
  { name: 'neo4j-password-file', arg: 'FILE', help: 'read the Neo4j password from FILE (first line)' },
  { name: 'neo4j-ca', arg: 'FILE', env: 'PARLEY_NEO4J_CA_FILE', help: "PEM CA certificate to trust for Neo4j's TLS certificate, with a bolt:// or neo4j:// URI (encrypts the link)" },
  { name: 'neo4j-database', arg: 'NAME', help: "Neo4j database (default: the server's default database)" },
  { name: 'ftp', arg: 'URL', env: 'PARLEY_FTP_URL', help: 'keep uploaded media on an FTP server: ftp://user:pass@host:port/dir (default: DIR/media)' },
  { name: 'ftp-url-file', arg: 'FILE', help: 'read the --ftp URL, which holds the FTP password, from FILE (first line)' },
  { name: 'ftp-secure', arg: '', flag: true, help: 'use explicit TLS (AUTH TLS) with --ftp, as an ftpes:// URL does' },
  { name: 'ftp-ca', arg: 'FILE', env: 'PARLEY_FTP_CA_FILE', help: "PEM CA certificate(s) to trust for the FTP server's TLS certificate, besides the public CAs" },
  { name: 'cluster', arg: 'URL', help: 'run as one node of several: redis://[user:pass@]host:6379[/db][?prefix=P] or rediss:// (needs --neo4j)' },
  { name: 'cluster-url-file', arg: 'FILE', help: 'read the --cluster URL, which may hold the Redis password, from FILE (first line)' },
  { name: 'cluster-prefix', arg: 'PREFIX', help: 'prefix of every Redis key and channel of this chat (default parley:, or the URL\'s ?prefix=)' },
  { name: 'cluster-ca', arg: 'FILE', help: "PEM CA certificate to trust for Redis's TLS certificate (rediss://), besides the public CAs" },
  { name: 'node-id', arg: 'NAME', help: 'this node\'s name among the cluster\'s nodes (default: host name and pid)' },
  { name: 'ftp-pool', arg: 'N', help: `FTP connections kept open with --ftp; each transfer holds one (default ${DEFAULT_FTP_POOL})` },
];

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function envName(option: string): string {
  return `PARLEY_${option.toUpperCase().replace(/-/g, '_')}`;
}

/** The environment variable that sets an option. */
export function envOf(option: OptionSpec): string {
  return option.env ?? envName(option.name);
}

export function helpText(): string {
  const width = Math.max(...OPTIONS.map((o) => o.name.length + o.arg.length)) + 4;
  const lines = OPTIONS.map((o) => `  --${`${o.name} ${o.arg}`.padEnd(width)} ${o.help}  [${envOf(o)}]`);
  return [
    'Usage: parley-server [options]',
    '       parley-server copy-store --from SPEC --to SPEC   (copy an installation between stores; see copy-store --help)',
    '',
    'Runs the Parley chat server. With no options it listens on 127.0.0.1:6666 and keeps',
    'everything (SQLite database, uploaded media) under ./parley-data.',
    '',
    'Options (each also settable through the environment variable in brackets; flags win):',
    ...lines,
    `  ${'--help'.padEnd(width + 2)} show this text`,
    `  ${'--version'.padEnd(width + 2)} print the version`,
    '',
    'Sizes take an optional k, m or g suffix (powers of 1024), e.g. --outbound-buffer 8m.',
    'Signals: SIGINT/SIGTERM stop accepting, tell clients to reconnect elsewhere (a "draining" frame),',
    'store and acknowledge pending messages, close the store and exit 0 within --drain-timeout;',
    'a second signal exits at once.',
  ].join('\n');
}

export type CliAction = { kind: 'run'; config: ServerConfig } | { kind: 'help' } | { kind: 'version' };

/** Reads flags (`--name value` or `--name=value`) over `PARLEY_*` env over defaults. */
export function parseArgs(argv: string[], env: Env = process.env, cwd = process.cwd()): CliAction {
  const known = new Set(OPTIONS.map((o) => o.name));
  const flags = new Set(OPTIONS.filter((o) => o.flag).map((o) => o.name));
  const raw: Raw = {};
  const admins: string[] = [];
  for (const o of OPTIONS) {
    const value = env[envOf(o)];
    if (value !== undefined && value !== '') raw[o.name] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version' || arg === '-v') return { kind: 'version' };
    if (!arg.startsWith('--')) throw new ConfigError(`Unexpected argument "${arg}". See --help.`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!known.has(name)) throw new ConfigError(`Unknown option --${name}. See --help.`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (flags.has(name)) value = 'true';
    else {
      value = argv[++i];
      if (value === undefined) throw new ConfigError(`--${name} needs a value.`);
    }
    // --admin repeats: each one adds a name (those from the flags replace PARLEY_ADMINS).
    if (name === 'admin') admins.push(value);
    else raw[name] = value;
  }
  if (admins.length > 0) raw.admin = admins.join(',');
  readSecretFiles(raw, cwd);
  return { kind: 'run', config: buildConfig(raw, cwd) };
}

/** Options that hold a secret, and the option naming a file to read it from instead. */
const SECRET_FILES: { secret: string; file: string }[] = [
  { secret: 'neo4j-password', file: 'neo4j-password-file' },
  { secret: 'ftp', file: 'ftp-url-file' },
  { secret: 'cluster', file: 'cluster-url-file' },
];

/** Secrets in argv or the environment are visible to other local users; files can be 0600. */
function readSecretFiles(raw: Raw, cwd: string): void {
  for (const { secret, file } of SECRET_FILES) {
    const name = raw[file];
    if (name === undefined) continue;
    if (raw[secret] !== undefined) throw new ConfigError(`--${secret} and --${file} are two ways to say the same thing; give one.`);
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(cwd, name), 'utf8');
    } catch (err) {
      throw new ConfigError(`--${file}: cannot read ${name} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    // The first line, so the newline an editor or `echo` adds is not part of the secret.
    const value = text.split(/\r?\n/)[0];
    if (value === '') throw new ConfigError(`--${file}: ${name} is empty.`);
    raw[secret] = value;
    delete raw[file];
  }
}

function buildConfig(raw: Raw, cwd: string): ServerConfig {
  const dataDir = path.resolve(cwd, raw.data ?? 'parley-data');
  const cert = raw['tls-cert'];
  const key = raw['tls-key'];
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('--tls-cert and --tls-key go together.');
  const logLevel = raw['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}.`);
  const limits: Limits = {
    maxFrame: size(raw, 'max-frame', DEFAULT_LIMITS.maxFrame, 64),
    maxText: size(raw, 'max-text', DEFAULT_LIMITS.maxText, 1),
    maxUpload: size(raw, 'max-upload', DEFAULT_LIMITS.maxUpload, 0),
    chunk: DEFAULT_LIMITS.chunk,
    maxReactions: DEFAULT_LIMITS.maxReactions,
    maxPins: DEFAULT_LIMITS.maxPins,
  };
  // A chunk frame must fit in a frame together with its header.
  limits.chunk = Math.max(1024, Math.min(limits.chunk, limits.maxFrame - 1024));
  return {
    host: raw.host ?? '127.0.0.1',
    port: integer(raw, 'port', DEFAULT_PORT, 0, 65535),
    dataDir,
    tls: cert !== undefined && key !== undefined ? { certFile: path.resolve(cwd, cert), keyFile: path.resolve(cwd, key) } : undefined,
    limits,
    rateLimit: number(raw, 'rate-limit', 20),
    loginRateLimit: number(raw, 'login-rate-limit', DEFAULT_LOGIN_RATE_LIMIT),
    rateBurst: integer(raw, 'rate-burst', 100, 1, 1e9),
    requestLimits: requestLimits(raw),
    outboundBuffer: size(raw, 'outbound-buffer', 8 * 1024 * 1024, 1024),
    pingInterval: Math.round(number(raw, 'ping-interval', 30) * 1000) || 30_000,
    maxConnectionsPerAddress: integer(raw, 'max-connections-per-address', DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, 0, 1e9),
    sessionDays: positive(raw, 'session-days', DEFAULT_SESSION_DAYS, 36_500),
    sessionPurgeInterval: Math.round(positive(raw, 'session-purge-interval', 3600, 86_400 * 365) * 1000),
    ...(raw['metrics-port'] !== undefined ? { metricsPort: integer(raw, 'metrics-port', 0, 0, 65535) } : {}),
    metricsHost: metricsHost(raw),
    drainTimeout: Math.round(positive(raw, 'drain-timeout', DEFAULT_DRAIN_TIMEOUT_S, 3600) * 1000),
    logLevel,
    admins: adminNames(raw.admin),
    ...selectBackends(raw, dataDir, cwd),
    cluster: selectCluster(raw, cwd),
  };
}

/** `a,b` → the names, each a valid user name (they need not exist yet: an account registered later with that name is an administrator). */
function adminNames(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = text.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of names) if (!USERNAME_PATTERN.test(name)) throw new ConfigError(`--admin: "${name}" is not a valid user name.`);
  return [...new Set(names)];
}

/** `--cluster`: Redis for fan-out, presence and limits; only with a store every node shares. */
function selectCluster(raw: Raw, cwd: string): ClusterConfig | undefined {
  const url = raw.cluster;
  if (url === undefined) {
    for (const name of ['cluster-prefix', 'cluster-ca', 'node-id']) if (raw[name] !== undefined) throw new ConfigError(`--${name} goes with --cluster.`);
    return undefined;
  }
  if (raw.neo4j === undefined) {
    throw new ConfigError('--cluster needs --neo4j: the embedded SQLite store lives in one node\'s data directory, and the nodes of a cluster must share one store.');
  }
  const caFile = raw['cluster-ca'];
  try {
    return parseClusterUrl(url, {
      prefix: raw['cluster-prefix'],
      nodeId: raw['node-id'],
      ca: caFile === undefined ? undefined : readPem(cwd, 'cluster-ca', caFile),
    });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`--cluster ${(err as Error).message}.`);
  }
}

/** The embedded defaults unless `--neo4j` / `--ftp` select the real services. */
function selectBackends(raw: Raw, dataDir: string, cwd: string): { store: StoreConfig; media: MediaConfig } {
  return {
    store: selectStore(raw, dataDir, cwd),
    media: selectMedia(raw, dataDir, cwd),
  };
}

function selectStore(raw: Raw, dataDir: string, cwd: string): StoreConfig {
  const uri = raw.neo4j;
  const caFile = raw['neo4j-ca'];
  const user = raw['neo4j-user'];
  const password = raw['neo4j-password'];
  const database = raw['neo4j-database'];
  if (uri === undefined) {
    if (user !== undefined || password !== undefined || database !== undefined || caFile !== undefined) {
      throw new ConfigError('--neo4j-user, --neo4j-password, --neo4j-database and --neo4j-ca go with --neo4j.');
    }
    return { kind: 'sqlite', dataDir };
  }
  if (!/^(bolt|neo4j)(\+s|\+ssc)?:\/\/[^/]+/.test(uri)) throw new ConfigError('--neo4j takes a bolt://host:port or neo4j://host:port address.');
  if ((user === undefined) !== (password === undefined)) throw new ConfigError('--neo4j-user and --neo4j-password go together.');
  if (caFile !== undefined && /^[a-z0-9]+\+s{1,2}c?:/.test(uri)) {
    throw new ConfigError('--neo4j-ca goes with a bolt:// or neo4j:// URI: bolt+s:// trusts the system CAs only.');
  }
  let ca: string | undefined;
  if (caFile !== undefined) {
    ca = path.resolve(cwd, caFile);
    readPem(cwd, 'neo4j-ca', caFile);
  }
  return {
    kind: 'neo4j',
    uri,
    ...(user !== undefined ? { user, password } : {}),
    ...(database !== undefined ? { database } : {}),
    ...(ca !== undefined ? { caFile: ca } : {}),
  };
}

function selectMedia(raw: Raw, dataDir: string, cwd: string): MediaConfig {
  const url = raw.ftp;
  const secure = flag(raw, 'ftp-secure');
  const pool = raw['ftp-pool'] === undefined ? undefined : integer(raw, 'ftp-pool', DEFAULT_FTP_POOL, 1, 256);
  const caFile = raw['ftp-ca'];
  if (url === undefined) {
    if (secure) throw new ConfigError('--ftp-secure goes with --ftp.');
    if (caFile !== undefined) throw new ConfigError('--ftp-ca goes with --ftp.');
    if (pool !== undefined) throw new ConfigError('--ftp-pool goes with --ftp.');
    return { kind: 'disk', dir: path.join(dataDir, 'media') };
  }
  try {
    // checked now, so a typo stops the start instead of every later upload
    const target = parseFtpUrl(url, secure || undefined);
    if (caFile !== undefined && !target.secure) throw new ConfigError('--ftp-ca is for FTPS: use an ftpes:// URL or --ftp-secure.');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`--ftp: ${(err as Error).message}.`);
  }
  const ca = caFile === undefined ? undefined : readPem(cwd, 'ftp-ca', caFile);
  return {
    kind: 'ftp',
    url,
    ...(secure ? { secure } : {}),
    ...(pool !== undefined ? { poolSize: pool } : {}),
    ...(ca !== undefined ? { secureOptions: { ca } } : {}),
  };
}

/** A PEM file named by an option, read now so a wrong path stops the start with a clear message. */
function readPem(cwd: string, option: string, name: string): string {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, name), 'utf8');
  } catch (err) {
    throw new ConfigError(`--${option}: cannot read ${name} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`--${option}: ${name} holds no PEM certificate.`);
  return text;
}

function metricsHost(raw: Raw): string {
  const host = raw['metrics-host'];
  if (host !== undefined && raw['metrics-port'] === undefined) throw new ConfigError('--metrics-host goes with --metrics-port.');
  return host ?? '127.0.0.1';
}

function requestLimits(raw: Raw): ServerConfig['requestLimits'] {
  const text = raw['request-limits'];
  if (text === undefined) return { budgets: {} };
  try {
    return parseRequestLimits(text);
  } catch (err) {
    throw new ConfigError(`--request-limits: ${(err as Error).message}`);
  }
}

function flag(raw: Raw, name: string): boolean {
  const text = raw[name];
  if (text === undefined) return false;
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new ConfigError(`--${name} is a switch: true or false.`);
}

function integer(raw: Raw, name: string, fallback: number, min: number, max: number): number {
  const text = raw[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`--${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

function number(raw: Raw, name: string, fallback: number): number {
  const text = raw[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`--${name} must be a number ≥ 0.`);
  return value;
}

function positive(raw: Raw, name: string, fallback: number, max: number): number {
  const text = raw[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new ConfigError(`--${name} must be a number above 0 and at most ${max}.`);
  return value;
}

const SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function size(raw: Raw, name: string, fallback: number, min: number): number {
  const text = raw[name];
  if (text === undefined) return fallback;
  const match = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  const value = match ? Number(match[1]) * SUFFIX[match[2].toLowerCase()] : NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`--${name} must be a size of at least ${min} bytes.`);
  return value;
}
