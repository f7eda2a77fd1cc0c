import { ParleyError } from '../../protocol';

/**
 * Runs at most `concurrency` jobs at once and keeps at most `maxWaiting` waiting; past that a job
 * is refused with RATE_LIMITED. Memory-hard work (scrypt) costs its memory only while it runs,
 * so this bounds what a burst of sign-ins can take, however large the burst.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  /** Jobs running now, and jobs waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) throw new ParleyError('RATE_LIMITED', 'The server is busy signing others in; try again shortly.');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next job, so `running` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
