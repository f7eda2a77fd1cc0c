import type { ChatMessage, RoomInfo } from '../../protocol';
import { FakePeer, type Header, type PeerSocket } from './fake-peer';

/**
 * A tiny scripted chat server on top of FakePeer: enough of login, resume, send, history, events
 * and fan-out to exercise the client session. Only `general` and `dev` rooms exist.
 */
export class FakeChat {
  readonly messages = new Map<string, ChatMessage[]>([
    ['general', []],
    ['dev', []],
  ]);
  /** Every `send` received, in order, to check cids of resends. */
  readonly sends: Header[] = [];
  readonly resumes: Header[] = [];
  /** Set by tests: called for every send before it is handled; return false to swallow it. */
  onSend: (h: Header, socket: PeerSocket) => boolean = () => true;
  echoToSender = false;
  answerPings = true;
  validTokens = new Set<string>();
  private readonly authed = new Map<PeerSocket, string>();
  private readonly seen = new WeakSet<PeerSocket>();

  private constructor(readonly peer: FakePeer) {
    peer.handler = (h, socket) => this.handle(h, socket);
  }

  static async start(): Promise<FakeChat> {
    return new FakeChat(await FakePeer.start());
  }

  /** Starts on a given port, e.g. to come back where a stopped server was. */
  static async startOn(port: number): Promise<FakeChat> {
    return new FakeChat(await FakePeer.start(port));
  }

  get port(): number {
    return this.peer.port;
  }

  stop(): Promise<void> {
    return this.peer.stop();
  }

  /** Drops every open connection, as a crashing server would. */
  dropAll(): void {
    for (const s of this.peer.sockets) s.destroy();
    this.authed.clear();
  }

  /** Stores a message from someone else and fans it out to connected clients. */
  post(room: string, from: string, text: string): ChatMessage {
    const list = this.messages.get(room) as ChatMessage[];
    const msg: ChatMessage = { room, seq: list.length + 1, ts: Date.now(), msgId: `m-${room}-${list.length + 1}`, from, text };
    list.push(msg);
    for (const socket of this.authed.keys()) socket.send({ t: 'msg', ...msg });
    return msg;
  }

  /** Stores a message without telling anyone, as if its fan-out got lost. */
  store(room: string, from: string, text: string): ChatMessage {
    const list = this.messages.get(room) as ChatMessage[];
    const msg: ChatMessage = { room, seq: list.length + 1, ts: Date.now(), msgId: `m-${room}-${list.length + 1}`, from, text };
    list.push(msg);
    return msg;
  }

  private rooms(): RoomInfo[] {
    return [...this.messages].map(([id, list]) => ({ id, kind: 'group', name: id, lastSeq: list.length, lastRead: 0, unread: list.length }));
  }

  private handle(h: Header, socket: PeerSocket): void {
    if (!this.seen.has(socket)) {
      this.seen.add(socket);
      socket.socket.on('close', () => this.authed.delete(socket));
    }
    switch (h.t) {
      case 'ping':
        if (this.answerPings) socket.send(h.id === undefined ? { t: 'pong' } : { t: 'pong', id: h.id });
        return;
      case 'register':
        socket.send({ t: 'ok', id: h.id });
        return;
      case 'login': {
        if (h.password !== 'secret1') {
          socket.send({ t: 'error', id: h.id, code: 'BAD_CREDENTIALS', message: 'Wrong user name or password.' });
          return;
        }
        const token = `tok-${String(h.user)}`;
        this.validTokens.add(token);
        this.authed.set(socket, String(h.user));
        socket.send({ t: 'session', id: h.id, token, user: h.user, rooms: this.rooms() });
        return;
      }
      case 'resume': {
        this.resumes.push(h);
        const token = String(h.token);
        if (!this.validTokens.has(token)) {
          socket.send({ t: 'error', id: h.id, code: 'UNAUTHENTICATED', message: 'Sign in first.' });
          return;
        }
        this.authed.set(socket, token.slice(4));
        socket.send({ t: 'session', id: h.id, token, user: token.slice(4), rooms: this.rooms() });
        const since = (h.since ?? {}) as Record<string, number>;
        for (const [room, last] of Object.entries(since)) {
          const list = this.messages.get(room) ?? [];
          for (const m of list) if (m.seq > last) socket.send({ t: 'msg', ...m });
          socket.send({ t: 'caught_up', room, seq: Math.max(last, list.length) });
        }
        return;
      }
      case 'send': {
        this.sends.push(h);
        if (!this.onSend(h, socket)) return;
        const user = this.authed.get(socket) ?? '?';
        const list = this.messages.get(String(h.room));
        if (!list) {
          socket.send({ t: 'error', id: h.id, code: 'NOT_FOUND', message: 'No such room.' });
          return;
        }
        if (typeof h.text === 'string' && h.text.length > 100) {
          socket.send({ t: 'error', id: h.id, code: 'TOO_LARGE', message: 'Too long.' });
          return;
        }
        let msg = list.find((m) => m.cid === h.cid && m.from === user);
        const fresh = !msg;
        if (!msg) {
          msg = { room: String(h.room), seq: list.length + 1, ts: Date.now(), msgId: `m-${h.room}-${list.length + 1}`, from: user, cid: String(h.cid), text: h.text as string };
          list.push(msg);
        }
        socket.send({ t: 'ack', id: h.id, cid: h.cid, room: msg.room, seq: msg.seq, ts: msg.ts, msgId: msg.msgId });
        if (fresh) {
          for (const other of this.authed.keys()) if (other !== socket || this.echoToSender) other.send({ t: 'msg', ...msg });
        }
        return;
      }
      case 'history': {
        const list = this.messages.get(String(h.room)) ?? [];
        const before = typeof h.before === 'number' ? h.before : Infinity;
        const limit = typeof h.limit === 'number' ? h.limit : 50;
        const older = list.filter((m) => m.seq < before);
        const page = older.slice(Math.max(0, older.length - limit));
        socket.send({ t: 'history', id: h.id, room: h.room, messages: page, more: older.length > page.length });
        return;
      }
      case 'events': {
        const list = this.messages.get(String(h.room)) ?? [];
        const after = typeof h.after === 'number' ? h.after : 0;
        const limit = typeof h.limit === 'number' ? h.limit : 500;
        const later = list.filter((m) => m.seq > after);
        socket.send({ t: 'events', id: h.id, room: h.room, events: later.slice(0, limit), more: later.length > limit });
        return;
      }
      case 'rooms':
        socket.send({ t: 'rooms', id: h.id, rooms: this.rooms() });
        return;
      case 'logout':
        this.validTokens.delete(`tok-${this.authed.get(socket)}`);
        socket.send({ t: 'ok', id: h.id });
        return;
    }
  }
}
