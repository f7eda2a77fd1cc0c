import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** Between the starts of two checkpoints; the WAL grows by at most this much writing meanwhile. */
const MIN_INTERVAL_MS = 100;
/** SQLite's own automatic checkpoint starts at 1000 pages; the thread starts no earlier. */
const START_WAL_BYTES = 4 * 1024 * 1024;
/**
 * Once the WAL file reaches this size it is started over: a PASSIVE checkpoint runs at once,
 * and when it ends, writes wait while a RESTART checkpoint copies the few frames written during
 * it; the next commit writes from the start of the file again. Keep it above the writer's
 * journal_size_limit, which a restart truncates the file to.
 */
export const RESET_WAL_BYTES = 16 * 1024 * 1024;
/** If the WAL reaches this size before that PASSIVE ends, writes wait from then on. */
export const MAX_WAL_BYTES = 24 * 1024 * 1024;
/** The size a restart truncates the WAL file to (PRAGMA journal_size_limit on the writer). */
export const WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;
const STOP_TIMEOUT_MS = 5000;
/**
 * How long a restart waits for a reader of old frames (another process's snapshot) or another
 * writer before it gives up: writes are held back meanwhile.
 */
const RESTART_BUSY_MS = 200;

// Plain CommonJS run by the worker thread; the driver path comes in, so no bundler has to find it.
// 'checkpoint' copies what it can beside the writer (PASSIVE). 'restart' runs while the store
// holds its writes back: it copies the rest, waits for readers of the old frames, and leaves the
// WAL to be started over by the next commit (RESTART). Neither keeps a read transaction open.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.busyTimeout });
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  let reply;
  try {
    const mode = message === 'restart' ? 'RESTART' : 'PASSIVE';
    reply = { ok: db.pragma('wal_checkpoint(' + mode + ')')[0] };
  } catch (err) {
    reply = { error: String(err && err.message ? err.message : err) };
  }
  parentPort.postMessage(reply);
});
`;

/** What PRAGMA wal_checkpoint returns: busy is 1 when it could not finish. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface CheckpointerOptions {
  /** The database file; its WAL is `${file}-wal`. */
  file: string;
  /** Told when checkpoints cannot run on the thread; the caller then checkpoints on its own. */
  onFailure: (err: Error) => void;
  /** WAL file size that starts a restart; RESET_WAL_BYTES unless a test wants it smaller. */
  resetBytes?: number;
}

/**
 * Copies the WAL back into the database file on a worker thread. A checkpoint ends in fsync,
 * which on a busy disk takes tens of milliseconds (measured ~60 ms here); on the main thread,
 * where SQLite's automatic checkpoint runs it, that stalls every connection of the server.
 * PASSIVE never waits for the writer, and the writer never waits for it. The thread costs a
 * few hundred milliseconds to start, so it starts only once the WAL has grown to where SQLite
 * would have checkpointed anyway.
 *
 * PASSIVE alone never lets the WAL start over while commits keep coming: SQLite rewinds the WAL
 * only when a commit finds every frame copied back, and each checkpoint's fsync takes longer
 * than the gap between two commits, so there are always new frames behind it and the file grows
 * without end. So once the file reaches RESET_WAL_BYTES (a stat after every write), a PASSIVE
 * checkpoint runs at once, beside the writer, and does most of the copying and syncing; then
 * the store holds its writes back (`gate`: the event loop keeps running, appends queue up and
 * go in the next group commit) while a RESTART checkpoint copies what was written meanwhile.
 * The next commit writes from the start of the WAL and cuts the file back to the writer's
 * journal_size_limit. Should the file reach MAX_WAL_BYTES before the PASSIVE ends, writes wait
 * from then on, so the file stays below that plus one commit. Durability is unchanged: a commit
 * is in the WAL before it is acknowledged, and the WAL is synced before frames are copied.
 */
export class Checkpointer {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** What the thread is doing, or about to do once the WAL size is known. */
  private running: 'none' | 'passive' | 'restart' = 'none';
  private pending = false;
  private failed = false;
  private stopping = false;
  private lastStart = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly wal: string;
  private readonly resetBytes: number;
  private readonly maxBytes: number;
  /** WAL size that starts the next restart: raised for a while when a restart could not finish. */
  private resetAt: number;
  /** The PASSIVE checkpoint running prepares a restart, which follows it. */
  private restartNext = false;
  private openGate: (() => void) | undefined;
  private gatePromise: Promise<void> | undefined;
  /** Restarts that finished, and those that found a reader or a writer in the way. */
  restarts = 0;
  restartsBusy = 0;

  constructor(private readonly options: CheckpointerOptions) {
    this.wal = `${options.file}-wal`;
    this.resetBytes = options.resetBytes ?? RESET_WAL_BYTES;
    this.maxBytes = this.resetBytes + (MAX_WAL_BYTES - RESET_WAL_BYTES);
    this.resetAt = this.resetBytes;
  }

  /** While set, writes must wait for it: a restart checkpoint is about to run or running. */
  get gate(): Promise<void> | undefined {
    return this.gatePromise;
  }

  /** Something was committed: checkpoint soon, without delaying the caller. */
  written(): void {
    if (this.failed || this.stopping) return;
    this.pending = true;
    if (this.gatePromise !== undefined) return;
    const size = this.walSize();
    if (size >= this.resetAt) {
      this.restartNext = true;
      if (this.running === 'none') {
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
        this.post('passive');
      } else if (size >= this.resetAt - this.resetBytes + this.maxBytes) {
        this.closeGate();
      }
      return;
    }
    if (this.running === 'none' && this.timer === undefined) this.schedule();
  }

  /** Lets a running checkpoint finish, then ends the thread and its connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.restartNext = false;
    // A gate closed for a restart that has not started yet opens; a running one ends first.
    if (this.running !== 'restart') this.releaseGate();
    if (this.gatePromise !== undefined) await this.gatePromise;
    const worker = this.worker;
    if (worker === undefined) return;
    worker.postMessage('stop');
    const timeout = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timeout);
  }

  private walSize(): number {
    try {
      return statSync(this.wal).size;
    } catch {
      return 0;
    }
  }

  private closeGate(): void {
    if (this.gatePromise === undefined) this.gatePromise = new Promise((resolve) => (this.openGate = resolve));
  }

  private releaseGate(): void {
    const open = this.openGate;
    this.openGate = undefined;
    this.gatePromise = undefined;
    open?.();
  }

  private post(mode: 'passive' | 'restart'): void {
    if (mode === 'restart') {
      this.restartNext = false;
      this.closeGate();
    }
    this.running = mode;
    this.pending = false;
    this.lastStart = Date.now();
    (this.worker ?? this.startWorker()).postMessage(mode === 'restart' ? 'restart' : 'checkpoint');
  }

  private schedule(): void {
    const wait = Math.max(0, this.lastStart + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.pending && this.running === 'none' && !this.stopping && !this.failed) void this.run();
    }, wait);
    this.timer.unref();
  }

  /** The timer's PASSIVE checkpoint, once the WAL is worth a thread. */
  private async run(): Promise<void> {
    this.running = 'passive';
    const worthIt = this.worker !== undefined || (await this.walReached(START_WAL_BYTES));
    this.running = 'none';
    if (this.stopping || this.failed) return;
    // A write meanwhile may have asked for a restart, which starts with a PASSIVE too.
    if (worthIt || this.restartNext) this.post(this.gatePromise === undefined ? 'passive' : 'restart');
  }

  private async walReached(bytes: number): Promise<boolean> {
    try {
      return (await stat(this.wal)).size >= bytes;
    } catch {
      return false;
    }
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.options.file, driver: require.resolve('better-sqlite3'), busyTimeout: RESTART_BUSY_MS },
    });
    worker.unref();
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: { ok?: CheckpointResult; error?: string }) => this.checkpointed(reply));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', () => {
      this.running = 'none';
      if (!this.stopping) this.fail(new Error('WAL checkpoint thread exited'));
    });
    return worker;
  }

  private checkpointed(reply: { ok?: CheckpointResult; error?: string }): void {
    const ran = this.running;
    this.running = 'none';
    if (reply.error !== undefined) {
      this.fail(new Error(`WAL checkpoint failed: ${reply.error}`));
      return;
    }
    if (ran === 'restart') {
      // Busy: something held the old frames; try again only after the file has grown by
      // another resetBytes, so the writer is not held back commit after commit.
      if (reply.ok !== undefined && reply.ok.busy !== 0) {
        this.restartsBusy++;
        this.resetAt = this.walSize() + this.resetBytes;
      } else {
        this.restarts++;
        this.resetAt = this.resetBytes;
      }
      this.releaseGate();
    } else if (this.restartNext && !this.stopping) {
      this.post('restart');
      return;
    }
    if (this.pending && this.timer === undefined && !this.stopping) this.schedule();
  }

  private fail(err: Error): void {
    // Writes held back for a restart go ahead: the caller falls back to its own checkpoints.
    this.restartNext = false;
    this.releaseGate();
    if (this.failed || this.stopping) return;
    this.failed = true;
    this.options.onFailure(err);
  }
}
