// Clean-up for service processes the test set-up starts (code-server, vsftpd).
import { spawn } from 'node:child_process';

/** Quotes a value for /bin/sh. */
export const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * Runs `script` if this process dies without stopping it (crash, SIGKILL, Ctrl-C): a detached
 * sh waits for EOF on a pipe that only this process holds open. Returns the disarm function.
 */
export function spawnWatchdog(script) {
  const w = spawn('/bin/sh', ['-c', `cat >/dev/null; ${script}`], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  w.on('error', () => {});
  w.stdin.on('error', () => {});
  w.unref();
  w.stdin.unref?.();
  return () => {
    try {
      w.kill('SIGKILL');
    } catch {
      // gone already
    }
  };
}
