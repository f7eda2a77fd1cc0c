import type { Database, Statement } from 'better-sqlite3';
import { type Change, type ChatMessage, type FileRef, type Reactions, type Revision } from '../../../protocol';
import type { HistoryPage, ThreadPage } from '../store';
import type { TargetState } from '../change-rules';
import { MESSAGE_COLUMNS, READ_COLUMNS, rowToCurrent, toCurrent, type MessageRow, type ReadRow } from './rows';
import type { SearchIndex } from './search';
import { ThreadMarks } from './thread-marks';

interface ReactionRow {
  seq: number;
  emoji: string;
  user: string;
}

/** A message's row as the rules and changes need it; undefined for no such seq or a change event. */
export type TargetRow = MessageRow;

/**
 * Threads, reactions, edits, deletes, pins, resolve and mentions on top of the message rows:
 * the writes a reply or change makes to its root or target (inside the caller's transaction),
 * and the reads that give messages in their current state.
 */
export class Conversations {
  readonly threadMarks: ThreadMarks;
  private readonly selectRow: Statement<[string, number], MessageRow>;
  private readonly selectReacted: Statement<[string, number, string, string], number>;
  private readonly selectEmojiPresent: Statement<[string, number, string], number>;
  private readonly selectReactionKinds: Statement<[string, number], number>;
  private readonly selectPinCount: Statement<[string], number>;
  private readonly insertReaction: Statement<[string, number, string, string, number]>;
  private readonly deleteReaction: Statement<[string, number, string, string]>;
  private readonly deleteReactions: Statement<[string, number]>;
  private readonly selectReactions: Statement<[string, string], ReactionRow>;
  private readonly updateReplies: Statement<[number, number, string, number]>;
  private readonly updatePin: Statement<[number | null, number]>;
  private readonly updateResolved: Statement<[string | null, number]>;
  private readonly updateEdited: Statement<[string, number, number]>;
  private readonly updateEditedTime: Statement<[number, number]>;
  private readonly insertRevision: Statement<[string, number, number, string]>;
  private readonly selectRevisions: Statement<[string, number], Revision>;
  private readonly deleteRevisions: Statement<[string, number]>;
  private readonly erase: Statement<[number]>;
  private readonly eraseEdits: Statement<[string, number]>;
  private readonly deleteFile: Statement<[string]>;
  private readonly selectShaUsed: Statement<[string], number>;
  private readonly selectFileAttached: Statement<[string], number>;
  private readonly insertMention: Statement<[string, string, number, number, string]>;
  private readonly selectMentioned: Statement<[string, number], string>;
  private readonly deleteMention: Statement<[string, number, string]>;
  private readonly deleteMentions: Statement<[string, number]>;
  private readonly selectMessage: Statement<[string, number], ReadRow>;
  private readonly selectShown: Statement<[string, number, number], ReadRow>;
  private readonly selectReplies: Statement<[string, number, number, number], ReadRow>;
  private readonly selectThreads: Record<'all' | 'open' | 'resolved', Statement<[string, number, number], ReadRow>>;
  private readonly selectPins: Statement<[string, number], ReadRow>;
  private readonly addReactionCount: Statement<[number, number]>;

  constructor(
    db: Database,
    private readonly index: SearchIndex,
  ) {
    this.threadMarks = new ThreadMarks(db);
    this.selectRow = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room = ? AND m.seq = ?`);
    this.selectReacted = db
      .prepare<[string, number, string, string], number>('SELECT 1 FROM reactions WHERE room = ? AND seq = ? AND emoji = ? AND user = ?')
      .pluck();
    this.selectEmojiPresent = db
      .prepare<[string, number, string], number>('SELECT 1 FROM reactions WHERE room = ? AND seq = ? AND emoji = ? LIMIT 1')
      .pluck();
    this.selectReactionKinds = db
      .prepare<[string, number], number>('SELECT count(DISTINCT emoji) FROM reactions WHERE room = ? AND seq = ?')
      .pluck();
    this.selectPinCount = db.prepare<[string], number>('SELECT count(*) FROM messages WHERE room = ? AND pin_seq IS NOT NULL').pluck();
    this.insertReaction = db.prepare(
      'INSERT INTO reactions (room, seq, emoji, user, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.deleteReaction = db.prepare('DELETE FROM reactions WHERE room = ? AND seq = ? AND emoji = ? AND user = ?');
    this.deleteReactions = db.prepare('DELETE FROM reactions WHERE room = ? AND seq = ?');
    // The reactions of a page of messages in one query; by message, then in the order given.
    this.selectReactions = db.prepare(
      `SELECT seq, emoji, user FROM reactions
       WHERE room = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq, at`,
    );
    this.updateReplies = db.prepare('UPDATE messages SET reply_count = ?, last_reply_ts = ?, repliers = ? WHERE id = ?');
    this.updatePin = db.prepare('UPDATE messages SET pin_seq = ? WHERE id = ?');
    this.updateResolved = db.prepare('UPDATE messages SET resolved_by = ? WHERE id = ?');
    this.updateEdited = db.prepare('UPDATE messages SET text = ?, edited = ? WHERE id = ?');
    this.updateEditedTime = db.prepare('UPDATE messages SET edited = max(coalesce(edited, 0), ?) WHERE id = ? AND deleted IS NULL');
    this.insertRevision = db.prepare('INSERT INTO revisions (room, seq, ts, text) VALUES (?, ?, ?, ?)');
    this.selectRevisions = db.prepare('SELECT text, ts FROM revisions WHERE room = ? AND seq = ? ORDER BY id');
    this.deleteRevisions = db.prepare('DELETE FROM revisions WHERE room = ? AND seq = ?');
    this.erase = db.prepare(
      'UPDATE messages SET text = NULL, snippet = NULL, file = NULL, edited = NULL, pin_seq = NULL, reaction_count = NULL, deleted = 1 WHERE id = ?',
    );
    this.eraseEdits = db.prepare(
      "UPDATE messages SET text = NULL WHERE room = ? AND change_target = ? AND change_kind = 'edit' AND text IS NOT NULL",
    );
    this.deleteFile = db.prepare('DELETE FROM files WHERE file_id = ?');
    this.selectShaUsed = db.prepare<[string], number>('SELECT 1 FROM files WHERE sha256 = ? LIMIT 1').pluck();
    // Along messages_by_file (the same expression and condition).
    this.selectFileAttached = db
      .prepare<[string], number>("SELECT 1 FROM messages WHERE json_extract(file, '$.fileId') = ? AND file IS NOT NULL LIMIT 1")
      .pluck();
    this.insertMention = db.prepare(
      'INSERT INTO mentions (room, user, seq, msg, from_user) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.selectMentioned = db.prepare<[string, number], string>('SELECT user FROM mentions WHERE room = ? AND msg = ?').pluck();
    this.deleteMention = db.prepare('DELETE FROM mentions WHERE room = ? AND msg = ? AND user = ?');
    this.deleteMentions = db.prepare('DELETE FROM mentions WHERE room = ? AND msg = ?');
    // What the room shows: posts and replies sent to the room; change events and thread-only
    // replies are skipped along the (room, seq) index.
    this.selectMessage = db.prepare(
      `SELECT ${READ_COLUMNS} FROM messages m WHERE m.room = ? AND m.seq = ? AND m.change_kind IS NULL`,
    );
    this.selectShown = db.prepare(
      `SELECT ${READ_COLUMNS} FROM messages m
       WHERE m.room = ? AND m.seq < ? AND m.change_kind IS NULL AND (m.root IS NULL OR m.in_room IS NOT NULL)
       ORDER BY m.seq DESC LIMIT ?`,
    );
    this.selectReplies = db.prepare(
      `SELECT ${READ_COLUMNS} FROM messages m WHERE m.room = ? AND m.root = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`,
    );
    // reply_count > 0 as in the partial index messages_threads, so that the index serves.
    const threads = (state: string) =>
      db.prepare<[string, number, number], ReadRow>(
        `SELECT ${READ_COLUMNS} FROM messages m
         WHERE m.room = ? AND m.seq < ? AND m.reply_count > 0 ${state} ORDER BY m.seq DESC LIMIT ?`,
      );
    this.selectThreads = {
      all: threads(''),
      open: threads('AND m.resolved_by IS NULL'),
      resolved: threads('AND m.resolved_by IS NOT NULL'),
    };
    this.selectPins = db.prepare(
      `SELECT ${READ_COLUMNS} FROM messages m WHERE m.room = ? AND m.pin_seq IS NOT NULL ORDER BY m.pin_seq DESC LIMIT ?`,
    );
    this.addReactionCount = db.prepare('UPDATE messages SET reaction_count = nullif(coalesce(reaction_count, 0) + ?, 0) WHERE id = ?');
  }

  // ---- rules --------------------------------------------------------------------------------

  /** The row of a message (post or reply) of the room; undefined for no such seq or a change event. */
  row(room: string, seq: number): TargetRow | undefined {
    const row = this.selectRow.get(room, seq);
    return row === undefined || row.change_kind !== null ? undefined : row;
  }

  /** What changeVerdict needs about the target, read only as far as the change's kind needs it. */
  targetState(room: string, change: Change, from: string, row: TargetRow | undefined): TargetState {
    const state: TargetState = { message: row === undefined ? undefined : rowToCurrent(row), reacted: false, reactionKinds: 0, emojiPresent: false, pinnedInRoom: 0 };
    if (row === undefined) return state;
    const emoji = change.emoji ?? '';
    if (change.kind === 'react' || change.kind === 'unreact') {
      state.reacted = this.selectReacted.get(room, row.seq, emoji, from) !== undefined;
    }
    if (change.kind === 'react' && !state.reacted) {
      state.emojiPresent = this.selectEmojiPresent.get(room, row.seq, emoji) !== undefined;
      if (!state.emojiPresent) state.reactionKinds = this.selectReactionKinds.get(room, row.seq) ?? 0;
    }
    if (change.kind === 'pin') state.pinnedInRoom = this.selectPinCount.get(room) ?? 0;
    return state;
  }

  // ---- writes (inside the caller's transaction) ------------------------------------------------

  /** A reply (seq `seq`, by `from` at `ts`, mentioning `mentions`) was stored in `root`'s thread. */
  replied(root: TargetRow, reply: { seq: number; from: string; ts: number; mentions?: readonly string[] }): void {
    const { from, ts } = reply;
    this.threadMarks.replied(root.room, root.seq, root.from_user, reply.seq, from, reply.mentions);
    const repliers = root.repliers === null ? [] : (JSON.parse(root.repliers) as string[]);
    if (!repliers.includes(from)) repliers.push(from);
    this.updateReplies.run((root.reply_count ?? 0) + 1, Math.max(ts, root.last_reply_ts ?? 0), JSON.stringify(repliers), root.id);
  }

  /**
   * Applies a change event (seq `eventSeq`, by `from` at `ts`) to its target row. `unindexedFrom`
   * is the first row id the search index has not seen yet (see SearchIndex.unindexedFrom).
   * `keepText`: an edit that only marks the time (importing, where the target came with its
   * current text). Returns the sha256 values a delete left unreferenced.
   */
  apply(
    target: TargetRow,
    change: Change,
    event: { seq: number; from: string; ts: number; mentions?: readonly string[] },
    unindexedFrom: number,
    keepText = false,
  ): string[] | undefined {
    const { room, seq } = target;
    switch (change.kind) {
      case 'react':
        if (this.insertReaction.run(room, seq, change.emoji ?? '', event.from, event.seq).changes > 0) this.addReactionCount.run(1, target.id);
        return undefined;
      case 'unreact':
        if (this.deleteReaction.run(room, seq, change.emoji ?? '', event.from).changes > 0) this.addReactionCount.run(-1, target.id);
        return undefined;
      case 'pin':
        this.updatePin.run(event.seq, target.id);
        return undefined;
      case 'unpin':
        this.updatePin.run(null, target.id);
        return undefined;
      case 'resolve':
        this.updateResolved.run(event.from, target.id);
        return undefined;
      case 'reopen':
        this.updateResolved.run(null, target.id);
        return undefined;
      case 'edit':
        if (keepText || change.text === undefined) {
          this.updateEditedTime.run(event.ts, target.id);
        } else {
          if (target.text !== null) this.insertRevision.run(room, seq, target.edited ?? target.ts, target.text);
          this.index.forget(target.id, unindexedFrom);
          this.updateEdited.run(change.text, event.ts, target.id);
          this.index.reindex(target.id, unindexedFrom);
        }
        // The new text's mentions replace the old text's (none given: none left).
        if (!keepText) this.setMentions(room, seq, event.seq, target.from_user, event.mentions ?? [], true);
        return undefined;
      case 'delete':
        return this.eraseMessage(target, unindexedFrom);
    }
  }

  /**
   * Records who message `msg` mentions, brought by event `seq`. With `replace` (an edit), names
   * no longer mentioned are dropped and names mentioned before keep their first event, so an
   * edit counts as unread only for whom it newly mentions.
   */
  setMentions(room: string, msg: number, seq: number, from: string, names: readonly string[], replace = false): void {
    const wanted = new Set(names);
    if (replace) {
      for (const user of this.selectMentioned.all(room, msg)) {
        if (wanted.has(user)) wanted.delete(user);
        else this.deleteMention.run(room, msg, user);
      }
    }
    for (const user of wanted) this.insertMention.run(room, user, seq, msg, from);
  }

  /**
   * Erases a message: text, snippet, file and its record, revisions, the text of its edit
   * events, reactions, pin, mentions and search entry. Its file record goes too unless another
   * message still attaches it; returns the sha256 of the file when no file record is left with
   * the same content.
   */
  private eraseMessage(target: TargetRow, unindexedFrom: number): string[] | undefined {
    const { room, seq } = target;
    this.index.forget(target.id, unindexedFrom);
    this.erase.run(target.id);
    this.deleteRevisions.run(room, seq);
    this.eraseEdits.run(room, seq);
    this.deleteReactions.run(room, seq);
    this.deleteMentions.run(room, seq);
    if (target.file === null) return undefined;
    const file = JSON.parse(target.file) as FileRef;
    // The row was erased above, so any message found still attaches the record.
    if (this.selectFileAttached.get(file.fileId) !== undefined) return undefined;
    this.deleteFile.run(file.fileId);
    return this.selectShaUsed.get(file.sha256) === undefined ? [file.sha256] : undefined;
  }

  // ---- reads ---------------------------------------------------------------------------------

  /**
   * Messages in their current state, reactions included: one query per room for the messages
   * that have any (none for a page without reactions).
   */
  decorate(rows: ReadRow[]): ChatMessage[] {
    const messages: ChatMessage[] = new Array<ChatMessage>(rows.length);
    let byRoom: Map<string, Map<number, ChatMessage>> | undefined;
    for (let i = 0; i < rows.length; i++) {
      const [m, reacted] = toCurrent(rows[i]);
      messages[i] = m;
      if (!reacted) continue;
      byRoom ??= new Map();
      let seqs = byRoom.get(m.room);
      if (seqs === undefined) byRoom.set(m.room, (seqs = new Map()));
      seqs.set(m.seq, m);
    }
    if (byRoom === undefined) return messages;
    for (const [room, seqs] of byRoom) {
      for (const r of this.selectReactions.all(room, JSON.stringify([...seqs.keys()]))) {
        const m = seqs.get(r.seq);
        if (m === undefined) continue;
        const reactions: Reactions = (m.reactions ??= {});
        (reactions[r.emoji] ??= []).push(r.user);
      }
    }
    return messages;
  }

  history(room: string, before: number | undefined, limit: number): HistoryPage {
    const take = Math.max(0, Math.floor(limit));
    // One row past the page tells whether older messages exist.
    const rows = this.selectShown.all(room, before ?? Number.MAX_SAFE_INTEGER, take + 1);
    const more = rows.length > take;
    if (more) rows.pop();
    return { messages: this.decorate(rows.reverse()), more };
  }

  message(room: string, seq: number): ChatMessage | undefined {
    const row = this.selectMessage.get(room, seq);
    return row === undefined ? undefined : this.decorate([row])[0];
  }

  thread(room: string, root: number, after: number | undefined, limit: number): ThreadPage | undefined {
    const rootRow = this.selectMessage.get(room, root);
    if (rootRow === undefined) return undefined;
    const take = Math.max(0, Math.floor(limit));
    const rows = this.selectReplies.all(room, root, after ?? 0, take + 1);
    const more = rows.length > take;
    if (more) rows.pop();
    const [current, ...replies] = this.decorate([rootRow, ...rows]);
    if (current.root !== undefined) return undefined;
    return { root: current, replies, more };
  }

  threads(room: string, state: 'all' | 'open' | 'resolved', before: number | undefined, limit: number): HistoryPage {
    const take = Math.max(0, Math.floor(limit));
    const rows = this.selectThreads[state].all(room, before ?? Number.MAX_SAFE_INTEGER, take + 1);
    const more = rows.length > take;
    if (more) rows.pop();
    return { messages: this.decorate(rows), more };
  }

  pins(room: string, limit: number): ChatMessage[] {
    return this.decorate(this.selectPins.all(room, Math.max(0, Math.floor(limit))));
  }

  revisions(room: string, seq: number): Revision[] {
    return this.selectRevisions.all(room, seq);
  }
}
