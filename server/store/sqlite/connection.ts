import * as fs from 'node:fs';
import Database from 'better-sqlite3';
import { ParleyError } from '../../../protocol';
import { WAL_SIZE_LIMIT_BYTES } from './checkpointer';

/**
 * What a delete or edit removes (a message's text, its revisions, its words in the search index)
 * must not stay readable in the file. FAST zeroes removed content on every page written anyway,
 * at no extra I/O; what it leaves is freed pages as they were. Appends free only search index
 * pages (merged segments), and zeroing those as well (ON) costs about a quarter of the server's
 * CPU per message under load, so ON is kept for the transactions that erase or edit
 * (Messages.append), where freed pages (a long text's overflow pages) are zeroed too.
 */
export const SECURE_DELETE_DEFAULT = 'FAST';

/** Opens (creating if needed) the database file with the settings every Parley connection uses. */
export function openDatabase(file: string, dir: string): Database.Database {
  fs.mkdirSync(dir, { recursive: true });
  const db = new Database(file);
  try {
    // WAL lets readers run beside the writer; NORMAL syncs at checkpoints, not every commit,
    // so a power cut can lose the last commits but never corrupts the file.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
    db.pragma(`secure_delete = ${SECURE_DELETE_DEFAULT}`);
    // When the WAL starts over, its file is cut back to this size (see Checkpointer).
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

// Codes that say the file or the disk is at fault rather than the request.
const UNAVAILABLE = /^SQLITE_(IOERR|BUSY|LOCKED|FULL|CANTOPEN|CORRUPT|NOTADB|READONLY|PROTOCOL|NOMEM|PERM)/;

/** STORE_UNAVAILABLE with the cause attached, for the server's log. */
export function unavailable(cause: unknown, message?: string): ParleyError {
  const err = new ParleyError('STORE_UNAVAILABLE', message);
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/** Maps database-level failures to STORE_UNAVAILABLE; anything else (a bug) passes through. */
export function storeError(err: unknown): unknown {
  if (err instanceof ParleyError) return err;
  if (err instanceof Database.SqliteError && UNAVAILABLE.test(err.code)) return unavailable(err);
  return err;
}
