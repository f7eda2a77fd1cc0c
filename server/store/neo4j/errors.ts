import { Neo4jError } from 'neo4j-driver';
import { ParleyError } from '../../../protocol';

// Driver codes for "no server to talk to"; transient server codes (shutting down, deadlock
// after all retries) are the ones the driver marks retriable.
const UNAVAILABLE_CODES = new Set([
  'ServiceUnavailable',
  'SessionExpired',
  'Neo.ClientError.Database.DatabaseNotFound',
  'Neo.TransientError.General.DatabaseUnavailable',
]);
const UNAVAILABLE_MESSAGE = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|acquisition timed out|Pool is closed|connection .*(closed|lost|terminated)/i;

export const CONSTRAINT_FAILED = 'Neo.ClientError.Schema.ConstraintValidationFailed';

/** STORE_UNAVAILABLE with the cause attached, for the server's log. */
export function unavailable(cause: unknown, message?: string): ParleyError {
  const err = new ParleyError('STORE_UNAVAILABLE', message);
  (err as { cause?: unknown }).cause = cause;
  return err;
}

export function isUnavailable(err: unknown): boolean {
  if (err instanceof ParleyError) return err.code === 'STORE_UNAVAILABLE';
  if (!(err instanceof Error)) return false;
  if (err instanceof Neo4jError) {
    if (UNAVAILABLE_CODES.has(err.code) || err.retriable) return true;
    // Server shutting down: it terminates open transactions before the socket goes.
    if (err.code.startsWith('Neo.TransientError.') || err.code === 'Neo.ClientError.Transaction.Terminated') return true;
  }
  return UNAVAILABLE_MESSAGE.test(err.message);
}

export function isConstraintFailure(err: unknown): boolean {
  return err instanceof Neo4jError && err.code === CONSTRAINT_FAILED;
}

/** Maps "cannot reach Neo4j" to STORE_UNAVAILABLE; anything else (a bug) passes through. */
export function storeError(err: unknown): unknown {
  if (err instanceof ParleyError) return err;
  return isUnavailable(err) ? unavailable(err) : err;
}
