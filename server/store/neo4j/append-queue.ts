import type { AppendResult, NewMessage } from '../store';
import { isUnavailable } from './errors';

interface Call {
  batch: NewMessage[];
  resolve: (results: AppendResult[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit inside the store: append() calls that arrive while others are being written are
 * merged into one transaction (each call's batch stays whole, so each is still all-or-nothing).
 * Writers to one room serialise on its lock anyway; merging turns a crowd of small transactions,
 * each holding a pooled connection while it waits, into a few large ones.
 */
export class AppendQueue {
  private waiting: Call[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (batch: NewMessage[]) => Promise<AppendResult[]>,
    private readonly maxInFlight = 4,
    private readonly maxBatch = 1024,
  ) {}

  append(batch: NewMessage[]): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      let size = 0;
      let take = 0;
      while (take < this.waiting.length && (take === 0 || size + this.waiting[take].batch.length <= this.maxBatch)) {
        size += this.waiting[take].batch.length;
        take++;
      }
      const group = this.waiting.splice(0, take);
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(group: Call[]): Promise<void> {
    let results: AppendResult[];
    try {
      results = await this.write(group.length === 1 ? group[0].batch : group.flatMap((c) => c.batch));
    } catch (err) {
      if (group.length === 1) {
        group[0].reject(err);
      } else if (isUnavailable(err)) {
        for (const call of group) call.reject(err);
      } else {
        // One call's bad input (an unknown room, say) must not fail the calls merged with it.
        for (const call of group) await this.write(call.batch).then(call.resolve, call.reject);
      }
      if (isUnavailable(err)) this.failWaiting(err);
      return;
    }
    let at = 0;
    for (const call of group) {
      call.resolve(results.slice(at, at + call.batch.length));
      at += call.batch.length;
    }
  }

  /** Calls queued behind one that found Neo4j unreachable fail now rather than one retry period each. */
  private failWaiting(err: unknown): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const call of waiting) call.reject(err);
  }
}
