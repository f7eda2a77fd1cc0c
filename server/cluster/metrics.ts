import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClusterNode } from './node';

/**
 * The cluster's series on the server's registry, read from ClusterNode.stats() when scraped, so
 * publishing and delivering count nothing extra.
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
}
