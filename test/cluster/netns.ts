import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { until } from './harness';

const WATCHDOG = path.resolve(__dirname, '../../scripts/services/watchdog.mjs');

/** Runs `ip …` (we run as root); throws with its words when it fails. */
function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.stdout}`);
}

/** Like ip(), for clean-up: what is gone already is fine. */
function ipQuiet(...args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore' });
}

function tc(...args: string[]): void {
  const r = spawnSync('tc', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tc ${args.join(' ')}: ${r.stderr || r.stdout}`);
}

/**
 * A Redis of its own in a network namespace, reached by each node over its own veth pair, so one
 * node's link can be cut without touching the others': `partition(i)` makes node i's link drop
 * every packet both ways (no reset, no error, as when a switch port dies), and
 * `heal(i)` lets them through again. The kernel's TCP keeps retransmitting meanwhile, as it would
 * on a real network. `close()` kills Redis and deletes the namespace (and with it every veth).
 */
export class NetnsRedis {
  private redis?: ChildProcess;
  private disarm?: () => void;
  readonly ns: string;
  private readonly tag: string;
  private readonly subnet: number;

  private constructor(readonly links: number) {
    this.tag = String(process.pid % 100000);
    this.ns = `parley-nf-${this.tag}`;
    this.subnet = process.pid % 250;
  }

  /** The host end of link `i` (node side) and the namespace end (Redis side). */
  private names(i: number): { host: string; inner: string; hostIp: string; innerIp: string } {
    return { host: `pnf${this.tag}h${i}`, inner: `pnf${this.tag}n${i}`, hostIp: `10.${230 + i}.${this.subnet}.1`, innerIp: `10.${230 + i}.${this.subnet}.2` };
  }

  /** Where node `i` finds Redis. */
  address(i: number): { host: string; port: number } {
    return { host: this.names(i).innerIp, port: 6379 };
  }

  static async start(links: number): Promise<NetnsRedis> {
    const rig = new NetnsRedis(links);
    try {
      await rig.setUp();
    } catch (err) {
      await rig.close();
      throw err;
    }
    return rig;
  }

  private async setUp(): Promise<void> {
    // What a run that died before its clean-up left.
    this.removeNamespace();
    ip('netns', 'add', this.ns);
    const { spawnWatchdog } = (await import(WATCHDOG)) as { spawnWatchdog: (script: string) => () => void };
    // If this process dies without close(), the namespace goes, and Redis with it.
    this.disarm = spawnWatchdog(`ip netns pids ${this.ns} | xargs -r kill -9; ip netns del ${this.ns}`);
    ip('-n', this.ns, 'link', 'set', 'lo', 'up');
    for (let i = 0; i < this.links; i++) {
      const n = this.names(i);
      ip('link', 'add', n.host, 'type', 'veth', 'peer', 'name', n.inner, 'netns', this.ns);
      ip('addr', 'add', `${n.hostIp}/30`, 'dev', n.host);
      ip('link', 'set', n.host, 'up');
      ip('-n', this.ns, 'addr', 'add', `${n.innerIp}/30`, 'dev', n.inner);
      ip('-n', this.ns, 'link', 'set', n.inner, 'up');
    }
    this.redis = spawn('ip', ['netns', 'exec', this.ns, 'redis-server', '--port', '6379', '--bind', '0.0.0.0', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    for (let i = 0; i < this.links; i++) {
      const { host, port } = this.address(i);
      await until(() => canConnect(host, port), 15_000, `Redis in ${this.ns} over link ${i}`);
    }
  }

  /**
   * Node `i`'s link drops every packet, both ways: each end's queue holds none (`pfifo limit 0`,
   * which needs no kernel module beyond the basic qdiscs, unlike netem).
   */
  partition(i: number): void {
    const n = this.names(i);
    tc('qdisc', 'add', 'dev', n.host, 'root', 'pfifo', 'limit', '0');
    tc('-n', this.ns, 'qdisc', 'add', 'dev', n.inner, 'root', 'pfifo', 'limit', '0');
  }

  heal(i: number): void {
    const n = this.names(i);
    tc('qdisc', 'del', 'dev', n.host, 'root');
    tc('-n', this.ns, 'qdisc', 'del', 'dev', n.inner, 'root');
  }

  async close(): Promise<void> {
    const redis = this.redis;
    if (redis !== undefined && redis.exitCode === null && redis.signalCode === null) {
      const exited = new Promise((resolve) => redis.once('exit', resolve));
      redis.kill('SIGKILL');
      await exited;
    }
    this.removeNamespace();
    this.disarm?.();
  }

  private removeNamespace(): void {
    for (let i = 0; i < this.links; i++) ipQuiet('link', 'del', this.names(i).host);
    ipQuiet('netns', 'del', this.ns);
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
