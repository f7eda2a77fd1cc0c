import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log';
import type { ClusterConfig } from './cluster-config';
import { SharedBuckets } from './shared-limiter';

/** A node's heartbeat period; a node silent for NODE_TTL_MS is dead and its users go offline. */
export const HEARTBEAT_MS = 1000;
export const NODE_TTL_MS = 5000;

/** A user's presence as one node holds it. */
export interface NodePresence {
  status: 'online' | 'away';
  context?: string;
}

/** A note as it travels: `at` is the sender's clock (ms) at PUBLISH, for the receivers' publish lag. */
type StampedNote = ClusterNote & { at?: number };

/** What one node tells the others. `n` is the sending node. */
export type ClusterNote =
  | { k: 'ev'; n: string; r: string; s: number; j: string }
  | { k: 'typing'; n: string; r: string; u: string }
  | { k: 'read'; n: string; r: string; u: string; s: number }
  | { k: 'presence'; n: string; u: string; p: NodePresence | null }
  | { k: 'hb'; n: string }
  | { k: 'bye'; n: string }
  | { k: 'close'; n: string; token: string; code: string; msg: string }
  | { k: 'member'; n: string; r: string; u: string; op: 'join' | 'leave'; why?: 'left' | 'removed' | 'banned' }
  | { k: 'user'; n: string; u: string }
  | { k: 'gone'; n: string; u: string }
  | { k: 'admin'; n: string; u: string; on: boolean }
  | { k: 'frame'; n: string; u: string; h: string }
  | { k: 'profile'; n: string; h: string }
  | { k: 'fill'; n: string };

/** What the chat server does with the other nodes' notes. */
export interface ClusterHandlers {
  note(note: ClusterNote): void;
  /** Redis came back after a disconnect: publications may have been missed. */
  resync(): void;
  /** A node stopped beating: its users' presence goes. */
  nodeGone(node: string): void;
  /** A node not heard from before (started, or back after being taken for dead): its users' presence comes. */
  nodeSeen(node: string, users: Map<string, NodePresence>): void;
}

export interface ClusterStats {
  node: string;
  redis: string;
  peers: number;
  published: number;
  received: number;
  publishFailures: number;
  reconnects: number;
}

/**
 * This node's link to the others through Redis: one connection publishes and runs commands,
 * another subscribes to the chat's channel (`<prefix>chat`). Every node hears every note; the
 * store stays the truth, so whatever pub/sub loses (it is at most once) is read back from it.
 * Presence is kept per node in `<prefix>presence:<node>` (a hash expiring NODE_TTL_MS after the
 * node's last heartbeat), so a starting node learns who is online elsewhere.
 */
export class Cluster {
  readonly nodeId: string;
  readonly buckets: SharedBuckets;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private handlers?: ClusterHandlers;
  /** Other nodes, by id: when each was last heard. */
  private readonly peers = new Map<string, number>();
  private heartbeat?: NodeJS.Timeout;
  /** This node's users' presence, as written to its hash: told again when the hash expired meanwhile. */
  private readonly mine = new Map<string, NodePresence>();
  private subscribedOnce = false;
  private closed = false;
  private readonly counts = { published: 0, received: 0, publishFailures: 0, reconnects: 0 };
  /**
   * Told, per note from another node, the seconds from its PUBLISH to its arrival here (by the
   * two nodes' clocks: on one host exact, across hosts as good as their clock sync).
   */
  onPublishLag?: (seconds: number) => void;

  constructor(
    readonly config: ClusterConfig,
    private readonly logger: Logger,
  ) {
    this.nodeId = config.nodeId;
    this.channel = `${config.prefix}chat`;
    const options: RedisOptions = {
      host: config.host,
      port: config.port,
      username: config.username,
      password: config.password,
      db: config.db,
      lazyConnect: true,
      // A command while Redis is away fails at once: the node goes on serving its own clients.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      ...(config.tls ? { tls: config.ca !== undefined ? { ca: config.ca } : {} } : {}),
    };
    this.pub = new Redis({ ...options, connectionName: `parley-${this.nodeId}-pub` });
    this.sub = new Redis({ ...options, connectionName: `parley-${this.nodeId}-sub`, enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.buckets = new SharedBuckets(this.pub, config.prefix);
    for (const [name, redis] of [['pub', this.pub], ['sub', this.sub]] as const) {
      redis.on('error', (err: Error) => this.logger.warn({ redis: name, reason: err.message }, 'Redis link failed'));
    }
  }

  /** Connects, subscribes and starts the heartbeat; `handlers` get the other nodes' notes. */
  async start(handlers: ClusterHandlers): Promise<void> {
    this.handlers = handlers;
    this.sub.on('message', (_channel: string, text: string) => this.onMessage(text));
    // Every (re)subscription after the first means publications may have been missed meanwhile.
    this.sub.on('ready', () => {
      if (!this.subscribedOnce) return;
      this.counts.reconnects++;
      this.logger.info({ node: this.nodeId }, 'Redis is back: filling what may have been missed from the store');
      this.handlers?.resync();
    });
    this.pub.on('ready', () => {
      if (!this.subscribedOnce) return;
      // Publications this node could not make while away: everyone reads them from the store.
      this.publish({ k: 'fill', n: this.nodeId });
    });
    await Promise.all([this.pub.connect(), this.sub.connect()]);
    await this.sub.subscribe(this.channel);
    // A node restarted under the same id starts with nobody online: what its last run left goes.
    await this.pub.del(`${this.config.prefix}presence:${this.nodeId}`);
    await this.pub.publish(this.channel, JSON.stringify({ k: 'bye', n: this.nodeId }));
    this.subscribedOnce = true;
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Presence of every user on the other live nodes, read at start: node → user → presence. */
  async remotePresence(): Promise<Map<string, Map<string, NodePresence>>> {
    const out = new Map<string, Map<string, NodePresence>>();
    const nodes = await this.pub.zrangebyscore(`${this.config.prefix}nodes`, Date.now() - NODE_TTL_MS, '+inf');
    for (const node of nodes) {
      if (node === this.nodeId) continue;
      const users = await this.pub.hgetall(`${this.config.prefix}presence:${node}`);
      const map = new Map<string, NodePresence>();
      for (const [user, json] of Object.entries(users)) map.set(user, JSON.parse(json) as NodePresence);
      out.set(node, map);
      this.peers.set(node, Date.now());
    }
    return out;
  }

  /** Tells the other nodes; a failed publication is counted and, for sequenced events, made good by the readers' gap fill. */
  publish(note: ClusterNote): void {
    if (this.closed) return;
    const stamped: StampedNote = { ...note, at: Date.now() };
    this.pub.publish(this.channel, JSON.stringify(stamped)).then(
      () => this.counts.published++,
      () => this.counts.publishFailures++,
    );
  }

  /** Keeps this node's share of presence in Redis (for nodes that start later) and tells the others now. */
  presence(user: string, state: NodePresence | null): void {
    const key = `${this.config.prefix}presence:${this.nodeId}`;
    if (state === null) this.mine.delete(user);
    else this.mine.set(user, state);
    const write = state === null ? this.pub.hdel(key, user) : this.pub.hset(key, user, JSON.stringify(state));
    write.catch(() => undefined);
    this.publish({ k: 'presence', n: this.nodeId, u: user, p: state });
  }

  /** True while both Redis links are up: for a health check. */
  isHealthy(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  stats(): ClusterStats {
    return { node: this.nodeId, redis: `${this.pub.status}/${this.sub.status}`, peers: this.peers.size, ...this.counts };
  }

  /** The other nodes heard from within NODE_TTL_MS. */
  livePeers(): string[] {
    return [...this.peers.keys()];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    // Leaving on purpose: the others drop this node's users now rather than after the TTL.
    try {
      await Promise.race([
        Promise.all([
          this.pub.publish(this.channel, JSON.stringify({ k: 'bye', n: this.nodeId })),
          this.pub.del(`${this.config.prefix}presence:${this.nodeId}`),
          this.pub.zrem(`${this.config.prefix}nodes`, this.nodeId),
        ]),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
    } catch {
      // Redis is away: the TTL ends this node's presence instead.
    }
    this.closed = true;
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private async learn(node: string): Promise<void> {
    try {
      const users = await this.pub.hgetall(`${this.config.prefix}presence:${node}`);
      const map = new Map<string, NodePresence>();
      for (const [user, json] of Object.entries(users)) map.set(user, JSON.parse(json) as NodePresence);
      this.handlers?.nodeSeen(node, map);
    } catch {
      // Its presence notes still come one by one.
    }
  }

  private beat(): void {
    const now = Date.now();
    const prefix = this.config.prefix;
    this.pub
      .multi()
      .zadd(`${prefix}nodes`, now, this.nodeId)
      .zremrangebyscore(`${prefix}nodes`, '-inf', now - 10 * NODE_TTL_MS)
      .pexpire(`${prefix}presence:${this.nodeId}`, NODE_TTL_MS)
      .exec()
      .then((results) => {
        // 0: the hash is gone. Redis expired it while this node could not reach it (a partition
        // longer than the TTL, which the link may well survive), so the other nodes took this
        // one for dead and its users for offline: tell them again.
        if (results?.[2]?.[1] === 0 && this.mine.size > 0) this.restorePresence();
      })
      .catch(() => undefined);
    this.publish({ k: 'hb', n: this.nodeId });
    for (const [node, heard] of this.peers) {
      if (now - heard <= NODE_TTL_MS) continue;
      this.peers.delete(node);
      this.logger.warn({ node, silentMs: now - heard }, 'cluster node stopped beating; its users go offline');
      this.handlers?.nodeGone(node);
    }
  }

  private restorePresence(): void {
    const key = `${this.config.prefix}presence:${this.nodeId}`;
    this.logger.info({ node: this.nodeId, users: this.mine.size }, 'presence expired in Redis while this node was cut off: telling it again');
    const fields = [...this.mine].flatMap(([user, state]) => [user, JSON.stringify(state)]);
    this.pub.multi().hset(key, ...fields).pexpire(key, NODE_TTL_MS).exec().catch(() => undefined);
    for (const [user, state] of this.mine) this.publish({ k: 'presence', n: this.nodeId, u: user, p: state });
  }

  private onMessage(text: string): void {
    const arrived = Date.now();
    let note: StampedNote;
    try {
      note = JSON.parse(text) as StampedNote;
    } catch {
      return;
    }
    if (typeof note !== 'object' || note === null || typeof note.n !== 'string' || note.n === this.nodeId) return;
    this.counts.received++;
    if (typeof note.at === 'number') this.onPublishLag?.(Math.max(0, arrived - note.at) / 1000);
    if (note.k === 'bye') {
      this.peers.delete(note.n);
      this.handlers?.nodeGone(note.n);
      return;
    }
    const known = this.peers.has(note.n);
    this.peers.set(note.n, Date.now());
    if (!known) void this.learn(note.n);
    if (note.k === 'hb') return;
    this.handlers?.note(note);
  }
}
