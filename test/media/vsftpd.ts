import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What scripts/services/vsftpd.mjs returns. */
export interface Vsftpd {
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** Local path of the FTP root. */
  root: string;
  running: boolean;
  start(): Promise<void>;
  /** Kills the server and its sessions, like a crash. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

// A path the compiler does not resolve: the service script is plain JavaScript.
const script = path.join(__dirname, '../../scripts/services/vsftpd.mjs');

export interface VsftpdOptions {
  dir: string;
  port?: number;
  root?: string;
  /** Require explicit FTPS with this certificate and key; the URL is then ftpes://. */
  tls?: { certFile: string; keyFile: string };
}

export async function startVsftpd(options: VsftpdOptions): Promise<Vsftpd> {
  const mod = (await import(script)) as { startVsftpd(o: VsftpdOptions): Promise<Vsftpd> };
  return mod.startVsftpd(options);
}

/**
 * For a suite's `before`: a vsftpd in a fresh directory named after `prefix`. Without vsftpd
 * the suite is skipped, except under CI, where a missing service is a failure.
 */
export async function startVsftpdForSuite(ctx: Mocha.Context, prefix: string, tls?: VsftpdOptions['tls']): Promise<{ ftp: Vsftpd; runDir: string }> {
  // the first run may install vsftpd with apt-get
  ctx.timeout(600_000);
  const runDir = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    return { ftp: await startVsftpd({ dir: runDir, tls }), runDir };
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    console.warn(`      vsftpd unavailable, skipping: ${(err as Error).message}`);
    ctx.skip();
  }
}
