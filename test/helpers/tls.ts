import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SelfSignedCert {
  dir: string;
  certFile: string;
  keyFile: string;
  /** PEM text of the certificate, to trust it as a CA in clients. */
  cert: string;
  cleanup(): void;
}

/** A self-signed certificate for localhost / 127.0.0.1, made with the openssl CLI in a temp dir. */
export function selfSignedCert(commonName = 'localhost'): SelfSignedCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${commonName}`,
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    dir,
    certFile,
    keyFile,
    cert: fs.readFileSync(certFile, 'utf8'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
