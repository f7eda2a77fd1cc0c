import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { encodeFrame } from '../../protocol';
import type { Logger } from '../log';
import { Connection, type ConnectionHandler, type ConnectionOptions } from './connection';

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  maxFrame: number;
  outboundBuffer: number;
  pingInterval: number;
  logger: Logger;
}

const PING = encodeFrame({ t: 'ping' });

/** Accepts TCP (or TLS) sockets, wraps each in a Connection, and runs the keepalive sweep. */
export class Listener<C> {
  readonly connections = new Set<Connection<C>>();
  private readonly server: net.Server;
  private sweepTimer?: NodeJS.Timeout;
  /** Shared by every connection: one closure for all of them, not one each. */
  private readonly connectionOptions: ConnectionOptions;

  constructor(
    private readonly options: ListenerOptions,
    private readonly handler: ConnectionHandler<C>,
  ) {
    this.connectionOptions = { ...options, closed: (conn) => this.connections.delete(conn as unknown as Connection<C>) };
    const onSocket = (socket: net.Socket) => this.accept(socket);
    if (options.tls) {
      this.server = tls.createServer(
        { cert: fs.readFileSync(options.tls.certFile), key: fs.readFileSync(options.tls.keyFile) },
        onSocket,
      );
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

  /** Stops accepting at once; existing connections stay until closed by the caller. */
  stopAccepting(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    // close() calls back only after every connection ended, so nothing waits for it here.
    if (this.server.listening) this.server.close();
  }

  private accept(socket: net.Socket): void {
    const conn = new Connection<C>(socket, this.handler, this.connectionOptions);
    this.connections.add(conn);
  }

  /** One timer for all connections: ping the quiet ones, close those silent past 2× the interval. */
  private startSweep(): void {
    const interval = this.options.pingInterval;
    this.sweepTimer = setInterval(() => {
      const now = Date.now();
      for (const conn of this.connections) {
        const silent = now - conn.lastSeen;
        if (silent >= 2 * interval) conn.close();
        else if (silent >= interval) conn.write(PING);
      }
    }, Math.max(50, Math.floor(interval / 4)));
    this.sweepTimer.unref();
  }
}
