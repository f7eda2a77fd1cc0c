import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  EVENTS_MAX_LIMIT,
  HISTORY_MAX_LIMIT,
  ParleyError,
  type AckReply,
  type Change,
  type ChangeKind,
  type ChatMessage,
  type DrainingEvent,
  type EventsReply,
  type HistoryReply,
  type PinsReply,
  type Revision,
  type RevisionsReply,
  type ThreadReply,
  type ThreadState,
  type ThreadsReply,
  type Limits,
  type PresenceEntry,
  type PresenceEvent,
  type ResultsReply,
  type RoomInfo,
  type RoomReply,
  type RoomsReply,
  type ServerFrame,
  type RevokedReply,
  type SessionListing,
  type SessionReply,
  type SessionsReply,
  type AuditEntry,
  type AdminsReply,
  type AuditReply,
  type BanEntry,
  type BlocksReply,
  type DirectoryEntry,
  type DirectoryReply,
  type Invitation,
  type InvitationsReply,
  type MemberEntry,
  type MembersReply,
  type RoomRole,
  type RoomVisibility,
} from '../protocol';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
import { Connection, ConnectionError, type ConnectionOptions, type OutgoingFrame, type RequestOptions } from './connection';
import { outboxFrame, ownEvent, type MessageContent, type OutboxEntry, type PostTarget } from './outbox';
import { Sequencer } from './sequencer';

export type { MessageContent, PostTarget } from './outbox';

export type ClientStatus = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed';

export interface StatusInfo {
  /** With 'reconnecting': how long until the next attempt. */
  delayMs?: number;
  /** Reconnect attempt number (1 for the first retry). */
  attempt?: number;
  /** Why the connection was lost or the client closed. */
  error?: Error;
  /**
   * With 'reconnecting': the server is shutting down and said so (`draining`), so this reconnect
   * comes at once (after `delayMs` of jitter), not after a backoff; requests in flight on the old
   * connection are still answered there.
   */
  draining?: boolean;
}

export interface ParleyClientOptions extends ConnectionOptions {
  /** Reconnect after losing an authenticated connection (default true). */
  reconnect?: boolean;
  backoff?: Partial<BackoffOptions>;
  /** Expected server ping interval; after 2× of silence the client pings itself (default 30 s). */
  pingIntervalMs?: number;
  /** How long a watchdog ping may take before the link counts as dead (default 10 s). */
  pingTimeoutMs?: number;
  /** How long to wait for a missing seq before asking history for it (default 250 ms). */
  gapFillDelayMs?: number;
  /** Source of randomness for jitter; tests pin it. */
  random?: () => number;
}

export interface SessionInfo {
  token: string;
  user: string;
  rooms: RoomInfo[];
}

export interface HistoryPage {
  messages: ChatMessage[];
  more: boolean;
  /** Root seq → this user's unread replies, for the thread roots on the page they take part in. */
  threadUnread?: Record<string, number>;
}

export interface ThreadPage {
  /** The root in its current state. */
  root: ChatMessage;
  replies: ChatMessage[];
  more: boolean;
  /** This user's unread replies in the thread, when they take part in it. */
  unread?: number;
}

export type ParleyClientEvents = {
  status: [status: ClientStatus, info: StatusInfo];
  /** Each stored message and thread reply exactly once, in seq order per room (own sends included). */
  message: [message: ChatMessage];
  /** Each change (reaction, edit, delete, pin, resolve) exactly once, in seq order among the messages. */
  change: [event: ChatMessage & { change: Change }];
  caught_up: [event: { room: string; seq: number }];
  /** The raw presence frame and the full presence list after applying it. */
  presence: [event: PresenceEvent, all: PresenceEntry[]];
  typing: [event: { room: string; user: string }];
  read: [event: { room: string; user: string; seq: number; root?: number }];
  rooms: [rooms: RoomInfo[]];
  /** Out of a room: left from another connection, removed or banned (protocol 3 says which). */
  room_left: [left: { room: string; reason: 'left' | 'removed' | 'banned' }];
  /** Someone invited this user to a room. */
  invited: [invitation: Invitation];
  /** After every login or resume, including automatic ones after a reconnect. */
  session: [session: SessionInfo];
  /**
   * The session is over: the server refused the saved token on resume (UNAUTHENTICATED,
   * SESSION_EXPIRED or SESSION_REVOKED, e.g. after a revoke or password change elsewhere), or
   * closed the connection saying it ended it (SESSION_REVOKED, ACCOUNT_DISABLED,
   * ACCOUNT_DELETED). The client is closed.
   */
  expired: [error: ParleyError];
  'server-error': [error: ParleyError];
  /** Frames this class does not interpret, for callers that know more. */
  frame: [header: ServerFrame, body: Buffer];
};

/** Answers to a resume that mean the token is no good any more: sign in again. */
const SESSION_ENDED: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'SESSION_EXPIRED', 'SESSION_REVOKED']);
/**
 * Why a server closes a connection whose session it ended on purpose: reconnecting could only be
 * refused, and the reason given now says more than the refusal would.
 */
const ENDED_BY_SERVER: ReadonlySet<string> = new Set(['SESSION_REVOKED', 'ACCOUNT_DISABLED', 'ACCOUNT_DELETED']);

/** A `draining` frame's reconnect spread is capped at this, whatever the server asks. */
const MAX_DRAIN_SPREAD_MS = 30_000;

/** Rooms that appeared while we were away are back-filled with at most this many messages. */
const NEW_ROOM_BACKFILL = HISTORY_MAX_LIMIT;

/**
 * The high-level Parley client: authentication, reconnect with resume, exactly-once ordered
 * messages, an outbox that survives reconnects. 'ready' means connected and, once a session
 * exists, resumed.
 */
export class ParleyClient extends EventEmitter<ParleyClientEvents> {
  private statusValue: ClientStatus = 'idle';
  private conn: Connection | undefined;
  private opening: Promise<Connection> | undefined;
  private token: string | undefined;
  private userName: string | undefined;
  private readonly roomsById = new Map<string, RoomInfo>();
  private readonly presenceByUser = new Map<string, PresenceEntry>();
  private readonly sequencer = new Sequencer();
  private readonly outbox = new Map<string, OutboxEntry>();
  private readonly readMarks = new Map<string, number>();
  private readonly filling = new Set<string>();
  private ownStatus: { status: 'online' | 'away'; context?: string } | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: ParleyClientOptions = {}) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  get status(): ClientStatus {
    return this.statusValue;
  }

  /** The signed-in user, once logged in or resumed. */
  get user(): string | undefined {
    return this.userName;
  }

  get sessionToken(): string | undefined {
    return this.token;
  }

  get limits(): Limits | undefined {
    return this.conn?.limits;
  }

  /** Rooms of the session as last heard from the server. */
  get currentRooms(): RoomInfo[] {
    return [...this.roomsById.values()];
  }

  get presence(): PresenceEntry[] {
    return [...this.presenceByUser.values()];
  }

  /** Sends not yet acknowledged by the server. */
  get outboxSize(): number {
    return this.outbox.size;
  }

  /** Last seq delivered for `room` (what a resume would ask to continue from). */
  lastSeq(room: string): number | undefined {
    return this.sequencer.lastSeq(room);
  }

  /** Opens the connection without signing in (register/login/resume do this on their own). */
  async connect(): Promise<void> {
    await this.ensureConnection();
  }

  async register(user: string, password: string): Promise<void> {
    const conn = await this.ensureConnection();
    await conn.request({ t: 'register', user, password });
  }

  async login(user: string, password: string): Promise<SessionInfo> {
    const conn = await this.ensureConnection();
    const reply = await conn.request<SessionReply>({ t: 'login', user, password });
    return this.startSession(reply, 'fresh');
  }

  /**
   * Signs in with a saved token. `since` (room → last seq the caller already has) replays what
   * was missed in those rooms; without it, delivery starts with new messages.
   */
  async resume(token: string, since?: Record<string, number>): Promise<SessionInfo> {
    const conn = await this.ensureConnection();
    for (const [room, seq] of Object.entries(since ?? {})) this.sequencer.track(room, seq);
    const reply = await conn.request<SessionReply>(since ? { t: 'resume', token, since } : { t: 'resume', token });
    return this.startSession(reply, 'fresh');
  }

  /** Revokes the token on the server and forgets the session; the connection stays open. */
  async logout(): Promise<void> {
    await this.call({ t: 'logout' });
    this.token = undefined;
    this.userName = undefined;
    this.rejectOutbox(new ParleyError('UNAUTHENTICATED', 'Signed out before the message was sent.'));
    for (const room of this.sequencer.rooms()) this.sequencer.untrack(room);
    this.roomsById.clear();
  }

  /**
   * Sends a message and resolves with its ack. Survives reconnects: the send waits in the
   * outbox and goes out again with the same cid, which the server deduplicates.
   */
  send(room: string, content: MessageContent, opts: { cid?: string } & PostTarget = {}): Promise<AckReply> {
    const target: PostTarget = {};
    if (opts.root !== undefined) target.root = opts.root;
    if (opts.inRoom) target.inRoom = true;
    return this.enqueue(room, { kind: 'post', content, target }, opts.cid) as Promise<AckReply>;
  }

  /** A reply in the thread of message `root`; `inRoom` also shows it in the room. */
  reply(room: string, root: number, content: MessageContent, opts: { cid?: string; inRoom?: boolean } = {}): Promise<AckReply> {
    return this.send(room, content, { ...opts, root });
  }

  /**
   * Changes message `target` (react, edit, delete, pin, resolve, …). Resolves with the ack, or
   * undefined when it changed nothing (say, a reaction that was already there). Waits in the
   * outbox through reconnects, like `send`.
   */
  change(room: string, kind: ChangeKind, target: number, opts: { emoji?: string; text?: string; cid?: string } = {}): Promise<AckReply | undefined> {
    const change: Change = { kind, target };
    if (opts.emoji !== undefined) change.emoji = opts.emoji;
    if (opts.text !== undefined) change.text = opts.text;
    return this.enqueue(room, { kind: 'change', change }, opts.cid);
  }

  react(room: string, target: number, emoji: string): Promise<AckReply | undefined> {
    return this.change(room, 'react', target, { emoji });
  }

  unreact(room: string, target: number, emoji: string): Promise<AckReply | undefined> {
    return this.change(room, 'unreact', target, { emoji });
  }

  edit(room: string, target: number, text: string): Promise<AckReply | undefined> {
    return this.change(room, 'edit', target, { text });
  }

  deleteMessage(room: string, target: number): Promise<AckReply | undefined> {
    return this.change(room, 'delete', target);
  }

  pin(room: string, target: number, pinned = true): Promise<AckReply | undefined> {
    return this.change(room, pinned ? 'pin' : 'unpin', target);
  }

  resolve(room: string, root: number, resolved = true): Promise<AckReply | undefined> {
    return this.change(room, resolved ? 'resolve' : 'reopen', root);
  }

  /** A thread: its root as it is now and its replies after `after`, ascending. */
  async thread(room: string, root: number, opts: { after?: number; limit?: number } = {}): Promise<ThreadPage> {
    const reply = await this.call<ThreadReply>({ t: 'thread', room, root, ...opts });
    const page: ThreadPage = { root: reply.root, replies: reply.replies, more: reply.more };
    if (reply.unread !== undefined) page.unread = reply.unread;
    return page;
  }

  /** The room's thread roots, newest first, optionally only open or resolved ones. */
  async threads(room: string, opts: { state?: ThreadState; before?: number; limit?: number } = {}): Promise<HistoryPage> {
    const reply = await this.call<ThreadsReply>({ t: 'threads', room, ...opts });
    return pageOf(reply);
  }

  /** The room's pinned messages, most recently pinned first. */
  async pins(room: string): Promise<ChatMessage[]> {
    const reply = await this.call<PinsReply>({ t: 'pins', room });
    return reply.messages;
  }

  /** Earlier versions of an edited message, oldest first. */
  async revisions(room: string, seq: number): Promise<Revision[]> {
    const reply = await this.call<RevisionsReply>({ t: 'revisions', room, seq });
    return reply.revisions;
  }

  private enqueue(room: string, item: OutboxEntry['item'], cidOption: string | undefined): Promise<AckReply | undefined> {
    const cid = cidOption ?? randomUUID();
    return new Promise<AckReply | undefined>((resolve, reject) => {
      if (this.statusValue === 'closed') return reject(closedError());
      if (!this.token) return reject(new ParleyError('UNAUTHENTICATED'));
      if (this.outbox.has(cid)) return reject(new Error(`A request with cid ${cid} is already pending.`));
      const entry: OutboxEntry = { cid, room, item, resolve, reject };
      this.outbox.set(cid, entry);
      if (this.statusValue === 'ready') this.transmit(entry);
    });
  }

  async history(room: string, opts: { before?: number; limit?: number } = {}): Promise<HistoryPage> {
    const reply = await this.call<HistoryReply>({ t: 'history', room, ...opts });
    return pageOf(reply);
  }

  async search(query: string, opts: { room?: string; limit?: number } = {}): Promise<ChatMessage[]> {
    const reply = await this.call<ResultsReply>({ t: 'search', query, ...opts });
    return reply.messages;
  }

  async rooms(): Promise<RoomInfo[]> {
    const reply = await this.call<RoomsReply>({ t: 'rooms' });
    this.roomsById.clear();
    for (const room of reply.rooms) this.addRoom(room);
    this.emit('rooms', this.currentRooms);
    return reply.rooms;
  }

  async join(room: string): Promise<RoomInfo | undefined> {
    const reply = await this.call<ServerFrame>({ t: 'join', room });
    return this.roomFromReply(reply);
  }

  async create(name: string, opts: { visibility?: RoomVisibility; topic?: string } = {}): Promise<RoomInfo | undefined> {
    const reply = await this.call<ServerFrame>({ t: 'create', name, ...opts });
    return this.roomFromReply(reply);
  }

  // ---- rooms people run (protocol 3) ----

  /** Public rooms by id whose id, name or topic holds `query`; `more` when the directory goes on past `after`. */
  async directory(query = '', opts: { after?: string; limit?: number } = {}): Promise<{ rooms: DirectoryEntry[]; more: boolean }> {
    const reply = await this.call<DirectoryReply>({ t: 'directory', ...(query ? { query } : {}), ...opts });
    return { rooms: reply.rooms, more: reply.more };
  }

  /** Owners and admins: rename a room, set its topic or description, make it read-only or not. */
  async setRoom(room: string, patch: { name?: string; topic?: string; description?: string; readOnly?: boolean }): Promise<RoomInfo | undefined> {
    const reply = await this.call<ServerFrame>({ t: 'room_set', room, ...patch });
    return this.roomFromReply(reply);
  }

  async invite(room: string, user: string): Promise<void> {
    await this.call({ t: 'invite', room, user });
  }

  /** Withdraws a pending invitation. */
  async uninvite(room: string, user: string): Promise<void> {
    await this.call({ t: 'uninvite', room, user });
  }

  async invitations(): Promise<Invitation[]> {
    return (await this.call<InvitationsReply>({ t: 'invitations' })).invitations;
  }

  async accept(room: string): Promise<RoomInfo | undefined> {
    const reply = await this.call<ServerFrame>({ t: 'accept', room });
    return this.roomFromReply(reply);
  }

  async decline(room: string): Promise<void> {
    await this.call({ t: 'decline', room });
  }

  async kick(room: string, user: string): Promise<void> {
    await this.call({ t: 'kick', room, user });
  }

  async ban(room: string, user: string): Promise<void> {
    await this.call({ t: 'ban', room, user });
  }

  async unban(room: string, user: string): Promise<void> {
    await this.call({ t: 'unban', room, user });
  }

  /** Sets a member's role; `owner` hands the room over. */
  async setRole(room: string, user: string, role: RoomRole): Promise<void> {
    await this.call({ t: 'role', room, user, role });
  }

  /** Members with their roles; `invited` and `banned` when the asker runs the room. */
  async members(room: string): Promise<{ members: MemberEntry[]; invited?: Invitation[]; banned?: BanEntry[] }> {
    const reply = await this.call<MembersReply>({ t: 'members', room });
    return { members: reply.members, invited: reply.invited, banned: reply.banned };
  }

  /** Server administrators: disable (or with false, enable) an account. */
  async disableAccount(user: string, disabled = true): Promise<void> {
    await this.call({ t: 'disable', user, disabled });
  }

  /**
   * Deletes this account, proved by its password: its messages stay (by "deleted user"), the rest
   * goes, and every session ends (this connection is signed out).
   */
  async deleteOwnAccount(password: string): Promise<void> {
    await this.call({ t: 'delete_account', password });
  }

  /** Server administrators: deletes another user's account. */
  async deleteAccount(user: string): Promise<void> {
    await this.call({ t: 'delete_account', user });
  }

  /** Server administrators: makes `user` one too, or with false no longer. */
  async setServerAdmin(user: string, admin: boolean): Promise<void> {
    await this.call({ t: 'admin', user, admin });
  }

  /** Server administrators: all of them, and those the server's configuration names (`fixed`). */
  async serverAdmins(): Promise<{ users: string[]; fixed: string[] }> {
    const reply = await this.call<AdminsReply>({ t: 'admins' });
    return { users: reply.users, fixed: reply.fixed };
  }

  /** Blocks `user`: no DMs from them, no mention counts, no invitations. */
  async block(user: string): Promise<void> {
    await this.call({ t: 'block', user });
  }

  async unblock(user: string): Promise<void> {
    await this.call({ t: 'unblock', user });
  }

  /** The users this user blocks. */
  async blocks(): Promise<string[]> {
    return (await this.call<BlocksReply>({ t: 'blocks' })).users;
  }

  /** Server administrators: the audit log, newest first. */
  async audit(opts: { before?: number; limit?: number } = {}): Promise<{ entries: AuditEntry[]; more: boolean }> {
    const reply = await this.call<AuditReply>({ t: 'audit', ...opts });
    return { entries: reply.entries, more: reply.more };
  }

  async leave(room: string): Promise<void> {
    await this.call({ t: 'leave', room });
    this.dropRoom(room);
  }

  /** The signed-in user's live sessions, most recently seen first; `current` marks this one. */
  async sessions(): Promise<SessionListing[]> {
    const reply = await this.call<SessionsReply>({ t: 'sessions' });
    return reply.sessions;
  }

  /** Ends one of the user's sessions by its listed id; resolves with how many ended (1). */
  async revokeSession(id: string): Promise<number> {
    const reply = await this.call<RevokedReply>({ t: 'revoke', session: id });
    return reply.count;
  }

  /** Ends every session of the user but this one; resolves with how many ended. */
  async revokeOtherSessions(): Promise<number> {
    const reply = await this.call<RevokedReply>({ t: 'revoke', all: true });
    return reply.count;
  }

  /** Changes the password (`oldPassword` must be the current one); every other session ends. Resolves with how many. */
  async changePassword(oldPassword: string, newPassword: string): Promise<number> {
    const reply = await this.call<RevokedReply>({ t: 'password', old: oldPassword, new: newPassword });
    return reply.count;
  }

  /** Any other request, once ready (waits through a reconnect up to the request timeout). */
  request<R = ServerFrame>(frame: OutgoingFrame, opts?: RequestOptions): Promise<R> {
    return this.call<R>(frame, opts);
  }

  /** Stores the read mark; kept and sent after a reconnect when offline. */
  read(room: string, seq: number): void {
    if (seq <= (this.readMarks.get(room) ?? 0)) return;
    this.readMarks.set(room, seq);
    if (this.statusValue === 'ready' && this.conn) this.conn.send({ t: 'read', room, seq });
  }

  /**
   * Marks the thread of `root` read up to `seq` (its last reply seen). Only a participant keeps a
   * thread mark; the server then sends this user's connections the room with its new
   * `threadUnread`. Resolves once the server has stored it.
   */
  async readThread(room: string, root: number, seq: number): Promise<void> {
    await this.call({ t: 'read', room, root, seq });
  }

  /** Tells the room we are typing; dropped when offline (it would be stale anyway). */
  typing(room: string): void {
    if (this.statusValue === 'ready' && this.conn) this.conn.send({ t: 'typing', room });
  }

  setStatus(status: 'online' | 'away', context?: string): void {
    this.ownStatus = context === undefined ? { status } : { status, context };
    if (this.statusValue === 'ready' && this.conn) this.conn.send({ t: 'status', ...this.ownStatus });
  }

  /**
   * A second connection, signed in with this session's token, for file transfers, so a large
   * upload never delays chat frames. Upload/download helpers build on it.
   */
  async openTransferConnection(): Promise<Connection> {
    const token = this.token;
    if (!token) throw new ParleyError('UNAUTHENTICATED');
    const conn = await Connection.open({ ...this.options, clientName: `${this.options.clientName ?? 'parley-client'} (transfer)` });
    try {
      await conn.request({ t: 'resume', token, transfer: true });
      return conn;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** Closes for good: no reconnect, unsent messages reject. Does not revoke the token. */
  close(): void {
    if (this.statusValue === 'closed') return;
    this.shutdown(undefined);
  }

  // ---- connection lifecycle ------------------------------------------------

  private ensureConnection(): Promise<Connection> {
    if (this.statusValue === 'closed') return Promise.reject(closedError());
    if (this.conn && !this.conn.closed && this.statusValue === 'ready') return Promise.resolve(this.conn);
    if (this.token) return this.readyConnection();
    if (this.opening) return this.opening;
    this.changeStatus('connecting', {});
    this.opening = Connection.open(this.options)
      .then(
        (conn) => {
          if (this.isClosed()) {
            conn.close();
            throw closedError();
          }
          this.attach(conn);
          this.changeStatus('ready', {});
          return conn;
        },
        (err: Error) => {
          if (!this.isClosed()) this.changeStatus('idle', { error: err });
          throw err;
        },
      )
      .finally(() => {
        this.opening = undefined;
      });
    return this.opening;
  }

  private attach(conn: Connection): void {
    this.conn = conn;
    conn.on('frame', (frame, body) => {
      if (frame.t === 'draining') this.onDraining(conn, frame);
      else this.onFrame(frame, body);
    });
    conn.on('server-error', (err) => this.emit('server-error', err));
    conn.on('close', (err) => {
      if (this.conn !== conn) return;
      this.conn = undefined;
      this.stopWatchdog();
      this.onLost(err ?? new ConnectionError('CLOSED', 'The connection was closed.'));
    });
    this.startWatchdog(conn);
  }

  private onLost(error: Error): void {
    if (this.statusValue === 'closed') return;
    if (!this.token) {
      this.changeStatus('idle', { error });
      return;
    }
    const ended = error instanceof ConnectionError ? error.serverError : undefined;
    if (ended !== undefined && ENDED_BY_SERVER.has(ended.code)) {
      this.token = undefined;
      this.emit('expired', ended);
      this.shutdown(ended);
      return;
    }
    this.scheduleReconnect(error);
  }

  /**
   * The server is shutting down. With a session, reconnect at once (spread by jitter over the
   * server's `reconnectMs`, not backed off) while the old connection finishes what is in flight
   * on it: its replies (acks included) still arrive and are handled, and it closes once none is
   * pending. Sends made meanwhile wait in the outbox for the new connection.
   */
  private onDraining(conn: Connection, frame: DrainingEvent): void {
    conn.closeWhenIdle();
    if (this.conn !== conn || this.isClosed() || !this.token || this.options.reconnect === false) return;
    this.conn = undefined;
    this.stopWatchdog();
    clearTimeout(this.retryTimer);
    const spread = Math.min(MAX_DRAIN_SPREAD_MS, Math.max(0, Number(frame.reconnectMs) || 0));
    const delayMs = Math.floor((this.options.random ?? Math.random)() * spread);
    // A failure of this attempt backs off as after any first attempt.
    this.attempt = 1;
    const error = new ConnectionError('CLOSED', 'The server is restarting.');
    this.changeStatus('reconnecting', { delayMs, attempt: 1, error, draining: true });
    this.retryTimer = setTimeout(() => void this.reconnect(), delayMs);
  }

  private scheduleReconnect(error: Error): void {
    if (this.options.reconnect === false) {
      this.shutdown(error);
      return;
    }
    const delayMs = backoffDelay(this.attempt, this.backoff, this.options.random);
    this.attempt++;
    this.changeStatus('reconnecting', { delayMs, attempt: this.attempt, error });
    this.retryTimer = setTimeout(() => void this.reconnect(), delayMs);
  }

  private async reconnect(): Promise<void> {
    this.retryTimer = undefined;
    const token = this.token;
    if (this.statusValue === 'closed' || !token) return;
    this.changeStatus('connecting', { attempt: this.attempt });
    let conn: Connection;
    try {
      conn = await Connection.open(this.options);
    } catch (err) {
      if (!this.isClosed()) this.scheduleReconnect(err as Error);
      return;
    }
    if (this.isClosed()) {
      conn.close();
      return;
    }
    // Listen before resuming: replayed messages follow the session reply in the same stream.
    this.attach(conn);
    try {
      const reply = await conn.request<SessionReply>({ t: 'resume', token, since: this.sequencer.since() });
      this.startSession(reply, 'auto');
    } catch (err) {
      if (err instanceof ParleyError && SESSION_ENDED.has(err.code)) {
        this.token = undefined;
        this.emit('expired', err);
        this.shutdown(err);
        return;
      }
      // Closing hands over to the 'close' listener, which schedules the next attempt.
      conn.close(err as Error);
    }
  }

  private startSession(reply: SessionReply, kind: 'fresh' | 'auto'): SessionInfo {
    this.token = reply.token;
    this.userName = reply.user;
    const listed = new Set(reply.rooms.map((r) => r.id));
    for (const room of this.sequencer.rooms()) if (!listed.has(room)) this.sequencer.untrack(room);
    this.roomsById.clear();
    for (const room of reply.rooms) {
      if (kind === 'auto' && !this.sequencer.isTracked(room.id)) {
        // New since the last connection, so not in `since`: fetch what it holds.
        this.roomsById.set(room.id, room);
        this.deliver(this.sequencer.track(room.id, Math.max(0, room.lastSeq - NEW_ROOM_BACKFILL)));
        this.sequencer.expect(room.id, room.lastSeq);
        this.checkGap(room.id);
      } else {
        this.addRoom(room);
      }
    }
    const info: SessionInfo = { token: reply.token, user: reply.user, rooms: reply.rooms };
    this.emit('rooms', this.currentRooms);
    this.emit('session', info);
    if (this.conn && !this.conn.closed) {
      this.attempt = 0;
      if (this.statusValue !== 'ready') this.changeStatus('ready', {});
      this.afterReady(this.conn);
    }
    return info;
  }

  /** Re-sends what waited for the connection: outbox, status, read marks, holes. */
  private afterReady(conn: Connection): void {
    if (this.ownStatus) conn.send({ t: 'status', ...this.ownStatus });
    for (const [room, seq] of this.readMarks) conn.send({ t: 'read', room, seq });
    for (const entry of this.outbox.values()) if (!entry.inFlight) this.transmit(entry);
    for (const room of this.sequencer.rooms()) this.checkGap(room);
  }

  private shutdown(error: Error | undefined): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopWatchdog();
    this.changeStatus('closed', error ? { error } : {});
    const conn = this.conn;
    this.conn = undefined;
    conn?.close();
    this.rejectOutbox(error ?? closedError());
  }

  /** A method, so checks after an await are not narrowed away by earlier ones. */
  private isClosed(): boolean {
    return this.statusValue === 'closed';
  }

  private changeStatus(status: ClientStatus, info: StatusInfo): void {
    this.statusValue = status;
    this.emit('status', status, info);
  }

  /** Waits for 'ready' while a reconnect is under way, up to the request timeout. */
  private readyConnection(): Promise<Connection> {
    if (this.statusValue === 'ready' && this.conn) return Promise.resolve(this.conn);
    if (this.statusValue === 'closed') return Promise.reject(closedError());
    if (!this.token) return this.ensureConnection();
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const onStatus = (status: ClientStatus, info: StatusInfo): void => {
        if (status === 'ready' && this.conn) {
          done();
          resolve(this.conn);
        } else if (status === 'closed') {
          done();
          reject(info.error ?? closedError());
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new ConnectionError('TIMEOUT', `Not connected to the server after ${timeoutMs} ms.`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.off('status', onStatus);
      };
      this.on('status', onStatus);
    });
  }

  private async call<R = ServerFrame>(frame: OutgoingFrame, opts?: RequestOptions): Promise<R> {
    const conn = await this.readyConnection();
    return conn.request<R>(frame, undefined, opts);
  }

  // ---- watchdog --------------------------------------------------------------

  /**
   * Pings after 2× the ping interval of silence, and drops the link when the ping goes
   * unanswered. Uses wall-clock time, so a machine waking from sleep notices at once.
   */
  private startWatchdog(conn: Connection): void {
    this.stopWatchdog();
    const interval = this.options.pingIntervalMs ?? 30_000;
    const pingTimeout = this.options.pingTimeoutMs ?? 10_000;
    let probing = false;
    this.watchdog = setInterval(
      () => {
        if (probing || conn.closed || Date.now() - conn.lastReceivedAt < 2 * interval) return;
        probing = true;
        conn.ping(pingTimeout).then(
          () => {
            probing = false;
          },
          () => {
            probing = false;
            conn.close(new ConnectionError('TIMEOUT', `The server did not answer a ping within ${pingTimeout} ms.`));
          },
        );
      },
      Math.max(10, Math.floor(interval / 2)),
    );
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  // ---- messages --------------------------------------------------------------

  private onFrame(frame: ServerFrame, body: Buffer): void {
    switch (frame.t) {
      case 'msg':
      case 'change': {
        const { t: _t, ...event } = frame;
        this.deliver(this.sequencer.push(event));
        this.checkGap(event.room);
        return;
      }
      case 'caught_up':
        this.sequencer.expect(frame.room, frame.seq);
        this.emit('caught_up', { room: frame.room, seq: frame.seq });
        this.checkGap(frame.room);
        return;
      case 'presence':
        if (frame.users) {
          this.presenceByUser.clear();
          for (const entry of frame.users) this.presenceByUser.set(entry.user, entry);
        }
        for (const entry of frame.changes ?? []) this.presenceByUser.set(entry.user, entry);
        this.emit('presence', frame, this.presence);
        return;
      case 'typing':
        this.emit('typing', { room: frame.room, user: frame.user });
        return;
      case 'read':
        this.emit('read', { room: frame.room, user: frame.user, seq: frame.seq, ...(frame.root !== undefined && { root: frame.root }) });
        return;
      case 'room':
        this.addRoom(frame.room);
        this.emit('rooms', this.currentRooms);
        return;
      case 'room_left':
        this.dropRoom(frame.room);
        this.emit('room_left', { room: frame.room, reason: frame.reason ?? 'left' });
        return;
      case 'invited':
        this.emit('invited', frame.invitation);
        return;
      default:
        this.emit('frame', frame, body);
    }
  }

  private deliver(events: ChatMessage[]): void {
    for (const event of events) {
      if (event.change) this.emit('change', event as ChatMessage & { change: Change });
      else this.emit('message', event);
    }
  }

  private addRoom(room: RoomInfo): void {
    this.roomsById.set(room.id, room);
    if (!this.sequencer.isTracked(room.id)) this.sequencer.track(room.id, room.lastSeq);
  }

  private dropRoom(room: string): void {
    this.roomsById.delete(room);
    this.sequencer.untrack(room);
    this.emit('rooms', this.currentRooms);
  }

  private roomFromReply(reply: ServerFrame): RoomInfo | undefined {
    if (reply.t !== 'room') return undefined;
    const room = (reply as RoomReply).room;
    this.addRoom(room);
    this.emit('rooms', this.currentRooms);
    return room;
  }

  /** Fetches a hole through `events` after a short wait (the missing frame may be in flight). */
  private checkGap(room: string): void {
    if (this.filling.has(room) || !this.sequencer.gap(room)) return;
    this.filling.add(room);
    const timer = setTimeout(() => {
      this.fillGap(room)
        .catch(() => undefined)
        .finally(() => {
          this.filling.delete(room);
          // Whatever is still missing is retried after the next reconnect.
        });
    }, this.options.gapFillDelayMs ?? 250);
    timer.unref();
  }

  private async fillGap(room: string): Promise<void> {
    for (;;) {
      const gap = this.sequencer.gap(room);
      if (!gap || this.statusValue !== 'ready' || !this.conn) return;
      // `events`, not `history`: a hole may hold changes and thread-only replies.
      const limit = Math.min(EVENTS_MAX_LIMIT, gap.to - gap.from + 1);
      let page: EventsReply;
      try {
        page = await this.conn.request<EventsReply>({ t: 'events', room, after: gap.from - 1, limit });
      } catch (err) {
        // A room we may no longer read: stop waiting for what cannot come.
        if (err instanceof ParleyError) this.deliver(this.sequencer.skip(room, gap.to));
        return;
      }
      for (const event of page.events) if (event.seq <= gap.to) this.deliver(this.sequencer.push(event));
      const after = this.sequencer.gap(room);
      if (after && after.from === gap.from && after.to === gap.to) {
        // The server has nothing for that range; skip it rather than ask forever.
        this.deliver(this.sequencer.skip(room, gap.to));
      }
    }
  }

  // ---- outbox ----------------------------------------------------------------

  private transmit(entry: OutboxEntry): void {
    const conn = this.conn;
    if (!conn || conn.closed) return;
    entry.inFlight = conn;
    conn.request<AckReply | { t: 'ok' }>(outboxFrame(entry)).then(
      (reply) => {
        if (this.outbox.get(entry.cid) !== entry) return;
        this.outbox.delete(entry.cid);
        if (reply.t !== 'ack') return entry.resolve(undefined);
        // The server may not echo our own event to this connection; the ack says enough.
        this.deliver(this.sequencer.push(ownEvent(entry, reply, this.userName ?? '')));
        this.checkGap(reply.room);
        entry.resolve(reply);
      },
      (err: Error) => {
        if (entry.inFlight !== conn) return;
        entry.inFlight = undefined;
        if (err instanceof ConnectionError && err.code === 'TIMEOUT' && this.conn === conn && !conn.closed) {
          this.transmit(entry);
          return;
        }
        // A drained connection closed before answering, and its successor is up already.
        if (err instanceof ConnectionError && this.conn !== conn && this.statusValue === 'ready' && this.outbox.get(entry.cid) === entry) {
          this.transmit(entry);
          return;
        }
        this.settle(entry, err);
      },
    );
  }

  /** A refusal by the server is final; a lost link leaves the entry for the next connection. */
  private settle(entry: OutboxEntry, err: Error): void {
    if (err instanceof ConnectionError) return;
    this.outbox.delete(entry.cid);
    entry.reject(err);
  }

  private rejectOutbox(err: Error): void {
    const entries = [...this.outbox.values()];
    this.outbox.clear();
    for (const entry of entries) entry.reject(err);
  }
}

function closedError(): ConnectionError {
  return new ConnectionError('CLOSED', 'The client is closed.');
}

function pageOf(reply: HistoryReply | ThreadsReply): HistoryPage {
  const page: HistoryPage = { messages: reply.messages, more: reply.more };
  if (reply.threadUnread !== undefined) page.threadUnread = reply.threadUnread;
  return page;
}
