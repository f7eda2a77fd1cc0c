// The connection as the UI shows it; the chat service maps the client's status onto this.
export type ConnectionState =
  | { kind: 'signedOut' }
  | { kind: 'connecting' }
  | { kind: 'connected'; user: string }
  /** `at`: when the next attempt starts (epoch ms). */
  | { kind: 'reconnecting'; at: number; reason?: string };
