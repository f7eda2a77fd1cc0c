import { createHash, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import type { Logger } from '../log';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** How often the certificate and key files are checked for changes. */
const WATCH_INTERVAL_MS = 2000;
/** Renewal tools write the key and the certificate one after the other: wait for both. */
const SETTLE_MS = 500;

/** What a log line may say about a certificate: never the key, only who it is for and until when. */
function describe(certPem: Buffer): { subject: string; validTo: string; fingerprint: string } {
  const cert = new X509Certificate(certPem);
  return { subject: cert.subject.replace(/\n/g, ', '), validTo: cert.validTo, fingerprint: cert.fingerprint256 };
}

/**
 * The listener's certificate and key: read at start, and read again on `reload()` (SIGHUP) or
 * when either file changes. A pair that does not load (missing, unparsable, or a key that does
 * not match the certificate) is refused with a log line and the one in use is kept, so a
 * half-finished renewal never takes the server off the air. Existing connections keep the
 * context they were opened with; only new handshakes see the new certificate.
 */
export class TlsCredentials {
  private current: { cert: Buffer; key: Buffer; digest: string };
  private server?: tls.Server;
  private settleTimer?: NodeJS.Timeout;
  private watching = false;

  constructor(
    private readonly files: TlsFiles,
    private readonly logger: Logger,
  ) {
    // At start a bad pair is fatal: the error reaches the operator before anything listens.
    this.current = this.read();
  }

  /** Options for tls.createServer. */
  serverOptions(): tls.TlsOptions {
    return { cert: this.current.cert, key: this.current.key };
  }

  /** Starts applying reloads to `server` and watching the files. */
  attach(server: tls.Server): void {
    this.server = server;
    if (this.watching) return;
    this.watching = true;
    const onChange = (now: fs.Stats, before: fs.Stats) => {
      if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
      if (this.settleTimer) clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.reload('file changed'), SETTLE_MS);
      this.settleTimer.unref();
    };
    for (const file of [this.files.certFile, this.files.keyFile]) {
      fs.watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, onChange);
    }
  }

  /** Reads the files again; returns whether a new certificate is now served. */
  reload(reason: string): boolean {
    let next: { cert: Buffer; key: Buffer; digest: string };
    try {
      next = this.read();
    } catch (err) {
      this.logger.error(
        { reason, certFile: this.files.certFile, keyFile: this.files.keyFile, err: err instanceof Error ? err.message : String(err) },
        'TLS certificate not reloaded; the one in use is kept',
      );
      return false;
    }
    if (next.digest === this.current.digest) {
      this.logger.info({ reason }, 'TLS certificate unchanged');
      return false;
    }
    this.server?.setSecureContext({ cert: next.cert, key: next.key });
    this.current = next;
    this.logger.info({ reason, ...describe(next.cert) }, 'TLS certificate reloaded');
    return true;
  }

  stop(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    if (!this.watching) return;
    this.watching = false;
    fs.unwatchFile(this.files.certFile);
    fs.unwatchFile(this.files.keyFile);
  }

  private read(): { cert: Buffer; key: Buffer; digest: string } {
    const cert = fs.readFileSync(this.files.certFile);
    const key = fs.readFileSync(this.files.keyFile);
    // Throws on a bad certificate, a bad key, or a key that is not the certificate's.
    tls.createSecureContext({ cert, key });
    const digest = createHash('sha256').update(cert).update(key).digest('hex');
    return { cert, key, digest };
  }
}
