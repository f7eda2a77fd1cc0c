import { randomFillSync } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Change, ChatMessage, FileRef } from '../../../protocol';
import { changeVerdict, replyVerdict, type Verdict } from '../change-rules';
import type { AppendResult, NewMessage, NewRoomEvent } from '../store';
import { SECURE_DELETE_DEFAULT } from './connection';
import type { Conversations } from './conversations';
import { MESSAGE_COLUMNS, READ_COLUMNS, fileJson, rowToCurrent, rowToMessage, toMessage, type MessageRow, type ReadRow } from './rows';
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
type FullInsertParams = [...InsertParams, number | null, number | null, string | null, number | null, string | null];
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
  private readonly insertFull: Statement<FullInsertParams>;
  private readonly insertFile: Statement<FileParams>;
  private readonly insertEvent: Statement<[string, number, string, string, string, number, string]>;
  private readonly selectByCid: Statement<[string, string], MessageRow>;
  private readonly selectAfter: Statement<[string, number, number], ReadRow>;
  private readonly appendTx: (batch: NewMessage[]) => Staged;
  private readonly ids = new IdPool();
  /** Whether this transaction turned secure_delete fully on (see connection.ts). */
  private secure = false;

  constructor(
    private readonly db: Database,
    private readonly index: SearchIndex,
    private readonly conversations: Conversations,
  ) {
    this.seqs = new SeqCache(db);
    // Only the (from_user, cid) conflict is expected; any other constraint still fails loudly.
    this.insert = db.prepare(
      `INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, snippet, file)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (from_user, cid) DO NOTHING`,
    );
    // Replies and change events; a plain post keeps the statement above.
    this.insertFull = db.prepare(
      `INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, text, snippet, file, root, in_room, change_kind, change_target, change_emoji)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertFile = db.prepare(
      `INSERT INTO files (file_id, room, sha256, size, mime, kind, name, uploader, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_id) DO NOTHING`,
    );
    this.insertEvent = db.prepare('INSERT INTO messages (room, seq, msg_id, from_user, cid, ts, event) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.selectByCid = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.from_user = ? AND m.cid = ?`);
    this.selectAfter = db.prepare(
      `SELECT ${READ_COLUMNS} FROM messages m WHERE m.room = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`,
    );
    this.appendTx = db.transaction((batch: NewMessage[]) => this.stage(batch));
  }

  append(batch: NewMessage[]): AppendResult[] {
    if (batch.length === 0) return [];
    let staged: Staged;
    try {
      staged = this.appendTx(batch);
    } finally {
      if (this.secure) {
        this.secure = false;
        this.db.pragma(`secure_delete = ${SECURE_DELETE_DEFAULT}`);
      }
    }
    // Only now, after COMMIT: a rolled-back batch must not advance the cache.
    this.seqs.commit(staged.seqs);
    if (staged.firstRow !== 0) this.index.committed(staged.firstRow, staged.lastRow, staged.indexed);
    return staged.results;
  }

  /** A room event as the room's next seq, in its own transaction (a random cid: nobody resends it). */
  appendEvent(e: NewRoomEvent): ChatMessage {
    const seq = this.seqs.get(e.room) + 1;
    const msgId = this.ids.take();
    const cid = `event:${msgId}`;
    this.insertEvent.run(e.room, seq, msgId, e.from, cid, e.ts, JSON.stringify(e.event));
    this.seqs.commit(new Map([[e.room, seq]]));
    return { room: e.room, seq, ts: e.ts, msgId, from: e.from, cid, event: e.event };
  }

  since(room: string, afterSeq: number, limit: number): ChatMessage[] {
    return this.selectAfter.all(room, afterSeq, Math.max(0, Math.floor(limit))).map(toMessage);
  }

  private stage(batch: NewMessage[]): Staged {
    const seqs = new Map<string, number>();
    const results: AppendResult[] = [];
    // Posting moves the sender's read mark past the message (one's own messages are never
    // unread): done for the rows' range with the search index's batch (read-marks.ts).
    let firstRow = 0;
    let lastRow = 0;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i];
      if (m.root !== undefined || m.change !== undefined || m.mentions !== undefined) {
        // Replies, changes and mentions go the longer way; plain posts stay on the path below.
        const stored = this.stageConversation(m, seqs, firstRow);
        results.push(stored.result);
        if (stored.row !== 0) {
          if (firstRow === 0) firstRow = stored.row;
          lastRow = stored.row;
        }
        continue;
      }
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
        results.push({ message: rowToMessage(first), duplicate: true });
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

  /**
   * A reply, a change or a message with mentions: checks the rules against the root or target
   * as this transaction sees it, then stores the entry and applies it. Returns the row written
   * (0 when none). `firstRow` is this batch's first row so far (0 when none).
   */
  private stageConversation(m: NewMessage, seqs: Map<string, number>, firstRow: number): { result: AppendResult; row: number } {
    // A resend is recognised before the rules, which would call a repeated reaction a no-op.
    const first = this.selectByCid.get(m.from, m.cid);
    if (first !== undefined) return { result: { message: rowToMessage(first), duplicate: true }, row: 0 };
    const change = m.change;
    const ruled = change !== undefined ? this.conversations.row(m.room, change.target) : m.root !== undefined ? this.conversations.row(m.room, m.root) : undefined;
    let verdict: Verdict = { apply: true };
    if (change !== undefined) {
      verdict = changeVerdict(change, m.from, m.moderator === true, this.conversations.targetState(m.room, change, m.from, ruled));
    } else if (m.root !== undefined) {
      verdict = replyVerdict(ruled === undefined ? undefined : rowToCurrent(ruled), m.root);
    }
    if (!verdict.apply) {
      const result: AppendResult = { message: asAsked(m), duplicate: false };
      if ('refused' in verdict) result.refused = verdict.refused;
      else result.noop = true;
      return { result, row: 0 };
    }

    const seq = (seqs.get(m.room) ?? this.seqs.get(m.room)) + 1;
    const msgId = this.ids.take();
    const message: ChatMessage = { room: m.room, seq, ts: m.ts, msgId, from: m.from, cid: m.cid };
    let info;
    if (change !== undefined) {
      const stored: Change = { kind: change.kind, target: change.target };
      if (change.emoji !== undefined && (change.kind === 'react' || change.kind === 'unreact')) stored.emoji = change.emoji;
      if (change.text !== undefined && change.kind === 'edit') stored.text = change.text;
      info = this.insertFull.run(m.room, seq, msgId, m.from, m.cid, m.ts, stored.text ?? null, null, null, null, null, change.kind, change.target, stored.emoji ?? null);
      message.change = stored;
    } else {
      const snippet = m.snippet === undefined ? null : JSON.stringify(m.snippet);
      const fileText = m.file === undefined ? null : fileJson(m.file);
      const inRoom = m.root !== undefined && m.inRoom === true ? 1 : null;
      info = this.insertFull.run(m.room, seq, msgId, m.from, m.cid, m.ts, m.text ?? null, snippet, fileText, m.root ?? null, inRoom, null, null, null);
      if (m.file !== undefined) {
        const file = m.file;
        this.insertFile.run(file.fileId, m.room, file.sha256, file.size, file.mime, file.kind, file.name, m.from, m.ts);
      }
      if (m.text !== undefined) message.text = m.text;
      if (snippet !== null) message.snippet = JSON.parse(snippet) as ChatMessage['snippet'];
      if (fileText !== null) message.file = JSON.parse(fileText) as FileRef;
      if (m.root !== undefined) message.root = m.root;
      if (inRoom !== null) message.inRoom = true;
    }
    seqs.set(m.room, seq);
    const row = Number(info.lastInsertRowid);
    const result: AppendResult = { message, duplicate: false };
    if (change !== undefined && ruled !== undefined) {
      if ((change.kind === 'delete' || change.kind === 'edit') && !this.secure) {
        // What this frees (long texts' overflow pages among it) is zeroed too, not only what
        // shares a page with live rows.
        this.secure = true;
        this.db.pragma('secure_delete = ON');
      }
      const unreferenced = this.conversations.apply(ruled, change, { seq, from: m.from, ts: m.ts, mentions: m.mentions }, this.index.unindexedFrom(firstRow === 0 ? row : firstRow));
      if (unreferenced !== undefined && unreferenced.length > 0) result.unreferenced = unreferenced;
    } else {
      if (ruled !== undefined) this.conversations.replied(ruled, { seq, from: m.from, ts: m.ts, mentions: m.mentions });
      if (m.mentions !== undefined && m.mentions.length > 0) this.conversations.setMentions(m.room, seq, seq, m.from, m.mentions);
    }
    return { result, row };
  }
}

/** The entry as asked, for a refusal or a no-op: nothing was stored, so no seq and no msgId. */
function asAsked(m: NewMessage): ChatMessage {
  const message: ChatMessage = { room: m.room, seq: 0, ts: m.ts, msgId: '', from: m.from, cid: m.cid };
  if (m.text !== undefined) message.text = m.text;
  if (m.snippet !== undefined) message.snippet = m.snippet;
  if (m.file !== undefined) message.file = m.file;
  if (m.root !== undefined) message.root = m.root;
  if (m.inRoom !== undefined) message.inRoom = m.inRoom;
  if (m.change !== undefined) message.change = m.change;
  return message;
}
