import * as http from 'node:http';
import type { TestServer } from './server';

/** The port of the server's /healthz and /metrics endpoint, from its start-up log. */
export function metricsPort(server: TestServer): number {
  const line = server.logs.find((l) => l.msg.startsWith('metrics on'));
  if (line === undefined || typeof line.port !== 'number') throw new Error('the server logged no metrics endpoint');
  return line.port;
}

export interface HttpReply {
  status: number;
  type: string;
  body: string;
}

/** One GET on 127.0.0.1. */
export function get(port: number, path: string, timeoutMs = 10_000): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Asks /healthz until `pred` accepts the reply (each answer is awaited; no fixed waits decide anything). */
export async function healthUntil(port: number, pred: (reply: HttpReply) => boolean, timeoutMs: number, what: string): Promise<HttpReply> {
  const deadline = Date.now() + timeoutMs;
  let last: HttpReply | undefined;
  while (Date.now() < deadline) {
    last = await get(port, '/healthz');
    if (pred(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/healthz never became ${what} within ${timeoutMs} ms; last: ${last?.status} ${last?.body}`);
}

/** The samples of one metric in Prometheus text: label string ('' for none) → value. */
export function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

/** The value of an unlabelled metric (or of the given label set); throws when absent. */
export function sample(text: string, name: string, labels = ''): number {
  const value = samples(text, name).get(labels);
  if (value === undefined) throw new Error(`no sample ${name}${labels} in the metrics`);
  return value;
}
