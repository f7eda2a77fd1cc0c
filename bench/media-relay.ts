// Media relay: a file through parley-server (to vsftpd) against basic-ftp straight to the same
// vsftpd, in one run, interleaved; the server's RSS during a large transfer; chat round trips
// while a large upload runs against idle. Needs root (vsftpd).
// Usage: npm run bench -- bench/media-relay.ts [--mib 200] [--runs 3] [--rss-mib 500] [--rtt 300] [--out file]
// Prints a summary on stderr and JSON on stdout (or to --out).
import { Client as FtpClient } from 'basic-ftp';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Connection } from '../client/connection';
import { downloadFile, uploadFile } from '../client/transfers';
import { dmRoomId, type MsgEvent, type ServerFrame, type SessionReply } from '../protocol';
import { TestServer } from '../test/helpers/server';
import { startVsftpd } from '../test/media/vsftpd';
import { MiB, nullSink, repeatingSource } from './byte-streams';
import { LatencyRecorder, round } from './latency';
import { RssSampler, cpuSeconds, rssBytes } from './proc-stats';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Target {
  host: string;
  port: number;
}

async function signedIn(target: Target, user: string): Promise<{ conn: Connection; token: string }> {
  const conn = await Connection.open({ ...target, clientName: 'bench' });
  await conn.request({ t: 'register', user, password: 'bench-password' });
  const session = await conn.request<SessionReply>({ t: 'login', user, password: 'bench-password' });
  return { conn, token: session.token };
}

async function transferConn(target: Target, token: string): Promise<Connection> {
  const conn = await Connection.open({ ...target, clientName: 'bench (transfer)' });
  await conn.request({ t: 'resume', token, transfer: true });
  return conn;
}

/** Chat round trip: A sends, B answers when it sees it, A times until the answer arrives. */
class RoundTrips {
  private n = 0;
  private waiting: { tag: string; resolve: () => void } | undefined;

  constructor(
    private readonly a: Connection,
    private readonly b: Connection,
    private readonly room: string,
  ) {
    b.on('frame', (f: ServerFrame) => {
      if (f.t === 'msg' && f.room === room && (f as MsgEvent).text?.startsWith('ping ')) {
        void b.request({ t: 'send', room, cid: `pong-${f.seq}`, text: `pong ${(f as MsgEvent).text?.slice(5)}` });
      }
    });
    a.on('frame', (f: ServerFrame) => {
      const w = this.waiting;
      if (w && f.t === 'msg' && f.room === room && (f as MsgEvent).text === `pong ${w.tag}`) {
        this.waiting = undefined;
        w.resolve();
      }
    });
  }

  async one(): Promise<number> {
    const tag = String(++this.n);
    const t0 = process.hrtime.bigint();
    const answered = new Promise<void>((resolve) => (this.waiting = { tag, resolve }));
    await this.a.request({ t: 'send', room: this.room, cid: `ping-${tag}`, text: `ping ${tag}` });
    await answered;
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  /** Samples until `count` are taken or `until()` says stop, pacing `gapMs` apart. */
  async sample(recorder: LatencyRecorder, opts: { count?: number; until?: () => boolean; gapMs?: number }): Promise<number> {
    let taken = 0;
    while ((opts.count === undefined || taken < opts.count) && !(opts.until?.() ?? false)) {
      recorder.add(await this.one());
      taken++;
      await new Promise((r) => setTimeout(r, opts.gapMs ?? 5));
    }
    return taken;
  }
}

/** Runs in a worker so its hashing and framing never stall the chat clients' event loop. */
async function uploaderWorker(): Promise<void> {
  const { target, token, mib } = workerData as { target: Target; token: string; mib: number };
  const conn = await transferConn(target, token);
  let stop = false;
  let uploads = 0;
  parentPort?.on('message', (m) => {
    if (m === 'stop') stop = true;
  });
  parentPort?.postMessage({ started: true });
  while (!stop) {
    await uploadFile(conn, { room: 'general', stream: repeatingSource(mib * MiB), size: mib * MiB, name: 'latency-load.bin' });
    uploads++;
  }
  conn.close();
  parentPort?.postMessage({ uploads });
}

async function main(): Promise<void> {
  const sizeMiB = Number(arg('mib', '200'));
  const runs = Number(arg('runs', '3'));
  const rssMiB = Number(arg('rss-mib', '500'));
  const rttCount = Number(arg('rtt', '300'));
  const out = arg('out', '');
  const total = sizeMiB * MiB;
  const load0 = loadavg()[0];

  const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-relay-'));
  const ftp = await startVsftpd({ dir: path.join(dir, 'vsftpd') });
  let server: TestServer | undefined;
  const report: { throughput?: Record<string, unknown>; serverRss?: Record<string, number>; chatRoundTrip?: Record<string, unknown> } = {};
  try {
    server = await TestServer.start({ args: ['--ftp', `${ftp.url}relay`, '--max-upload', '4g', '--rate-limit', '0'] });
    const target = { host: server.host, port: server.port };
    const pid = server.proc.pid as number;
    const raw = new FtpClient(60_000);
    await raw.access({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password });
    await raw.ensureDir('/raw');
    const owner = await signedIn(target, `bench_up_${process.pid}`);
    const tconn = await transferConn(target, owner.token);

    // --- throughput, interleaved so both paths meet the same cache and load ---
    const times: Record<string, number[]> = { rawUpload: [], relayUpload: [], rawDownload: [], relayDownload: [] };
    const serverCpu = { upload: 0, download: 0 };
    // warm both paths (logins, JIT, FTP pool)
    await raw.uploadFrom(repeatingSource(MiB), '/raw/warm.bin');
    const warm = await uploadFile(tconn, { room: 'general', stream: repeatingSource(MiB), size: MiB });
    await downloadFile(tconn, { fileId: warm.file?.fileId as string, to: nullSink() });
    for (let i = 0; i < runs; i++) {
      const remote = `/raw/${i}.bin`;
      let fileId = '';
      const rawUp = async () => times.rawUpload.push(await seconds(() => raw.uploadFrom(repeatingSource(total), remote)));
      const relayUp = async () => {
        const cpu0 = cpuSeconds(pid);
        times.relayUpload.push(
          await seconds(async () => {
            const ack = await uploadFile(tconn, { room: 'general', stream: repeatingSource(total), size: total, name: `run${i}.bin` });
            fileId = ack.file?.fileId as string;
          }),
        );
        serverCpu.upload += cpuSeconds(pid) - cpu0;
      };
      const rawDown = async () => times.rawDownload.push(await seconds(() => raw.downloadTo(nullSink(), remote)));
      const relayDown = async () => {
        const cpu0 = cpuSeconds(pid);
        times.relayDownload.push(await seconds(() => downloadFile(tconn, { fileId, to: nullSink() })));
        serverCpu.download += cpuSeconds(pid) - cpu0;
      };
      if (i % 2 === 0) {
        await rawUp();
        await relayUp();
        await rawDown();
        await relayDown();
      } else {
        await relayUp();
        await rawUp();
        await relayDown();
        await rawDown();
      }
      await raw.remove(remote);
      process.stderr.write(`run ${i + 1}/${runs} done\n`);
    }
    const mbps = (xs: number[]) => round(total / 1e6 / median(xs), 1);
    const throughput = {
      sizeMiB,
      runs,
      rawUploadMBps: mbps(times.rawUpload),
      relayUploadMBps: mbps(times.relayUpload),
      rawDownloadMBps: mbps(times.rawDownload),
      relayDownloadMBps: mbps(times.relayDownload),
      uploadRatio: round(median(times.rawUpload) / median(times.relayUpload), 3),
      downloadRatio: round(median(times.rawDownload) / median(times.relayDownload), 3),
      target: 0.8,
      serverCpuSecondsPerGiB: {
        upload: round(serverCpu.upload / ((runs * total) / 1024 ** 3), 2),
        download: round(serverCpu.download / ((runs * total) / 1024 ** 3), 2),
      },
      seconds: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map((s) => round(s, 3))])),
    };
    report.throughput = throughput;

    // --- server memory during a large transfer ---
    const rssTotal = rssMiB * MiB;
    const baseline = rssBytes(pid);
    const upSampler = new RssSampler(pid);
    upSampler.start(20);
    const big = await uploadFile(tconn, { room: 'general', stream: repeatingSource(rssTotal), size: rssTotal, name: 'rss.bin' });
    const upPeak = upSampler.stop();
    const downSampler = new RssSampler(pid);
    downSampler.start(20);
    await downloadFile(tconn, { fileId: big.file?.fileId as string, to: nullSink() });
    const downPeak = downSampler.stop();
    report.serverRss = {
      transferMiB: rssMiB,
      baselineMiB: round(baseline / MiB, 1),
      uploadPeakMiB: round(upPeak / MiB, 1),
      downloadPeakMiB: round(downPeak / MiB, 1),
      uploadGrowthMiB: round((upPeak - baseline) / MiB, 1),
      downloadGrowthMiB: round((downPeak - baseline) / MiB, 1),
    };

    // --- chat round trips: idle, during a large upload, idle again ---
    const a = await signedIn(target, `bench_a_${process.pid}`);
    const b = await signedIn(target, `bench_b_${process.pid}`);
    const trips = new RoundTrips(a.conn, b.conn, dmRoomId(`bench_a_${process.pid}`, `bench_b_${process.pid}`));
    for (let i = 0; i < 50; i++) await trips.one();
    const idle = new LatencyRecorder();
    await trips.sample(idle, { count: Math.ceil(rttCount / 2) });
    // tsx's hooks do not reach worker threads by themselves: register them in the worker first
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, {
      eval: true,
      workerData: { target, token: owner.token, mib: sizeMiB },
    });
    const uploads = new Promise<number>((resolve, reject) => {
      worker.on('message', (m: { uploads?: number }) => {
        if (m.uploads !== undefined) resolve(m.uploads);
      });
      worker.once('error', reject);
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    // let the upload get going before sampling
    await new Promise((r) => setTimeout(r, 300));
    const loaded = new LatencyRecorder();
    const cpuLoaded0 = cpuSeconds(pid);
    const tLoaded = await seconds(() => trips.sample(loaded, { count: rttCount }));
    const cpuLoaded = cpuSeconds(pid) - cpuLoaded0;
    worker.postMessage('stop');
    const uploadsDone = await uploads;
    await worker.terminate();
    await trips.sample(idle, { count: Math.floor(rttCount / 2) });
    const idleStats = idle.summary();
    const loadedStats = loaded.summary();
    report.chatRoundTrip = {
      what: 'A sends, B replies on seeing it, A sees the reply: two stored messages and two deliveries',
      idle: idleStats,
      duringUpload: loadedStats,
      p99Ratio: round(loadedStats.p99 / idleStats.p99, 3),
      p50Ratio: round(loadedStats.p50 / idleStats.p50, 3),
      target: 1.1,
      uploadsWhileSampling: uploadsDone,
      serverCpuShareWhileLoaded: round(cpuLoaded / tLoaded, 2),
    };

    for (const c of [tconn, owner.conn, a.conn, b.conn]) c.close();
    raw.close();
  } finally {
    await server?.stop();
    server?.cleanup();
    await ftp.close();
    await rm(dir, { recursive: true, force: true });
  }

  const full = {
    bench: 'media-relay',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    // other work on the machine skews absolute figures; compare within one run
    loadAverage1m: { before: round(load0, 2), after: round(loadavg()[0], 2) },
    ...report,
  };
  const t = full.throughput as Record<string, number>;
  const r = full.serverRss as Record<string, number>;
  const c = full.chatRoundTrip as unknown as { idle: { p99: number }; duringUpload: { p99: number }; p99Ratio: number };
  process.stderr.write(
    [
      `upload   relay ${t.relayUploadMBps} MB/s vs basic-ftp ${t.rawUploadMBps} MB/s  ratio ${t.uploadRatio}`,
      `download relay ${t.relayDownloadMBps} MB/s vs basic-ftp ${t.rawDownloadMBps} MB/s  ratio ${t.downloadRatio}`,
      `server RSS ${r.baselineMiB} MiB → peak ${r.uploadPeakMiB} (upload) / ${r.downloadPeakMiB} (download) over ${r.transferMiB} MiB`,
      `chat RTT p99 idle ${c.idle.p99} ms, during upload ${c.duringUpload.p99} ms  ratio ${c.p99Ratio}`,
      '',
    ].join('\n'),
  );
  const json = `${JSON.stringify(full, null, 2)}\n`;
  if (out) await writeFile(out, json);
  else process.stdout.write(json);
}

if (isMainThread) {
  main().catch((err) => {
    process.stderr.write(`media-relay: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
} else {
  uploaderWorker().catch((err) => {
    process.stderr.write(`media-relay uploader: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
