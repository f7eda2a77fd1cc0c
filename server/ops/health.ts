/** One dependency the server needs to serve: resolves when it answers, rejects (with why) when not. */
export type HealthCheck = () => Promise<void>;

export interface HealthReport {
  /** `ok` only when every check passed and the server is not draining. */
  status: 'ok' | 'unavailable' | 'draining';
  /** Per check: `ok`, or the reason it failed. */
  checks: Record<string, string>;
}

/** A check that has not answered in this long counts as failed. */
export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/**
 * The list `/healthz` runs: the store from the start, others (the cluster's Redis) added by the
 * code that owns them with `add`. A check already running is shared rather than started again,
 * so a balancer polling a slow store does not pile up requests on it.
 */
export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly running = new Map<string, Promise<string>>();
  private isDraining = false;

  constructor(private readonly timeoutMs = DEFAULT_CHECK_TIMEOUT_MS) {}

  /** Adds (or replaces) the check called `name`. */
  add(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  remove(name: string): void {
    this.checks.delete(name);
  }

  /** From now on the report says `draining`: a balancer stops sending new clients here. */
  drain(): void {
    this.isDraining = true;
  }

  get draining(): boolean {
    return this.isDraining;
  }

  async report(): Promise<HealthReport> {
    const names = [...this.checks.keys()];
    const results = await Promise.all(names.map((name) => this.run(name)));
    const checks: Record<string, string> = {};
    names.forEach((name, i) => (checks[name] = results[i]));
    const healthy = results.every((r) => r === 'ok');
    return { status: this.isDraining ? 'draining' : healthy ? 'ok' : 'unavailable', checks };
  }

  private run(name: string): Promise<string> {
    let attempt = this.running.get(name);
    if (attempt === undefined) {
      attempt = this.start(name);
      this.running.set(name, attempt);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
    });
    return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
  }

  /** Runs the check once; it stays shared until it settles, however long that takes. */
  private start(name: string): Promise<string> {
    const check = this.checks.get(name) as HealthCheck;
    let attempt: Promise<void>;
    try {
      attempt = check();
    } catch (err) {
      attempt = Promise.reject(err);
    }
    return attempt
      .then(
        () => 'ok',
        (err: unknown) => (err instanceof Error ? err.message : String(err)) || 'failed',
      )
      .finally(() => this.running.delete(name));
  }
}
