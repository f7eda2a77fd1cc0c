import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OpsCounters } from './counters';

/** What the metrics read when scraped: nothing here is updated on the hot path. */
export interface MetricSources {
  readonly counters: OpsCounters;
  /** Connections open now. */
  openConnections(): number;
  /** Bytes queued for sockets and not yet taken by the kernel, summed over connections, and the largest. */
  outboundBytes(): { total: number; max: number };
  /** Whether the server is draining (SIGTERM received). */
  draining(): boolean;
}

/** Store append latency: group-commit appends take from under a millisecond (SQLite) to seconds (a Neo4j outage). */
const APPEND_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Group-commit batch sizes, up to GroupCommit's maxBatch (1024). */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/**
 * The server's Prometheus registry and its own metrics. Other parts of the server (the cluster
 * code: publish/subscribe lag, gap fills, peers) register theirs on `registry` when they start,
 * with the `parley_` prefix; see docs/operations.md. Counters are read from `OpsCounters` at
 * scrape time, so counting costs the hot path one field increment.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** Observed once per group-commit batch. */
  readonly appendSeconds: Histogram;
  readonly batchSize: Histogram;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    const { counters } = sources;
    collectDefaultMetrics({ register: this.registry });
    // Read at scrape: reset, then set to the running total (a counter only ever goes up, and so does the total).
    const total = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    total('parley_connections_opened_total', 'Client connections accepted.', () => counters.connectionsOpened);
    total('parley_messages_total', 'Room events stored and acknowledged (messages, replies, changes), repeats of a cid not counted.', () => counters.messages);
    total('parley_deliveries_total', 'Room events queued to client connections (each recipient connection counts, acks included).', () => counters.deliveries);
    total('parley_slow_consumers_total', 'Connections dropped for falling too far behind (SLOW_CONSUMER).', () => counters.slowConsumers);
    new Gauge({
      name: 'parley_connections',
      help: 'Client connections open now.',
      registers,
      collect() {
        this.set(sources.openConnections());
      },
    });
    new Gauge({
      name: 'parley_outbound_queue_bytes',
      help: 'Bytes queued for client sockets and not yet taken by the kernel, summed over connections.',
      registers,
      collect() {
        this.set(sources.outboundBytes().total);
      },
    });
    new Gauge({
      name: 'parley_outbound_queue_max_bytes',
      help: 'The largest outbound queue of one connection, in bytes.',
      registers,
      collect() {
        this.set(sources.outboundBytes().max);
      },
    });
    new Gauge({
      name: 'parley_draining',
      help: '1 while the server drains (after SIGTERM), else 0.',
      registers,
      collect() {
        this.set(sources.draining() ? 1 : 0);
      },
    });
    const transfers = (kind: 'upload' | 'download', started: () => number, finished: () => number) => ({ kind, started, finished });
    const kinds = [
      transfers('upload', () => counters.uploadsStarted, () => counters.uploadsFinished),
      transfers('download', () => counters.downloadsStarted, () => counters.downloadsFinished),
    ];
    new Counter({
      name: 'parley_transfers_started_total',
      help: 'File transfers started, by kind (upload, download); media bytes go to the media store (disk or FTP).',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const k of kinds) this.inc({ kind: k.kind }, k.started());
      },
    });
    new Counter({
      name: 'parley_transfers_finished_total',
      help: 'File transfers ended (completed, failed or cancelled), by kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const k of kinds) this.inc({ kind: k.kind }, k.finished());
      },
    });
    new Gauge({
      name: 'parley_transfers_active',
      help: 'File transfers running now, by kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const k of kinds) this.set({ kind: k.kind }, k.started() - k.finished());
      },
    });
    this.appendSeconds = new Histogram({
      name: 'parley_store_append_seconds',
      help: 'Time one group-commit append (one store transaction) took.',
      buckets: APPEND_SECONDS_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      name: 'parley_commit_batch_size',
      help: 'Room events per group-commit batch.',
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
  }

  /** The exposition text and its content type, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
