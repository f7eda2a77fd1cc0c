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

export async function startVsftpd(options: { dir: string; port?: number; root?: string }): Promise<Vsftpd> {
  const mod = (await import(script)) as { startVsftpd(o: { dir: string; port?: number; root?: string }): Promise<Vsftpd> };
  return mod.startVsftpd(options);
}
