import * as net from 'node:net';
import * as tls from 'node:tls';
import { encodeFrame } from '../../protocol';
import type { Logger } from '../log';
import type { OpsCounters } from '../ops/counters';
import { Connection, type ConnectionHandler, type ConnectionOptions } from './connection';
import { TlsCredentials } from './tls-credentials';

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  maxFrame: number;
  outboundBuffer: number;
  pingInterval: number;
  /** Connections one remote address may hold at once; 0 or absent means no limit. */
  maxConnectionsPerAddress?: number;
  logger: Logger;
  /** Counts accepted connections (and, through each Connection, slow consumers). */
  counters?: OpsCounters;
}

const PING = encodeFrame({ t: 'ping' });
/** Refusals are logged at most once per address per this many ms. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;
/** A refused socket gets this long to take its error frame before it is destroyed. */
const REFUSAL_GRACE_MS = 1000;

function ignoreSocketError(): void {
  // a refused peer that resets the socket is nothing to report
}

/** Accepts TCP (or TLS) sockets, wraps each in a Connection, and runs the keepalive sweep. */
export class Listener<C> {
  readonly connections = new Set<Connection<C>>();
  private readonly server: net.Server;
  private sweepTimer?: NodeJS.Timeout;
  private readonly credentials?: TlsCredentials;
  /** Shared by every connection: one closure for all of them, not one each. */
  private readonly connectionOptions: ConnectionOptions;
  private readonly maxPerAddress: number;
  /** Open connections per remote address, counted only while a cap is set. */
  private readonly perAddress = new Map<string, number>();
  /** The address each counted connection was counted under (the socket may forget it once closed). */
  private readonly countedAs = new WeakMap<Connection<C>, string>();
  /** Per refused address: when its refusal was last logged, and refusals since then. */
  private readonly refusals = new Map<string, { loggedAt: number; since: number }>();
  private emptyWaiters: (() => void)[] = [];

  constructor(
    private readonly options: ListenerOptions,
    private readonly handler: ConnectionHandler<C>,
  ) {
    this.maxPerAddress = options.maxConnectionsPerAddress ?? 0;
    this.connectionOptions = { ...options, closed: (conn) => this.onClosed(conn as unknown as Connection<C>) };
    const onSocket = (socket: net.Socket) => this.accept(socket);
    if (options.tls) {
      this.credentials = new TlsCredentials(options.tls, options.logger);
      const server = tls.createServer(this.credentials.serverOptions(), onSocket);
      this.credentials.attach(server);
      this.server = server;
      this.server.on('tlsClientError', (err) => options.logger.debug({ err: err.message }, 'TLS handshake failed'));
    } else {
      this.server = net.createServer({ noDelay: true }, onSocket);
    }
    this.server.on('error', (err) => options.logger.error({ err }, 'listener error'));
  }

  /** Resolves with the bound address once listening. */
  listen(): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        this.startSweep();
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /** Reads the TLS certificate and key again (SIGHUP); false when not serving TLS or nothing changed. */
  reloadTls(reason: string): boolean {
    return this.credentials?.reload(reason) ?? false;
  }

  /** Stops accepting at once; existing connections stay until closed by the caller. */
  stopAccepting(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.credentials?.stop();
    // close() calls back only after every connection ended, so nothing waits for it here.
    if (this.server.listening) this.server.close();
  }

  /** Open connections from one remote address (counted only while a cap is set). */
  connectionsFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  private accept(socket: net.Socket): void {
    let address: string | undefined;
    if (this.maxPerAddress > 0) {
      address = socket.remoteAddress ?? 'unknown';
      const open = this.perAddress.get(address) ?? 0;
      if (open >= this.maxPerAddress) {
        this.refuse(socket, address);
        return;
      }
      this.perAddress.set(address, open + 1);
    }
    let conn: Connection<C>;
    try {
      conn = new Connection<C>(socket, this.handler, this.connectionOptions);
    } catch (err) {
      if (address !== undefined) this.uncount(address);
      throw err;
    }
    this.connections.add(conn);
    if (this.options.counters !== undefined) this.options.counters.connectionsOpened++;
    if (address !== undefined) this.countedAs.set(conn, address);
  }

  /** Resolves once no connection is open (at once when none is). */
  whenEmpty(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  private onClosed(conn: Connection<C>): void {
    this.connections.delete(conn);
    if (this.connections.size === 0 && this.emptyWaiters.length > 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const wake of waiters) wake();
    }
    const address = this.countedAs.get(conn);
    if (address === undefined) return;
    this.countedAs.delete(conn);
    this.uncount(address);
  }

  private uncount(address: string): void {
    const open = (this.perAddress.get(address) ?? 1) - 1;
    if (open > 0) this.perAddress.set(address, open);
    else this.perAddress.delete(address);
  }

  /** Over the per-address cap: one error frame, then the socket is closed; never a Connection. */
  private refuse(socket: net.Socket, address: string): void {
    socket.on('error', ignoreSocketError);
    socket.end(
      encodeFrame({
        t: 'error',
        code: 'RATE_LIMITED',
        message: `Too many connections from your address (at most ${this.maxPerAddress}); close one and try again.`,
      }),
    );
    setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS).unref();
    const now = Date.now();
    const seen = this.refusals.get(address);
    if (seen === undefined || now - seen.loggedAt >= REFUSAL_LOG_INTERVAL_MS) {
      const refused = (seen?.since ?? 0) + 1;
      this.refusals.set(address, { loggedAt: now, since: 0 });
      this.options.logger.warn({ address, limit: this.maxPerAddress, refused }, 'refusing connections: too many from one address');
    } else {
      seen.since++;
    }
  }

  /** One timer for all connections: ping the quiet ones, close those silent past 2× the interval. */
  private startSweep(): void {
    const interval = this.options.pingInterval;
    this.sweepTimer = setInterval(() => {
      const now = Date.now();
      for (const [address, seen] of this.refusals) {
        if (now - seen.loggedAt < REFUSAL_LOG_INTERVAL_MS) continue;
        this.refusals.delete(address);
        if (seen.since > 0) this.options.logger.warn({ address, limit: this.maxPerAddress, refused: seen.since }, 'refused connections: too many from one address');
      }
      for (const conn of this.connections) {
        const silent = now - conn.lastSeen;
        if (silent >= 2 * interval) conn.close();
        else if (silent >= interval) conn.write(PING);
      }
    }, Math.max(50, Math.floor(interval / 4)));
    this.sweepTimer.unref();
  }
}
