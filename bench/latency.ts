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

  summary(): { p50: number; p99: number; max: number; samples: number } {
    const sorted = this.samples.slice(0, this.count).sort();
    const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(this.max), samples: this.seen };
  }
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
