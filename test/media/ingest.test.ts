import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiskMediaStore } from '../../server/media/disk-store';
import { ingestSuite } from './ingest-suite';

ingestSuite('disk', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'parley-ingest-'));
  return {
    root,
    open: () => new DiskMediaStore({ dir: root }),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
});
