import type { BudgetKind, RequestBudgets } from '../chat/budgets';
import type { SharedBuckets } from './shared-limiter';

/**
 * The request budgets of RequestBudgets (same kinds, rates and address factor), with the buckets
 * in Redis: a user's flood spread over every node draws on one budget. While Redis cannot
 * answer, this node's own buckets decide, so an outage of Redis does not stop the chat.
 */
export class SharedBudgets {
  constructor(
    private readonly buckets: SharedBuckets,
    private readonly local: RequestBudgets,
  ) {}

  async take(kind: BudgetKind, user: string | undefined, address: string, cost = 1): Promise<boolean> {
    const { enabled, budgets, addressFactor } = this.local.config;
    const { rate, burst } = budgets[kind];
    if (!enabled || rate <= 0) return true;
    const n = Math.min(cost, burst);
    const specs = [{ key: `a:${kind}:${address}`, rate: rate * addressFactor, burst: Math.max(1, burst * addressFactor) }];
    if (user !== undefined) specs.push({ key: `u:${kind}:${user}`, rate, burst });
    try {
      return await this.buckets.take(specs, n);
    } catch {
      return this.local.take(kind, user, address, cost);
    }
  }
}
