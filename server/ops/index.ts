import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import type { AppendResult } from '../store/store';
import { OpsCounters } from './counters';
import { HealthChecks } from './health';
import { OpsHttpServer } from './http';
import { ServerMetrics, type MetricSources } from './metrics';

export { OpsCounters } from './counters';
export { HealthChecks, type HealthCheck, type HealthReport } from './health';
export { ServerMetrics } from './metrics';

export interface OpsOptions {
  host: string;
  /** undefined: no HTTP endpoint (the metrics are still kept, for nothing reads them). */
  port: number | undefined;
  logger: Logger;
}

/**
 * Operations for one ParleyServer: the counters the chat code bumps, the Prometheus registry
 * that reads them, the health checks, and the HTTP endpoint serving both when a port is set.
 */
export class Ops {
  readonly counters = new OpsCounters();
  readonly health = new HealthChecks();
  readonly metrics: ServerMetrics;
  private http: OpsHttpServer | undefined;
  private bound: AddressInfo | undefined;

  constructor(
    private readonly options: OpsOptions,
    sources: Omit<MetricSources, 'counters' | 'draining'>,
  ) {
    this.metrics = new ServerMetrics({ ...sources, counters: this.counters, draining: () => this.health.draining });
  }

  /** The registry other parts (the cluster code) register their metrics on. */
  get registry(): ServerMetrics['registry'] {
    return this.metrics.registry;
  }

  get address(): AddressInfo | undefined {
    return this.bound;
  }

  /** Group commit's observer: one histogram observation each per batch, one addition to the message count. */
  readonly observeBatch = (size: number, seconds: number, results: AppendResult[] | undefined): void => {
    this.metrics.appendSeconds.observe(seconds);
    this.metrics.batchSize.observe(size);
    if (results === undefined) return;
    let stored = 0;
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      if (r.duplicate !== true && r.refused === undefined && r.noop !== true) stored++;
    }
    this.counters.messages += stored;
  };

  async start(): Promise<void> {
    if (this.options.port === undefined || this.http !== undefined) return;
    this.http = new OpsHttpServer({ host: this.options.host, port: this.options.port, logger: this.options.logger }, this.health, this.metrics);
    this.bound = await this.http.listen();
    this.options.logger.info({ address: this.bound.address, port: this.bound.port }, `metrics on http://${this.bound.address}:${this.bound.port}/metrics, health on /healthz`);
  }

  async close(): Promise<void> {
    await this.http?.close();
  }
}
