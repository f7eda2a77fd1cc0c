import { EVENTS_MAX_LIMIT, HISTORY_MAX_LIMIT, THREAD_MAX_LIMIT, type ClientFrameType } from '../../protocol';
import { KeyedLimiter } from './rate-limit';

/** A token bucket's shape: `rate` requests per second, `burst` at once. */
export interface Budget {
  rate: number;
  burst: number;
}

/**
 * The request kinds with a budget of their own. `send` also covers `change` and `upload` (each
 * stores one room event; an upload is charged when it starts, before any byte moves); chunks are bounded by TCP backpressure, ping/pong cost one write,
 * login and register have their own throttles in Auth.
 */
export const BUDGET_KINDS = [
  'send',
  'typing',
  'status',
  'read',
  'history',
  'search',
  'create',
  'join',
  'leave',
  'rooms',
  'moderate',
  'thread',
  'threads',
  'pins',
  'revisions',
  'events',
  'download',
  'logout',
  'sessions',
  'revoke',
  'password',
  'hello',
  'resume',
] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];

/**
 * Per user and second, by cost: page reads are index range scans (generous), a search may read
 * much of the index and a create writes a room for good (tight). `send` comes from --rate-limit.
 */
export const DEFAULT_BUDGETS: Record<BudgetKind, Budget> = {
  send: { rate: 20, burst: 100 },
  typing: { rate: 5, burst: 10 },
  status: { rate: 2, burst: 20 },
  // A read mark is a small write; clients send one per room they look at.
  read: { rate: 20, burst: 50 },
  // Pages cost a token per 50 messages (events per 100, see costOf): a dozen default pages at once.
  history: { rate: 10, burst: 30 },
  thread: { rate: 10, burst: 30 },
  events: { rate: 10, burst: 30 },
  threads: { rate: 5, burst: 20 },
  pins: { rate: 5, burst: 20 },
  revisions: { rate: 5, burst: 20 },
  search: { rate: 2, burst: 10 },
  create: { rate: 0.2, burst: 10 },
  join: { rate: 2, burst: 30 },
  leave: { rate: 2, burst: 30 },
  rooms: { rate: 2, burst: 20 },
  // Room settings, invitations, removals, roles, the member list, the directory and the audit log: rare, small writes or reads.
  moderate: { rate: 2, burst: 30 },
  download: { rate: 10, burst: 50 },
  logout: { rate: 1, burst: 10 },
  // Listing and ending one's own sessions are rare; a password change costs two scrypt hashes.
  sessions: { rate: 1, burst: 10 },
  revoke: { rate: 1, burst: 10 },
  password: { rate: 0.1, burst: 5 },
  // Before sign-in there is no user: these are charged to the address only, as a user's worth × the factor.
  hello: { rate: 10, burst: 50 },
  resume: { rate: 10, burst: 50 },
};

/** An address carries a team behind one NAT: it gets this many users' worth of every budget. */
export const DEFAULT_ADDRESS_FACTOR = 10;

/** Frame types charged as another kind. */
const CHARGED_AS: Partial<Record<ClientFrameType, BudgetKind>> = {
  change: 'send',
  upload: 'send',
  directory: 'rooms',
  room_set: 'moderate',
  invite: 'moderate',
  uninvite: 'moderate',
  invitations: 'rooms',
  accept: 'join',
  decline: 'join',
  kick: 'moderate',
  ban: 'moderate',
  unban: 'moderate',
  role: 'moderate',
  members: 'rooms',
  disable: 'moderate',
  audit: 'moderate',
  block: 'moderate',
  unblock: 'moderate',
  blocks: 'rooms',
  // A profile change goes to everyone, like a presence change; reading profiles is a listing.
  profile_set: 'status',
  avatar: 'status',
  profiles: 'rooms',
  delete_account: 'password',
  admin: 'moderate',
  admins: 'moderate',
};

export interface BudgetConfig {
  /** False turns every budget off (`--rate-limit 0`, for benchmarks). */
  enabled: boolean;
  budgets: Record<BudgetKind, Budget>;
  addressFactor: number;
}

/** Messages one token pays for, in the kinds that return pages: a page of 200 costs 4 of 50. */
const PAGE_TOKEN: Partial<Record<BudgetKind, { per: number; fallback: number; max: number }>> = {
  history: { per: 50, fallback: 50, max: HISTORY_MAX_LIMIT },
  thread: { per: 50, fallback: 100, max: THREAD_MAX_LIMIT },
  threads: { per: 50, fallback: 50, max: THREAD_MAX_LIMIT },
  events: { per: 100, fallback: EVENTS_MAX_LIMIT, max: EVENTS_MAX_LIMIT },
};

/** Tokens a request costs: one, or for a page its size over the page token (the defaults when no limit is asked). */
export function costOf(kind: BudgetKind, frame: { limit?: unknown }): number {
  const page = PAGE_TOKEN[kind];
  if (page === undefined) return 1;
  const limit = typeof frame.limit === 'number' && frame.limit > 0 ? Math.min(frame.limit, page.max) : page.fallback;
  return Math.max(1, Math.ceil(limit / page.per));
}

/** The budget kind a frame type is charged to, or undefined for the types without one. */
export function budgetKind(type: ClientFrameType): BudgetKind | undefined {
  const as = CHARGED_AS[type];
  if (as !== undefined) return as;
  return (BUDGET_KINDS as readonly string[]).includes(type) ? (type as BudgetKind) : undefined;
}

/**
 * One pair of token buckets per request kind: per user and per address. Each kind has its own,
 * so a flood of one kind uses up that kind's budget only and every other kind stays served.
 */
export class RequestBudgets {
  private readonly byUser = new Map<BudgetKind, KeyedLimiter>();
  private readonly byAddress = new Map<BudgetKind, KeyedLimiter>();

  constructor(readonly config: BudgetConfig) {
    for (const kind of BUDGET_KINDS) {
      const { rate, burst } = config.budgets[kind];
      const on = config.enabled && rate > 0;
      this.byUser.set(kind, new KeyedLimiter(on ? rate : 0, burst));
      this.byAddress.set(kind, new KeyedLimiter(on ? rate * config.addressFactor : 0, Math.max(1, burst * config.addressFactor)));
    }
  }

  /**
   * Takes `cost` tokens of `kind` (never more than a full bucket) from the user's (when signed in)
   * and the address's bucket; false takes nothing.
   */
  take(kind: BudgetKind, user: string | undefined, address: string, cost = 1): boolean {
    const n = Math.min(cost, this.config.budgets[kind].burst);
    const mine = this.byUser.get(kind) as KeyedLimiter;
    if (user !== undefined && !mine.take(user, n)) return false;
    if ((this.byAddress.get(kind) as KeyedLimiter).take(address, n)) return true;
    if (user !== undefined) mine.give(user, n);
    return false;
  }

  /** The sentence a refused request gets: names the kind and its budget. */
  refusal(kind: BudgetKind): string {
    const { rate, burst } = this.config.budgets[kind];
    const page = PAGE_TOKEN[kind];
    const unit = page === undefined ? '' : ` (a page counts one per ${page.per} messages)`;
    return `Too many "${kind}" requests: at most ${rate} a second after ${burst} at once${unit}; try again shortly.`;
  }
}

/**
 * `--request-limits kind=RATE/BURST,…,address=FACTOR`: per-user budgets over the defaults, and how
 * many users' worth an address gets. Throws a message for anything else.
 */
export function parseRequestLimits(text: string): { budgets: Partial<Record<BudgetKind, Budget>>; addressFactor?: number } {
  const budgets: Partial<Record<BudgetKind, Budget>> = {};
  let addressFactor: number | undefined;
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (key === 'address') {
      addressFactor = Number(value);
      if (!Number.isFinite(addressFactor) || addressFactor < 1) throw new Error('address=FACTOR takes a number ≥ 1.');
      continue;
    }
    if (!(BUDGET_KINDS as readonly string[]).includes(key)) throw new Error(`"${key}" is no request kind with a budget (${BUDGET_KINDS.join(', ')}).`);
    const m = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(value ?? '');
    if (m === null || Number(m[2]) < 1) throw new Error(`${key}= takes RATE/BURST, e.g. ${key}=2/10.`);
    budgets[key as BudgetKind] = { rate: Number(m[1]), burst: Number(m[2]) };
  }
  return { budgets, addressFactor };
}
