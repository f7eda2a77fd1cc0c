import type { Database, Statement } from 'better-sqlite3';
import type { ChatMessage } from '../../../protocol';
import type { ReadMark, RoomRecord, UserRecord } from '../store';
import { fileJson, toRoom, toUser, type RoomRow, type UserRow } from './rows';
import type { SearchIndex } from './search';
import type { SeqCache } from './seq-cache';

type MessageParams = [string, number, string, string, string, number, string | null, string | null, string | null];
type FileParams = [string, string, string, number, string, string, string, string, number];

/** Whole-store reads and seq-keeping writes for copying between backends (copy-store). */
export class Transfer {
  private readonly selectUsers: Statement<[], UserRow>;
  private readonly selectRooms: Statement<[], RoomRow>;
  private readonly selectReadMarks: Statement<[], ReadMark>;
  private readonly insert: Statement<MessageParams>;
  private readonly insertFile: Statement<FileParams>;
  private readonly importTx: (messages: ChatMessage[]) => Map<string, number>;

  constructor(
    db: Database,
    private readonly seqs: SeqCache,
    private readonly index: SearchIndex,
  ) {
    this.selectUsers = db.prepare('SELECT name, password_hash, created_at FROM users ORDER BY name');
    this.selectRooms = db.prepare('SELECT id, kind, name, created_by, created_at FROM rooms ORDER BY id');
    this.selectReadMarks = db.prepare('SELECT room, user, seq FROM read_marks WHERE seq > 0 ORDER BY room, user');
    // No ON CONFLICT: a seq or (from, cid) already taken is an error that rolls the batch back.
    this.insert = db.prepare(
      'INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, snippet, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertFile = db.prepare(
      `INSERT INTO files (file_id, room, sha256, size, mime, kind, name, uploader, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_id) DO NOTHING`,
    );
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
      const info = this.insert.run(m.room, m.seq, m.msgId, m.from, m.cid ?? m.msgId, m.ts, m.text ?? null, snippet, file === undefined ? null : fileJson(file));
      const row = Number(info.lastInsertRowid);
      if (first === 0) first = row;
      lastRow = row;
      last.set(m.room, m.seq);
    }
    this.index.add(first, lastRow);
    return last;
  }
}
