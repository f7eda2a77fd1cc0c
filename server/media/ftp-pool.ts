import type { Client } from 'basic-ftp';

export interface FtpPoolOptions {
  /** Most connections open at once; basic-ftp runs one task per Client. */
  size: number;
  /** How long acquire() waits for a busy pool before giving up. */
  acquireTimeoutMs: number;
  /** Makes and logs in a client; rejects when the server can't be reached. */
  open(): Promise<Client>;
}

export class PoolTimeoutError extends Error {
  constructor(ms: number) {
    super(`no free FTP connection within ${ms} ms`);
    this.name = 'PoolTimeoutError';
  }
}

export class PoolClosedError extends Error {
  constructor() {
    super('FTP pool closed');
    this.name = 'PoolClosedError';
  }
}

interface Waiter {
  wake(client?: Client): void;
  fail(err: Error): void;
}

/**
 * A few logged-in clients, made lazily. A client that failed is closed rather than reused,
 * and the next acquire() opens a fresh one, so a restarted server is picked up by itself.
 */
export class FtpPool {
  private readonly idle: Client[] = [];
  private readonly all = new Set<Client>();
  private readonly waiters: Waiter[] = [];
  /** Clients in use, idle, or being opened. */
  private count = 0;
  private closed = false;

  constructor(private readonly options: FtpPoolOptions) {}

  get stats(): { open: number; idle: number; waiting: number } {
    return { open: this.count, idle: this.idle.length, waiting: this.waiters.length };
  }

  /**
   * A logged-in client. With a signal the call waits for a free one until the signal aborts
   * (rejecting with its reason), for callers that hold a connection as long as a transfer lasts;
   * without one it waits at most `acquireTimeoutMs`.
   */
  async acquire(signal?: AbortSignal): Promise<Client> {
    const deadline = signal === undefined ? Date.now() + this.options.acquireTimeoutMs : Infinity;
    for (;;) {
      if (this.closed) throw new PoolClosedError();
      signal?.throwIfAborted();
      const idle = this.takeIdle();
      if (idle) return idle;
      if (this.count < this.options.size) {
        this.count++;
        try {
          const client = await this.options.open();
          if (this.closed) {
            client.close();
            throw new PoolClosedError();
          }
          this.all.add(client);
          return client;
        } catch (err) {
          this.count--;
          this.wakeOne();
          throw err;
        }
      }
      const handed = await this.wait(deadline, signal);
      if (handed) return handed;
    }
  }

  /** Returns a client; `healthy: false` (or a closed client) drops the connection. */
  release(client: Client, healthy: boolean): void {
    if (healthy && !client.closed && !this.closed) {
      const waiter = this.waiters.shift();
      if (waiter) waiter.wake(client);
      else this.idle.push(client);
      return;
    }
    this.all.delete(client);
    client.close();
    this.count--;
    this.wakeOne();
  }

  /** Closes every connection, including those in use: their tasks fail at once. */
  close(): void {
    this.closed = true;
    for (const client of this.all) client.close();
    this.idle.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter.fail(new PoolClosedError());
  }

  private takeIdle(): Client | undefined {
    for (;;) {
      const client = this.idle.pop();
      if (!client) return undefined;
      if (!client.closed) return client;
      // the server hung up while it sat idle
      this.all.delete(client);
      this.count--;
    }
  }

  private wakeOne(): void {
    this.waiters.shift()?.wake();
  }

  private wait(deadline: number, signal?: AbortSignal): Promise<Client | undefined> {
    return new Promise((resolve, reject) => {
      const leave = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      const timer =
        deadline === Infinity
          ? undefined
          : setTimeout(() => {
              leave();
              signal?.removeEventListener('abort', onAbort);
              reject(new PoolTimeoutError(this.options.acquireTimeoutMs));
            }, Math.max(0, deadline - Date.now()));
      const onAbort = () => {
        clearTimeout(timer);
        leave();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        wake: (client) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(client);
        },
        fail: (err) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
