import { Worker } from 'node:worker_threads';
import { AVATAR_SIZE } from '../../protocol';

/** A decode that takes longer than this is given up (and its thread replaced): no picture needs it. */
const DECODE_TIMEOUT_MS = 60_000;

// Plain CommonJS run by the worker thread, so no bundler has to find a second entry point; jimp
// is loaded from the path the server resolved (an eval'd worker resolves from the cwd).
// Message in: [id, bytes]. Out: [id, png] or [id, null, reason].
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  // A lower priority for this thread only: chat keeps the CPU while a picture decodes.
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, 10);
} catch {}
const { Jimp, JimpMime } = require(workerData.jimp);
parentPort.on('message', async ([id, bytes]) => {
  try {
    const image = await Jimp.fromBuffer(Buffer.from(bytes));
    if (image.width > workerData.maxSide || image.height > workerData.maxSide) throw new Error('too large');
    image.cover({ w: workerData.size, h: workerData.size });
    const png = await image.getBuffer(JimpMime.png);
    parentPort.postMessage([id, png]);
  } catch (err) {
    parentPort.postMessage([id, null, String(err && err.message || err)]);
  }
});
`;

type Job = { resolve: (png: Buffer) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

/**
 * Decodes, center-crops, scales and PNG-encodes avatars on one worker thread, one at a time, so
 * a large JPEG (seconds of pure-JS work) never holds the event loop. Started on first use.
 */
class AvatarThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly jobs = new Map<number, Job>();
  /** Jobs run one after another: at most one decoded picture is held in memory. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly maxSide: number) {}

  square(bytes: Buffer): Promise<Buffer> {
    const run = this.queue.then(() => this.run(bytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private run(bytes: Buffer): Promise<Buffer> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.jobs.delete(id);
        this.replace();
        reject(new Error('the picture took too long to decode'));
      }, DECODE_TIMEOUT_MS);
      this.jobs.set(id, { resolve, reject, timer });
      worker.ref();
      worker.postMessage([id, bytes]);
    });
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { jimp: require.resolve('jimp'), size: AVATAR_SIZE, maxSide: this.maxSide } });
    worker.on('message', ([id, png, reason]: [number, Uint8Array | null, string?]) => {
      const job = this.jobs.get(id);
      if (job === undefined) return;
      this.jobs.delete(id);
      clearTimeout(job.timer);
      if (this.jobs.size === 0) worker.unref();
      if (png === null) job.reject(new Error(reason ?? 'the picture could not be decoded'));
      else job.resolve(Buffer.from(png));
    });
    worker.on('error', () => this.replace());
    worker.on('exit', () => {
      if (this.worker === worker) this.replace();
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** A thread that died or hung: its jobs fail, the next one starts afresh. */
  private replace(): void {
    const old = this.worker;
    this.worker = undefined;
    for (const [id, job] of this.jobs) {
      clearTimeout(job.timer);
      job.reject(new Error('the picture decoder stopped'));
      this.jobs.delete(id);
    }
    void old?.terminate();
  }
}

let thread: AvatarThread | undefined;

/** The AVATAR_SIZE square PNG of a picture whose header was checked, made off the event loop. */
export function squareAvatar(bytes: Buffer, maxSide: number): Promise<Buffer> {
  thread ??= new AvatarThread(maxSide);
  return thread.square(bytes);
}
