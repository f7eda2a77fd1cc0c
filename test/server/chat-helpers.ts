import * as net from 'node:net';
import { Connection } from '../../client/connection';
import { FrameDecoder, encodeFrame, type ServerFrame, type SessionReply } from '../../protocol';
import type { TestServer } from '../helpers/server';

let counter = 0;

/** A fresh valid user name (6–32 chars). */
export function uniqueUser(prefix = 'user'): string {
  counter++;
  return `${prefix}${process.pid % 1000}_${counter}_${Math.random().toString(36).slice(2, 6)}`.slice(0, 32);
}

/** A signed-in connection that records every unsolicited frame it gets. */
export class Client {
  readonly frames: ServerFrame[] = [];
  private waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];

  /** Set once login or resume answered. */
  session!: SessionReply;

  /** Listens from the start, so frames that arrive together with the session reply are kept. */
  constructor(
    readonly conn: Connection,
    readonly user: string,
  ) {
    conn.on('frame', (frame) => {
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  get token(): string {
    return this.session.token;
  }

  /** Resolves with the first frame (already received or coming) that matches. */
  waitFor<T extends ServerFrame = ServerFrame>(pred: (f: ServerFrame) => boolean, timeoutMs = 5000, what = 'frame'): Promise<T> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.user}: no ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as T);
        },
      });
    });
  }

  msgs(room?: string): Extract<ServerFrame, { t: 'msg' }>[] {
    return this.frames.filter((f): f is Extract<ServerFrame, { t: 'msg' }> => f.t === 'msg' && (room === undefined || f.room === room));
  }

  send(room: string, text: string, cid = `c${++counter}`) {
    return this.conn.request<Extract<ServerFrame, { t: 'ack' }>>({ t: 'send', room, cid, text });
  }

  close(): void {
    this.conn.close();
  }
}

export function connect(server: TestServer, extra: Partial<Parameters<typeof Connection.open>[0]> = {}): Promise<Connection> {
  return Connection.open({ host: server.host, port: server.port, clientName: 'server-tests', ...extra });
}

export async function register(server: TestServer, user: string, password = 'secret-pw'): Promise<void> {
  const conn = await connect(server);
  try {
    await conn.request({ t: 'register', user, password });
  } finally {
    conn.close();
  }
}

/** Registers (unless told not to) and signs in. */
export async function signIn(server: TestServer, user = uniqueUser(), options: { register?: boolean; password?: string } = {}): Promise<Client> {
  const password = options.password ?? 'secret-pw';
  const conn = await connect(server);
  if (options.register !== false) await conn.request({ t: 'register', user, password });
  const client = new Client(conn, user);
  client.session = await conn.request<SessionReply>({ t: 'login', user, password });
  return client;
}

/** Opens another connection for the same session with resume. */
export async function resume(server: TestServer, client: { user: string; token: string }, since?: Record<string, number>): Promise<Client> {
  const conn = await connect(server);
  const c = new Client(conn, client.user);
  c.session = await conn.request<SessionReply>({ t: 'resume', token: client.token, since });
  return c;
}

/** A raw socket that speaks frames by hand, for what the real client refuses to send. */
export class RawSocket {
  readonly frames: Record<string, unknown>[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.frames.push(f.header);
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static open(server: TestServer): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: server.host, port: server.port }, () => resolve(new RawSocket(socket)));
      socket.once('error', reject);
    });
  }

  write(data: Buffer | object): void {
    this.socket.write(Buffer.isBuffer(data) ? data : encodeFrame(data));
  }

  async waitFor(pred: (f: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.frames.find(pred);
      if (hit) return hit;
      if (this.closed) break;
      await sleep(5);
    }
    const hit = this.frames.find(pred);
    if (hit) return hit;
    throw new Error(`no matching frame; got ${JSON.stringify(this.frames).slice(0, 500)}`);
  }

  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return Promise.race([this.closedPromise.then(() => true), sleep(timeoutMs).then(() => false)]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Expects the promise to reject with a ParleyError of this code; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { code: string };
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}
