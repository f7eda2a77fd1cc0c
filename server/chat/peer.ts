import type { Connection } from '../net/connection';

/** A live message held back while a resume replays the same room. */
export interface HeldFrame {
  seq: number;
  frame: Buffer;
}

/** Chat state of one connection. */
export interface Peer {
  readonly conn: Connection<Peer>;
  user?: string;
  tokenHash?: string;
  /** The hello's `client` (name/version), recorded on sessions opened on this connection. */
  client?: string;
  /** When the store last heard the session was used (the expiry slides from it). */
  lastSeen?: number;
  /** Rooms a resume is still replaying: their live messages wait here so none arrives twice or early. */
  gates?: Map<string, HeldFrame[]>;
  /** Bytes held in `gates`; past the outbound cap the peer counts as a slow consumer. */
  heldBytes?: number;
  /** Signed in with `resume {transfer: true}`: file transfers only, outside the Hub and presence. */
  transferOnly?: boolean;
  /** Requests refused for their budget since the last one let through; past a few, the connection is slowed. */
  refusedInRow?: number;
}
