import { hostname } from 'node:os';

/** Where the nodes of one chat meet: a Redis server, and the key prefix that keeps their keys and channels apart. */
export interface ClusterConfig {
  host: string;
  port: number;
  /** rediss://: TLS to Redis. */
  tls: boolean;
  /** PEM CA to trust for Redis's certificate (rediss:// only), besides the public CAs. */
  ca?: string;
  username?: string;
  password?: string;
  db: number;
  /** Prepended to every key and channel, e.g. `parley:`. */
  prefix: string;
  /** This node's name among its peers (default: host name and pid). */
  nodeId: string;
  /** The URL without its password, for logs. */
  description: string;
}

const PREFIX_PATTERN = /^[A-Za-z0-9_.:{}-]{1,64}$/;
const NODE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * `redis://[user:password@]host[:port][/db][?prefix=P]` or `rediss://…`. Throws a message (for a
 * ConfigError) on anything else. `prefix` and `nodeId` from their own flags win over the URL's.
 */
export function parseClusterUrl(text: string, options: { prefix?: string; nodeId?: string; password?: string; ca?: string } = {}): ClusterConfig {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('takes a redis://host:6379 or rediss://host:6379 URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('takes a redis:// or rediss:// URL');
  if (url.hostname === '') throw new Error('needs a host');
  const tls = url.protocol === 'rediss:';
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbPath = url.pathname.replace(/^\//, '');
  const db = dbPath === '' ? 0 : Number(dbPath);
  if (!Number.isInteger(db) || db < 0 || db > 15) throw new Error('the path is the database number, 0 to 15');
  for (const key of url.searchParams.keys()) if (key !== 'prefix') throw new Error(`knows only the ?prefix= parameter, not "${key}"`);
  const prefix = options.prefix ?? url.searchParams.get('prefix') ?? 'parley:';
  if (!PREFIX_PATTERN.test(prefix)) throw new Error('the key prefix is 1 to 64 letters, digits or _ . : { } -');
  const nodeId = options.nodeId ?? `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64);
  if (!NODE_ID_PATTERN.test(nodeId)) throw new Error('the node id is 1 to 64 letters, digits or _ . -');
  if (!tls && options.ca !== undefined) throw new Error('a CA file goes with rediss:// (TLS) only');
  const password = options.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    tls,
    ca: options.ca,
    username,
    password,
    db,
    prefix,
    nodeId,
    description: `${url.protocol}//${username !== undefined ? `${username}@` : ''}${url.host}/${db} (prefix ${prefix})`,
  };
}
