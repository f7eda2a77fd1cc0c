/** Selects the Neo4j backend: `--neo4j bolt://…` / PARLEY_NEO4J_URI. */
export interface Neo4jStoreConfig {
  kind: 'neo4j';
  /** bolt://host:port or neo4j://host:port. */
  uri: string;
  /** Omit both for a server with auth disabled. */
  user?: string;
  password?: string;
  /**
   * PEM file of a private CA (or the server's own certificate) to trust: the link is then
   * encrypted and checked against it. Only with bolt:// or neo4j:// (bolt+s:// trusts the
   * system CAs, bolt+ssc:// anything).
   */
  caFile?: string;
  /** Database name; the server's default database when omitted. */
  database?: string;
  /** Bolt connections kept open at most (default 32). */
  maxPoolSize?: number;
  /** How long a call waits for a pooled or new connection before STORE_UNAVAILABLE (default 5000 ms). */
  acquireTimeoutMs?: number;
  /** How long the driver retries transient failures (lost connection, deadlock) of one transaction (default 5000 ms). */
  retryTimeMs?: number;
}

export const NEO4J_DEFAULTS = {
  maxPoolSize: 32,
  acquireTimeoutMs: 5000,
  connectTimeoutMs: 3000,
  retryTimeMs: 5000,
} as const;

/** The URI without credentials, and the database, for start-up logs. */
export function describeNeo4j(config: Neo4jStoreConfig): string {
  let uri = config.uri;
  try {
    const url = new URL(config.uri);
    url.username = '';
    url.password = '';
    uri = url.toString().replace(/\/$/, '');
  } catch {
    // Not a URL: the driver will refuse it with its own message; show it as given.
  }
  const user = config.user ? ` as ${config.user}` : '';
  return `neo4j ${uri}${config.database ? ` database ${config.database}` : ''}${user}`;
}
