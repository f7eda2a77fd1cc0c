// Media throughput: FtpMediaStore (and ingest) against basic-ftp used directly, on one vsftpd, in
// one run; the disk store for reference. Needs root (vsftpd).
// Usage: npx tsx bench/media-throughput.ts [--mib 200] [--runs 3] [--out results.json]
// Prints a table on stderr and JSON on stdout (or to --out).
import { Client } from 'basic-ftp';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DiskMediaStore } from '../server/media/disk-store';
import { FtpMediaStore } from '../server/media/ftp-store';
import { ingest } from '../server/media/ingest';
import { contentKey } from '../server/media/media-store';
import { startVsftpd } from '../test/media/vsftpd';
import { MiB, nullSink, repeatingSource } from './byte-streams';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const sizeMiB = Number(arg('mib', '200'));
const runs = Number(arg('runs', '3'));
const out = arg('out', '');
const total = sizeMiB * MiB;
const block = randomBytes(MiB);

async function drain(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

interface Sample {
  seconds: number;
  rssGrowthMiB: number;
}

async function measure(fn: () => Promise<unknown>): Promise<Sample> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const t0 = process.hrtime.bigint();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, rssGrowthMiB: (Math.max(peak, process.memoryUsage.rss()) - base) / MiB };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-media-'));
  const ftp = await startVsftpd({ dir: path.join(dir, 'vsftpd') });
  const results: Record<string, Sample[]> = {};
  const record = (name: string, s: Sample) => (results[name] ??= []).push(s);

  try {
    const raw = new Client(30_000);
    await raw.access({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password });
    await raw.ensureDir('/raw');
    const store = new FtpMediaStore({ url: `${ftp.url}store` });
    await store.init();
    const disk = new DiskMediaStore({ dir: path.join(dir, 'disk') });
    await disk.init();
    // warm the connections so logins are not timed
    await store.stat(contentKey('0'.repeat(64)));

    // Uploads first, then downloads, so both sides meet the same page-cache and writeback state.
    for (let i = 0; i < runs; i++) {
      const key = contentKey(i.toString(16).padStart(64, 'a'));
      const remote = `/raw/${i}.bin`;
      record('basic-ftp upload', await measure(() => raw.uploadFrom(repeatingSource(total, block), remote)));
      record('FtpMediaStore put', await measure(() => store.put(key, repeatingSource(total, block))));
      record('ingest → FtpMediaStore', await measure(() => ingest(store, { size: total, maxSize: total, source: repeatingSource(total, block) })));
      record('basic-ftp download', await measure(() => raw.downloadTo(nullSink(), remote)));
      record('FtpMediaStore get', await measure(async () => drain(await store.get(key))));
      await raw.remove(remote);
      await store.delete(key);
      record('DiskMediaStore put', await measure(() => disk.put(key, repeatingSource(total, block))));
      record('DiskMediaStore get', await measure(async () => drain(await disk.get(key))));
      await disk.delete(key);
    }
    raw.close();
    await store.close();
    await disk.close();
  } finally {
    await ftp.close();
    await rm(dir, { recursive: true, force: true });
  }

  const rows = Object.entries(results).map(([name, samples]) => {
    const seconds = median(samples.map((s) => s.seconds));
    return {
      name,
      mibPerSecond: Math.round(sizeMiB / seconds),
      mbPerSecond: Math.round(total / 1e6 / seconds),
      medianSeconds: Number(seconds.toFixed(3)),
      runsSeconds: samples.map((s) => Number(s.seconds.toFixed(3))),
      maxRssGrowthMiB: Number(Math.max(...samples.map((s) => s.rssGrowthMiB)).toFixed(1)),
    };
  });
  for (const r of rows) {
    process.stderr.write(`${r.name.padEnd(24)} ${String(r.mbPerSecond).padStart(5)} MB/s  median ${r.medianSeconds}s  RSS +${r.maxRssGrowthMiB} MiB\n`);
  }
  const report = {
    bench: 'media-throughput',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    // other work on the machine skews absolute figures; compare rows of one run
    loadAverage1m: Number(loadavg()[0].toFixed(2)),
    sizeMiB,
    runs,
    results: rows,
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (out) await writeFile(out, json);
  else process.stdout.write(json);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
