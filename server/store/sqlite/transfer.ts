import type { Database, Statement } from 'better-sqlite3';
import { mentionedNames, type ChatMessage } from '../../../protocol';
import type { ReadMark, RoomRecord, UserRecord } from '../store';
import type { Conversations } from './conversations';
import { ROOM_COLUMNS, fileJson, toRoom, toUser, type RoomRow, type UserRow } from './rows';
import type { PostedMarks } from './read-marks';
import type { SearchIndex } from './search';
import type { SeqCache } from './seq-cache';

type MessageParams = [string, number, string, string, string, number, string | null, string | null, string | null];
type FullMessageParams = [
  ...MessageParams,
  number | null, number | null, string | null, number | null, string | null, number | null, number | null,
];
type FileParams = [string, string, string, number, string, string, string, string, number];

/** Whole-store reads and seq-keeping writes for copying between backends (copy-store). */
export class Transfer {
  private readonly selectUsers: Statement<[], UserRow>;
  private readonly selectRooms: Statement<[], RoomRow>;
  private readonly selectReadMarks: Statement<[], ReadMark>;
  private readonly insert: Statement<MessageParams>;
  private readonly insertFull: Statement<FullMessageParams>;
  private readonly insertFile: Statement<FileParams>;
  private readonly insertEvent: Statement<[string, number, string, string, string, number, string]>;
  private readonly importTx: (messages: ChatMessage[]) => Map<string, number>;

  constructor(
    db: Database,
    private readonly seqs: SeqCache,
    private readonly index: SearchIndex,
    private readonly conversations: Conversations,
    private readonly postedMarks: PostedMarks,
  ) {
    this.selectUsers = db.prepare('SELECT name, password_hash, created_at, disabled_at, admin_at, deleted_at FROM users ORDER BY name');
    this.selectRooms = db.prepare(`SELECT ${ROOM_COLUMNS} FROM rooms r ORDER BY r.id`);
    this.selectReadMarks = db.prepare('SELECT room, user, seq FROM read_marks WHERE seq > 0 ORDER BY room, user');
    // No ON CONFLICT: a seq or (from, cid) already taken is an error that rolls the batch back.
    this.insert = db.prepare(
      'INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, snippet, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // Replies, change events, edited and deleted messages carry more columns.
    this.insertFull = db.prepare(
      `INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, snippet, file,
         root, in_room, change_kind, change_target, change_emoji, edited, deleted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertFile = db.prepare(
      `INSERT INTO files (file_id, room, sha256, size, mime, kind, name, uploader, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_id) DO NOTHING`,
    );
    this.insertEvent = db.prepare('INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, event) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.importTx = db.transaction((messages: ChatMessage[]) => this.stage(messages));
  }

  users(): UserRecord[] {
    return this.selectUsers.all().map(toUser);
  }

  rooms(): RoomRecord[] {
    return this.selectRooms.all().map(toRoom);
  }

  readMarks(): ReadMark[] {
    return this.selectReadMarks.all();
  }

  importMessages(messages: ChatMessage[]): void {
    if (messages.length === 0) return;
    const last = this.importTx(messages);
    // Only after COMMIT, as in append.
    this.seqs.commit(last);
    this.index.caughtUp();
  }

  private stage(messages: ChatMessage[]): Map<string, number> {
    // Rows still waiting for the index come first, so the index stays a prefix of the messages.
    this.index.catchUp();
    const last = new Map<string, number>();
    let first = 0;
    let lastRow = 0;
    for (const m of messages) {
      const previous = last.get(m.room) ?? this.seqs.get(m.room);
      if (!Number.isSafeInteger(m.seq) || m.seq <= previous) {
        throw new Error(`import into ${m.room}: seq ${m.seq} does not follow ${previous}`);
      }
      const file = m.file;
      if (file !== undefined) {
        this.insertFile.run(file.fileId, m.room, file.sha256, file.size, file.mime, file.kind, file.name, m.from, m.ts);
      }
      const snippet = m.snippet === undefined ? null : JSON.stringify(m.snippet);
      const fileText = file === undefined ? null : fileJson(file);
      const cid = m.cid ?? m.msgId;
      const change = m.change;
      let info;
      if (m.event !== undefined) {
        info = this.insertEvent.run(m.room, m.seq, m.msgId, m.from, cid, m.ts, JSON.stringify(m.event));
      } else if (change === undefined && m.root === undefined && m.edited === undefined && m.deleted !== true) {
        info = this.insert.run(m.room, m.seq, m.msgId, m.from, cid, m.ts, m.text ?? null, snippet, fileText);
      } else if (change !== undefined) {
        // A change event: applied to its target as append() would, without the rules (the
        // source applied them). An edit's target came with its current text: only the time is kept.
        info = this.insertFull.run(
          m.room, m.seq, m.msgId, m.from, cid, m.ts, change.kind === 'edit' ? (change.text ?? null) : null, null, null,
          null, null, change.kind, change.target, change.emoji ?? null, null, null,
        );
        const target = this.conversations.row(m.room, change.target);
        // Rows of this call wait for the index until its end (first), earlier ones were caught up.
        if (target !== undefined) this.conversations.apply(target, change, { seq: m.seq, from: m.from, ts: m.ts }, first === 0 ? Number.MAX_SAFE_INTEGER : first, true);
      } else {
        info = this.insertFull.run(
          m.room, m.seq, m.msgId, m.from, cid, m.ts, m.text ?? null, snippet, fileText,
          m.root ?? null, m.root !== undefined && m.inRoom === true ? 1 : null, null, null, null, m.edited ?? null, m.deleted === true ? 1 : null,
        );
        if (m.root !== undefined) {
          const root = this.conversations.row(m.room, m.root);
          if (root !== undefined) this.conversations.replied(root, { seq: m.seq, from: m.from, ts: m.ts, mentions: m.deleted === true ? undefined : mentionedNames(m.text) });
        }
      }
      // Mentions are not part of a message as exported: they are found again in the text.
      if (change === undefined && m.deleted !== true && m.event === undefined) {
        const names = mentionedNames(m.text);
        if (names.length > 0) this.conversations.setMentions(m.room, m.seq, m.seq, m.from, names);
      }
      const row = Number(info.lastInsertRowid);
      if (first === 0) first = row;
      lastRow = row;
      last.set(m.room, m.seq);
    }
    if (first !== 0) {
      this.index.add(first, lastRow);
      // As posting does: each sender has read the room up to their own messages (unread counts
      // rest on it, rooms.ts).
      this.postedMarks.apply(first, lastRow);
    }
    return last;
  }
}
