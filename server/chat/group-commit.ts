import type { AppendResult, NewMessage, Store } from '../store/store';

export type CommitCallback = (err: Error | undefined, result: AppendResult | undefined) => void;

/** Told once per batch, after its append: how many entries, how long the append took, and its results (undefined when it failed). */
export type BatchObserver = (size: number, seconds: number, results: AppendResult[] | undefined) => void;

/**
 * Group commit: messages that arrive close together go to the store in one `append`, so one
 * transaction (one fsync) covers many messages. Only one append runs at a time; whatever
 * arrives meanwhile forms the next batch. Callbacks run in batch order, so acks and fan-out
 * follow seq order within each room.
 */
export class GroupCommit {
  private batch: NewMessage[] = [];
  private callbacks: CommitCallback[] = [];
  private running = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  /**
   * `drained` runs once the batches that were ready are all answered and their callbacks'
   * microtasks (the Hub's delivery) ran: the server writes the queued acks and messages then,
   * in one write per socket for however many batches, rather than a turn of the event loop later.
   */
  constructor(
    private readonly store: Pick<Store, 'append'>,
    private readonly report: (err: unknown) => void,
    private readonly maxBatch = 1024,
    private readonly observe?: BatchObserver,
    private readonly drained?: () => void,
  ) {}

  add(message: NewMessage, callback: CommitCallback): void {
    this.batch.push(message);
    this.callbacks.push(callback);
    if (this.running) return;
    if (this.batch.length >= this.maxBatch) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      // After the current I/O phase, so everything read from sockets in it joins this batch.
      setImmediate(() => {
        this.scheduled = false;
        if (!this.running) this.flush();
      });
    }
  }

  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void> {
    if (!this.running && this.batch.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    if (this.batch.length === 0) {
      this.wakeIdle();
      return;
    }
    let batch: NewMessage[];
    let callbacks: CommitCallback[];
    if (this.batch.length <= this.maxBatch) {
      batch = this.batch;
      callbacks = this.callbacks;
      this.batch = [];
      this.callbacks = [];
    } else {
      batch = this.batch.splice(0, this.maxBatch);
      callbacks = this.callbacks.splice(0, this.maxBatch);
    }
    this.running = true;
    const started = this.observe === undefined ? 0 : performance.now();
    let appended: Promise<AppendResult[]>;
    try {
      appended = this.store.append(batch);
    } catch (err) {
      appended = Promise.reject(err);
    }
    appended.then(
      (results) => {
        this.running = false;
        if (this.observe !== undefined) this.observed(batch.length, started, results);
        for (let i = 0; i < callbacks.length; i++) this.settle(callbacks[i], undefined, results[i]);
        this.next();
      },
      (err: unknown) => {
        this.running = false;
        const error = err instanceof Error ? err : new Error(String(err));
        if (this.observe !== undefined) this.observed(batch.length, started, undefined);
        for (let i = 0; i < callbacks.length; i++) this.settle(callbacks[i], error, undefined);
        this.next();
      },
    );
  }

  private observed(size: number, started: number, results: AppendResult[] | undefined): void {
    try {
      this.observe?.(size, (performance.now() - started) / 1000, results);
    } catch (err) {
      this.report(err);
    }
  }

  /**
   * The next batch, after what the callbacks queued as microtasks (the Hub's delivery of this
   * batch): a store whose append runs synchronously would otherwise commit it first, and this
   * batch's acks and messages would wait for that commit.
   */
  private next(): void {
    queueMicrotask(() => {
      if (this.running) return;
      if (this.batch.length > 0) this.flush();
      else {
        this.drained?.();
        this.wakeIdle();
      }
    });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** A throwing callback must not strand the rest of the batch or stop the committer. */
  private settle(callback: CommitCallback, err: Error | undefined, result: AppendResult | undefined): void {
    try {
      callback(err, result);
    } catch (thrown) {
      this.report(thrown);
    }
  }
}
