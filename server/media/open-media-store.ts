import path from 'node:path';
import { DiskMediaStore } from './disk-store';
import { FtpMediaStore, type FtpMediaStoreOptions } from './ftp-store';
import type { MediaLogger, MediaStore } from './media-store';

export type MediaConfig =
  | { kind: 'disk'; dir: string; staleTempMs?: number }
  | ({ kind: 'ftp' } & Omit<FtpMediaStoreOptions, 'log'>);

/** The embedded default: `<dataDir>/media`. */
export function defaultMediaConfig(dataDir: string): MediaConfig {
  return { kind: 'disk', dir: path.join(dataDir, 'media') };
}

/** Makes the configured store; the caller runs init() and, at shutdown, close(). */
export function openMediaStore(config: MediaConfig, log?: MediaLogger): MediaStore {
  switch (config.kind) {
    case 'disk':
      return new DiskMediaStore({ dir: config.dir, staleTempMs: config.staleTempMs, log });
    case 'ftp': {
      const { kind: _kind, ...options } = config;
      return new FtpMediaStore({ ...options, log });
    }
    default: {
      const unknown: { kind: string } = config;
      throw new Error(`unknown media store kind "${unknown.kind}"`);
    }
  }
}
