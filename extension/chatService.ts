// The one connection of the extension (a ParleyClient in the extension host), the session
// token in SecretStorage, and the bridge between client events, the model and the webview.
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import * as vscode from 'vscode';
import { backoffDelay } from '../client/backoff';
import { ConnectionError } from '../client/connection';
import { ParleyClient, type ClientStatus, type StatusInfo } from '../client/session';
import { DEFAULT_PORT, GENERAL_ROOM, ParleyError, type AckReply, type ChatMessage, type Invitation, type Revision, type RoomInfo, type RoomVisibility, type SessionListing, type Snippet } from '../protocol';
import { isEmoji } from '../protocol/emoji';
import type { HistoryPage, ThreadPage } from '../client/session';
import * as wv from '../webview/messages';
import { certificateProblem, describeError } from './auth';
import { resolveCaFile } from './caFile';
import { formatAddress } from './serverAddress';
import { HAND_EDITABLE, HandEdits, readServerKeys, type HandEditableKey, type ServerKeys } from './settingsOnDisk';
import { ChatModel } from './model';
import type { ConnectionState } from './state';

export interface ServerConfig {
  host: string;
  port: number;
  tls: boolean;
  /** PEM file of the CA that signed the server's certificate (a private CA), trusted with TLS. */
  tlsCaFile?: string;
}

/**
 * The server settings as VS Code has them, with `handEdits` (settings.json keys VS Code has not
 * loaded yet) taking precedence; a value of the wrong type means the default.
 */
export function readServerConfig(handEdits: ServerKeys = {}): ServerConfig {
  const c = vscode.workspace.getConfiguration('parley.server');
  const edited = (key: HandEditableKey, ok: (v: unknown) => boolean): { value: unknown } | undefined =>
    key in handEdits ? { value: ok(handEdits[key]) ? handEdits[key] : undefined } : undefined;
  const host = edited('parley.server.host', (v) => typeof v === 'string');
  const port = edited('parley.server.port', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535);
  const tls = edited('parley.server.tls', (v) => typeof v === 'boolean');
  const caFile = c.get<string>('tlsCaFile', '').trim();
  const hostName = (host ? ((host.value as string | undefined) ?? '') : c.get<string>('host', '127.0.0.1')).trim();
  return {
    host: hostName || '127.0.0.1',
    port: port ? ((port.value as number | undefined) ?? DEFAULT_PORT) : c.get<number>('port', DEFAULT_PORT),
    tls: tls ? ((tls.value as boolean | undefined) ?? false) : c.get<boolean>('tls', false),
    ...(caFile ? { tlsCaFile: caFile } : {}),
  };
}

/** The TLS options for a connection: Node's public CAs, plus the private CA of parley.server.tlsCaFile. */
export function tlsOptions(c: ServerConfig): boolean | tls.ConnectionOptions {
  if (!c.tls) return false;
  if (!c.tlsCaFile) return true;
  const file = resolveCaFile(c.tlsCaFile);
  if (file === undefined) {
    throw new Error(vscode.l10n.t('parley.server.tlsCaFile must be an absolute path or start with ~/ (it is {0}).', c.tlsCaFile));
  }
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(vscode.l10n.t('Cannot read the CA file set in parley.server.tlsCaFile ({0}): {1}', file, (err as Error).message));
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(vscode.l10n.t('The file set in parley.server.tlsCaFile ({0}) holds no PEM certificate.', file));
  }
  return { ca: [...tls.rootCertificates, pem] };
}

function sameServer(a: ServerConfig, b: ServerConfig): boolean {
  return a.host === b.host && a.port === b.port && a.tls === b.tls && a.tlsCaFile === b.tlsCaFile;
}

/** Tokens are per server: switching servers must not send one server's token to another. */
function secretKey(c: ServerConfig): string {
  return `parley.session:${c.tls ? 'tls' : 'tcp'}://${c.host}:${c.port}`;
}

interface StoredSession {
  user: string;
  token: string;
}

interface PendingSend {
  room: string;
  text: string;
  state: wv.PendingState;
  /** The client the send was handed to; another client (after a reconnect command) re-sends it. */
  client?: ParleyClient;
}

/** First connection after start-up: the client only retries once it has a session. */
const INITIAL_BACKOFF = { baseMs: 1000, maxMs: 30_000 };
const HISTORY_PAGE = 50;
/** How long the check before a sign-in waits for the server's `welcome`. */
const SERVER_CHECK_MS = 5000;
/** Settings events this close together are one change. */
const SETTINGS_SETTLE_MS = 200;

/** Replies per page of a thread the chat shows. */
const THREAD_PAGE = 200;

export class ChatService implements vscode.Disposable {
  readonly model = new ChatModel();
  private client: ParleyClient | undefined;
  private server: ServerConfig;
  /** The user settings.json, read at sign-in for edits VS Code has not loaded. */
  private readonly handEdits: { file: string; edits: HandEdits } | undefined;
  private state: ConnectionState = { kind: 'signedOut' };
  private activeRoomId = GENERAL_ROOM;
  private readonly pending = new Map<string, PendingSend>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAttempt = 0;
  private readonly stateEmitter = new vscode.EventEmitter<ConnectionState>();
  private readonly messageEmitter = new vscode.EventEmitter<ChatMessage>();
  private readonly changeEmitter = new vscode.EventEmitter<ChatMessage>();
  private readonly sessionEmitter = new vscode.EventEmitter<string>();
  private readonly serverEmitter = new vscode.EventEmitter<ServerConfig>();
  private readonly invitedEmitter = new vscode.EventEmitter<Invitation>();
  private readonly ejectedEmitter = new vscode.EventEmitter<{ room: string; name: string; reason: 'removed' | 'banned' }>();
  private readonly subscriptions: vscode.Disposable[] = [
    this.stateEmitter, this.messageEmitter, this.changeEmitter, this.sessionEmitter, this.serverEmitter, this.invitedEmitter, this.ejectedEmitter,
  ];
  /** The address a "Reconnect?" question is open for. */
  private offeredServer: string | undefined;
  private settingsTimer: NodeJS.Timeout | undefined;
  readonly onDidChangeState = this.stateEmitter.event;
  /** Every message delivered by the server, each exactly once. */
  readonly onDidReceiveMessage = this.messageEmitter.event;
  /** Every change to an earlier message (reaction, edit, delete, pin, resolve), in seq order. */
  readonly onDidReceiveChange = this.changeEmitter.event;
  /** A session started (sign-in, or resume after a reconnect). */
  readonly onDidStartSession = this.sessionEmitter.event;
  /** The server the next sign-in goes to changed (settings, or Change Server…). */
  readonly onDidChangeServer = this.serverEmitter.event;
  /** Someone invited the user to a room (live, while connected). */
  readonly onDidReceiveInvitation = this.invitedEmitter.event;
  /** The user was removed or banned from a room by its owners or admins. */
  readonly onDidGetRemoved = this.ejectedEmitter.event;
  /** Where host → webview messages go (the chat view's queue). */
  post: (msg: wv.HostMessage) => void = () => {};
  /** Whether the user is looking at the chat right now (messages there count as read). */
  isChatVisible: () => boolean = () => false;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    /** The user settings.json file, when it is on this machine's disk. */
    settingsFile?: string,
  ) {
    this.handEdits = settingsFile ? { file: settingsFile, edits: new HandEdits(readServerKeys(settingsFile)) } : undefined;
    this.server = readServerConfig();
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('parley.server')) return;
        // Host, port and TLS often change together, one event each: one look at all of them.
        clearTimeout(this.settingsTimer);
        this.settingsTimer = setTimeout(() => void this.onServerSettingsChanged(), SETTINGS_SETTLE_MS);
      }),
      this.secrets.onDidChange((e) => {
        // Signed out (or in) in another window of this machine.
        if (e.key === secretKey(this.server)) void this.onSecretChanged();
      }),
    );
  }

  /** The server the next sign-in goes to (or the one connected to). */
  get serverConfig(): ServerConfig {
    return this.server;
  }

  /**
   * The settings changed, however that was done. Signed out or not connected, the next sign-in
   * (or attempt) goes to the new server at once; connected, the user is asked whether to
   * reconnect now.
   */
  private async onServerSettingsChanged(): Promise<void> {
    const next = this.readConfig();
    if (sameServer(next, this.server)) return;
    if (this.state.kind !== 'connected') {
      this.useServer(next);
      void this.start();
      return;
    }
    const asked = formatAddress(next);
    if (this.offeredServer === asked) return;
    this.offeredServer = asked;
    const reconnect = vscode.l10n.t('Reconnect');
    const pick = await vscode.window.showInformationMessage(
      vscode.l10n.t('Parley: the server settings now name {0}; you are connected to {1}. Reconnect to {0}?', asked, formatAddress(this.server)),
      reconnect,
    );
    this.offeredServer = undefined;
    if (pick !== reconnect) return;
    // The settings may have changed again while the question was open.
    this.useServer(this.readConfig());
    await this.start();
  }

  /**
   * Reads the settings again before a sign-in: whatever the change events said (or have not
   * said yet), the sign-in goes where the settings point now.
   */
  refreshServer(): ServerConfig {
    this.useServer(this.readConfig());
    return this.server;
  }

  /** The server the settings name now, without switching to it (connected, that is asked first). */
  configuredServer(): ServerConfig {
    return this.readConfig();
  }

  /** The settings now: VS Code's, and hand edits of settings.json it has not loaded yet. */
  private readConfig(): ServerConfig {
    if (!this.handEdits) return readServerConfig();
    const config = vscode.workspace.getConfiguration();
    const loaded: ServerKeys = {};
    for (const key of HAND_EDITABLE) {
      const value = config.inspect(key)?.globalValue;
      if (value !== undefined) loaded[key] = value;
    }
    const edits = this.handEdits.edits.update(readServerKeys(this.handEdits.file), loaded);
    if (Object.keys(edits).length > 0) this.log.info(`settings.json has ${Object.keys(edits).join(', ')} changed; VS Code has not loaded it yet, so the file's values apply`);
    return readServerConfig(edits);
  }

  /** Takes `next` as the server from now on; the views show it. */
  useServer(next: ServerConfig): void {
    if (sameServer(next, this.server)) return;
    this.log.info(`server changed to ${formatAddress(next)}`);
    this.server = next;
    this.serverEmitter.fire(next);
    if (this.state.kind === 'signedOut') this.post(wv.Connection.create(this.webviewConnection()));
  }

  /**
   * Whether the server answers (connects, and says `welcome`) within a few seconds, before
   * anyone is asked for a password. Throws what went wrong: refused, timed out, a certificate.
   */
  async checkServer(): Promise<void> {
    const client = new ParleyClient({ ...this.clientOptions(), timeoutMs: SERVER_CHECK_MS, reconnect: false });
    try {
      await client.connect();
    } finally {
      client.close();
    }
  }

  get connection(): ConnectionState {
    return this.state;
  }

  get user(): string | undefined {
    return this.model.user;
  }

  get activeRoom(): string {
    return this.activeRoomId;
  }

  get signedIn(): boolean {
    return this.state.kind !== 'signedOut';
  }

  // ---- session -----------------------------------------------------------------------

  private async storedSession(): Promise<StoredSession | undefined> {
    try {
      const raw = await this.secrets.get(secretKey(this.server));
      if (!raw) return undefined;
      const s = JSON.parse(raw) as StoredSession;
      return typeof s.user === 'string' && typeof s.token === 'string' ? s : undefined;
    } catch {
      return undefined;
    }
  }

  private async onSecretChanged(): Promise<void> {
    const stored = await this.storedSession();
    if (!stored && this.client?.sessionToken) this.dropSession(vscode.l10n.t('You signed out of Parley in another window.'));
    else if (stored && stored.token !== this.client?.sessionToken && this.state.kind === 'signedOut') void this.start();
  }

  /** Connects with the saved token, if there is one for the configured server. */
  async start(): Promise<void> {
    this.cancelRetry();
    let client: ParleyClient;
    try {
      client = this.replaceClient();
    } catch (err) {
      // An unreadable CA file: nothing can connect until the setting is fixed (which restarts).
      this.replaceClient(false);
      this.model.clear();
      this.setState({ kind: 'signedOut' });
      this.log.error((err as Error).message);
      void this.showConfigError(err);
      return;
    }
    const stored = await this.storedSession();
    // A sign-in that started meanwhile (a command that activated the extension) wins.
    if (client !== this.client) return;
    if (!stored) {
      this.model.clear();
      this.setState({ kind: 'signedOut' });
      return;
    }
    this.retryAttempt = 0;
    await this.resumeWith(stored);
  }

  private async resumeWith(stored: StoredSession): Promise<void> {
    const client = this.client ?? this.replaceClient();
    this.setState({ kind: 'connecting' });
    try {
      await client.resume(stored.token);
    } catch (err) {
      if (client !== this.client) return;
      if (err instanceof ParleyError && err.code === 'UNAUTHENTICATED') {
        await this.secrets.delete(secretKey(this.server));
        this.dropSession(vscode.l10n.t('Your Parley session has ended. Sign in again.'));
        return;
      }
      // Server down or unreachable: keep trying with backoff, as the client does once connected.
      this.log.warn(`connecting to ${formatAddress(this.server)} failed: ${(err as Error).message}`);
      // An untrusted certificate will not fix itself: say once what to set.
      if (certificateProblem(err) && this.retryAttempt === 0) void this.showConfigError(err);
      const delay = Math.max(500, backoffDelay(this.retryAttempt++, INITIAL_BACKOFF));
      this.setState({ kind: 'reconnecting', at: Date.now() + delay, reason: (err as Error).message });
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.resumeWith(stored);
      }, delay);
    }
  }

  private cancelRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  async login(user: string, password: string): Promise<void> {
    this.cancelRetry();
    this.refreshServer();
    const client = this.replaceClient();
    this.setState({ kind: 'connecting' });
    try {
      // The 'session' handler stores the token.
      await client.login(user, password);
    } catch (err) {
      if (client === this.client) this.dropSession();
      throw err;
    }
  }

  async register(user: string, password: string): Promise<void> {
    this.refreshServer();
    const client = new ParleyClient(this.clientOptions());
    try {
      await client.register(user, password);
    } finally {
      client.close();
    }
    await this.login(user, password);
  }

  async logout(): Promise<void> {
    this.cancelRetry();
    const client = this.client;
    if (client?.status === 'ready' && client.sessionToken) {
      // Revoke the token on the server; do not keep the user waiting for a slow one.
      await Promise.race([client.logout().catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
    }
    // Session first, secret second: the secret's change event must not read as another window.
    this.dropSession();
    await this.secrets.delete(secretKey(this.server));
  }

  /** Connect / Reconnect: a fresh connection now, skipping any backoff wait. */
  async reconnect(): Promise<boolean> {
    if (!(await this.storedSession())) return false;
    await this.start();
    return true;
  }

  private dropSession(warning?: string): void {
    this.cancelRetry();
    this.replaceClient(false);
    for (const [cid, p] of this.pending) {
      this.post(wv.Pending.create({ cid, room: p.room, text: p.text, state: 'failed' }));
    }
    this.pending.clear();
    this.model.clear();
    this.setState({ kind: 'signedOut' });
    if (warning) void vscode.window.showWarningMessage(warning);
  }

  private async showConfigError(err: unknown): Promise<void> {
    const open = vscode.l10n.t('Open Settings');
    const pick = await vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', describeError(err)), open);
    if (pick === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'parley.server');
  }

  private clientOptions() {
    return {
      host: this.server.host,
      port: this.server.port,
      tls: tlsOptions(this.server),
      clientName: `parley-vscode/${PARLEY_VERSION} (VS Code ${vscode.version})`,
    };
  }

  /** Closes the current client (its unsent messages go to the next one) and makes a new one. */
  private replaceClient(): ParleyClient;
  private replaceClient(makeNew: false): undefined;
  private replaceClient(makeNew = true): ParleyClient | undefined {
    const old = this.client;
    this.client = undefined;
    if (old) {
      // Its pending sends reject on close; dispatch() ignores that and the next client re-sends them.
      old.removeAllListeners();
      old.close();
    }
    for (const p of this.pending.values()) if (p.client === old) p.client = undefined;
    if (!makeNew) return undefined;
    const client = new ParleyClient(this.clientOptions());
    this.client = client;
    client.on('status', (status, info) => this.onStatus(client, status, info));
    client.on('session', (s) => {
      this.retryAttempt = 0;
      const fresh = this.model.user !== s.user;
      this.model.setUser(s.user);
      this.model.setRooms(client.currentRooms);
      // The presence list may have arrived before the session event did.
      this.model.setPresence(client.presence, undefined);
      void this.secrets.store(secretKey(this.server), JSON.stringify({ user: s.user, token: s.token }));
      if (fresh) this.activeRoomId = this.memento.get<string>(`parley.activeRoom:${s.user}`) ?? GENERAL_ROOM;
      this.setState({ kind: 'connected', user: s.user });
      // A resume after a reconnect continues the same conversation: the webview keeps its list.
      if (fresh) this.post(wv.Init.create(this.initParams()));
      else this.postRooms();
      this.flushPending();
      this.sessionEmitter.fire(s.user);
      // Rooms one could join show in the tree too; not knowing them is no error.
      client.rooms().catch((err: Error) => this.log.warn(`room list: ${err.message}`));
    });
    client.on('rooms', (rooms) => {
      if (!this.model.user) return;
      this.model.setRooms(rooms);
      this.postRooms();
    });
    client.on('message', (msg) => this.onMessage(msg));
    client.on('change', (event) => this.onChange(event));
    client.on('invited', (invitation) => this.invitedEmitter.fire(invitation));
    client.on('room_left', ({ room, reason }) => {
      // The client dropped the room from its list already (a 'rooms' event).
      if (this.activeRoomId === room) this.openRoom(GENERAL_ROOM);
      if (reason !== 'left') this.ejectedEmitter.fire({ room, name: this.model.room(room)?.info.name ?? room, reason });
    });
    client.on('presence', (event) => {
      this.model.setPresence(event.users, event.changes);
      this.post(wv.Presence.create(event.users ? { users: event.users } : { changes: event.changes ?? [] }));
    });
    client.on('typing', (e) => {
      if (e.user !== this.model.user) this.post(wv.TypingEvent.create(e));
    });
    client.on('read', (e) => {
      // A thread's mark (another of my connections read it): the room that follows has its count.
      if (e.root !== undefined) return;
      if (e.user === this.model.user) this.model.markRead(e.room, e.seq);
      this.post(wv.ReadMark.create(e));
    });
    client.on('expired', (err) => {
      void this.secrets.delete(secretKey(this.server));
      this.dropSession(
        err.code === 'SESSION_EXPIRED'
          ? vscode.l10n.t('Your Parley session expired after going unused. Sign in again.')
          : err.code === 'SESSION_REVOKED'
            ? vscode.l10n.t('Your Parley session was ended from another device or by a password change. Sign in again.')
            : err.code === 'ACCOUNT_DISABLED'
              ? vscode.l10n.t('Your Parley account was disabled by a server administrator.')
              : err.code === 'ACCOUNT_DELETED'
                ? vscode.l10n.t('Your Parley account was deleted.')
                : vscode.l10n.t('Your Parley session has ended. Sign in again.'),
      );
    });
    client.on('server-error', (err) => this.log.warn(`server: ${err.code} ${err.message}`));
    return client;
  }

  private onStatus(client: ParleyClient, status: ClientStatus, info: StatusInfo): void {
    if (client !== this.client) return;
    this.log.info(`connection ${status}${info.delayMs !== undefined ? ` (retry in ${info.delayMs} ms)` : ''}${info.error ? `: ${info.error.message}` : ''}`);
    switch (status) {
      case 'connecting':
        this.setState({ kind: 'connecting' });
        break;
      case 'ready':
        if (client.user) this.setState({ kind: 'connected', user: client.user });
        break;
      case 'reconnecting':
        // A server that drains (restarts) is left at once, without a backoff: no countdown for that.
        if (info.draining) this.setState({ kind: 'connecting' });
        else this.setState({ kind: 'reconnecting', at: Date.now() + (info.delayMs ?? 0), reason: info.error?.message });
        break;
      case 'closed':
        if (!client.sessionToken) this.dropSession();
        break;
      case 'idle':
        break;
    }
    this.updatePendingStates();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    void vscode.commands.executeCommand('setContext', 'parley.signedIn', state.kind !== 'signedOut');
    void vscode.commands.executeCommand('setContext', 'parley.connected', state.kind === 'connected');
    this.post(wv.Connection.create(this.webviewConnection()));
    this.stateEmitter.fire(state);
  }

  private webviewConnection(): { state: wv.ConnectionState; detail?: string; retryAt?: number; server?: string } {
    const s = this.state;
    switch (s.kind) {
      case 'signedOut':
        return { state: 'signedOut', server: formatAddress(this.server) };
      case 'connecting':
        return { state: 'connecting' };
      case 'connected':
        return { state: 'connected' };
      case 'reconnecting':
        // The webview counts down to the attempt itself.
        return { state: 'reconnecting', retryAt: s.at };
    }
  }

  // ---- messages ----------------------------------------------------------------------

  private onMessage(msg: ChatMessage): void {
    const seen = msg.room === this.activeRoomId && this.isChatVisible() && vscode.window.state.focused;
    // Thread-only replies and room events (joined, topic…) are never unread.
    if ((msg.root !== undefined && msg.inRoom !== true) || msg.event !== undefined) this.model.noteEvent(msg);
    else this.model.addMessage(msg, seen);
    if (seen && msg.from !== this.model.user) this.client?.read(msg.room, msg.seq);
    if (msg.cid && this.pending.has(msg.cid) && msg.from === this.model.user) this.pending.delete(msg.cid);
    this.post(wv.Messages.create({ room: msg.room, messages: [msg] }));
    this.messageEmitter.fire(msg);
  }

  private onChange(event: ChatMessage): void {
    this.model.noteEvent(event);
    this.post(wv.Changes.create({ room: event.room, events: [event] }));
    this.changeEmitter.fire(event);
  }

  /**
   * Reacts to, edits, deletes, pins or resolves a message, as the webview asked. The webview
   * is not trusted: the room must be one of the user's, a reaction one emoji, an edit within
   * the text limit. Who may do what (only the author edits) the server decides. Checks throw
   * at once; what the server says comes with the promise.
   */
  change(room: string, kind: wv.WebviewChangeKind, seq: number, opts: { emoji?: string; text?: string } = {}): Promise<AckReply | undefined> {
    const client = this.requireClient();
    this.requireMember(room);
    if (!(wv.CHANGE_KINDS as readonly string[]).includes(kind)) throw new ParleyError('INVALID', vscode.l10n.t('Unknown change.'));
    const reaction = kind === 'react' || kind === 'unreact';
    if (reaction && !isEmoji(opts.emoji)) throw new ParleyError('INVALID', vscode.l10n.t('A reaction is one emoji.'));
    if (kind === 'edit') this.checkText(opts.text);
    return client.change(room, kind, seq, {
      ...(reaction ? { emoji: opts.emoji } : {}),
      ...(kind === 'edit' ? { text: opts.text } : {}),
    });
  }

  /** A reply in a thread from the webview; the reply itself arrives as a message. */
  reply(room: string, root: number, text: string, cid: string, inRoom: boolean): Promise<AckReply> {
    const client = this.requireClient();
    this.requireMember(room);
    this.checkText(text);
    return client.reply(room, root, { text }, { cid, inRoom });
  }

  /** A page of up to THREAD_PAGE replies, from the first or after `after`. */
  async thread(room: string, root: number, after?: number): Promise<ThreadPage> {
    this.requireMember(room);
    return this.requireClient().thread(room, root, { limit: THREAD_PAGE, ...(after !== undefined ? { after } : {}) });
  }

  async openThreads(room: string): Promise<ChatMessage[]> {
    this.requireMember(room);
    return (await this.requireClient().threads(room, { state: 'open', limit: 100 })).messages;
  }

  async pins(room: string): Promise<ChatMessage[]> {
    this.requireMember(room);
    return this.requireClient().pins(room);
  }

  async revisions(room: string, seq: number): Promise<Revision[]> {
    this.requireMember(room);
    return this.requireClient().revisions(room, seq);
  }

  private requireMember(room: string): void {
    if (!this.model.room(room)?.joined) throw new ParleyError('FORBIDDEN', vscode.l10n.t('You are not in that room.'));
  }

  private checkText(text: string | undefined): void {
    if (typeof text !== 'string' || !text.trim()) throw new ParleyError('INVALID', vscode.l10n.t('The message is empty.'));
    const max = this.client?.limits?.maxText;
    if (max !== undefined && Buffer.byteLength(text) > max) throw new ParleyError('INVALID', vscode.l10n.t('The message is too long.'));
  }

  /** A message typed in the webview's composer; `cid` comes from the webview. */
  sendText(room: string, text: string, cid: string): void {
    if (this.pending.has(cid)) return;
    if (!this.model.user) {
      this.post(wv.Pending.create({ cid, room, text, state: 'failed' }));
      this.post(wv.ErrorMessage.create({ message: vscode.l10n.t('Sign in to Parley to send messages.'), code: 'UNAUTHENTICATED' }));
      return;
    }
    const entry: PendingSend = { room, text, state: 'queued' };
    this.pending.set(cid, entry);
    this.dispatch(cid, entry);
    this.announce(cid, entry);
  }

  retry(cid: string): void {
    const entry = this.pending.get(cid);
    if (!entry || entry.state !== 'failed') return;
    entry.client = undefined;
    entry.state = 'queued';
    this.dispatch(cid, entry);
    this.announce(cid, entry);
  }

  /** Hands a pending send to the client (which re-sends it with the same cid after reconnects). */
  private dispatch(cid: string, entry: PendingSend): void {
    const client = this.client;
    if (!client?.sessionToken || entry.client === client) return;
    entry.client = client;
    entry.state = client.status === 'ready' ? 'sending' : 'queued';
    client.send(entry.room, { text: entry.text }, { cid }).then(
      (ack) => this.acked(cid, ack),
      (err: Error) => {
        if (entry.client !== client || this.client !== client) return;
        if (err instanceof ConnectionError && client.status !== 'closed') return;
        entry.state = 'failed';
        entry.client = undefined;
        this.announce(cid, entry);
        this.post(wv.ErrorMessage.create({ message: err.message, code: (err as ParleyError).code }));
      },
    );
  }

  private acked(cid: string, ack: AckReply): void {
    this.pending.delete(cid);
    this.post(wv.Acked.create({ cid, seq: ack.seq, room: ack.room, ts: ack.ts, msgId: ack.msgId }));
  }

  private announce(cid: string, entry: PendingSend): void {
    this.post(wv.Pending.create({ cid, room: entry.room, text: entry.text, state: entry.state }));
  }

  private flushPending(): void {
    for (const [cid, entry] of this.pending) if (entry.state !== 'failed') this.dispatch(cid, entry);
    this.updatePendingStates();
  }

  private updatePendingStates(): void {
    const ready = this.client?.status === 'ready';
    for (const [cid, entry] of this.pending) {
      if (entry.state === 'failed') continue;
      const state = ready && entry.client === this.client ? 'sending' : 'queued';
      if (state !== entry.state) {
        entry.state = state;
        this.announce(cid, entry);
      }
    }
  }

  /** The server's limit on message text and snippet code, once it has said (welcome.limits). */
  get maxText(): number | undefined {
    return this.client?.limits?.maxText;
  }

  /** Shares code; waits in the client's outbox while reconnecting. */
  async sendSnippet(room: string, snippet: Snippet): Promise<AckReply> {
    return this.requireClient().send(room, { snippet });
  }

  /** Starts a discussion on the code: a message whose snippet carries a code anchor. */
  async sendDiscussion(room: string, text: string, snippet: Snippet): Promise<AckReply> {
    this.requireMember(room);
    this.checkText(text);
    return this.requireClient().send(room, { text, snippet });
  }

  /** The anchored thread roots among the newest snippets of the user's rooms (at most 100). */
  async discussions(): Promise<ChatMessage[]> {
    const found = await this.requireClient().search('has:snippet', { limit: 100 });
    return found.filter((m) => m.root === undefined && m.deleted !== true && m.snippet?.anchor !== undefined);
  }

  // ---- sessions ------------------------------------------------------------------

  /** Where the user is signed in. */
  sessions(): Promise<SessionListing[]> {
    return this.requireClient().sessions();
  }

  revokeSession(id: string): Promise<number> {
    return this.requireClient().revokeSession(id);
  }

  revokeOtherSessions(): Promise<number> {
    return this.requireClient().revokeOtherSessions();
  }

  /** Changes the password; the server ends every other session. */
  changePassword(oldPassword: string, newPassword: string): Promise<number> {
    return this.requireClient().changePassword(oldPassword, newPassword);
  }

  /** The signed-in client, for file transfers (each opens its own connection). */
  transferClient(): ParleyClient {
    return this.requireClient();
  }

  // ---- rooms -------------------------------------------------------------------------

  private requireClient(): ParleyClient {
    if (!this.client?.sessionToken || !this.model.user) throw new ParleyError('UNAUTHENTICATED', vscode.l10n.t('Sign in to Parley first.'));
    return this.client;
  }

  /** Opens a room (or a DM room) in the chat and marks it read; with `thread`, that root's thread too. */
  openRoom(room: string, thread?: number): void {
    if (room.startsWith('dm:') && this.model.ensureDm(room)) this.postRooms();
    this.setActiveRoom(room);
    this.post(wv.ActiveRoom.create(thread === undefined ? { room } : { room, thread }));
  }

  /** The webview switched rooms itself. */
  setActiveRoom(room: string): void {
    this.activeRoomId = room;
    if (this.model.user) void this.memento.update(`parley.activeRoom:${this.model.user}`, room);
    const r = this.model.room(room);
    if (r && r.info.lastSeq > r.info.lastRead && this.isChatVisible()) this.markRead(room, r.info.lastSeq);
  }

  markRead(room: string, seq: number): void {
    this.model.markRead(room, seq);
    this.client?.read(room, seq);
  }

  /** Every group room: the user's and those they could join. */
  async listRooms(): Promise<RoomInfo[]> {
    return this.requireClient().rooms();
  }

  async join(room: string): Promise<RoomInfo | undefined> {
    return this.requireClient().join(room);
  }

  async create(name: string, visibility?: RoomVisibility): Promise<RoomInfo | undefined> {
    return this.requireClient().create(name, visibility ? { visibility } : {});
  }

  /** The signed-in client, for the requests of rooms people run (extension/rooms). */
  roomsClient(): ParleyClient {
    return this.requireClient();
  }

  async leave(room: string): Promise<void> {
    await this.requireClient().leave(room);
    this.model.leaveRoom(room);
    this.postRooms();
    if (this.activeRoomId === room) this.openRoom(GENERAL_ROOM);
  }

  /** A thread I take part in was read up to `seq`; the server answers with the room's new count. */
  readThread(room: string, root: number, seq: number): void {
    const client = this.client;
    if (!client) return;
    client.readThread(room, root, seq).catch((err: Error) => this.log.warn(`thread read mark: ${err.message}`));
  }

  async history(room: string, before?: number): Promise<HistoryPage> {
    return this.requireClient().history(room, { before, limit: HISTORY_PAGE });
  }

  async search(query: string, room?: string): Promise<ChatMessage[]> {
    return this.requireClient().search(query, { room, limit: 50 });
  }

  typing(room: string): void {
    this.client?.typing(room);
  }

  setStatus(status: 'online' | 'away', context?: string): void {
    this.client?.setStatus(status, context);
  }

  /** Rooms the webview lists: the joined ones, with the model's counts. */
  private joinedRooms(): RoomInfo[] {
    return this.model.allRooms().filter((r) => r.joined).map((r) => {
      // The model's counts: the server's, plus messages and mentions that arrived since.
      const { mentions: _server, ...rest } = r.info;
      const info = { ...rest, unread: r.unread };
      return r.mentions > 0 ? { ...info, mentions: r.mentions } : info;
    });
  }

  private postRooms(): void {
    this.post(wv.Rooms.create({ rooms: this.joinedRooms() }));
  }

  private initParams(): wv.ParamsOf<typeof wv.Init> {
    const me = this.model.user ?? '';
    return {
      me,
      rooms: this.joinedRooms(),
      activeRoom: this.activeRoomId,
      presence: this.client?.presence ?? [],
      connection: this.webviewConnection().state,
      maxText: this.client?.limits?.maxText,
    };
  }

  /** What a freshly loaded webview needs: who, where, and what is still unsent. */
  snapshot(): wv.HostMessage[] {
    if (!this.model.user) return [wv.Connection.create(this.webviewConnection())];
    const out: wv.HostMessage[] = [wv.Init.create(this.initParams())];
    // While reconnecting, when the next attempt is due, so a reloaded webview counts down too.
    if (this.state.kind === 'reconnecting') out.push(wv.Connection.create(this.webviewConnection()));
    for (const [cid, p] of this.pending) out.push(wv.Pending.create({ cid, room: p.room, text: p.text, state: p.state }));
    return out;
  }

  dispose(): void {
    this.cancelRetry();
    clearTimeout(this.settingsTimer);
    this.replaceClient(false);
    for (const d of this.subscriptions) d.dispose();
  }
}
