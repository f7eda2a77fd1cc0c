import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import neo4j from 'neo4j-driver';

/** What scripts/services/neo4j.mjs returns. */
export interface Neo4jServer {
  uri: string;
  port: number;
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

interface Neo4jService {
  startNeo4j(options: { port?: number; dataDir?: string; log?: (line: string) => void; boltTls?: { certFile: string; keyFile: string } }): Promise<Neo4jServer>;
}

// A path the compiler does not resolve: the service script is plain JavaScript.
const script = path.join(__dirname, '../../scripts/services/neo4j.mjs');

/** Starts a real Neo4j (Bolt on 127.0.0.1, auth disabled); `port` and `dataDir` let a test restart the same one. */
export async function startNeo4jServer(options: { port?: number; dataDir: string; boltTls?: { certFile: string; keyFile: string } }): Promise<Neo4jServer> {
  const mod = (await import(script)) as Neo4jService;
  const lines: string[] = [];
  try {
    return await mod.startNeo4j({
      ...options,
      log: (line) => {
        lines.push(line);
        if (lines.length > 40) lines.shift();
      },
    });
  } catch (err) {
    (err as Error).message += `\n  recent output:\n    ${lines.join('\n    ')}`;
    throw err;
  }
}

/** One Neo4j for the enclosing describe block, started in `before` and stopped in `after`. */
export interface Neo4jHandle {
  readonly uri: string;
  readonly server: Neo4jServer;
  /** Deletes every node and relationship; constraints and indexes stay. */
  wipe(): Promise<void>;
  /** Stops the server (like an outage); start() brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  readonly running: boolean;
}

/**
 * Registers before/after hooks that run one Neo4j for the calling describe block. Under CI=true a
 * Neo4j that cannot start fails the suite; elsewhere the suite is skipped with a warning.
 */
export function useNeo4j(): Neo4jHandle {
  let server: Neo4jServer | undefined;
  let dataDir: string | undefined;
  let port = 0;
  let running = false;

  const handle: Neo4jHandle = {
    get uri() {
      if (!server) throw new Error('Neo4j is not started');
      return server.uri;
    },
    get server() {
      if (!server) throw new Error('Neo4j is not started');
      return server;
    },
    get running() {
      return running;
    },
    async wipe() {
      const driver = neo4j.driver(handle.uri);
      const session = driver.session();
      try {
        // Chunked, so a large graph does not need a large heap; needs an auto-commit transaction.
        await session.run('MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
      } finally {
        await session.close();
        await driver.close();
      }
    },
    async stop() {
      running = false;
      await server?.stop();
    },
    async start() {
      if (!dataDir) throw new Error('Neo4j was never started');
      server = await startNeo4jServer({ port, dataDir });
      running = true;
    },
  };

  before(async function () {
    // The first run builds the launcher and downloads Neo4j from Maven Central.
    this.timeout(15 * 60_000);
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-neo4j-test-'));
    try {
      server = await startNeo4jServer({ dataDir });
      port = server.port;
      running = true;
    } catch (err) {
      if (process.env.CI === 'true') throw err;
      console.warn(`      Neo4j unavailable, skipping: ${(err as Error).message.split('\n')[0]}`);
      this.skip();
    }
  });

  after(async function () {
    this.timeout(60_000);
    running = false;
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  return handle;
}
