import { encodeFrame, type PresenceEntry } from '../../protocol';
import type { Hub } from './fanout';

interface UserState {
  status: 'online' | 'away';
  context?: string;
}

/**
 * Who exists and who is online. A user is online (or away) while any connection is signed in.
 * Changes made during one event-loop turn go out as one `presence` frame, so a wave of
 * reconnects costs one broadcast rather than one per user.
 */
export class Presence {
  private readonly users = new Set<string>();
  private readonly states = new Map<string, UserState>();
  private changes = new Map<string, PresenceEntry>();
  private scheduled = false;

  constructor(private readonly hub: Hub) {}

  load(names: Iterable<string>): void {
    for (const name of names) this.users.add(name);
  }

  /** A newly registered user: everyone's people list learns of them (offline until they sign in). */
  addUser(name: string): void {
    if (this.users.has(name)) return;
    this.users.add(name);
    if (!this.states.has(name)) this.changed({ user: name, status: 'offline' });
  }

  exists(name: string): boolean {
    return this.users.has(name);
  }

  /** Call after the hub registered the connection; `first` from Hub.add. */
  connected(user: string, first: boolean): void {
    if (!first) return;
    this.states.set(user, { status: 'online' });
    this.changed({ user, status: 'online' });
  }

  /** Call after the hub removed the connection; `last` from Hub.remove. */
  disconnected(user: string, last: boolean): void {
    if (!last) return;
    this.states.delete(user);
    this.changed({ user, status: 'offline' });
  }

  setStatus(user: string, status: 'online' | 'away', context?: string): void {
    const state = this.states.get(user);
    if (state === undefined) return;
    if (state.status === status && state.context === context) return;
    state.status = status;
    state.context = context;
    this.changed(entry(user, state));
  }

  /** Everyone known, online or not, for the frame that follows `session`. */
  snapshot(): PresenceEntry[] {
    const list: PresenceEntry[] = [];
    for (const user of this.users) {
      const state = this.states.get(user);
      list.push(state === undefined ? { user, status: 'offline' } : entry(user, state));
    }
    return list;
  }

  private changed(change: PresenceEntry): void {
    this.changes.set(change.user, change);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.changes.size === 0) return;
    const changes = [...this.changes.values()];
    this.changes = new Map();
    this.hub.toAll(encodeFrame({ t: 'presence', changes }));
  }
}

function entry(user: string, state: UserState): PresenceEntry {
  return state.context === undefined ? { user, status: state.status } : { user, status: state.status, context: state.context };
}
