import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config';
import type { Logger } from './log';
import { Auth } from './chat/auth';
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
import type { MediaStore } from './media/media-store';
import type { Store } from './store/store';
import { registerTransfers } from './transfers/transfers';
import type { Cluster } from './cluster/cluster';
import { ClusterNode } from './cluster/node';
import { SharedBudgets } from './cluster/shared-budgets';

declare const PARLEY_VERSION: string;
const VERSION = typeof PARLEY_VERSION === 'string' ? PARLEY_VERSION : 'dev';

// Shutdown waits this long for pending commits before closing the store anyway.
const FLUSH_TIMEOUT_MS = 10_000;

type State = 'new' | 'running' | 'closing' | 'closed';

/** The chat server: the store, the chat services and the listener, with an orderly shutdown. */
export class ParleyServer {
  readonly handlers: ChatHandlers;
  readonly context: ChatContext;
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
    const hub = new Hub(config.outboundBuffer);
    const rooms: Rooms = new Rooms(store, (name) => presence.exists(name));
    // Everyone is in general, so everyone shares a room with everyone: presence goes to all.
    const presence: Presence = new Presence(hub, (user): Iterable<string> => everyoneBut(presence.known(), user));
    rooms.onJoined = (user, room) => presence.introduce(user, room.members);
    const limitsOn = config.rateLimit > 0;
    const clusterNode = cluster === undefined ? undefined : new ClusterNode(cluster, store, logger);
    this.clusterNode = clusterNode;
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
      commits: new GroupCommit(store, (err) => logger.error({ err }, 'commit callback failed')),
      limits: config.limits,
      outboundBuffer: config.outboundBuffer,
      budgets,
      logger,
      serverName: `parley-server/${VERSION}`,
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
      },
      this.handlers,
    );
  }

  async start(): Promise<AddressInfo> {
    if (this.state !== 'new') throw new Error('The server was started already.');
    this.state = 'running';
    this.context.presence.load(await this.store.listUserNames());
    await this.clusterNode?.start(this.context);
    // Expired and revoked sessions go at start, then on a timer.
    await this.context.auth.life.start();
    // The unknown-user sign-in checks against this hash: ready before the first one arrives.
    await dummyHash();
    return this.listener.listen();
  }

  /** Reads the TLS certificate and key again; connections already open keep theirs. */
  reloadTls(reason: string): boolean {
    return this.listener.reloadTls(reason);
  }

  /** Stop accepting, stop reading, flush pending commits (their acks go out), close sockets, close the stores. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    this.context.auth.life.stop();
    this.listener.stopAccepting();
    for (const conn of this.listener.connections) conn.stopReading();
    const flushed = await Promise.race([
      this.context.commits.idle().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), FLUSH_TIMEOUT_MS).unref()),
    ]);
    if (!flushed) this.logger.warn('pending messages were not stored before the timeout');
    // Let the acks queued by the last commit reach their sockets.
    await new Promise((resolve) => setImmediate(resolve));
    for (const conn of this.listener.connections) conn.close();
    await this.clusterNode?.close();
    await Promise.all([this.store.close(), this.context.media?.close()]);
    this.state = 'closed';
  }
}

function* everyoneBut(users: Iterable<string>, user: string): Iterable<string> {
  for (const other of users) if (other !== user) yield other;
}
