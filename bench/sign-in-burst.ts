// Sign-in burst: 50 users sign in at the same moment, each from its own loopback address (so the
// default per-address throttle applies as it would to 50 people). Measures the server's peak RSS
// over its idle RSS, how long the burst takes, and how long a ping waits meanwhile (the event
// loop must stay free while scrypt runs). Linux only (127.0.0.x source addresses, /proc).
// Usage: npm run bench -- bench/sign-in-burst.ts [--users 50] [--out file]
// Prints a summary on stderr and JSON on stdout (or to --out).
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { Connection } from '../client/connection';
import { TestServer } from '../test/helpers/server';
import { LatencyRecorder, round } from './latency';
import { RssSampler, rssBytes } from './proc-stats';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const MiB = 1024 * 1024;
const PASSWORD = 'bench-password';

async function main(): Promise<void> {
  const users = Number(arg('users', '50'));
  const out = arg('out', '');
  const server = await TestServer.start();
  const pid = server.proc.pid as number;
  const target = { host: server.host, port: server.port, clientName: 'bench' };
  const from = (i: number) => `127.0.0.${10 + (i % 240)}`;
  const startRss = rssBytes(pid);
  try {
    const names = Array.from({ length: users }, (_, i) => `burst_user_${i}`);
    for (const [i, user] of names.entries()) {
      const conn = await Connection.open({ ...target, localAddress: from(i) });
      await conn.request({ t: 'register', user, password: PASSWORD });
      conn.close();
    }
    // Connections first, so the burst measures sign-in and not TCP set-up.
    const conns = await Promise.all(names.map((_, i) => Connection.open({ ...target, localAddress: from(i) })));
    const pinger = await Connection.open({ ...target, localAddress: '127.0.0.9' });
    await new Promise((r) => setTimeout(r, 500));
    const idleRss = rssBytes(pid);

    const sampler = new RssSampler(pid);
    sampler.start(10);
    const logins = new LatencyRecorder();
    const pings = new LatencyRecorder();
    let bursting = true;
    const pingLoop = (async () => {
      while (bursting) {
        const t0 = performance.now();
        await pinger.request({ t: 'ping' });
        pings.add(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const t0 = performance.now();
    const results = await Promise.allSettled(
      conns.map(async (conn, i) => {
        const started = performance.now();
        await conn.request({ t: 'login', user: names[i], password: PASSWORD }, undefined, { timeoutMs: 120_000 });
        logins.add(performance.now() - started);
      }),
    );
    const burstMs = performance.now() - t0;
    bursting = false;
    await pingLoop;
    const peakRss = sampler.stop();
    for (const c of [...conns, pinger]) c.close();

    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    const report = {
      bench: 'sign-in-burst',
      users,
      succeeded: users - failed.length,
      failures: failed.slice(0, 5),
      scrypt: 'N=16384 r=8 p=5',
      // at start, before any scrypt ran; then idle after the registrations, and the peak of the burst
      startRssMiB: round(startRss / MiB, 1),
      idleRssMiB: round(idleRss / MiB, 1),
      peakRssMiB: round(peakRss / MiB, 1),
      burstRssMiB: round((peakRss - idleRss) / MiB, 1),
      burstSeconds: round(burstMs / 1000, 2),
      loginMs: logins.summary(),
      pingMsDuringBurst: pings.summary(),
      host: { cpus: cpus().length, loadavg: loadavg().map((x) => round(x, 2)) },
    };
    process.stderr.write(
      `${report.succeeded}/${users} sign-ins in ${report.burstSeconds} s; RSS ${report.idleRssMiB} → ${report.peakRssMiB} MiB (+${report.burstRssMiB}); ` +
        `login p50 ${report.loginMs.p50} ms p99 ${report.loginMs.p99} ms; ping p99 ${report.pingMsDuringBurst.p99} ms during the burst\n`,
    );
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (out) await writeFile(out, json);
    else process.stdout.write(json);
    if (failed.length > 0) process.exitCode = 1;
  } finally {
    await server.stop();
    server.cleanup();
  }
}

void main();
