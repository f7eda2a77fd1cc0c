import * as net from 'node:net';

/** True for an address only this machine can reach. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  if (a === 'localhost') return true;
  if (net.isIPv4(a)) return a.startsWith('127.');
  return a === '::1' || a.startsWith('::ffff:127.');
}

/** What to warn about when passwords and chat would cross a network unencrypted, else undefined. */
export function plaintextWarning(listenAddress: string, tls: boolean): string | undefined {
  if (tls || isLoopback(listenAddress)) return undefined;
  return (
    `listening on ${listenAddress} without TLS: passwords, session tokens and messages cross the network in the clear. ` +
    'Pass --tls-cert and --tls-key, or listen on 127.0.0.1 behind a TLS proxy.'
  );
}
