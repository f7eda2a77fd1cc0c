import * as path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { AuditEntry, BanEntry, ChatMessage, DirectoryEntry, Invitation, MemberEntry, Revision, RoomInfo, RoomRole, ThreadState } from '../../../protocol';
import type {
  AppendResult,
  FileRecord,
  HistoryPage,
  NewAuditEntry,
  NewMessage,
  NewRoomEvent,
  NewSession,
  ReadMark,
  RoomPatch,
  RoomRecord,
  SearchOptions,
  SessionRecord,
  Store,
  ThreadPage,
  UserRecord,
} from '../store';
import { Accounts } from './accounts';
import { Checkpointer } from './checkpointer';
import { Conversations } from './conversations';
import { Governance } from './governance';
import { openDatabase, storeError, unavailable } from './connection';
import { toFtsQuery } from './fts-query';
import { Messages } from './messages';
import { Rooms } from './rooms';
import { toFile, type FileRow } from './rows';
import { SCHEMA_VERSION, migrate } from './schema';
import { PostedMarks } from './read-marks';
import { SearchIndex, hasFilters } from './search';
import { Sessions } from './sessions';
import { Transfer } from './transfer';
import { Users } from './users';
import { Profiles } from './profiles';
import type { AvatarRecord, ProfilePatch, ProfileRecord, ProfileUpdate } from '../profiles';

export const DATABASE_FILE = 'parley.db';

export interface SqliteStoreOptions {
  /** Directory of the database file; created when missing. */
  dataDir: string;
  /** Told once when an older schema was upgraded. */
  onMigrated?: (from: number, to: number) => void;
  /** Told about trouble the store works around, such as checkpoints falling back to the main thread. */
  onWarning?: (err: Error) => void;
}

/** Everything that exists only while the database is open. */
interface Open {
  db: Database;
  users: Users;
  profiles: Profiles;
  sessions: Sessions;
  rooms: Rooms;
  governance: Governance;
  accounts: Accounts;
  messages: Messages;
  conversations: Conversations;
  search: SearchIndex;
  transfer: Transfer;
  getFile: (fileId: string) => FileRow | undefined;
  checkpointer: Checkpointer | undefined;
  /** Indexes the rows the search index is waiting for, in one transaction. */
  catchUpIndex: () => void;
}

/** Appended rows wait at most this long for the search index when no batch fills up. */
const INDEX_DELAY_MS = 20;

/**
 * The embedded Store: one SQLite file, written only by this process. better-sqlite3 is
 * synchronous, so every call runs to completion before the next starts; that is what keeps
 * concurrent append() calls gap-free without locks.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly description: string;
  readonly file: string;
  private open: Open | undefined;
  private closed = false;
  private indexTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SqliteStoreOptions) {
    this.file = path.join(options.dataDir, DATABASE_FILE);
    this.description = `sqlite ${this.file}`;
  }

  async init(): Promise<void> {
    if (this.open !== undefined) return;
    if (this.closed) throw unavailable(new Error('closed'));
    let db: Database | undefined;
    try {
      db = openDatabase(this.file, this.options.dataDir);
      const found = migrate(db);
      if (found !== SCHEMA_VERSION) this.options.onMigrated?.(found, SCHEMA_VERSION);
      const users = new Users(db);
      const sessions = new Sessions(db);
      const postedMarks = new PostedMarks(db);
      const search = new SearchIndex(db, (first, last) => postedMarks.apply(first, last));
      const conversations = new Conversations(db, search);
      const messages = new Messages(db, search, conversations);
      const rooms = new Rooms(db, users, (room) => messages.seqs.get(room));
      rooms.ensureGeneral();
      const selectFile = db.prepare<[string], FileRow>(
        'SELECT file_id, room, sha256, size, mime, kind, name, uploader, ts FROM files WHERE file_id = ?',
      );
      const transfer = new Transfer(db, messages.seqs, search, conversations, postedMarks);
      const checkpointer = this.startCheckpointer(db);
      const catchUpTx = db.transaction(() => search.catchUp());
      const catchUpIndex = () => {
        if (search.pending === 0) return;
        catchUpTx();
        search.caughtUp();
      };
      // Messages stored by a process that ended before indexing them.
      search.recover();
      catchUpIndex();
      const governance = new Governance(db);
      this.open = { db, users, profiles: new Profiles(db), sessions, rooms, governance, accounts: new Accounts(db), messages, conversations, search, transfer, getFile: (id) => selectFile.get(id), checkpointer, catchUpIndex };
      checkpointer?.written();
    } catch (err) {
      db?.close();
      throw unavailable(err, `The message store at ${this.file} could not be opened: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const open = this.open;
    if (open === undefined) return;
    if (this.indexTimer !== undefined) clearTimeout(this.indexTimer);
    this.indexTimer = undefined;
    // Writes held back by a running restart checkpoint go first.
    await this.writable(open);
    try {
      open.catchUpIndex();
    } catch (err) {
      // The rows are stored; the next open indexes them.
      this.options.onWarning?.(err instanceof Error ? err : new Error(String(err)));
    }
    this.open = undefined;
    await open.checkpointer?.stop();
    try {
      // Keeps query plans good for the next start; cheap when there is nothing to do.
      open.db.pragma('optimize');
    } catch {
      // Only an optimisation: closing matters more.
    }
    open.db.close();
  }

  async createUser(user: UserRecord): Promise<boolean> {
    return this.write((o) => o.users.create(user));
  }

  async getUser(name: string): Promise<UserRecord | undefined> {
    return this.run((o) => o.users.get(name));
  }

  async setPasswordHash(name: string, passwordHash: string): Promise<void> {
    return this.write((o) => o.users.setPasswordHash(name, passwordHash));
  }

  async listUserNames(): Promise<string[]> {
    return this.run((o) => o.users.names());
  }

  async createSession(session: NewSession): Promise<void> {
    return this.write((o) => o.sessions.create(session));
  }

  async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    return this.run((o) => o.sessions.get(tokenHash));
  }

  async touchSession(tokenHash: string, lastSeen: number, address?: string): Promise<void> {
    return this.write((o) => o.sessions.touchSession(tokenHash, lastSeen, address));
  }

  async userSessions(user: string): Promise<SessionRecord[]> {
    return this.run((o) => o.sessions.ofUser(user));
  }

  async revokeSession(tokenHash: string, at: number): Promise<void> {
    return this.write((o) => o.sessions.revoke(tokenHash, at));
  }

  async revokeSessionById(user: string, id: string, at: number): Promise<string | undefined> {
    return this.write((o) => o.sessions.revokeId(user, id, at));
  }

  async revokeOtherSessions(user: string, keepTokenHash: string, at: number): Promise<string[]> {
    return this.write((o) => o.sessions.revokeAllBut(user, keepTokenHash, at));
  }

  async purgeSessions(lastSeenBefore: number): Promise<number> {
    return this.write((o) => o.sessions.purgeBefore(lastSeenBefore));
  }

  async createRoom(room: RoomRecord, members: string[]): Promise<boolean> {
    return this.write((o) => o.rooms.create(room, members));
  }

  async getRoom(id: string): Promise<RoomRecord | undefined> {
    return this.run((o) => o.rooms.get(id));
  }

  async listGroupRooms(): Promise<RoomRecord[]> {
    return this.run((o) => o.rooms.groups());
  }

  async joinableRooms(user: string, limit: number): Promise<RoomInfo[]> {
    return this.run((o) => o.rooms.joinable(user, limit));
  }

  async roomsOf(user: string): Promise<RoomInfo[]> {
    await this.marksCaughtUp();
    return this.run((o) => o.rooms.roomsOf(user));
  }

  async roomInfo(roomId: string, user: string): Promise<RoomInfo | undefined> {
    await this.marksCaughtUp();
    return this.run((o) => o.rooms.info(roomId, user));
  }

  async addMember(roomId: string, user: string, role?: RoomRole): Promise<void> {
    return this.write((o) => o.db.transaction(() => o.rooms.addMember(roomId, user, role))());
  }

  async roleOf(roomId: string, user: string): Promise<RoomRole | undefined> {
    return this.run((o) => o.rooms.roleOf(roomId, user, o.rooms.get(roomId)?.kind));
  }

  async memberRoles(roomId: string): Promise<MemberEntry[]> {
    return this.run((o) => o.rooms.memberRoles(roomId));
  }

  async setRoles(roomId: string, roles: MemberEntry[]): Promise<number> {
    return this.write((o) => o.rooms.setRoles(roomId, roles));
  }

  async updateRoom(roomId: string, patch: RoomPatch): Promise<boolean> {
    return this.write((o) => o.rooms.update(roomId, patch));
  }

  async directory(user: string, query: string, options: { after?: string; limit: number }): Promise<DirectoryEntry[]> {
    return this.run((o) => o.rooms.directory(user, query, options.after, options.limit));
  }

  async invite(invitation: Omit<Invitation, 'name'>): Promise<boolean> {
    return this.write((o) => o.governance.invite(invitation));
  }

  async removeInvitation(roomId: string, user: string): Promise<boolean> {
    return this.write((o) => o.governance.removeInvitation(roomId, user));
  }

  async invitationsOf(user: string): Promise<Invitation[]> {
    return this.run((o) => o.governance.invitationsOf(user));
  }

  async invitationsTo(roomId: string): Promise<Invitation[]> {
    return this.run((o) => o.governance.invitationsTo(roomId));
  }

  async ban(roomId: string, user: string, by: string, at: number): Promise<void> {
    return this.write((o) => o.governance.ban(roomId, user, by, at));
  }

  async unban(roomId: string, user: string): Promise<boolean> {
    return this.write((o) => o.governance.unban(roomId, user));
  }

  async isBanned(roomId: string, user: string): Promise<boolean> {
    return this.run((o) => o.governance.isBanned(roomId, user));
  }

  async bans(roomId: string): Promise<BanEntry[]> {
    return this.run((o) => o.governance.bans(roomId));
  }

  async appendRoomEvent(event: NewRoomEvent): Promise<ChatMessage> {
    return this.write((o) => o.messages.appendEvent(event));
  }

  async setDisabled(user: string, at: number | undefined): Promise<void> {
    return this.write((o) => o.users.setDisabled(user, at));
  }

  async deleteUser(name: string, at: number): Promise<string[] | undefined> {
    return this.write((o) => {
      // Marks its posts still owe it are applied first, then erased with the rest of it.
      o.catchUpIndex();
      return o.accounts.delete(name, at);
    });
  }

  async setServerAdmin(user: string, at: number | undefined): Promise<void> {
    return this.write((o) => o.accounts.setAdmin(user, at));
  }

  async serverAdmins(): Promise<string[]> {
    return this.run((o) => o.accounts.admins());
  }

  async setBlock(user: string, other: string, at: number | undefined): Promise<void> {
    return this.write((o) => o.governance.setBlock(user, other, at));
  }

  async allBlocks(): Promise<{ user: string; blocked: string; at: number }[]> {
    return this.run((o) => o.governance.allBlocks());
  }

  async addAudit(entry: NewAuditEntry): Promise<number> {
    return this.write((o) => o.governance.addAudit(entry));
  }

  async getProfiles(names: readonly string[]): Promise<ProfileRecord[]> {
    return this.run((o) => o.profiles.get(names));
  }

  async setProfile(user: string, patch: ProfilePatch): Promise<ProfileUpdate | undefined> {
    return this.write((o) => o.profiles.set(user, patch));
  }

  async avatarByFileId(fileId: string): Promise<{ user: string; avatar: AvatarRecord } | undefined> {
    return this.run((o) => o.profiles.byAvatar(fileId));
  }

  async contentInUse(sha256: string): Promise<boolean> {
    return this.run((o) => o.profiles.contentInUse(sha256));
  }

  async exportProfiles(): Promise<ProfileRecord[]> {
    return this.run((o) => o.profiles.all());
  }

  async audit(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
    return this.run((o) => o.governance.audit(options.before, options.limit));
  }

  async removeMember(roomId: string, user: string): Promise<void> {
    return this.write((o) => o.rooms.removeMember(roomId, user));
  }

  async isMember(roomId: string, user: string): Promise<boolean> {
    return this.run((o) => o.rooms.isMember(roomId, user));
  }

  async members(roomId: string): Promise<string[]> {
    return this.run((o) => o.rooms.members(roomId));
  }

  async append(batch: NewMessage[]): Promise<AppendResult[]> {
    const results = await this.write((o) => o.messages.append(batch));
    if (this.indexTimer === undefined && this.open !== undefined && this.open.search.pending > 0) {
      this.indexTimer = setTimeout(() => this.indexLater(), INDEX_DELAY_MS);
      this.indexTimer.unref();
    }
    return results;
  }

  /** The timer's catch-up; a failure leaves the rows waiting for the next try. */
  private indexLater(): void {
    this.indexTimer = undefined;
    const open = this.open;
    if (open === undefined || open.search.pending === 0) return;
    const gate = open.checkpointer?.gate;
    if (gate !== undefined) {
      void gate.then(() => this.indexLater());
      return;
    }
    try {
      this.writeNow((o) => o.catchUpIndex());
    } catch (err) {
      this.options.onWarning?.(err instanceof Error ? err : new Error(String(err)));
      this.indexTimer = setTimeout(() => this.indexLater(), 1000);
      this.indexTimer.unref();
    }
  }

  async history(roomId: string, options: { before?: number; limit: number }): Promise<HistoryPage> {
    return this.run((o) => o.conversations.history(roomId, options.before, options.limit));
  }

  async since(roomId: string, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    return this.run((o) => o.messages.since(roomId, afterSeq, limit));
  }

  async message(roomId: string, seq: number): Promise<ChatMessage | undefined> {
    return this.run((o) => o.conversations.message(roomId, seq));
  }

  async thread(roomId: string, root: number, options: { after?: number; limit: number }): Promise<ThreadPage | undefined> {
    return this.run((o) => o.conversations.thread(roomId, root, options.after, options.limit));
  }

  async threads(roomId: string, options: { state: ThreadState; before?: number; limit: number }): Promise<HistoryPage> {
    return this.run((o) => o.conversations.threads(roomId, options.state, options.before, options.limit));
  }

  async pins(roomId: string, limit: number): Promise<ChatMessage[]> {
    return this.run((o) => o.conversations.pins(roomId, limit));
  }

  async revisions(roomId: string, seq: number): Promise<Revision[]> {
    return this.run((o) => o.conversations.revisions(roomId, seq));
  }

  async ping(): Promise<void> {
    this.run((o) => o.db.prepare('SELECT 1').get());
  }

  async lastSeq(roomId: string): Promise<number> {
    return this.run((o) => o.messages.seqs.get(roomId));
  }

  async search(user: string, query: string, options: SearchOptions): Promise<ChatMessage[]> {
    // Indexing what waits is a write: not while a restart checkpoint runs.
    if (this.open !== undefined && this.open.search.pending > 0) await this.writable(this.open);
    return this.run((o) => {
      const { room, limit: asked, ...filters } = options;
      const terms = toFtsQuery(query);
      const limit = Math.max(0, Math.floor(asked));
      if ((terms === undefined && !hasFilters(filters)) || limit === 0) return [];
      // Every stored message is searchable: index what waits first.
      if (terms !== undefined && o.search.pending > 0) {
        o.catchUpIndex();
        o.checkpointer?.written();
      }
      if (room !== undefined) {
        return o.rooms.isMember(room, user) ? o.conversations.decorate(o.search.find({ room }, terms, filters, limit)) : [];
      }
      return o.users.exists(user) ? o.conversations.decorate(o.search.find({ user }, terms, filters, limit)) : [];
    });
  }

  async setReadMark(roomId: string, user: string, seq: number): Promise<number> {
    return this.write((o) => {
      // The mark returned is the stored one: with the posts that moved it applied first.
      if (o.search.pending > 0) o.catchUpIndex();
      return o.rooms.setReadMark(roomId, user, seq);
    });
  }

  async threadUnread(roomId: string, user: string, roots: readonly number[]): Promise<Map<number, number>> {
    return this.run((o) => o.conversations.threadMarks.unread(roomId, user, roots));
  }

  async setThreadReadMark(roomId: string, root: number, user: string, seq: number): Promise<number | undefined> {
    return this.write((o) => o.conversations.threadMarks.setMark(roomId, root, user, Math.max(0, Math.floor(seq))));
  }

  async getFile(fileId: string): Promise<FileRecord | undefined> {
    return this.run((o) => {
      const row = o.getFile(fileId);
      return row === undefined ? undefined : toFile(row);
    });
  }

  async exportUsers(): Promise<UserRecord[]> {
    return this.run((o) => o.transfer.users());
  }

  async exportRooms(): Promise<RoomRecord[]> {
    return this.run((o) => o.transfer.rooms());
  }

  async exportReadMarks(): Promise<ReadMark[]> {
    await this.marksCaughtUp();
    return this.run((o) => o.transfer.readMarks());
  }

  async importMessages(messages: ChatMessage[]): Promise<void> {
    return this.write((o) => o.transfer.importMessages(messages));
  }

  /** Checkpoints on a worker thread; on the main thread (SQLite's default) only if that fails. */
  private startCheckpointer(db: Database): Checkpointer | undefined {
    const fallBack = (err: Error) => {
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
      this.options.onWarning?.(err);
    };
    try {
      const checkpointer = new Checkpointer({ file: this.file, onFailure: fallBack });
      db.pragma('wal_autocheckpoint = 0');
      return checkpointer;
    } catch (err) {
      fallBack(err instanceof Error ? err : new Error(String(err)));
      return undefined;
    }
  }

  /**
   * Runs a write now, or after the restart checkpoint that holds writes back (Checkpointer.gate);
   * writes that waited run in the order they were asked for.
   */
  private write<T>(work: (open: Open) => T): Promise<T> | T {
    const gate = this.open?.checkpointer?.gate;
    if (gate !== undefined) return gate.then(() => this.write(work));
    return this.writeNow(work);
  }

  private writeNow<T>(work: (open: Open) => T): T {
    const result = this.run(work);
    this.open?.checkpointer?.written();
    return result;
  }

  /**
   * Posting moves read marks with the search index's batches (read-marks.ts): before marks are
   * read, the rows waiting are indexed and their marks applied (a write, so after any restart
   * checkpoint that holds writes back).
   */
  private async marksCaughtUp(): Promise<void> {
    const open = this.open;
    if (open === undefined || open.search.pending === 0) return;
    await this.writable(open);
    this.writeNow((o) => o.catchUpIndex());
  }

  /** Resolves once no restart checkpoint holds writes back. */
  private async writable(open: Open): Promise<void> {
    for (let gate = open.checkpointer?.gate; gate !== undefined; gate = open.checkpointer?.gate) await gate;
  }

  private run<T>(work: (open: Open) => T): T {
    const open = this.open;
    if (open === undefined) {
      throw unavailable(new Error(this.closed ? 'closed' : 'not initialised'));
    }
    try {
      return work(open);
    } catch (err) {
      throw storeError(err);
    }
  }
}
