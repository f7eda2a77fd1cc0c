import type { Socket } from 'node:net';

/**
 * Per-connection send queue. Frames pushed during one turn of the event loop are written with
 * one socket write at the next check phase, so a fan-out burst costs one syscall per socket,
 * not one per frame. The same encoded buffer may sit in many queues.
 */
export class Outbound {
  private queue: Buffer[] = [];
  private queued = 0;
  private scheduled = false;
  private closed = false;
  private drainWaiters: (() => void)[] | undefined;

  /** `owner` is closed with SLOW_CONSUMER when the peer falls `cap` bytes behind. */
  constructor(
    private readonly socket: Socket,
    private readonly cap: number,
    private readonly owner: { closeWithError(code: 'SLOW_CONSUMER'): void },
  ) {}

  /** Bytes not yet handed to the kernel: our queue plus the socket's own buffer. */
  get pendingBytes(): number {
    return this.queued + this.socket.writableLength;
  }

  /**
   * Queues a frame; returns false (and reports overflow once) when the peer is too far behind.
   * Only bytes the kernel refused count against the cap: a burst queued within one tick is
   * written at once, and a peer that reads keeps the socket's own buffer near empty.
   */
  push(frame: Buffer): boolean {
    if (this.closed) return false;
    if (this.socket.writableLength > this.cap) {
      this.overflow();
      return false;
    }
    this.queue.push(frame);
    this.queued += frame.length;
    if (!this.scheduled) {
      this.scheduled = true;
      dirty.push(this);
      if (!flushPending) {
        flushPending = true;
        flushImmediate = setImmediate(flushAll);
      }
    }
    return true;
  }

  /** Writes everything queued now. */
  flush(): void {
    this.scheduled = false;
    const n = this.queue.length;
    if (n === 0 || this.closed) return;
    if (n === 1 || (n <= WRITEV_MAX_BUFFERS && this.queued >= WRITEV_MIN_BYTES)) {
      // A few large buffers (a commit batch's messages, shared by every member) go out as they
      // are, in one writev: copying them into one buffer per socket would cost more.
      if (n > 1) this.socket.cork();
      for (let i = 0; i < n; i++) this.socket.write(this.queue[i]);
      if (n > 1) this.socket.uncork();
    } else {
      this.socket.write(Buffer.concat(this.queue, this.queued));
    }
    // The bytes now live in the socket; reuse the array rather than allocate one per flush.
    this.queue.length = 0;
    this.queued = 0;
    if (this.socket.writableLength > this.cap) this.overflow();
  }

  /**
   * Resolves once pending bytes fall to `bytes` or below, or once the socket would take more
   * without waiting (below its own high-water mark, where no 'drain' comes), or on close.
   */
  async whenBelow(bytes: number): Promise<void> {
    while (!this.closed && this.pendingBytes > bytes) {
      if (this.queued > 0) this.flush();
      if (!this.socket.writableNeedDrain || this.socket.destroyed) return;
      // Listening for 'drain' only while someone waits keeps an idle connection small.
      if (this.drainWaiters === undefined) {
        this.drainWaiters = [];
        this.socket.on('drain', () => this.wakeDrainWaiters());
      }
      const waiters = this.drainWaiters;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  /** Drops whatever is queued and refuses further frames. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.queued = 0;
    this.wakeDrainWaiters();
  }

  private overflow(): void {
    this.close();
    this.owner.closeWithError('SLOW_CONSUMER');
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (waiters === undefined || waiters.length === 0) return;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

// Flushes of at most this many buffers totalling at least this many bytes are written without a copy.
const WRITEV_MAX_BUFFERS = 16;
const WRITEV_MIN_BYTES = 32 * 1024;

// One setImmediate for all sockets with queued frames, however many there are.
let dirty: Outbound[] = [];
let flushPending = false;
let flushImmediate: NodeJS.Immediate | undefined;

function flushAll(): void {
  flushPending = false;
  flushWrites();
}

/**
 * Writes every queued frame now instead of at the next check phase: for the end of a commit
 * batch's delivery, whose acks and messages would otherwise wait a turn of the event loop (a
 * round trip's worth in W3L). The flush scheduled for them is cancelled, so an idle event loop
 * goes back to waiting for sockets rather than turning once more for nothing.
 */
export function flushWrites(): void {
  if (dirty.length === 0) return;
  const list = dirty;
  dirty = [];
  for (let i = 0; i < list.length; i++) list[i].flush();
  if (flushPending && dirty.length === 0) {
    clearImmediate(flushImmediate);
    flushPending = false;
  }
}
