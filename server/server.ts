import type { AddressInfo } from 'node:net';
import { encodeFrame } from '../protocol';
import type { ServerConfig } from './config';
import type { Logger } from './log';
import { Auth } from './chat/auth';
import { Blocks } from './chat/blocks';
import { dummyHash } from './chat/passwords';
import type { ChatContext } from './chat/context';
import { Hub } from './chat/fanout';
import { GroupCommit } from './chat/group-commit';
import { ChatHandlers } from './chat/handlers';
import type { Peer } from './chat/peer';
import { Presence } from './chat/presence';
import { DEFAULT_ADDRESS_FACTOR, DEFAULT_BUDGETS, RequestBudgets } from './chat/budgets';
import { Rooms } from './chat/rooms';
import { SessionLife } from './chat/session-life';
import { Listener } from './net/listener';
import { registerClusterMetrics } from './cluster/metrics';
import { Ops } from './ops';
import { flushWrites } from './net/outbound';
import type { MediaStore } from './media/media-store';
import type { Store } from './store/store';
import { registerTransfers } from './transfers/transfers';
import type { Cluster } from './cluster/cluster';
import { ClusterNode } from './cluster/node';
import { SharedBudgets } from './cluster/shared-budgets';

declare const PARLEY_VERSION: string;
const VERSION = typeof PARLEY_VERSION === 'string' ? PARLEY_VERSION : 'dev';

/** Clients told to reconnect spread their reconnects over this many ms (the `draining` frame's `reconnectMs`). */
export const DRAIN_RECONNECT_MS = 1000;
/**
 * How long clients get to leave by themselves before the server stops reading: one that
 * understood `draining` closes as soon as its requests are answered, well within this.
 */
function leaveWindowMs(drainTimeout: number): number {
  return Math.min(drainTimeout / 2, DRAIN_RECONNECT_MS);
}

type State = 'new' | 'running' | 'closing' | 'closed';

/** The chat server: the store, the chat services and the listener, with an orderly shutdown. */
export class ParleyServer {
  readonly handlers: ChatHandlers;
  readonly context: ChatContext;
  /** Metrics registry, health checks and the /healthz + /metrics endpoint: where other parts add theirs. */
  readonly ops: Ops;
  private readonly listener: Listener<Peer>;
  private state: State = 'new';
  private closing?: Promise<void>;
  /** Set with --cluster: this node's link to the others. */
  readonly clusterNode?: ClusterNode;

  /** `store` (and `media`, when given) must be opened already; close() closes the store (and leaves the cluster). */
  constructor(
    private readonly config: ServerConfig,
    private readonly store: Store,
    private readonly logger: Logger,
    media?: MediaStore,
    cluster?: Cluster,
  ) {
    const ops = new Ops(
      { host: config.metricsHost, port: config.metricsPort, logger },
      {
        openConnections: () => this.listener.connections.size,
        outboundBytes: () => {
          let total = 0;
          let max = 0;
          for (const conn of this.listener.connections) {
            const bytes = conn.outbound.pendingBytes;
            total += bytes;
            if (bytes > max) max = bytes;
          }
          return { total, max };
        },
      },
    );
    this.ops = ops;
    ops.health.add('store', () => store.ping());
    const hub = new Hub(config.outboundBuffer, ops.counters);
    const rooms: Rooms = new Rooms(store, (name) => presence.exists(name));
    // Everyone is in general, so everyone shares a room with everyone: presence goes to all.
    const presence: Presence = new Presence(hub, (user): Iterable<string> => everyoneBut(presence.known(), user));
    rooms.onJoined = (user, room) => presence.introduce(user, room.members);
    rooms.mayOpenDm = (user, other) => !this.context.blocks.blocks(other, user);
    const limitsOn = config.rateLimit > 0;
    const clusterNode = cluster === undefined ? undefined : new ClusterNode(cluster, store, logger);
    this.clusterNode = clusterNode;
    if (clusterNode !== undefined) {
      ops.health.add('redis', async () => {
        if (!clusterNode.isHealthy()) throw new Error('Redis is not reachable');
      });
      registerClusterMetrics(ops.registry, clusterNode);
    }
    const budgets = new RequestBudgets({
      enabled: limitsOn,
      budgets: { ...DEFAULT_BUDGETS, send: { rate: config.rateLimit, burst: config.rateBurst }, ...config.requestLimits.budgets },
      addressFactor: config.requestLimits.addressFactor ?? DEFAULT_ADDRESS_FACTOR,
    });
    const sessionLife = new SessionLife(store, { sessionDays: config.sessionDays, purgeIntervalMs: config.sessionPurgeInterval }, logger);
    this.context = {
      store,
      media,
      hub,
      presence,
      rooms,
      auth: new Auth(
        store,
        { enabled: limitsOn, loginPerMinute: config.loginRateLimit },
        sessionLife,
        cluster === undefined ? undefined : (name, rate, burst) => cluster.buckets.limiter(name, rate, burst),
      ),
      commits: new GroupCommit(store, (err) => logger.error({ err }, 'commit callback failed'), undefined, ops.observeBatch, flushWrites),
      limits: config.limits,
      outboundBuffer: config.outboundBuffer,
      budgets,
      logger,
      serverName: `parley-server/${VERSION}`,
      counters: ops.counters,
      admins: new Set(config.admins.map((name) => name.toLowerCase())),
      runtimeAdmins: new Set(),
      blocks: new Blocks(),
      cluster: clusterNode,
      sharedBudgets: cluster === undefined ? undefined : new SharedBudgets(cluster.buckets, budgets),
    };
    this.handlers = new ChatHandlers(this.context);
    if (media !== undefined) registerTransfers(this.handlers, this.context, media);
    this.listener = new Listener<Peer>(
      {
        host: config.host,
        port: config.port,
        tls: config.tls,
        maxFrame: config.limits.maxFrame,
        outboundBuffer: config.outboundBuffer,
        pingInterval: config.pingInterval,
        maxConnectionsPerAddress: config.maxConnectionsPerAddress,
        logger,
        counters: ops.counters,
      },
      this.handlers,
    );
  }

  async start(): Promise<AddressInfo> {
    if (this.state !== 'new') throw new Error('The server was started already.');
    this.state = 'running';
    this.context.presence.load(await this.store.listUserNames());
    this.context.blocks.load(await this.store.allBlocks());
    for (const name of await this.store.serverAdmins()) this.context.runtimeAdmins.add(name.toLowerCase());
    // A named administrator without an account would be whoever registers the name first.
    for (const name of this.config.admins) {
      if (this.context.presence.canonical(name) === undefined) this.logger.warn({ admin: name }, 'a server administrator has no account yet: whoever registers the name becomes one');
    }
    await this.clusterNode?.start(this.context);
    // Expired and revoked sessions go at start, then on a timer.
    await this.context.auth.life.start();
    // The unknown-user sign-in checks against this hash: ready before the first one arrives.
    await dummyHash();
    await this.ops.start();
    return this.listener.listen();
  }

  /** Where /healthz and /metrics are served, once started with a metrics port. */
  get metricsAddress(): AddressInfo | undefined {
    return this.ops.address;
  }

  /** Reads the TLS certificate and key again; connections already open keep theirs. */
  reloadTls(reason: string): boolean {
    return this.listener.reloadTls(reason);
  }

  /**
   * Drains and stops: stop accepting (and /healthz answers 503 "draining"), tell every client to
   * reconnect elsewhere, let them leave while their requests are still answered, then stop
   * reading, store pending commits (their acks go out), close sockets and close the stores —
   * all within `--drain-timeout`.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    const deadline = Date.now() + this.config.drainTimeout;
    const within = <T>(work: Promise<T>, until: number): Promise<T | 'timeout'> =>
      Promise.race([work, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, until - Date.now())).unref())]);
    this.ops.health.drain();
    this.context.auth.life.stop();
    this.listener.stopAccepting();
    const clients = this.listener.connections.size;
    // Messages staged for delivery go out before the frame, so nothing follows it but replies.
    this.context.hub.flushStaged();
    const frame = encodeFrame({ t: 'draining', reconnectMs: DRAIN_RECONNECT_MS });
    for (const conn of this.listener.connections) conn.write(frame);
    this.logger.info({ clients, reconnectMs: DRAIN_RECONNECT_MS, drainTimeoutMs: this.config.drainTimeout }, 'draining: clients told to reconnect');
    const left = await within(this.listener.whenEmpty(), Date.now() + leaveWindowMs(this.config.drainTimeout));
    const staying = this.listener.connections.size;
    if (left === 'timeout') this.logger.info({ clients: staying }, 'draining: closing the connections of clients that did not leave');
    for (const conn of this.listener.connections) conn.stopReading();
    const flushed = await within(this.context.commits.idle(), deadline);
    if (flushed === 'timeout') this.logger.warn('pending messages were not stored before the drain timeout');
    // Let the acks queued by the last commit reach their sockets.
    await new Promise((resolve) => setImmediate(resolve));
    for (const conn of this.listener.connections) conn.close();
    await this.clusterNode?.close();
    await Promise.all([this.store.close(), this.context.media?.close(), this.ops.close()]);
    this.state = 'closed';
    this.logger.info({ clients, left: clients - staying }, 'drained');
  }
}

function* everyoneBut(users: Iterable<string>, user: string): Iterable<string> {
  for (const other of users) if (other !== user) yield other;
}
