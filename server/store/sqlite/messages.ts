import { randomFillSync } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { ChatMessage, FileRef } from '../../../protocol';
import type { AppendResult, HistoryPage, NewMessage } from '../store';
import { MESSAGE_COLUMNS, fileJson, toMessage, type MessageRow } from './rows';
import type { SearchIndex } from './search';
import { SeqCache } from './seq-cache';

const MSG_ID_BYTES = 12;
/** Random bytes for this many message ids are drawn at once: one call per id costs more than the id. */
const ID_POOL_IDS = 1024;

/** Message ids: 12 random bytes each, base64url, drawn from a pool refilled from the CSPRNG. */
class IdPool {
  private readonly pool = Buffer.alloc(MSG_ID_BYTES * ID_POOL_IDS);
  private next = ID_POOL_IDS;

  take(): string {
    if (this.next === ID_POOL_IDS) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    const at = this.next++ * MSG_ID_BYTES;
    return this.pool.toString('base64url', at, at + MSG_ID_BYTES);
  }
}

type InsertParams = [string, number, string, string, string, number, string | null, string | null, string | null];
type FileParams = [string, string, string, number, string, string, string, string, number];

interface Staged {
  results: AppendResult[];
  seqs: Map<string, number>;
  /** Ids of the rows written (0 when none), and whether they went into the search index already. */
  firstRow: number;
  lastRow: number;
  indexed: boolean;
}

/** Appending (seq, msgId, idempotency, attached files) and reading messages back in seq order. */
export class Messages {
  readonly seqs: SeqCache;
  private readonly insert: Statement<InsertParams>;
  private readonly insertFile: Statement<FileParams>;
  private readonly selectByCid: Statement<[string, string], MessageRow>;
  private readonly selectBefore: Statement<[string, number, number], MessageRow>;
  private readonly selectAfter: Statement<[string, number, number], MessageRow>;
  private readonly appendTx: (batch: NewMessage[]) => Staged;
  private readonly ids = new IdPool();

  constructor(
    db: Database,
    private readonly index: SearchIndex,
  ) {
    this.seqs = new SeqCache(db);
    // Only the (from_user, cid) conflict is expected; any other constraint still fails loudly.
    this.insert = db.prepare(
      `INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, snippet, file)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (from_user, cid) DO NOTHING`,
    );
    this.insertFile = db.prepare(
      `INSERT INTO files (file_id, room, sha256, size, mime, kind, name, uploader, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_id) DO NOTHING`,
    );
    this.selectByCid = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.from_user = ? AND m.cid = ?`);
    this.selectBefore = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
    );
    this.selectAfter = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`,
    );
    this.appendTx = db.transaction((batch: NewMessage[]) => this.stage(batch));
  }

  append(batch: NewMessage[]): AppendResult[] {
    if (batch.length === 0) return [];
    const staged = this.appendTx(batch);
    // Only now, after COMMIT: a rolled-back batch must not advance the cache.
    this.seqs.commit(staged.seqs);
    if (staged.firstRow !== 0) this.index.committed(staged.firstRow, staged.lastRow, staged.indexed);
    return staged.results;
  }

  history(room: string, before: number | undefined, limit: number): HistoryPage {
    const take = Math.max(0, Math.floor(limit));
    // One row past the page tells whether older messages exist.
    const rows = this.selectBefore.all(room, before ?? Number.MAX_SAFE_INTEGER, take + 1);
    const more = rows.length > take;
    if (more) rows.pop();
    return { messages: rows.reverse().map(toMessage), more };
  }

  since(room: string, afterSeq: number, limit: number): ChatMessage[] {
    return this.selectAfter.all(room, afterSeq, Math.max(0, Math.floor(limit))).map(toMessage);
  }

  private stage(batch: NewMessage[]): Staged {
    const seqs = new Map<string, number>();
    const results: AppendResult[] = [];
    let firstRow = 0;
    let lastRow = 0;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i];
      const seq = (seqs.get(m.room) ?? this.seqs.get(m.room)) + 1;
      const msgId = this.ids.take();
      const snippet = m.snippet === undefined ? null : JSON.stringify(m.snippet);
      const file = m.file;
      const fileText = file === undefined ? null : fileJson(file);
      const info = this.insert.run(m.room, seq, msgId, m.from, m.cid, m.ts, m.text ?? null, snippet, fileText);
      if (info.changes === 0) {
        // Stored before, in an earlier call or earlier in this batch: answer with the first copy.
        const first = this.selectByCid.get(m.from, m.cid);
        if (first === undefined) throw new Error(`message (${m.from}, ${m.cid}) conflicted but cannot be found`);
        results.push({ message: toMessage(first), duplicate: true });
        continue;
      }
      if (file !== undefined) {
        this.insertFile.run(file.fileId, m.room, file.sha256, file.size, file.mime, file.kind, file.name, m.from, m.ts);
      }
      seqs.set(m.room, seq);
      const row = Number(info.lastInsertRowid);
      if (firstRow === 0) firstRow = row;
      lastRow = row;
      const message: ChatMessage = { room: m.room, seq, ts: m.ts, msgId, from: m.from, cid: m.cid };
      if (m.text !== undefined) message.text = m.text;
      if (snippet !== null) message.snippet = JSON.parse(snippet) as ChatMessage['snippet'];
      if (fileText !== null) message.file = JSON.parse(fileText) as FileRef;
      results.push({ message, duplicate: false });
    }
    const indexed = firstRow !== 0 && this.index.addOrDefer(firstRow, lastRow);
    return { results, seqs, firstRow, lastRow, indexed };
  }
}
