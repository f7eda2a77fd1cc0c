/**
 * The fan-out workloads (W1, W2, W3, W3L) and W4 against an IRC server (ngIRCd), with the same
 * shapes and checks as bench/load.ts: clients in worker threads on raw sockets, every delivery
 * checked for loss, duplication and order, latency from the send to the receiver's read.
 *
 * The IRC counterpart of Parley's ack is a PING after each PRIVMSG: the server answers it once
 * the message before it went out, so a sender's window counts PONGs, and W3L (window 1) is the
 * same round trip. Each client becomes an operator and sets user mode F, which turns off
 * ngIRCd's flood throttling; nothing is persisted.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { LatencyRecorder, summarize, type LatencySnapshot } from './latency';
import type { FanoutResult, Target } from './load';
import { IRC_OPER } from './peers';

export interface IrcFanoutOptions {
  channel: string;
  clients: number;
  senders: number;
  perSender: number;
  window: number;
  timeoutMs: number;
  workers: number;
  measure: () => void;
}

interface ThreadStats {
  accepted: number;
  deliveries: number;
  duplicated: number;
  outOfOrder: number;
  errors: number;
  firstError?: string;
  latency: LatencySnapshot;
}

interface WorkerSetup {
  parleyIrcLoad: true;
  target: Target;
  channel: string;
  clients: number[];
  senders: number;
  perSender: number;
  window: number;
}

type ToMain = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'done'; stats: ThreadStats };

const nick = (i: number) => `pb${String(i).padStart(5, '0')}`;

function now(): number {
  return performance.timeOrigin + performance.now();
}

export async function runIrcFanout(target: Target, options: IrcFanoutOptions): Promise<FanoutResult> {
  const { clients, senders } = options;
  const threads = Math.max(1, Math.min(options.workers, clients));
  const lists: number[][] = Array.from({ length: threads }, () => []);
  for (let i = 0; i < clients; i++) lists[i % threads].push(i);
  const workers = lists.map((list) => {
    const setup: WorkerSetup = { parleyIrcLoad: true, target, channel: options.channel, clients: list, senders, perSender: options.perSender, window: options.window };
    const source = __filename.endsWith('.ts') ? `require('tsx/cjs');\nrequire(${JSON.stringify(__filename)});` : `require(${JSON.stringify(__filename)});`;
    return new Worker(source, { eval: true, workerData: setup, execArgv: [] });
  });
  const next = (w: Worker): Promise<ToMain> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      w.once('error', onError);
      w.once('message', (m: ToMain) => {
        w.off('error', onError);
        resolve(m);
      });
    });
  try {
    // Threads sign in one after another: each client joins the channel, and every join goes to every member.
    for (const w of workers) {
      w.postMessage('connect');
      const m = await next(w);
      if (m.type === 'failed') throw new Error(`IRC bench client failed to sign in: ${m.error}`);
    }
    const finished = workers.map(next);
    options.measure();
    const cpuAtStart = process.cpuUsage();
    const started = performance.now();
    for (const w of workers) w.postMessage('go');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs)));
    await Promise.race([Promise.all(finished), timedOut]);
    clearTimeout(timer);
    for (const w of workers) w.postMessage('stop');
    const reports = await Promise.all(finished);
    const durationSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuAtStart);
    const stats = reports.map((m) => (m as Extract<ToMain, { type: 'done' }>).stats);
    const sum = (key: 'accepted' | 'deliveries' | 'duplicated' | 'outOfOrder' | 'errors') => stats.reduce((n, s) => n + s[key], 0);
    const expectedDeliveries = senders * options.perSender * (clients - 1);
    const deliveries = sum('deliveries');
    return {
      durationSeconds,
      accepted: sum('accepted'),
      deliveries,
      expectedDeliveries,
      lost: expectedDeliveries - deliveries,
      duplicated: sum('duplicated'),
      outOfOrder: sum('outOfOrder'),
      errors: sum('errors'),
      firstError: stats.find((s) => s.firstError !== undefined)?.firstError,
      latency: summarize(stats.map((s) => s.latency)),
      generatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
      ops: { post: sum('accepted'), react: 0, edit: 0, reply: 0 },
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Opens `count` registered IRC connections (NICK/USER until the welcome), 100 at a time; joins no
 * channel. For W4 against an IRC server.
 */
export async function openIdleIrc(target: Target, count: number, prefix = 'idle'): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, (_, k) => start + k);
    sockets.push(
      ...(await Promise.all(
        batch.map(
          (i) =>
            new Promise<net.Socket>((resolve, reject) => {
              const s = net.connect(target, () => s.write(`NICK ${prefix}${i}\r\nUSER b 0 * :bench\r\n`));
              let seen = '';
              const onData = (d: Buffer) => {
                seen = (seen + d.toString('latin1')).slice(-2000);
                if (/ 001 /.test(seen)) {
                  s.off('data', onData);
                  // Keep reading (and answer the server's PINGs), like a client that stays.
                  s.on('data', (more: Buffer) => {
                    const ping = /^PING (.*)$/m.exec(more.toString('latin1'));
                    if (ping) s.write(`PONG ${ping[1].trim()}\r\n`);
                  });
                  resolve(s);
                }
              };
              s.on('data', onData);
              s.once('error', reject);
            }),
        ),
      )),
    );
  }
  return sockets;
}

/** Opens `count` plain TCP connections to a server that speaks nothing (the bare net baseline). */
export async function openIdleSockets(target: Target, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let start = 0; start < count; start += 100) {
    const n = Math.min(100, count - start);
    sockets.push(
      ...(await Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<net.Socket>((resolve, reject) => {
              const s = net.connect(target, () => resolve(s));
              s.once('error', reject);
            }),
        ),
      )),
    );
  }
  return sockets;
}

// ---------------------------------------------------------------------------------------------
// Worker side.

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const ZERO = 0x30;
const DOT = 0x2e;

function parseNumber(buf: Buffer, from: number, to: number): number {
  let value = 0;
  let i = from;
  for (; i < to && buf[i] !== DOT; i++) value = value * 10 + (buf[i] - ZERO);
  if (i < to) {
    let scale = 0.1;
    for (i++; i < to; i++, scale /= 10) value += (buf[i] - ZERO) * scale;
  }
  return value;
}

/** True when buf[at, to) starts with `needle`. */
function matchAt(buf: Buffer, at: number, to: number, needle: Buffer): boolean {
  if (to - at < needle.length) return false;
  for (let i = 0; i < needle.length; i++) if (buf[at + i] !== needle[i]) return false;
  return true;
}

class IrcThread {
  readonly latency = new LatencyRecorder();
  readonly stats: Omit<ThreadStats, 'latency'> = { accepted: 0, deliveries: 0, duplicated: 0, outOfOrder: 0, errors: 0 };
  readonly privmsg: Buffer;
  readonly pong = Buffer.from(' PONG ');
  readonly readBuffer = Buffer.allocUnsafe(256 * 1024);
  clients: IrcClient[] = [];
  arrivedAt = 0;
  running = false;
  reported = false;

  constructor(readonly setup: WorkerSetup) {
    this.privmsg = Buffer.from(` PRIVMSG ${setup.channel} :`);
  }

  fail(message: string): void {
    this.stats.errors++;
    this.stats.firstError ??= message;
  }

  checkDone(): void {
    if (!this.running || this.reported) return;
    for (const c of this.clients) if (!c.finished()) return;
    this.report();
  }

  report(): void {
    if (this.reported) return;
    this.reported = true;
    this.running = false;
    parentPort?.postMessage({ type: 'done', stats: { ...this.stats, latency: this.latency.snapshot() } } satisfies ToMain);
  }
}

class IrcClient {
  private pending: Buffer | undefined;
  private joined = false;
  private onJoined: ((err?: Error) => void) | undefined;
  private readonly seen: Int32Array;
  private readonly senderIndex: number;
  private readonly expected: number;
  private received = 0;
  private nextToSend = 0;
  private inFlight = 0;
  private acked = 0;
  private readonly nick: string;

  constructor(
    private readonly thread: IrcThread,
    index: number,
    readonly socket: net.Socket,
  ) {
    const { senders, perSender } = thread.setup;
    this.nick = nick(index);
    this.seen = new Int32Array(senders).fill(-1);
    this.senderIndex = index < senders ? index : -1;
    this.expected = (this.senderIndex >= 0 ? senders - 1 : senders) * perSender;
    socket.setNoDelay(true);
    socket.on('error', (err) => this.lost(`socket error: ${err.message}`));
    socket.on('close', () => this.lost('the server closed a connection'));
  }

  static open(thread: IrcThread, index: number): Promise<IrcClient> {
    return new Promise((resolve, reject) => {
      let client: IrcClient | undefined;
      const socket = net.connect({
        ...thread.setup.target,
        onread: {
          buffer: thread.readBuffer,
          callback: (n: number, buf: Uint8Array) => {
            client?.onData(Buffer.from(buf.buffer, buf.byteOffset, n));
            return true;
          },
        },
      });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const opened = new IrcClient(thread, index, socket);
        client = opened;
        opened.onJoined = (err) => (err ? reject(err) : resolve(opened));
        const n = opened.nick;
        socket.write(`NICK ${n}\r\nUSER b 0 * :bench\r\n`);
      });
    });
  }

  finished(): boolean {
    return this.received >= this.expected && (this.senderIndex < 0 || this.acked === this.thread.setup.perSender);
  }

  start(): void {
    if (this.senderIndex >= 0) this.pump();
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private lost(why: string): void {
    if (this.thread.running) {
      this.thread.fail(why);
      this.thread.report();
    }
    this.onJoined?.(new Error(why));
  }

  private pump(): void {
    const { perSender, window, channel } = this.thread.setup;
    if (this.inFlight >= window || this.nextToSend >= perSender) return;
    let out = '';
    while (this.inFlight < window && this.nextToSend < perSender) {
      const n = this.nextToSend++;
      this.inFlight++;
      out += `PRIVMSG ${channel} :${this.senderIndex} ${n} ${now().toFixed(3)}\r\nPING :${n}\r\n`;
    }
    this.socket.write(out, 'latin1');
  }

  onData(chunk: Buffer): void {
    this.thread.arrivedAt = now();
    let buf = chunk;
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let off = 0;
    for (;;) {
      const eol = buf.indexOf(LF, off);
      if (eol < 0) break;
      const end = eol > off && buf[eol - 1] === CR ? eol - 1 : eol;
      this.onLine(buf, off, end);
      off = eol + 1;
    }
    if (off < buf.length) this.pending = Buffer.from(buf.subarray(off));
    if (this.senderIndex >= 0 && this.thread.running) this.pump();
    this.thread.checkDone();
  }

  private onLine(buf: Buffer, start: number, end: number): void {
    const t = this.thread;
    if (!this.joined) {
      const line = buf.toString('latin1', start, end);
      if (line.startsWith('PING ')) this.socket.write(`PONG ${line.slice(5)}\r\n`);
      else if (/^:\S+ 001 /.test(line)) this.socket.write(`OPER ${IRC_OPER.name} ${IRC_OPER.password}\r\nMODE ${this.nick} +F\r\nJOIN ${t.setup.channel}\r\n`);
      else if (/^:\S+ 366 /.test(line)) {
        this.joined = true;
        this.onJoined?.();
        this.onJoined = undefined;
      } else if (/^:\S+ (4\d\d|5\d\d) /.test(line) || line.startsWith('ERROR')) this.onJoined?.(new Error(line));
      return;
    }
    // A line from the server or a user starts with its prefix: ":name " then the command.
    let at = start;
    if (buf[start] === 0x3a /* : */) while (at < end && buf[at] !== SPACE) at++;
    if (matchAt(buf, at, end, t.privmsg)) {
      // ":nick!user@host PRIVMSG #chan :sender n sentAt"
      let i = at + t.privmsg.length;
      const a = i;
      while (i < end && buf[i] !== SPACE) i++;
      const sender = parseNumber(buf, a, i);
      const b = ++i;
      while (i < end && buf[i] !== SPACE) i++;
      const n = parseNumber(buf, b, i);
      const sentAt = parseNumber(buf, i + 1, end);
      this.onEvent(sender, n, sentAt);
      return;
    }
    if (matchAt(buf, at, end, t.pong)) {
      this.inFlight--;
      this.acked++;
      t.stats.accepted++;
      return;
    }
    if (buf[start] === 0x50 /* P */ && buf.toString('latin1', start, start + 5) === 'PING ') {
      this.socket.write(`PONG ${buf.toString('latin1', start + 5, end)}\r\n`);
      return;
    }
    const line = buf.toString('latin1', start, end);
    if (/^:\S+ (4\d\d|5\d\d) /.test(line) || line.startsWith('ERROR')) t.fail(line);
  }

  private onEvent(sender: number, n: number, sentAt: number): void {
    const t = this.thread;
    if (!Number.isInteger(sender) || !Number.isInteger(n) || sender === this.senderIndex || sender >= this.seen.length) {
      t.stats.duplicated++;
      return;
    }
    const last = this.seen[sender];
    if (n <= last) {
      t.stats.duplicated++;
      return;
    }
    if (n !== last + 1) t.stats.outOfOrder++;
    this.seen[sender] = n;
    this.received++;
    t.stats.deliveries++;
    t.latency.add(t.arrivedAt - sentAt);
  }
}

async function workerMain(setup: WorkerSetup): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const thread = new IrcThread(setup);
  port.on('message', (message: string) => {
    if (message === 'connect') {
      void (async () => {
        try {
          for (let start = 0; start < setup.clients.length; start += 50) {
            const batch = setup.clients.slice(start, start + 50);
            thread.clients.push(...(await Promise.all(batch.map((i) => IrcClient.open(thread, i)))));
          }
          port.postMessage({ type: 'ready' } satisfies ToMain);
        } catch (err) {
          port.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) } satisfies ToMain);
        }
      })();
    } else if (message === 'go') {
      thread.running = true;
      for (const c of thread.clients) c.start();
      thread.checkDone();
    } else if (message === 'stop') {
      thread.report();
      for (const c of thread.clients) c.close();
      port.close();
    }
  });
}

if (!isMainThread && (workerData as Partial<WorkerSetup> | undefined)?.parleyIrcLoad === true) {
  void workerMain(workerData as WorkerSetup);
}
