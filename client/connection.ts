import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  DEFAULT_ERROR_MESSAGES,
  FrameDecoder,
  ParleyError,
  encodeFrameHead,
  PROTOCOL_VERSION,
  encodeFrame,
  isErrorCode,
  type Limits,
  type RequestId,
  type ServerFrame,
  type WelcomeReply,
} from '../protocol';

export interface ConnectionOptions {
  host?: string;
  port?: number;
  /** `true` for TLS with system CAs, or tls options (ca, rejectUnauthorized, servername …). */
  tls?: boolean | tls.ConnectionOptions;
  clientName?: string;
  /** Connect + hello timeout, and the default timeout of every request. */
  timeoutMs?: number;
  /** Largest frame accepted from the server. */
  maxFrame?: number;
  /** Local address to connect from, on a host with several. */
  localAddress?: string;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Receives the intermediate frames of a multi-frame reply (download_start, chunk). */
  onPartial?: (header: ServerFrame, body: Buffer) => void;
}

/** A frame the client sends; the connection adds `id` to requests. */
export type OutgoingFrame = { t: string; id?: never; [key: string]: unknown };

export type ConnectionErrorCode = 'CONNECT_FAILED' | 'CLOSED' | 'TIMEOUT' | 'PROTOCOL';

/** Transport-level failure: the server never refused anything, the link did not work. */
export class ConnectionError extends Error {
  constructor(
    readonly code: ConnectionErrorCode,
    message: string,
    options?: { cause?: unknown; serverError?: ParleyError },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectionError';
    this.serverError = options?.serverError;
  }

  /** The id-less `error` frame the server sent before closing (e.g. SLOW_CONSUMER). */
  readonly serverError?: ParleyError;
}

export type ConnectionEvents = {
  /** Every frame that is not a reply to a pending request (msg, presence, typing, …). */
  frame: [header: ServerFrame, body: Buffer];
  /** Intermediate frames of a pending multi-frame reply, tagged with the request id. */
  partial: [id: RequestId, header: ServerFrame, body: Buffer];
  /** An `error` frame without id: the server complains about the connection itself. */
  'server-error': [error: ParleyError];
  /** All queued writes reached the socket. */
  drain: [];
  /** Emitted once; no error when close() was called locally. */
  close: [error?: Error];
};

interface Pending {
  type: string;
  resolve: (frame: ServerFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
  onPartial?: RequestOptions['onPartial'];
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Replies can be far larger than what the server accepts (a history page of big messages). */
const DEFAULT_MAX_INBOUND_FRAME = 64 * 1024 * 1024;
/** Reply types that precede the final reply of the same request. */
const PARTIAL_TYPES = new Set(['chunk', 'download_start']);
/** Bodies from this size on are written after their frame head as they are, not copied into one buffer. */
const SEPARATE_BODY = 16 * 1024;

declare const PARLEY_VERSION: string | undefined;
const VERSION = typeof PARLEY_VERSION === 'string' ? PARLEY_VERSION : 'dev';

/** One TCP/TLS connection to a Parley server: framing, hello, request/reply correlation. */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** Limits announced by the server in `welcome`. */
  limits: Limits = DEFAULT_LIMITS;
  serverName = '';
  /** Date.now() of the last frame received; lets a watchdog spot a silent link. */
  lastReceivedAt = Date.now();

  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private blocked = false;
  private corked = false;
  private nextId = 1;
  private readHolds = 0;
  private closedWith: { error?: Error } | undefined;
  private serverError: ParleyError | undefined;
  private readonly timeoutMs: number;
  /** closeWhenIdle() was called: close once the last pending request settles. */
  private closeWhenDone = false;

  private constructor(
    private readonly socket: net.Socket,
    options: ConnectionOptions,
  ) {
    super();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.decoder = new FrameDecoder(options.maxFrame ?? DEFAULT_MAX_INBOUND_FRAME);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.flush());
    socket.on('error', (err) =>
      this.finish(this.serverError ? this.remoteCloseError() : new ConnectionError('CLOSED', `Connection lost: ${err.message}`, { cause: err })),
    );
    socket.on('close', () => this.finish(this.remoteCloseError()));
  }

  /** Connects, says hello and resolves once the server's `welcome` arrived. */
  static async open(options: ConnectionOptions = {}): Promise<Connection> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? DEFAULT_PORT;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await connectSocket(host, port, options.tls, timeoutMs, options.localAddress);
    const conn = new Connection(socket, options);
    try {
      const welcome = await conn.request<WelcomeReply>({
        t: 'hello',
        v: PROTOCOL_VERSION,
        client: options.clientName ?? `parley-client/${VERSION}`,
      });
      conn.limits = { ...DEFAULT_LIMITS, ...welcome.limits };
      conn.serverName = welcome.server;
      return conn;
    } catch (err) {
      conn.close();
      if (err instanceof ConnectionError && err.code === 'CLOSED') {
        // The usual cause: plain TCP to a TLS port (or the reverse).
        const hint = options.tls ? '' : ' (if the server uses TLS, connect with TLS)';
        throw new ConnectionError('CONNECT_FAILED', `${host}:${port} closed the connection before the handshake finished${hint}.`, { cause: err });
      }
      throw err;
    }
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Requests sent and not answered yet. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /**
   * Closes once every pending request has its reply (or timed out), at once when none is pending;
   * frames that arrive meanwhile are still emitted. For a connection the server is draining.
   */
  closeWhenIdle(): void {
    if (this.closedWith) return;
    this.closeWhenDone = true;
    this.closeIfIdle();
  }

  private closeIfIdle(): void {
    // After the reply's listeners ran: a reply and the frames right behind it are handled first.
    if (this.closeWhenDone && this.pending.size === 0) setImmediate(() => this.close());
  }

  /** Bytes waiting for the socket to drain. */
  get queuedBytes(): number {
    return this.queued;
  }

  /**
   * Sends a request with a fresh id and resolves with the reply carrying that id.
   * Rejects with ParleyError on an `error` reply, ConnectionError on timeout or close.
   */
  request<R = ServerFrame>(frame: OutgoingFrame, body?: Buffer, opts: RequestOptions = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.closedWith) {
        reject(this.closedWith.error ?? new ConnectionError('CLOSED', 'The connection is closed.'));
        return;
      }
      const id = this.nextId++;
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
      const entry: Pending = {
        type: frame.t,
        resolve: resolve as (f: ServerFrame) => void,
        reject,
        timeoutMs,
        timer: this.startTimer(id, frame.t, timeoutMs),
        onPartial: opts.onPartial,
      };
      this.pending.set(id, entry);
      try {
        this.write(encodeFrame({ ...frame, id }, body));
      } catch (err) {
        clearTimeout(entry.timer);
        this.pending.delete(id);
        reject(err);
      }
    });
  }

  /**
   * Fire-and-forget frame (typing, chunk, pong). Returns false when the frame had to wait
   * for the socket to drain; listen for 'drain' before sending much more.
   */
  send(frame: { t: string; [key: string]: unknown }, body?: Buffer): boolean {
    if (this.closedWith) throw this.closedWith.error ?? new ConnectionError('CLOSED', 'The connection is closed.');
    // a large body (a file chunk) goes out as it is, after its frame head: do not change it afterwards
    if (body !== undefined && body.length >= SEPARATE_BODY) return this.write(encodeFrameHead(frame, body.length), body);
    return this.write(encodeFrame(frame, body));
  }

  /**
   * Stops reading from the socket until the matching resumeReading(), for a consumer slower than
   * the network (a download written to a slow disk). Replies to other requests wait meanwhile.
   */
  pauseReading(): void {
    if (this.readHolds++ === 0) this.socket.pause();
  }

  resumeReading(): void {
    if (this.readHolds === 0) return;
    if (--this.readHolds === 0 && !this.closedWith) this.socket.resume();
  }

  /** Round trip to the server; resolves with the time it took in ms. */
  async ping(timeoutMs?: number): Promise<number> {
    const started = Date.now();
    await this.request({ t: 'ping' }, undefined, { timeoutMs });
    return Date.now() - started;
  }

  /**
   * Closes the connection; pending requests reject. `error` says why (e.g. a watchdog gave up)
   * and is passed on to 'close'. Safe to call more than once.
   */
  close(error?: Error): void {
    if (this.closedWith) return;
    this.finish(error);
  }

  private startTimer(id: RequestId, type: string, timeoutMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const entry = this.pending.get(id);
      if (!entry) return;
      this.pending.delete(id);
      entry.reject(new ConnectionError('TIMEOUT', `No reply to "${type}" within ${timeoutMs} ms.`));
      this.closeIfIdle();
    }, timeoutMs);
    timer.unref();
    return timer;
  }

  /** Writes one frame: encoded whole, or as its head followed by `body`. */
  private write(buf: Buffer, body?: Buffer): boolean {
    const max = this.limits.maxFrame;
    const size = buf.length + (body?.length ?? 0);
    if (size - 4 > max) {
      throw new ParleyError('FRAME_TOO_LARGE', `Frame of ${size - 4} bytes is over the server's ${max}-byte limit.`);
    }
    if (this.blocked) {
      this.queue.push(buf);
      this.queued += buf.length;
      if (body !== undefined) {
        this.queue.push(body);
        this.queued += body.length;
      }
      return false;
    }
    if (!this.corked) {
      // Frames written in the same tick leave in one syscall: pipelined sends stay cheap.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (!this.socket.write(buf)) this.blocked = true;
    if (body !== undefined && !this.socket.write(body)) this.blocked = true;
    return !this.blocked;
  }

  private flush(): void {
    this.blocked = false;
    while (this.queue.length > 0) {
      const buf = this.queue.shift() as Buffer;
      this.queued -= buf.length;
      if (!this.socket.write(buf)) {
        this.blocked = true;
        return;
      }
    }
    this.emit('drain');
  }

  private onData(chunk: Buffer): void {
    if (this.closedWith) return;
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.finish(new ConnectionError('PROTOCOL', `The server sent a bad frame: ${(err as Error).message}`, { cause: err }));
      return;
    }
    this.lastReceivedAt = Date.now();
    for (const { header, body } of frames) {
      if (this.closedWith) return;
      this.dispatch(header as unknown as ServerFrame, body);
    }
  }

  private dispatch(frame: ServerFrame, body: Buffer): void {
    if (frame.t === 'ping') {
      this.send(frame.id === undefined ? { t: 'pong' } : { t: 'pong', id: frame.id });
      return;
    }
    const id = (frame as { id?: RequestId }).id;
    const entry = id === undefined ? undefined : this.pending.get(id);
    if (entry && id !== undefined) {
      if (PARTIAL_TYPES.has(frame.t)) {
        // Progress keeps a long download alive: restart its timer.
        clearTimeout(entry.timer);
        entry.timer = this.startTimer(id, entry.type, entry.timeoutMs);
        entry.onPartial?.(frame, body);
        this.emit('partial', id, frame, body);
        return;
      }
      this.pending.delete(id);
      clearTimeout(entry.timer);
      if (frame.t === 'error') entry.reject(toParleyError(frame));
      else entry.resolve(frame);
      this.closeIfIdle();
      return;
    }
    if (frame.t === 'error' && id === undefined) {
      const err = toParleyError(frame);
      this.serverError = err;
      this.emit('server-error', err);
      return;
    }
    this.emit('frame', frame, body);
  }

  private remoteCloseError(): ConnectionError {
    const se = this.serverError;
    return se
      ? new ConnectionError('CLOSED', `The server closed the connection: ${se.message}`, { serverError: se, cause: se })
      : new ConnectionError('CLOSED', 'The server closed the connection.');
  }

  private finish(error: Error | undefined): void {
    if (this.closedWith) return;
    this.closedWith = { error };
    this.queue.length = 0;
    this.queued = 0;
    this.socket.destroy();
    const reason = error ?? new ConnectionError('CLOSED', 'The connection was closed.');
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(reason);
    }
    this.pending.clear();
    this.emit('close', error);
  }
}

function toParleyError(frame: { code?: unknown; message?: unknown }): ParleyError {
  const code = isErrorCode(frame.code) ? frame.code : 'INTERNAL';
  const message = typeof frame.message === 'string' && frame.message ? frame.message : DEFAULT_ERROR_MESSAGES[code];
  return new ParleyError(code, message);
}

function connectSocket(
  host: string,
  port: number,
  tlsOption: ConnectionOptions['tls'],
  timeoutMs: number,
  localAddress?: string,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const useTls = tlsOption !== undefined && tlsOption !== false;
    const tlsOptions: tls.ConnectionOptions = typeof tlsOption === 'object' ? tlsOption : {};
    // tls.connect passes socket options such as localAddress on to the TCP socket; its typings omit them.
    const from = localAddress === undefined ? {} : { localAddress };
    const socket: net.Socket = useTls
      ? tls.connect({ servername: net.isIP(host) ? undefined : host, ...tlsOptions, ...from, host, port })
      : net.connect({ ...from, host, port });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ConnectionError('CONNECT_FAILED', `Cannot connect to ${host}:${port}: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', fail);
    socket.once(useTls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.setNoDelay(true);
      // Lets the OS notice a peer that vanished while no traffic flows.
      socket.setKeepAlive(true, 30_000);
      resolve(socket);
    });
  });
}
