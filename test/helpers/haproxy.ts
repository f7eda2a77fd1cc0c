import * as path from 'node:path';

// HAProxy is found, installed, configured and run by scripts/services/haproxy.mjs (what `npm test`
// set-up uses); this file gives the suites its types.

export interface Backend {
  name: string;
  /** The node's chat port. */
  port: number;
  /** Its --metrics-port, where HAProxy asks /healthz; without it HAProxy checks by a TCP connect. */
  metricsPort?: number;
}

export interface HaproxyOptions {
  servers: Backend[];
  /** Health checks every this many ms (down after one failure, up after one success). */
  checkMs?: number;
  /** `leastconn` (the default) spreads clients; `first` sends every new one to the first node up. */
  balance?: 'leastconn' | 'first' | 'roundrobin';
}

export interface Haproxy {
  host: string;
  port: number;
  /** The generated configuration file. */
  config: string;
  /** What HAProxy printed, the last 8000 characters. */
  output(): string;
  stop(): Promise<void>;
}

interface HaproxyModule {
  ensureHaproxy(): Promise<string>;
  freePort(): Promise<number>;
  haproxyConfig(options: { port: number } & HaproxyOptions): string;
  startHaproxy(options: HaproxyOptions): Promise<Haproxy>;
}

const MODULE = path.resolve(__dirname, '../../scripts/services/haproxy.mjs');

function load(): Promise<HaproxyModule> {
  return import(MODULE) as Promise<HaproxyModule>;
}

/** A port free right now on 127.0.0.1 (for services whose port must be known before they start). */
export async function freePort(): Promise<number> {
  return (await load()).freePort();
}

/** HAProxy's path, installed from Debian first when missing. */
export async function ensureHaproxy(): Promise<string> {
  return (await load()).ensureHaproxy();
}

/** The configuration startHaproxy writes, for a frontend on `port`. */
export async function haproxyConfig(port: number, options: HaproxyOptions): Promise<string> {
  return (await load()).haproxyConfig({ port, ...options });
}

/** HAProxy in the foreground on a free loopback port, once it accepts connections; its config passed `haproxy -c`. */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  return (await load()).startHaproxy(options);
}

/**
 * The TCP-mode configuration of docs/operations.md for nodes with a --metrics-port, with health
 * checks on /healthz every 200 ms and `balance first`, so a test knows where clients land.
 */
export class HaproxyProcess {
  private constructor(private readonly haproxy: Haproxy) {}

  get port(): number {
    return this.haproxy.port;
  }

  output(): string {
    return this.haproxy.output();
  }

  static async start(backends: Required<Backend>[]): Promise<HaproxyProcess> {
    return new HaproxyProcess(await startHaproxy({ servers: backends, checkMs: 200, balance: 'first' }));
  }

  stop(): Promise<void> {
    return this.haproxy.stop();
  }
}
