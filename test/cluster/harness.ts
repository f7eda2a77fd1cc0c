import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { Redis } from 'ioredis';
import { useNeo4j } from '../helpers/neo4j';
import { TestServer } from '../helpers/server';

export const REDIS_PORT = 6379;

/** A per-run key prefix, so parallel runs and other users of the shared Redis never meet. */
export function runPrefix(): string {
  return `parley-test-${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: REDIS_PORT, lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The nodes a suite runs, each a parley-server child on one Neo4j and one Redis (through `redisPort`). */
export interface NodeSpec {
  neo4j: string;
  redisPort: number;
  prefix: string;
  id: string;
  args?: string[];
}

export function startNode(spec: NodeSpec, port = 0): Promise<TestServer> {
  return TestServer.start({
    port,
    args: ['--neo4j', spec.neo4j, '--cluster', `redis://127.0.0.1:${spec.redisPort}?prefix=${spec.prefix}`, '--node-id', spec.id, '--log-level', 'info', ...(spec.args ?? [])],
    timeoutMs: 60_000,
  });
}

/**
 * A TCP proxy in front of Redis that the test can cut: `down()` closes every link and refuses new
 * ones (Redis is gone, as far as the nodes can tell), `up()` lets them in again.
 */
export class RedisGate {
  private readonly server: net.Server;
  private readonly links = new Set<net.Socket>();
  private open = true;
  port = 0;

  constructor(private readonly target = REDIS_PORT) {
    this.server = net.createServer((client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.target, '127.0.0.1');
      this.links.add(client);
      this.links.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.links.delete(client);
        this.links.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  down(): void {
    this.open = false;
    for (const s of this.links) s.destroy();
    this.links.clear();
  }

  up(): void {
    this.open = true;
  }

  close(): Promise<void> {
    this.down();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `check` until it holds, or fails naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The hooks of a suite of `ids.length` nodes on its own Neo4j and the real Redis behind a gate:
 * started one at a time in `before` (the first makes the schema), stopped and their Redis keys
 * dropped in `after`. Call inside describe().
 */
export function useClusterNodes(ids: string[], args: string[] = []): { nodes: TestServer[]; gate: RedisGate } {
  const neo4j = useNeo4j();
  const prefix = runPrefix();
  const gate = new RedisGate();
  const nodes: TestServer[] = [];
  before(async function () {
    this.timeout(240_000);
    await neo4j.wipe();
    await gate.listen();
    for (const id of ids) nodes.push(await startNode({ neo4j: neo4j.uri, redisPort: gate.port, prefix, id, args }));
  });
  after(async () => {
    for (const n of nodes) {
      await n.stop();
      n.cleanup();
    }
    await gate.close();
    await dropPrefix(prefix);
  });
  return { nodes, gate };
}
