import { MAX_PRESENCE_LIST, encodeFrame, type PresenceEntry } from '../../protocol';
import type { Hub } from './fanout';

export interface UserState {
  status: 'online' | 'away';
  context?: string;
}

/** At most one presence broadcast per user per this many ms: a flipping status costs one frame a second. */
export const PRESENCE_INTERVAL_MS = 1000;

/**
 * Who exists and who is online. A user is online (or away) while any connection is signed in.
 * Changes go to the people who share a room with the user, and to the user's own connections;
 * `contacts` says who they are (everyone, while every user is in general). Each user's changes are
 * coalesced: the first goes out at the end of the event-loop turn, later ones at most once per
 * interval, the last state winning, so none is lost and a flood costs one frame per interval.
 */
export class Presence {
  private readonly users = new Set<string>();
  /** Lower-cased name → the user's own spelling: names are unique regardless of case. */
  private readonly byKey = new Map<string, string>();
  private readonly states = new Map<string, UserState>();
  /** Deleted accounts: a late presence note (their connections closing on another node) brings none back. */
  private readonly gone = new Set<string>();
  /** Changes not sent yet, by user. */
  private pending = new Map<string, PresenceEntry>();
  /** When each user's last change went out, and what it said (so a flip back to it sends nothing). */
  private readonly sent = new Map<string, { at: number; json: string }>();
  /** With several nodes: each user's presence on the other nodes, by node. */
  private readonly remote = new Map<string, Map<string, UserState>>();
  /** Told of every change of this node's own state of a user (null: no connection here any more). */
  onLocal?: (user: string, state: UserState | null) => void;
  private immediate = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;

  constructor(
    private readonly hub: Hub,
    private readonly contacts: (user: string) => Iterable<string>,
    private readonly intervalMs = PRESENCE_INTERVAL_MS,
  ) {}

  load(names: Iterable<string>): void {
    for (const name of names) {
      this.users.add(name);
      this.byKey.set(name.toLowerCase(), name);
    }
  }

  /** The spelling of the user whose name is `name` in any case, or undefined. */
  canonical(name: string): string | undefined {
    return this.byKey.get(name.toLowerCase());
  }

  /** Everyone known, online or not: the people in general. */
  known(): Iterable<string> {
    return this.users;
  }

  /** A newly registered user: the people lists of those who share general learn of them (offline until they sign in). */
  addUser(name: string): void {
    if (this.users.has(name)) return;
    this.users.add(name);
    this.byKey.set(name.toLowerCase(), name);
    if (!this.states.has(name)) this.changed({ user: name, status: 'offline' });
  }

  /** A deleted account: nobody finds the name any more (its connections close, which sends it offline). */
  removeUser(name: string): void {
    this.gone.add(name);
    this.users.delete(name);
    if (this.byKey.get(name.toLowerCase()) === name) this.byKey.delete(name.toLowerCase());
  }

  exists(name: string): boolean {
    return this.users.has(name);
  }

  /** Call after the hub registered the connection; `first` from Hub.add. */
  connected(user: string, first: boolean): void {
    if (!first) return;
    this.states.set(user, { status: 'online' });
    this.onLocal?.(user, { status: 'online' });
    this.changed(this.entryOf(user));
  }

  /** Call after the hub removed the connection; `last` from Hub.remove. */
  disconnected(user: string, last: boolean): void {
    if (!last) return;
    this.states.delete(user);
    this.onLocal?.(user, null);
    // Still online on another node: that is what goes out (and, being what was sent, nothing does).
    this.changed(this.entryOf(user));
  }

  setStatus(user: string, status: 'online' | 'away', context?: string): void {
    const state = this.states.get(user);
    if (state === undefined) return;
    if (state.status === status && state.context === context) return;
    state.status = status;
    state.context = context;
    this.onLocal?.(user, { ...state });
    this.changed(entry(user, state));
  }

  /** Another node's state of `user` (null: no connection there any more). */
  remoteChanged(node: string, user: string, state: UserState | null): void {
    let nodes = this.remote.get(user);
    if (state === null) {
      if (nodes?.delete(node) !== true) return;
      if (nodes.size === 0) this.remote.delete(user);
    } else {
      if (nodes === undefined) this.remote.set(user, (nodes = new Map()));
      nodes.set(node, state);
    }
    if (!this.users.has(user) && !this.gone.has(user)) this.load([user]);
    this.changed(this.entryOf(user));
  }

  /** A node that died or left: its users are offline unless connected elsewhere. */
  nodeGone(node: string): void {
    for (const [user, nodes] of this.remote) if (nodes.has(node)) this.remoteChanged(node, user, null);
  }

  /** `user` now shares a room with `members`: each side learns the other's state. */
  introduce(user: string, members: Iterable<string>): void {
    const theirs: PresenceEntry[] = [];
    for (const member of members) {
      if (member === user) continue;
      if (theirs.length === MAX_PRESENCE_LIST) break;
      theirs.push(this.entryOf(member));
    }
    if (theirs.length > 0) this.hub.toUser(user, encodeFrame({ t: 'presence', changes: theirs }));
    const mine = this.entryOf(user);
    this.hub.toMembers(new Set(members), encodeFrame({ t: 'presence', changes: [mine] }), undefined);
  }

  /** The user and the people they share a room with, at most MAX_PRESENCE_LIST, for the frame after `session`. */
  snapshot(user: string): PresenceEntry[] {
    const list: PresenceEntry[] = [this.entryOf(user)];
    for (const other of this.contacts(user)) {
      if (list.length === MAX_PRESENCE_LIST) break;
      list.push(this.entryOf(other));
    }
    return list;
  }

  private entryOf(user: string): PresenceEntry {
    const state = this.states.get(user) ?? this.remoteState(user);
    return state === undefined ? { user, status: 'offline' } : entry(user, state);
  }

  /** Online on any node beats away; a user is online once however many nodes hold connections. */
  private remoteState(user: string): UserState | undefined {
    const nodes = this.remote.get(user);
    if (nodes === undefined) return undefined;
    let best: UserState | undefined;
    for (const state of nodes.values()) if (best === undefined || (best.status === 'away' && state.status === 'online')) best = state;
    return best;
  }

  private changed(change: PresenceEntry): void {
    this.pending.set(change.user, change);
    const last = this.sent.get(change.user);
    const due = last === undefined ? 0 : last.at + this.intervalMs;
    if (due <= Date.now()) {
      if (!this.immediate) {
        this.immediate = true;
        setImmediate(() => {
          this.immediate = false;
          this.flush();
        });
      }
    } else this.wakeAt(due);
  }

  private wakeAt(due: number): void {
    if (this.timer !== undefined && this.timerDue <= due) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flush();
      },
      Math.max(0, due - Date.now()),
    );
    this.timer.unref();
  }

  /** Sends every pending change whose interval is over; the rest wait for the next wake-up. */
  private flush(): void {
    const now = Date.now();
    const byRecipient = new Map<string, PresenceEntry[]>();
    let next = Infinity;
    for (const [user, change] of this.pending) {
      const last = this.sent.get(user);
      if (last !== undefined && last.at + this.intervalMs > now) {
        next = Math.min(next, last.at + this.intervalMs);
        continue;
      }
      this.pending.delete(user);
      const json = JSON.stringify(change);
      // Flipped back to what was sent last: nothing changed for anyone.
      if (last?.json === json) continue;
      this.sent.set(user, { at: now, json });
      for (const to of [user, ...this.contacts(user)]) {
        const list = byRecipient.get(to);
        if (list === undefined) byRecipient.set(to, [change]);
        else list.push(change);
      }
    }
    // Recipients with the same changes share one encoded frame.
    const frames = new Map<string, Buffer>();
    for (const [to, changes] of byRecipient) {
      const key = changes.map((c) => c.user).join('\n');
      let frame = frames.get(key);
      if (frame === undefined) {
        frame = encodeFrame({ t: 'presence', changes });
        frames.set(key, frame);
      }
      this.hub.toUser(to, frame);
    }
    this.forgetOld(now);
    if (next !== Infinity) this.wakeAt(next);
  }

  /** Send times older than the interval no longer hold anything back. */
  private forgetOld(now: number): void {
    if (this.sent.size < 1024) return;
    for (const [user, last] of this.sent) if (last.at + this.intervalMs <= now && !this.pending.has(user)) this.sent.delete(user);
  }
}

function entry(user: string, state: UserState): PresenceEntry {
  return state.context === undefined ? { user, status: state.status } : { user, status: state.status, context: state.context };
}
