import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParleyError, type AckReply } from '../protocol';
import { ConnectionError } from './connection';
import { formatBytes } from './format';
import type { ParleyClient } from './session';
import { TransferError, downloadFile, uploadFile, type DownloadResult } from './transfers';

/** A progress line on stderr, redrawn at most ten times a second, only on a terminal. */
export class ProgressLine {
  private last = 0;
  private readonly started = Date.now();
  private shown = false;

  constructor(
    private readonly err: NodeJS.WritableStream,
    private readonly label: string,
  ) {}

  private get tty(): boolean {
    return (this.err as NodeJS.WriteStream).isTTY === true;
  }

  update(done: number, total: number): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    this.err.write(`\r${this.label} ${formatBytes(done)} / ${formatBytes(total)}  ${pct}%  ${formatBytes(done / seconds)}/s\x1b[K`);
    this.shown = true;
  }

  end(): void {
    if (this.shown) this.err.write('\n');
    this.shown = false;
  }
}

/** `parley send-file`: uploads, and on failure says what happened in words. */
export async function sendFile(c: ParleyClient, room: string, file: string, err: NodeJS.WritableStream): Promise<AckReply> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!st.isFile()) throw new Error(`${file} is not a file`);
  const name = path.basename(file);
  const progress = new ProgressLine(err, `Sending ${name}`);
  let sent = 0;
  try {
    return await uploadFile(c, {
      room,
      path: file,
      onProgress: (n, total) => {
        sent = n;
        progress.update(n, total);
      },
    });
  } catch (e) {
    throw explainUpload(e, { name, size: st.size, room, sent, max: c.limits?.maxUpload });
  } finally {
    progress.end();
  }
}

function explainUpload(e: unknown, about: { name: string; size: number; room: string; sent: number; max?: number }): unknown {
  if (e instanceof ParleyError) {
    switch (e.code) {
      case 'TOO_LARGE':
        return new ParleyError(
          e.code,
          about.max === undefined
            ? `${about.name} is too large for this server (${formatBytes(about.size)})`
            : `${about.name} is ${formatBytes(about.size)}; this server accepts files up to ${formatBytes(about.max)}`,
        );
      case 'FORBIDDEN':
        return new ParleyError(e.code, `not allowed to send files to ${about.room}: ${e.message}`);
      case 'NOT_FOUND':
        return new ParleyError(e.code, `no room ${about.room}: ${e.message}`);
      case 'MEDIA_UNAVAILABLE':
        return new ParleyError(e.code, 'the server cannot store files right now (its media store is unavailable); nothing was sent, try again later');
      default:
        return new ParleyError(e.code, `${about.name} was not sent: ${e.message}`);
    }
  }
  if (e instanceof ConnectionError) {
    return new ConnectionError(e.code, `the upload was interrupted after ${formatBytes(about.sent)} of ${formatBytes(about.size)} (${e.message}); nothing was posted, run the command again`);
  }
  if (e instanceof TransferError) return new Error(`${about.name} changed while it was being sent; nothing was posted`);
  return e;
}

export interface SavedFile extends DownloadResult {
  path: string;
}

/**
 * `parley get`: downloads into a `.part` file next to the destination and renames it once the
 * sha256 checked out. A `.part` left by an interrupted run is resumed from its size.
 */
export async function getFile(c: ParleyClient, fileId: string, output: string | undefined, err: NodeJS.WritableStream): Promise<SavedFile> {
  const intoDir = output === undefined || isDirectory(output);
  const dir = intoDir ? path.resolve(output ?? '.') : path.dirname(path.resolve(output));
  const part = intoDir ? path.join(dir, `.parley-${fileId.replace(/[^A-Za-z0-9_-]/g, '_')}.part`) : `${path.resolve(output)}.part`;
  const progress = new ProgressLine(err, `Fetching ${fileId}`);
  let received = 0;
  let total = 0;
  const attempt = async (offset: number): Promise<DownloadResult> => {
    received = offset;
    return downloadFile(c, {
      fileId,
      offset,
      to: part,
      onProgress: (n, size) => {
        received = n;
        total = size;
        progress.update(n, size);
      },
    });
  };
  let result: DownloadResult;
  try {
    const offset = sizeOf(part);
    try {
      result = await attempt(offset);
    } catch (e) {
      // a leftover longer than the file belongs to something else: start over once
      if (!(offset > 0 && e instanceof ParleyError && e.code === 'INVALID')) throw e;
      fs.rmSync(part, { force: true });
      result = await attempt(0);
    }
  } catch (e) {
    throw explainDownload(e, { fileId, part, received, total });
  } finally {
    progress.end();
  }
  const final = intoDir ? freeName(dir, safeFileName(result.name, fileId)) : path.resolve(output);
  fs.renameSync(part, final);
  return { ...result, path: final };
}

function explainDownload(e: unknown, about: { fileId: string; part: string; received: number; total: number }): unknown {
  if (e instanceof ParleyError) {
    switch (e.code) {
      case 'NOT_FOUND':
        return new ParleyError(e.code, `no file ${about.fileId} on this server`);
      case 'FORBIDDEN':
        return new ParleyError(e.code, `not allowed to download ${about.fileId}: it was shared in a room you are not in`);
      case 'MEDIA_UNAVAILABLE':
        return new ParleyError(e.code, 'the server cannot read files right now (its media store is unavailable); run the command again later to resume');
      default:
        return e;
    }
  }
  if (e instanceof ConnectionError) {
    const where = about.total > 0 ? ` after ${formatBytes(about.received)} of ${formatBytes(about.total)}` : '';
    return new ConnectionError(e.code, `the download was interrupted${where} (${e.message}); run the same command again to resume`);
  }
  if (e instanceof TransferError) {
    fs.rmSync(about.part, { force: true });
    return new Error(`the downloaded bytes did not match the file's sha256 and were removed; run the command again (${e.message})`);
  }
  return e;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** A name from the server used as a local file name: no directories, no control characters. */
export function safeFileName(name: string, fallback: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(UNSAFE, '').trim();
  if (base === '' || base === '.' || base === '..') return fallback.replace(/[^A-Za-z0-9_-]/g, '_') || 'file';
  return base;
}

/** `name`, or `name (1).ext`, `name (2).ext` … whichever does not exist yet. */
function freeName(dir: string, name: string): string {
  const ext = path.extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  for (let i = 0; ; i++) {
    const candidate = path.join(dir, i === 0 ? name : `${stem} (${i})${ext}`);
    if (!fs.existsSync(candidate)) return candidate;
  }
}
