import type { Socket } from 'node:net';
import { DEFAULT_ERROR_MESSAGES, FrameDecoder, FrameError, encodeFrame, type ErrorCode, type RequestId } from '../../protocol';
import type { Logger } from '../log';
import type { OpsCounters } from '../ops/counters';
import { Outbound } from './outbound';

/** What the chat layer does with a connection. `frame` may return a promise: the next frame waits for it. */
export interface ConnectionHandler<C> {
  open(conn: Connection<C>): C;
  frame(conn: Connection<C>, header: Record<string, unknown>, body: Buffer): void | Promise<void>;
  close(conn: Connection<C>): void;
}

export interface ConnectionOptions {
  maxFrame: number;
  outboundBuffer: number;
  logger: Logger;
  /** Told once the socket closed (after the handler's close). */
  closed?: (conn: Connection<unknown>) => void;
  /** Counts slow consumers for the metrics. */
  counters?: OpsCounters;
}

// Inbound flow control: stop reading while this much work is waiting, read again below the low mark.
const HIGH_WATER = 256;
const LOW_WATER = 64;
// A closing connection gets this long to deliver its last error frame.
const CLOSE_GRACE_MS = 1000;

let nextId = 1;

// Socket events go to module-level functions that find their Connection on the socket, rather
// than to closures made per connection: an idle connection should cost as little as possible.
const OWNER = Symbol('parley.connection');
type OwnedSocket = Socket & { [OWNER]: Connection<unknown> };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER].onData(chunk);
}

function onSocketError(this: OwnedSocket, err: Error): void {
  this[OWNER].onError(err);
}

function onSocketClose(this: OwnedSocket): void {
  this[OWNER].onClose();
}

function onSocketEnd(this: OwnedSocket): void {
  this[OWNER].onEnd();
}

/** One client socket: framing, ordered dispatch, inbound backpressure, bounded outbound queue. */
export class Connection<C = unknown> {
  readonly id = nextId++;
  readonly outbound: Outbound;
  context!: C;
  /** ms timestamp of the last bytes received, for keepalive. */
  lastSeen = Date.now();
  /** Work the handler started for this connection and has not finished (e.g. sends awaiting commit). */
  private inflight = 0;
  private closing = false;
  private closed = false;
  private paused = false;
  private stopped = false;
  private readonly decoder: FrameDecoder;
  private queue: { header: Record<string, unknown>; body: Buffer }[] = [];
  private head = 0;
  private busy = false;
  private outboundWait = false;
  /** Consumers of inbound bytes that asked to stop reading (an upload whose media store is slower). */
  private readHolds = 0;
  /** Queued reply bytes above which requests wait: a quarter of the slow-consumer cap. */
  private readonly replyHighWater: number;

  constructor(
    readonly socket: Socket,
    private readonly handler: ConnectionHandler<C>,
    private readonly options: ConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(options.maxFrame);
    this.replyHighWater = Math.max(64 * 1024, options.outboundBuffer / 4);
    this.outbound = new Outbound(socket, options.outboundBuffer, this);
    socket.setNoDelay(true);
    (socket as OwnedSocket)[OWNER] = this as Connection<unknown>;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.on('end', onSocketEnd);
    this.context = handler.open(this);
  }

  /** The peer's address (read from the socket when first needed). */
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? 'unknown';
  }

  get isOpen(): boolean {
    return !this.closing && !this.closed;
  }

  /** Queues an already encoded frame (possibly shared with other connections). */
  write(frame: Buffer): boolean {
    return this.outbound.push(frame);
  }

  send(header: object): boolean {
    return this.outbound.push(encodeFrame(header));
  }

  sendError(id: RequestId | undefined, code: ErrorCode, message: string = DEFAULT_ERROR_MESSAGES[code]): void {
    this.send(id === undefined ? { t: 'error', code, message } : { t: 'error', id, code, message });
  }

  /** Counts handler work that outlives `frame` so a flood of pipelined requests pauses reading. */
  hold(): void {
    this.inflight++;
    this.updateFlow();
  }

  release(): void {
    this.inflight--;
    this.updateFlow();
  }

  /** Stops reading from the socket until the matching resumeReading(); frames already read are still handled. */
  pauseReading(): void {
    this.readHolds++;
    this.updateFlow();
  }

  resumeReading(): void {
    if (this.readHolds > 0) this.readHolds--;
    this.updateFlow();
  }

  /**
   * The one way a connection ends on our initiative: queued frames are dropped, the error frame
   * goes out as the last thing written, and the socket is destroyed if the peer does not take it.
   */
  closeWithError(code: ErrorCode, message: string = DEFAULT_ERROR_MESSAGES[code], id?: RequestId): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    // Dropping a slow reader is worth an operator's attention; bad frames are routine noise.
    const level = code === 'SLOW_CONSUMER' ? 'info' : 'debug';
    if (code === 'SLOW_CONSUMER' && this.options.counters !== undefined) this.options.counters.slowConsumers++;
    this.options.logger[level]({ conn: this.id, code, address: this.remoteAddress, buffered: this.socket.writableLength }, 'closing connection');
    this.outbound.close();
    this.queue = [];
    this.head = 0;
    const frame = encodeFrame(id === undefined ? { t: 'error', code, message } : { t: 'error', id, code, message });
    this.socket.end(frame);
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Ends the connection without an error frame (shutdown, keepalive timeout). */
  close(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.outbound.flush();
    this.outbound.close();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Stops reading (shutdown): no new requests are taken. */
  stopReading(): void {
    this.socket.pause();
    this.paused = true;
    this.stopped = true;
    this.queue = [];
    this.head = 0;
  }

  /** @internal The peer finished sending; finish our side too rather than leave a half-open socket. */
  onEnd(): void {
    if (!this.closing) this.socket.end();
  }

  /** @internal */
  onError(err: Error): void {
    this.options.logger.debug({ conn: this.id, err: err.message }, 'socket error');
  }

  /** @internal */
  onData(chunk: Buffer): void {
    if (this.closing || this.stopped) return;
    this.lastSeen = Date.now();
    try {
      // Straight into the queue: no array of frames per read.
      this.decoder.push(chunk, this.queue);
    } catch (err) {
      if (err instanceof FrameError) this.closeWithError(err.code, err.message);
      else this.closeWithError('INTERNAL');
      return;
    }
    if (!this.busy) this.pump();
    else this.updateFlow();
  }

  /** Hands queued frames to the handler one at a time, in arrival order. */
  private pump(): void {
    this.busy = true;
    while (this.head < this.queue.length && !this.closing && !this.stopped) {
      if (this.outbound.pendingBytes > this.replyHighWater) {
        // The peer is not reading its replies: stop taking requests until it catches up.
        this.waitForOutbound();
        return;
      }
      const { header, body } = this.queue[this.head];
      this.queue[this.head++] = undefined as never;
      if (this.head >= 1024) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      let result: void | Promise<void>;
      try {
        result = this.handler.frame(this, header, body);
      } catch (err) {
        this.handlerFailed(err);
        continue;
      }
      if (result !== undefined) {
        // The next frame waits for a turn of the event loop: a promise chain would otherwise run
        // one connection's pipelined reads back to back while every other connection waits.
        result.then(
          () => setImmediate(() => this.pump()),
          (err) => {
            this.handlerFailed(err);
            setImmediate(() => this.pump());
          },
        );
        this.updateFlow();
        return;
      }
    }
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    this.busy = false;
    this.updateFlow();
  }

  private waitForOutbound(): void {
    this.outboundWait = true;
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.outbound.whenBelow(this.replyHighWater / 2).then(() => {
      this.outboundWait = false;
      this.busy = false;
      this.updateFlow();
      if (!this.busy && this.head < this.queue.length) this.pump();
    });
  }

  private handlerFailed(err: unknown): void {
    this.options.logger.error({ conn: this.id, err }, 'request handler failed');
  }

  private updateFlow(): void {
    if (this.closed) return;
    if (this.outboundWait) return;
    const load = this.queue.length - this.head + this.inflight;
    if (!this.paused && (load > HIGH_WATER || this.readHolds > 0)) {
      this.paused = true;
      this.socket.pause();
    } else if (this.paused && !this.closing && !this.stopped && load < LOW_WATER && this.readHolds === 0) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** @internal */
  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.outbound.close();
    this.queue = [];
    this.head = 0;
    this.handler.close(this);
    this.options.closed?.(this as Connection<unknown>);
  }
}
