// The only door to the extension host: typed posts, requests that resolve with their reply,
// and the persisted UI state. acquireVsCodeApi may be called once per page.
import {
  ErrorMessage, isHostMessage,
  type Descriptor, type HostMessage, type ParamsOf, type ReplyOf, type RequestDescriptor,
} from './messages';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): unknown;
}

declare function acquireVsCodeApi(): VsCodeApi;

const REQUEST_TIMEOUT_MS = 60_000;

export class RequestError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

interface Waiter {
  reply: Descriptor<string, object>;
  resolve(msg: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Host {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private readonly waiting = new Map<string, Waiter>();
  private nextId = 1;

  /** Calls `handler` for every well-formed host message; replies also settle their request. */
  listen(handler: (msg: HostMessage) => void): void {
    window.addEventListener('message', (event: MessageEvent) => {
      const msg: unknown = event.data;
      if (!isHostMessage(msg)) return;
      const id = (msg as { requestId?: string }).requestId;
      const waiter = id !== undefined ? this.waiting.get(id) : undefined;
      if (waiter && id !== undefined) {
        if (ErrorMessage.is(msg)) {
          this.settle(id);
          waiter.reject(new RequestError(msg.message, msg.code));
          return;
        }
        if (waiter.reply.is(msg)) {
          this.settle(id);
          waiter.resolve(msg);
        }
      }
      handler(msg);
    });
  }

  post<T extends string, P extends object>(d: Descriptor<T, P>, params: P): void {
    this.api.postMessage(d.create(params));
  }

  request<D extends RequestDescriptor<string, object, Descriptor<string, object>>>(d: D, params: ParamsOf<D>): Promise<ReplyOf<D>> {
    const requestId = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new RequestError('The extension did not answer in time.', 'TIMEOUT'));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(requestId, { reply: d.reply, resolve: resolve as (m: unknown) => void, reject, timer });
      this.api.postMessage(d.create({ ...params, requestId } as unknown as Parameters<D['create']>[0]));
    });
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  private settle(id: string): void {
    const w = this.waiting.get(id);
    if (w) clearTimeout(w.timer);
    this.waiting.delete(id);
  }
}
