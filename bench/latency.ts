/** Collects latency samples (ms) and reports percentiles. Bounded: keeps a uniform reservoir. */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private count = 0;
  private seen = 0;
  max = 0;

  constructor(capacity = 1_000_000) {
    this.samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.seen++;
    if (ms > this.max) this.max = ms;
    if (this.count < this.samples.length) {
      this.samples[this.count++] = ms;
      return;
    }
    // Reservoir sampling keeps every sample equally likely once the buffer is full.
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.samples.length) this.samples[slot] = ms;
  }

  /** The kept samples, for merging recorders of several threads with summarize(). */
  snapshot(): LatencySnapshot {
    return { samples: this.samples.slice(0, this.count), seen: this.seen, max: this.max };
  }

  summary(): LatencySummary {
    return summarize([this.snapshot()]);
  }
}

export interface LatencySnapshot {
  samples: Float64Array;
  seen: number;
  max: number;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** Percentiles over the samples of one or more recorders. */
export function summarize(parts: LatencySnapshot[]): LatencySummary {
  let length = 0;
  for (const p of parts) length += p.samples.length;
  const sorted = new Float64Array(length);
  let at = 0;
  for (const p of parts) {
    sorted.set(p.samples, at);
    at += p.samples.length;
  }
  sorted.sort();
  const q = (x: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))]);
  return {
    p50: round(q(0.5)),
    p99: round(q(0.99)),
    max: round(Math.max(0, ...parts.map((p) => p.max))),
    samples: parts.reduce((n, p) => n + p.seen, 0),
  };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
