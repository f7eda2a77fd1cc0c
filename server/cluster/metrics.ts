import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ClusterNode } from './node';

/** Publish → receive across nodes: well under a millisecond on one host, seconds when a link stalls. */
const PUBLISH_LAG_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The cluster's series on the server's registry, read from ClusterNode.stats() when scraped, so
 * publishing and delivering count nothing extra; the publish lag is the one observed as notes arrive.
 */
export function registerClusterMetrics(registry: Registry, node: ClusterNode): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
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
  gauge('parley_cluster_peers', 'Other nodes heard from within the node TTL.', () => node.stats().peers);
  gauge('parley_cluster_redis_up', '1 while both Redis links (publish and subscribe) are up.', () => (node.isHealthy() ? 1 : 0));
  total('parley_cluster_published_total', 'Notes this node published to the other nodes.', () => node.stats().published);
  total('parley_cluster_received_total', 'Notes received from the other nodes.', () => node.stats().received);
  total('parley_cluster_publish_failures_total', 'Publications Redis did not take (the other nodes fill the hole from the store).', () => node.stats().publishFailures);
  total('parley_cluster_redis_reconnects_total', 'Times a Redis link came back (every room is filled from the store then).', () => node.stats().reconnects);
  total('parley_cluster_gap_fills_total', 'Holes in a room\'s seqs filled from the store.', () => node.stats().order.gapFills);
  total('parley_cluster_gap_filled_events_total', 'Room events read from the store to fill holes.', () => node.stats().order.filledEvents);
  gauge('parley_cluster_held_events', 'Events waiting behind a hole in their room\'s seqs.', () => node.stats().order.held);
  const lag = new Histogram({
    name: 'parley_cluster_publish_lag_seconds',
    help: 'From another node\'s PUBLISH of a note to its arrival here, in seconds (by the two nodes\' clocks).',
    buckets: PUBLISH_LAG_BUCKETS,
    registers,
  });
  node.cluster.onPublishLag = (seconds) => lag.observe(seconds);
}
