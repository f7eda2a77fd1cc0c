import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout. Secrets are never passed to the logger; redaction is a second guard. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: ['password', 'token', 'passwordHash', '*.password', '*.token', '*.passwordHash'],
      censor: '[redacted]',
    },
  });
}
