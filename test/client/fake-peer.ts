import * as net from 'node:net';
import { DEFAULT_LIMITS, FrameDecoder, encodeFrame, type Limits } from '../../protocol';

export type Header = Record<string, unknown> & { t: string };

/** One accepted socket of the fake server, speaking raw frames. */
export class PeerSocket {
  readonly frames: Header[] = [];
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private waiters: { match: (h: Header) => boolean; resolve: (h: Header) => void }[] = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const { header } of this.decoder.push(chunk)) this.onFrame(header as Header);
    });
    socket.on('error', () => undefined);
  }

  /** Called for every frame before waiters; the peer's automatic replies hook in here. */
  handler: (h: Header, peer: PeerSocket) => void = () => undefined;

  send(header: object, body?: Buffer): boolean {
    return this.socket.write(encodeFrame(header, body));
  }

  /** Resolves with the next frame (already received or future) that matches. */
  next(match: string | ((h: Header) => boolean)): Promise<Header> {
    const fn = typeof match === 'string' ? (h: Header) => h.t === match : match;
    const seen = this.frames.findIndex(fn);
    if (seen >= 0) return Promise.resolve(this.frames.splice(seen, 1)[0]);
    return new Promise((resolve) => this.waiters.push({ match: fn, resolve }));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onFrame(h: Header): void {
    this.handler(h, this);
    const i = this.waiters.findIndex((w) => w.match(h));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w.resolve(h);
      return;
    }
    this.frames.push(h);
  }
}

/** An in-process TCP server built only from the protocol codec; answers hello with welcome. */
export class FakePeer {
  readonly server = net.createServer();
  readonly sockets: PeerSocket[] = [];
  private acceptWaiters: ((p: PeerSocket) => void)[] = [];
  /** Applied to each new socket; tests replace it to script the server side. */
  handler: (h: Header, peer: PeerSocket) => void = () => undefined;
  limits: Limits = { ...DEFAULT_LIMITS };
  welcome = true;

  static async start(port = 0): Promise<FakePeer> {
    const peer = new FakePeer();
    peer.server.on('connection', (socket) => peer.accept(socket));
    await new Promise<void>((resolve) => peer.server.listen(port, '127.0.0.1', resolve));
    return peer;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The next socket accepted (or the oldest not yet claimed). */
  accepted(): Promise<PeerSocket> {
    return new Promise((resolve) => this.acceptWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const peer = new PeerSocket(socket);
    peer.handler = (h, p) => {
      if (h.t === 'hello' && this.welcome) {
        p.send({ t: 'welcome', id: h.id, v: h.v, server: 'fake', limits: this.limits });
        return;
      }
      this.handler(h, p);
    };
    this.sockets.push(peer);
    this.acceptWaiters.shift()?.(peer);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` holds, for conditions driven by other event loops' timing. */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(5);
  }
}
