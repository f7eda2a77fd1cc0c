import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Connection } from '../client/connection';
import { PROTOCOL_VERSION, type SessionReply } from '../protocol';
import { LatencyRecorder, summarize, type LatencySnapshot, type LatencySummary } from './latency';
import { mixOp, type MixCounts, type MixOp } from './mix';

export interface Target {
  host: string;
  port: number;
}

/** Registers `users` accounts (`prefix00000` …) and returns a session token for each. */
export async function registerUsers(target: Target, users: number, prefix: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let start = 0; start < users; start += 20) {
    const batch = Array.from({ length: Math.min(20, users - start) }, (_, i) => start + i);
    tokens.push(
      ...(await Promise.all(
        batch.map(async (u) => {
          // Sign-ups run scrypt two at a time: on a loaded machine a batch of 20 takes longer than the default 10 s.
          const conn = await Connection.open({ ...target, clientName: 'parley-bench', timeoutMs: 120_000 });
          const user = `${prefix}${String(u).padStart(5, '0')}`;
          await conn.request({ t: 'register', user, password: 'bench-password' });
          const session = await conn.request<SessionReply>({ t: 'login', user, password: 'bench-password' });
          conn.close();
          return session.token;
        }),
      )),
    );
  }
  return tokens;
}

/**
 * Opens `connections` signed-in client Connections spread over `users` accounts: each account
 * registers and logs in once, further connections resume with its token (no scrypt per link).
 */
export async function openClients(target: Target, connections: number, users: number, prefix: string): Promise<Connection[]> {
  return connectClients(target, await registerUsers(target, users, prefix), connections);
}

/** Opens `connections` client Connections, each resuming a session with the next of `tokens`. */
export async function connectClients(target: Target, tokens: string[], connections: number): Promise<Connection[]> {
  const users = tokens.length;
  const clients: Connection[] = [];
  for (let start = 0; start < connections; start += 100) {
    const batch = Array.from({ length: Math.min(100, connections - start) }, (_, i) => start + i);
    clients.push(
      ...(await Promise.all(
        batch.map(async (i) => {
          const conn = await Connection.open({ ...target, clientName: 'parley-bench', timeoutMs: 60_000 });
          await conn.request({ t: 'resume', token: tokens[i % users] });
          return conn;
        }),
      )),
    );
  }
  return clients;
}

export interface FanoutOptions {
  room: string;
  clients: number;
  users: number;
  prefix: string;
  senders: number;
  perSender: number;
  /** Unacknowledged sends each sender keeps at most. */
  window: number;
  timeoutMs: number;
  /** Threads the clients are spread over. */
  workers: number;
  /** Called once every client is signed in, right before the first send. */
  measure: () => void;
  /** Mix in reactions, edits and thread replies (bench/mix.ts) instead of posts only. */
  mixed?: boolean;
  /**
   * Several nodes of one cluster: client i (sender i among them) connects to targets[i % n], and
   * latency is reported apart for deliveries from a sender on the receiver's node and on another.
   */
  targets?: Target[];
}

export interface FanoutResult {
  durationSeconds: number;
  accepted: number;
  deliveries: number;
  expectedDeliveries: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  errors: number;
  firstError?: string;
  latency: LatencySummary;
  /** With `targets`: deliveries from a sender connected to the receiver's node, and to another node. */
  latencySameNode?: LatencySummary;
  latencyCrossNode?: LatencySummary;
  /** CPU of the whole generator process (every thread) during the measured phase. */
  generatorCpuSeconds: number;
  /** What the senders made, by kind. */
  ops: MixCounts;
}

/** What one thread of clients counted. */
interface ThreadStats {
  accepted: number;
  deliveries: number;
  duplicated: number;
  outOfOrder: number;
  errors: number;
  firstError?: string;
  latency: LatencySnapshot;
  sameNode: LatencySnapshot;
  crossNode: LatencySnapshot;
  ops: MixCounts;
}

interface ClientSpec {
  /** Position among all clients; senders are 0 … senders-1. */
  index: number;
  token: string;
  /** The node (index into WorkerSetup.targets) it connects to: index % targets.length. */
  node: number;
}

interface WorkerSetup {
  parleyLoad: true;
  targets: Target[];
  room: string;
  clients: ClientSpec[];
  senders: number;
  perSender: number;
  window: number;
  mixed: boolean;
}

type ToMain = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'done'; stats: ThreadStats };

/**
 * Senders (the first `senders` clients) each send `perSender` messages to `room` with at most
 * `window` unacknowledged; every client checks what it receives. The clients run in worker
 * threads on raw sockets: a delivery is checked by scanning its frame's bytes (room, seq and the
 * text "sender n sentAt"), not by parsing it, so the generator stays cheaper than the server.
 *
 * Checks, exact per delivery: each receiver sees every other sender's n in order, once; a client
 * that does not send sees the room's seqs gap-free and ascending, one that sends sees them
 * ascending (its own messages come back as acks, not msgs). `lost` = expected − in-order deliveries.
 */
export async function runFanout(target: Target, options: FanoutOptions): Promise<FanoutResult> {
  const { clients, users, senders } = options;
  const targets = options.targets ?? [target];
  const tokens = await registerUsers(target, users, options.prefix);
  const threads = Math.max(1, Math.min(options.workers, clients));
  const specs: ClientSpec[][] = Array.from({ length: threads }, () => []);
  for (let i = 0; i < clients; i++) specs[i % threads].push({ index: i, token: tokens[i % users], node: i % targets.length });

  const workers = specs.map((list) => {
    const setup: WorkerSetup = {
      parleyLoad: true,
      targets,
      room: options.room,
      clients: list,
      senders,
      perSender: options.perSender,
      window: options.window,
      mixed: options.mixed === true,
    };
    // The worker runs this same file; under tsx (npm run bench) it needs tsx's require hook first.
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
    const ready = await Promise.all(workers.map(next));
    const failed = ready.find((m) => m.type === 'failed');
    if (failed !== undefined && failed.type === 'failed') throw new Error(`bench client failed to sign in: ${failed.error}`);

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
    // Each message goes to every connection but its sender's own.
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
      latencySameNode: summarize(stats.map((s) => s.sameNode)),
      latencyCrossNode: summarize(stats.map((s) => s.crossNode)),
      generatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
      ops: stats.reduce<MixCounts>(
        (all, s) => ({ post: all.post + s.ops.post, react: all.react + s.ops.react, edit: all.edit + s.ops.edit, reply: all.reply + s.ops.reply }),
        { post: 0, react: 0, edit: 0, reply: 0 },
      ),
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

// ---------------------------------------------------------------------------------------------
// Worker side: raw protocol clients.

const QUOTE = 0x22;
const SPACE = 0x20;
const DOT = 0x2e;
const ZERO = 0x30;

/** Absolute milliseconds with sub-millisecond precision, comparable across threads. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function frame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(8 + length);
  out.writeUInt32BE(4 + length, 0);
  out.writeUInt32BE(length, 4);
  out.write(json, 8, 'latin1');
  return out;
}

/** Parses the unsigned decimal (with optional fraction) in buf[from, to). */
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

function startsWith(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}

class Thread {
  readonly latency = new LatencyRecorder();
  readonly sameNode = new LatencyRecorder(200_000);
  readonly crossNode = new LatencyRecorder(200_000);
  readonly stats: Omit<ThreadStats, 'latency' | 'sameNode' | 'crossNode'> = { accepted: 0, deliveries: 0, duplicated: 0, outOfOrder: 0, errors: 0, ops: { post: 0, react: 0, edit: 0, reply: 0 } };
  readonly msgPrefix: Buffer;
  readonly ackPrefix = Buffer.from('{"t":"ack"');
  readonly pingPrefix = Buffer.from('{"t":"ping"');
  readonly errorPrefix = Buffer.from('{"t":"error"');
  readonly anyMsgPrefix = Buffer.from('{"t":"msg"');
  readonly changePrefix = Buffer.from('{"t":"change"');
  clients: RawClient[] = [];
  /** Every socket of the thread reads into this. */
  readonly readBuffer = Buffer.allocUnsafe(256 * 1024);
  /** When the chunk being read arrived. */
  arrivedAt = 0;
  running = false;
  reported = false;

  constructor(readonly setup: WorkerSetup) {
    // The server writes msg headers as {"t":"msg","room":…,"seq":…,"ts":…,"msgId":…,"from":…,"cid":…,"text":…}.
    this.msgPrefix = Buffer.from(`{"t":"msg","room":${JSON.stringify(setup.room)},"seq":`);
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
    parentPort?.postMessage({ type: 'done', stats: { ...this.stats, latency: this.latency.snapshot(), sameNode: this.sameNode.snapshot(), crossNode: this.crossNode.snapshot() } } satisfies ToMain);
  }
}

class RawClient {
  private readonly socket: net.Socket;
  private pending: Buffer | undefined;
  private signedIn = false;
  private onSession: ((err?: Error) => void) | undefined;
  /** The room's last seq this client has seen. */
  private lastSeq = 0;
  /** Per sender, the last n seen from it. */
  private readonly seen: Int32Array;
  private readonly senderIndex: number;
  private readonly node: number;
  private readonly expected: number;
  private received = 0;
  private nextToSend = 0;
  private inFlight = 0;
  private acked = 0;
  /** Mixed load: what each request n was, and the seqs of this sender's acked plain posts. */
  private readonly kinds: MixOp[] = [];
  private readonly ownPosts: number[] = [];
  private readonly used = { react: 0, edit: 0, reply: 0 };

  constructor(
    private readonly thread: Thread,
    spec: ClientSpec,
    socket: net.Socket,
  ) {
    const { senders, perSender } = thread.setup;
    this.socket = socket;
    this.seen = new Int32Array(senders).fill(-1);
    this.senderIndex = spec.index < senders ? spec.index : -1;
    this.node = spec.node;
    this.expected = (this.senderIndex >= 0 ? senders - 1 : senders) * perSender;
    socket.setNoDelay(true);
    socket.on('error', (err) => this.lost(`socket error: ${err.message}`));
    socket.on('close', () => this.lost('the server closed a connection'));
  }

  static open(thread: Thread, spec: ClientSpec): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      let client: RawClient | undefined;
      // Reads land in one buffer per thread, handed straight to the client: no stream machinery
      // and no allocation per read. What a read leaves of a partial frame is copied out.
      const socket = net.connect({
        ...thread.setup.targets[spec.node],
        onread: {
          buffer: thread.readBuffer,
          callback: (n: number, buf: Uint8Array) => {
            client?.onData(Buffer.from(buf.buffer, buf.byteOffset, n), true);
            return true;
          },
        },
      });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const opened = new RawClient(thread, spec, socket);
        client = opened;
        opened.onSession = (err) => (err ? reject(err) : resolve(opened));
        socket.write(
          Buffer.concat([
            frame(JSON.stringify({ t: 'hello', id: 1, v: PROTOCOL_VERSION, client: 'parley-bench' })),
            frame(JSON.stringify({ t: 'resume', id: 2, token: spec.token })),
          ]),
        );
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
    this.onSession?.(new Error(why));
  }

  private pump(): void {
    const { perSender, window, room } = this.thread.setup;
    if (this.inFlight >= window || this.nextToSend >= perSender) return;
    const frames: Buffer[] = [];
    const s = this.senderIndex;
    const roomJson = JSON.stringify(room);
    while (this.inFlight < window && this.nextToSend < perSender) {
      const n = this.nextToSend++;
      this.inFlight++;
      const text = `"${s} ${n} ${now().toFixed(3)}"`;
      let kind = mixOp(n, this.thread.setup.mixed);
      // A change needs an acked post of ours that no earlier change of its kind has used.
      if (kind !== 'post' && this.used[kind] >= this.ownPosts.length) kind = 'post';
      this.kinds[n] = kind;
      this.thread.stats.ops[kind]++;
      const head = `"id":${n + 10},"room":${roomJson},"cid":"${s}-${n}"`;
      if (kind === 'post') frames.push(frame(`{"t":"send",${head},"text":${text}}`));
      else {
        const target = this.ownPosts[this.used[kind]++];
        if (kind === 'reply') frames.push(frame(`{"t":"send",${head},"root":${target},"text":${text}}`));
        else if (kind === 'edit') frames.push(frame(`{"t":"change",${head},"kind":"edit","target":${target},"text":${text}}`));
        // 👍, escaped: frames are written as latin1.
        else frames.push(frame(`{"t":"change",${head},"kind":"react","target":${target},"emoji":"\\ud83d\\udc4d"}`));
      }
      // The first request alone: nothing can target a post before one is acked.
      if (this.thread.setup.mixed && n === 0) break;
    }
    if (frames.length > 0) this.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }

  /** `reused`: the chunk's memory is read into again after this call. */
  onData(chunk: Buffer, reused: boolean): void {
    // Every frame of a chunk arrived at the same moment: one clock read for all of them.
    this.thread.arrivedAt = now();
    let buf = chunk;
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let off = 0;
    while (buf.length - off >= 8) {
      const length = buf.readUInt32BE(off);
      const end = off + 4 + length;
      if (end > buf.length) break;
      const headerStart = off + 8;
      this.onFrame(buf, headerStart, headerStart + buf.readUInt32BE(off + 4));
      off = end;
    }
    if (off < buf.length) this.pending = reused && buf === chunk ? Buffer.from(buf.subarray(off)) : buf.subarray(off);
    if (this.senderIndex >= 0 && this.thread.running) this.pump();
    this.thread.checkDone();
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    const t = this.thread;
    if (!this.signedIn) {
      const header = JSON.parse(buf.toString('utf8', start, end)) as { t: string; id?: number; rooms?: { id: string; lastSeq: number }[]; message?: string };
      if (header.t === 'session') {
        this.signedIn = true;
        this.lastSeq = header.rooms?.find((r) => r.id === t.setup.room)?.lastSeq ?? 0;
        this.onSession?.();
        this.onSession = undefined;
      } else if (header.t === 'error') {
        this.onSession?.(new Error(header.message));
      }
      return;
    }
    // The fast path expects the text last: `…"text":"…"}`; anything else (a reply's root) is read slowly.
    if (startsWith(buf, start, end, t.msgPrefix) && buf[end - 2] === QUOTE) {
      let i = start + t.msgPrefix.length;
      let seq = 0;
      for (; buf[i] >= ZERO && buf[i] <= ZERO + 9; i++) seq = seq * 10 + (buf[i] - ZERO);
      this.onMsg(seq, buf, end);
      return;
    }
    if (startsWith(buf, start, end, t.ackPrefix)) {
      this.inFlight--;
      this.acked++;
      t.stats.accepted++;
      if (t.setup.mixed) {
        const ack = JSON.parse(buf.toString('utf8', start, end)) as { id: number; seq: number };
        if (this.kinds[ack.id - 10] === 'post') this.ownPosts.push(ack.seq);
      }
      return;
    }
    if (startsWith(buf, start, end, t.changePrefix)) {
      const change = JSON.parse(buf.toString('utf8', start, end)) as { room: string; seq: number; cid?: string; change: { text?: string } };
      if (change.room !== t.setup.room) return;
      const [sender, n] = (change.cid ?? '').split('-').map(Number);
      // An edit carries "sender n sentAt" and so a latency; a reaction does not.
      const sentAt = change.change.text ? Number(change.change.text.split(' ')[2]) : undefined;
      this.onEvent(change.seq, sender, n, sentAt);
      return;
    }
    if (startsWith(buf, start, end, t.pingPrefix)) {
      const ping = JSON.parse(buf.toString('utf8', start, end)) as { id?: unknown };
      this.socket.write(frame(JSON.stringify(ping.id === undefined ? { t: 'pong' } : { t: 'pong', id: ping.id })));
      return;
    }
    if (startsWith(buf, start, end, t.errorPrefix)) {
      const error = JSON.parse(buf.toString('utf8', start, end)) as { id?: number; code: string; message: string };
      if (error.id !== undefined && this.senderIndex >= 0) this.inFlight--;
      t.fail(`${error.code}: ${error.message}`);
      return;
    }
    if (startsWith(buf, start, end, t.anyMsgPrefix)) {
      // A msg laid out differently from what the scan expects: read it the slow way.
      const msg = JSON.parse(buf.toString('utf8', start, end)) as { room: string; seq: number; text?: string };
      if (msg.room !== t.setup.room || msg.text === undefined) return;
      const [sender, n, sentAt] = msg.text.split(' ').map(Number);
      this.onEvent(msg.seq, sender, n, sentAt);
    }
  }

  /** `buf` ends (at `end`) with the header's last field, "text":"sender n sentAt"}. */
  private onMsg(seq: number, buf: Buffer, end: number): void {
    // Walk back from the closing quote over "sentAt", "n" and "sender".
    const close = end - 2;
    let i = close - 1;
    while (buf[i] !== SPACE) i--;
    const sentAt = parseNumber(buf, i + 1, close);
    const nEnd = i;
    for (i--; buf[i] !== SPACE; i--);
    const n = parseNumber(buf, i + 1, nEnd);
    const sEnd = i;
    for (i--; buf[i] !== QUOTE; i--);
    const sender = parseNumber(buf, i + 1, sEnd);
    this.onEvent(seq, sender, n, sentAt);
  }

  /** One room event from `sender`'s request `n`, checked for order, loss and duplicates. */
  private onEvent(seq: number, sender: number, n: number, sentAt: number | undefined): void {
    const t = this.thread;
    if (!Number.isInteger(sender) || !Number.isInteger(n)) {
      t.fail(`an event at seq ${seq} not made by the bench`);
      return;
    }

    // Room order: ascending always, and gap-free for a client whose own sends do not come back as acks.
    if (seq <= this.lastSeq || (this.senderIndex < 0 && seq !== this.lastSeq + 1)) t.stats.outOfOrder++;
    if (seq > this.lastSeq) this.lastSeq = seq;

    if (sender === this.senderIndex || sender >= this.seen.length) {
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
    if (sentAt !== undefined) {
      const ms = t.arrivedAt - sentAt;
      t.latency.add(ms);
      // Sender i is client i, on node i % nodes.
      if (t.setup.targets.length > 1) (sender % t.setup.targets.length === this.node ? t.sameNode : t.crossNode).add(ms);
    }
  }
}

async function workerMain(setup: WorkerSetup): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const thread = new Thread(setup);
  try {
    for (let start = 0; start < setup.clients.length; start += 100) {
      const batch = setup.clients.slice(start, start + 100);
      thread.clients.push(...(await Promise.all(batch.map((spec) => RawClient.open(thread, spec)))));
    }
  } catch (err) {
    port.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) } satisfies ToMain);
    return;
  }
  port.on('message', (message: string) => {
    if (message === 'go') {
      thread.running = true;
      for (const c of thread.clients) c.start();
      thread.checkDone();
    } else if (message === 'stop') {
      thread.report();
      for (const c of thread.clients) c.close();
      port.close();
    }
  });
  port.postMessage({ type: 'ready' } satisfies ToMain);
}

if (!isMainThread && (workerData as Partial<WorkerSetup> | undefined)?.parleyLoad === true) {
  void workerMain(workerData as WorkerSetup);
}
