import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** Between the starts of two checkpoints; the WAL grows by at most this much writing meanwhile. */
const MIN_INTERVAL_MS = 100;
/** SQLite's own automatic checkpoint starts at 1000 pages; the thread starts no earlier. */
const START_WAL_BYTES = 4 * 1024 * 1024;
const STOP_TIMEOUT_MS = 5000;

// Plain CommonJS run by the worker thread; the driver path comes in, so no bundler has to find it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  let reply;
  try {
    reply = { ok: db.pragma('wal_checkpoint(PASSIVE)')[0] };
  } catch (err) {
    reply = { error: String(err && err.message ? err.message : err) };
  }
  parentPort.postMessage(reply);
});
`;

export interface CheckpointerOptions {
  /** The database file; its WAL is `${file}-wal`. */
  file: string;
  /** Told when checkpoints cannot run on the thread; the caller then checkpoints on its own. */
  onFailure: (err: Error) => void;
}

/**
 * Copies the WAL back into the database file on a worker thread. A checkpoint ends in fsync,
 * which on a busy disk takes tens of milliseconds (measured ~60 ms here); on the main thread,
 * where SQLite's automatic checkpoint runs it, that stalls every connection of the server.
 * PASSIVE never waits for the writer, and the writer never waits for it. The thread costs a
 * few hundred milliseconds to start, so it starts only once the WAL has grown to where SQLite
 * would have checkpointed anyway.
 */
export class Checkpointer {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private inFlight = false;
  private pending = false;
  private failed = false;
  private stopping = false;
  private lastStart = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CheckpointerOptions) {}

  /** Something was committed: checkpoint soon, without delaying the caller. */
  written(): void {
    if (this.failed || this.stopping) return;
    this.pending = true;
    if (!this.inFlight && this.timer === undefined) this.schedule();
  }

  /** Lets a running checkpoint finish, then ends the thread and its connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const worker = this.worker;
    if (worker === undefined) return;
    worker.postMessage('stop');
    const timeout = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timeout);
  }

  private schedule(): void {
    const wait = Math.max(0, this.lastStart + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.pending && !this.inFlight && !this.stopping && !this.failed) void this.run();
    }, wait);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.inFlight = true;
    if (this.worker === undefined && !(await this.walReached(START_WAL_BYTES))) {
      // Not worth a thread yet; the next write looks again.
      this.inFlight = false;
      return;
    }
    if (this.stopping || this.failed) {
      this.inFlight = false;
      return;
    }
    this.pending = false;
    this.lastStart = Date.now();
    (this.worker ?? this.startWorker()).postMessage('checkpoint');
  }

  private async walReached(bytes: number): Promise<boolean> {
    try {
      return (await stat(`${this.options.file}-wal`)).size >= bytes;
    } catch {
      return false;
    }
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.options.file, driver: require.resolve('better-sqlite3') },
    });
    worker.unref();
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: { error?: string }) => {
      this.inFlight = false;
      if (reply.error !== undefined) this.fail(new Error(`WAL checkpoint failed: ${reply.error}`));
      else if (this.pending && this.timer === undefined) this.schedule();
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', () => {
      this.inFlight = false;
      if (!this.stopping) this.fail(new Error('WAL checkpoint thread exited'));
    });
    return worker;
  }

  private fail(err: Error): void {
    if (this.failed || this.stopping) return;
    this.failed = true;
    this.options.onFailure(err);
  }
}
