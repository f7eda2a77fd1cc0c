// The server's address as people read and type it: `host:port`, `tls://host:port` for TLS.
// No vscode import, so the rules are unit-tested as they are.
import { DEFAULT_PORT } from '../protocol/limits';

export interface ServerAddress {
  host: string;
  port: number;
  tls: boolean;
}

/** Why a typed address was refused; the caller words it. */
export type AddressProblem = 'empty' | 'scheme' | 'host' | 'port';

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?))*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** `127.0.0.1:6666`, `tls://chat.example.com:6667`, `[::1]:6666`. */
export function formatAddress(a: ServerAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  return `${a.tls ? 'tls://' : ''}${host}:${a.port}`;
}

/**
 * Reads what someone typed: `host`, `host:port`, `tls://host:port` (or `tcp://` for plain
 * TCP), IPv6 in brackets. Without a scheme, TLS is `tls` (the checkbox); without a port, 6666.
 */
export function parseAddress(input: string, tls = false): ServerAddress | { problem: AddressProblem } {
  let rest = input.trim();
  if (!rest) return { problem: 'empty' };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (scheme) {
    const name = scheme[1].toLowerCase();
    if (name !== 'tls' && name !== 'tcp') return { problem: 'scheme' };
    tls = name === 'tls';
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.replace(/\/+$/, '');
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
    if (!IPV6.test(host) || !host.includes(':')) return { problem: 'host' };
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') !== colon) return { problem: 'host' };
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    portText = colon >= 0 ? rest.slice(colon + 1) : undefined;
    if (!HOST.test(host) || host.length > 253) return { problem: 'host' };
  }
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return { problem: 'port' };
    port = Number(portText);
    if (port < 1 || port > 65535) return { problem: 'port' };
  }
  return { host, port, tls };
}
