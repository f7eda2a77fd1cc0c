// Downloaded files, kept under globalStorage/media/<sha256>/<name>: keyed by content so a file
// sent twice is stored once, and named so VS Code picks the right editor when opening it.
// Least recently used entries go once the cache passes its cap.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadFile, type TransferTarget } from '../client/transfers';
import type { FileRef } from '../protocol';

export const DEFAULT_CACHE_BYTES = 500 * 1024 * 1024;
const SHA256 = /^[0-9a-f]{64}$/;

export interface CachedFile {
  path: string;
  name: string;
  mime: string;
  sha256: string;
  size: number;
}

/** A file name safe on every OS, keeping the extension that tells editors what it is. */
export function safeName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/'));
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  const clean = base.replace(/[\u0000-\u001f<>:"/\\|?*]/g, '_').replace(/^[. ]+|[. ]+$/g, '').slice(-120);
  return clean || 'file';
}

export class MediaCache {
  /** What messages said about files, so a cached copy is found without asking the server. */
  private readonly known = new Map<string, FileRef>();
  private readonly inflight = new Map<string, Promise<CachedFile>>();

  constructor(
    readonly dir: string,
    private readonly maxBytes = DEFAULT_CACHE_BYTES,
  ) {}

  note(file: FileRef | undefined): void {
    if (file?.fileId) this.known.set(file.fileId, file);
  }

  info(fileId: string): FileRef | undefined {
    return this.known.get(fileId);
  }

  /** The cached copy of `fileId`, downloading it first when needed. Concurrent calls share one download. */
  get(target: () => TransferTarget, fileId: string): Promise<CachedFile> {
    let p = this.inflight.get(fileId);
    if (!p) {
      p = this.fetch(target, fileId).finally(() => this.inflight.delete(fileId));
      this.inflight.set(fileId, p);
    }
    return p;
  }

  private async fetch(target: () => TransferTarget, fileId: string): Promise<CachedFile> {
    const ref = this.known.get(fileId);
    if (ref && SHA256.test(ref.sha256)) {
      const hit = await this.lookup(ref.sha256, ref.size);
      if (hit) return { ...hit, mime: ref.mime };
    }
    await fs.promises.mkdir(this.dir, { recursive: true });
    // A partial download is kept per file id, so an interrupted one resumes.
    const partial = path.join(this.dir, `.partial-${fileId.replace(/[^\w-]/g, '_')}`);
    const offset = await fs.promises.stat(partial).then((s) => s.size, () => 0);
    let result;
    try {
      result = await downloadFile(target(), { fileId, to: partial, offset });
    } catch (err) {
      // A wrong prefix can never complete: start over next time.
      if ((err as { code?: string }).code === 'SHA_MISMATCH') await fs.promises.rm(partial, { force: true });
      throw err;
    }
    if (ref && SHA256.test(ref.sha256) && ref.sha256 !== result.sha256) {
      await fs.promises.rm(partial, { force: true });
      throw Object.assign(new Error('The downloaded file does not match the sha256 its message announced.'), { code: 'SHA_MISMATCH' });
    }
    this.known.set(fileId, { ...(ref ?? { kind: 'file' }), fileId, name: result.name, mime: result.mime, size: result.size, sha256: result.sha256 } as FileRef);
    const entry = path.join(this.dir, result.sha256);
    await fs.promises.rm(entry, { recursive: true, force: true });
    await fs.promises.mkdir(entry);
    const file = path.join(entry, safeName(result.name));
    await fs.promises.rename(partial, file);
    await this.evict(result.sha256);
    return { path: file, name: result.name, mime: result.mime, sha256: result.sha256, size: result.size };
  }

  /** A complete cached copy, touched as recently used. */
  private async lookup(sha256: string, size: number): Promise<Omit<CachedFile, 'mime'> | undefined> {
    const entry = path.join(this.dir, sha256);
    const names = await fs.promises.readdir(entry).catch(() => [] as string[]);
    for (const name of names) {
      const file = path.join(entry, name);
      const st = await fs.promises.stat(file).catch(() => undefined);
      if (!st?.isFile() || st.size !== size) continue;
      const now = new Date();
      await fs.promises.utimes(file, now, now).catch(() => undefined);
      return { path: file, name, sha256, size };
    }
    return undefined;
  }

  /** Drops least recently used entries until the cache fits, never `keep`. */
  async evict(keep?: string): Promise<void> {
    const entries: { sha: string; size: number; used: number }[] = [];
    for (const sha of await fs.promises.readdir(this.dir).catch(() => [] as string[])) {
      if (!SHA256.test(sha)) continue;
      let size = 0;
      let used = 0;
      for (const name of await fs.promises.readdir(path.join(this.dir, sha)).catch(() => [] as string[])) {
        const st = await fs.promises.stat(path.join(this.dir, sha, name)).catch(() => undefined);
        if (!st) continue;
        size += st.size;
        used = Math.max(used, st.mtimeMs);
      }
      entries.push({ sha, size, used });
    }
    let total = entries.reduce((n, e) => n + e.size, 0);
    entries.sort((a, b) => a.used - b.used);
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      if (e.sha === keep) continue;
      await fs.promises.rm(path.join(this.dir, e.sha), { recursive: true, force: true });
      total -= e.size;
    }
  }
}
