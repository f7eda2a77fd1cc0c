/** A sequenced room event on its way to this node's members: its frame, and who must not get it (the sender's own connection, which got an ack). */
export interface OrderedEvent<P> {
  seq: number;
  frame: Buffer;
  except?: P;
}

interface RoomState<P> {
  /** The last seq delivered to this node's members. */
  last: number;
  /** Events past a hole, by seq. */
  held: Map<number, OrderedEvent<P>>;
  timer?: NodeJS.Timeout;
  filling: boolean;
  /** Pauses not yet resumed (see pause): while any, events are held and none delivered. */
  paused: number;
  /** False while a paused room waits for its first lastSeq (track): `last` means nothing yet. */
  known: boolean;
  /** A fill was asked for while paused: resume runs it. */
  fillWanted: boolean;
}

export interface RoomOrderOptions<P> {
  deliver: (room: string, event: OrderedEvent<P>) => void;
  /** The room's events after `afterSeq` from the store, in seq order, at most a page of them. */
  fill: (room: string, afterSeq: number) => Promise<OrderedEvent<P>[]>;
  /** How long a hole may stay open before the store fills it: a late publication usually arrives first. */
  gapWaitMs: number;
  /** A page of `fill`: fewer than this many means the room is caught up. */
  page: number;
  onGapFill?: (room: string, events: number) => void;
  onError?: (err: unknown, room: string) => void;
}

/**
 * Per-room delivery order on one node of a cluster. Events come from this node's own commits
 * and from the other nodes' publications (Redis pub/sub, at most once, and in no order across
 * publishers). Each room's events go to the members in seq order, each once: repeats and events
 * up to the last delivered seq are dropped, events past a hole wait, and a hole still open after
 * `gapWaitMs` (a lost publication) is filled from the store, which holds every committed event.
 * A room is tracked from the seq it had when this node first needed it. A room can be paused
 * while this node loads it (a member connected here joined it on another node): its events are
 * held from before the load reads the room's lastSeq until the joiner has its `room` frame, so
 * none that arrives meanwhile is lost and none overtakes that frame.
 */
export class RoomOrder<P> {
  private readonly rooms = new Map<string, RoomState<P>>();
  gapFills = 0;
  filledEvents = 0;

  constructor(private readonly options: RoomOrderOptions<P>) {}

  isTracked(room: string): boolean {
    return this.rooms.get(room)?.known === true;
  }

  /** Starts ordering `room` after `lastSeq` (delivered or known to the members already); a tracked room keeps its place. */
  track(room: string, lastSeq: number): void {
    const state = this.rooms.get(room);
    if (state === undefined) {
      this.rooms.set(room, { last: lastSeq, held: new Map(), filling: false, paused: 0, known: true, fillWanted: false });
      return;
    }
    if (state.known) return;
    // A paused room learns where it starts: what it held up to there the load has read already.
    state.last = lastSeq;
    state.known = true;
    for (const seq of state.held.keys()) if (seq <= lastSeq) state.held.delete(seq);
  }

  /**
   * Holds `room`'s events, delivering none, until `resume`; a room not tracked yet is taken in
   * from now, and learns its start from the next `track`. Call before reading the room's lastSeq.
   */
  pause(room: string): void {
    const state = this.rooms.get(room);
    if (state !== undefined) {
      state.paused++;
      return;
    }
    // Once known, it is read from the store too: a load already under way read its lastSeq
    // before this pause, and what was published in between came before the room was taken in.
    this.rooms.set(room, { last: 0, held: new Map(), filling: false, paused: 1, known: false, fillWanted: true });
  }

  /** Delivers what `room` held while paused, in order; a room never tracked meanwhile (its load failed) is dropped. */
  resume(room: string): void {
    const state = this.rooms.get(room);
    if (state === undefined || state.paused === 0) return;
    if (--state.paused > 0) return;
    if (!state.known) {
      this.rooms.delete(room);
      return;
    }
    const next = state.held.get(state.last + 1);
    if (next !== undefined) {
      state.held.delete(next.seq);
      this.deliver(room, state, next);
    }
    if (state.fillWanted) {
      // A fill still running takes it up when it ends.
      if (!state.filling) {
        state.fillWanted = false;
        void this.fill(room, state);
      }
    } else if (state.held.size > 0) this.scheduleFill(room, state);
  }

  lastSeq(room: string): number | undefined {
    const state = this.rooms.get(room);
    return state?.known === true ? state.last : undefined;
  }

  /** Takes one event; false when the room is not tracked here (no member of it is on this node). */
  offer(room: string, event: OrderedEvent<P>): boolean {
    const state = this.rooms.get(room);
    if (state === undefined) return false;
    if (state.known && event.seq <= state.last) return true;
    if (state.paused > 0 || event.seq > state.last + 1) {
      // The first copy wins: it may carry the sender to leave out.
      if (!state.held.has(event.seq)) state.held.set(event.seq, event);
      if (state.paused === 0) this.scheduleFill(room, state);
      return true;
    }
    this.deliver(room, state, event);
    return true;
  }

  /** Fills every tracked room from the store now: after a Redis reconnect anything may have been missed. */
  fillAll(): void {
    for (const [room, state] of this.rooms) void this.fill(room, state);
  }

  /** Rooms waiting for a hole to be filled, and events held behind holes. */
  stats(): { rooms: number; holes: number; held: number; gapFills: number; filledEvents: number } {
    let holes = 0;
    let held = 0;
    for (const state of this.rooms.values()) {
      if (state.held.size > 0 && state.paused === 0) holes++;
      held += state.held.size;
    }
    return { rooms: this.rooms.size, holes, held, gapFills: this.gapFills, filledEvents: this.filledEvents };
  }

  close(): void {
    for (const state of this.rooms.values()) if (state.timer !== undefined) clearTimeout(state.timer);
  }

  private deliver(room: string, state: RoomState<P>, event: OrderedEvent<P>): void {
    state.last = event.seq;
    this.options.deliver(room, event);
    let next = state.held.get(state.last + 1);
    while (next !== undefined) {
      state.held.delete(next.seq);
      state.last = next.seq;
      this.options.deliver(room, next);
      next = state.held.get(state.last + 1);
    }
    if (state.held.size === 0 && state.timer !== undefined) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
  }

  private scheduleFill(room: string, state: RoomState<P>): void {
    if (state.timer !== undefined || state.filling) return;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.fill(room, state, true);
    }, this.options.gapWaitMs);
    state.timer.unref();
  }

  /**
   * Reads the room from the store after `last` and delivers in order. `hole`: only up to the last
   * event held here. The store may already have events this node committed whose commit has not
   * offered them yet (with the sender's connection to leave out, which got an ack): those come by
   * that offer, not as the store's copies to everyone.
   */
  private async fill(room: string, state: RoomState<P>, hole = false): Promise<void> {
    if (state.paused > 0) {
      state.fillWanted = true;
      return;
    }
    if (state.filling) return;
    state.filling = true;
    let filled = 0;
    try {
      while (true) {
        const page = await this.options.fill(room, state.last);
        if (state.paused > 0) {
          // Paused meanwhile: this page waits for resume, which reads it again.
          state.fillWanted = true;
          break;
        }
        let upTo = Infinity;
        if (hole) {
          upTo = 0;
          for (const seq of state.held.keys()) if (seq > upTo) upTo = seq;
        }
        let reachedTop = false;
        for (const event of page) {
          if (event.seq > upTo) {
            reachedTop = true;
            break;
          }
          if (event.seq <= state.last) continue;
          // A held copy of the same event (from this node's commit) is the one to deliver.
          const held = state.held.get(event.seq);
          if (held !== undefined) state.held.delete(event.seq);
          if (event.seq === state.last + 1) {
            filled += held === undefined ? 1 : 0;
            this.deliver(room, state, held ?? event);
          }
        }
        if (reachedTop || state.last >= upTo || page.length < this.options.page) break;
      }
    } catch (err) {
      this.options.onError?.(err, room);
    } finally {
      state.filling = false;
    }
    if (filled > 0) {
      this.gapFills++;
      this.filledEvents += filled;
      this.options.onGapFill?.(room, filled);
    }
    if (state.paused > 0) return;
    if (state.fillWanted) {
      state.fillWanted = false;
      void this.fill(room, state);
      return;
    }
    // Events past what the store had (published before their commit was visible here) wait for another round.
    if (state.held.size > 0) this.scheduleFill(room, state);
  }
}
