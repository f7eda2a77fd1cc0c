/**
 * Plain numbers the hot path bumps (a field increment, no call, no allocation); the Prometheus
 * counters in metrics.ts read them when scraped. One instance per ParleyServer.
 */
export class OpsCounters {
  /** TCP (or TLS) connections accepted. */
  connectionsOpened = 0;
  /** Room events stored and acknowledged (messages, replies, changes); repeats of a cid not counted. */
  messages = 0;
  /** Room events queued to a connection (one per recipient connection, the sender's ack included). */
  deliveries = 0;
  /** Frames that could not be queued because a reader fell too far behind (SLOW_CONSUMER). */
  slowConsumers = 0;
  uploadsStarted = 0;
  uploadsFinished = 0;
  downloadsStarted = 0;
  downloadsFinished = 0;
}
