/**
 * Whether a failed write may succeed if retried as it is. Transient: the database is away, busy or
 * not ready (the batch waits and retries, nothing goes to the DLQ). Permanent: the data itself is
 * refused (the batching sink bisects the batch and dead-letters the one bad record).
 */

/** mysql2/Node error codes of a connection that is gone, refused or stuck. */
const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** Server errors that say "try again": contention, overload, a failover or restart in progress. */
const RETRYABLE_SERVER_CODES = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
  'ER_LOCK_TABLE_FULL',
  'ER_OPTION_PREVENTS_STATEMENT', // --read-only during a failover
  'ER_CANT_CONNECT_TO_SERVER',
]);

/**
 * The deployment is not ready (table missing, no rights). Dead-lettering every good record would be
 * worse than waiting: these are retried too, and the sink's retry logging makes them visible.
 * ER_BAD_FIELD_ERROR is not among them: migrations run before consuming, so the columns exist, and
 * an inlined NaN or Infinity reads as an unknown column. Retrying that record would wedge its
 * partition; as permanent it is isolated and dead-lettered.
 */
const NOT_READY_CODES = new Set(['ER_NO_SUCH_TABLE', 'ER_BAD_DB_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR']);

interface DriverError {
  readonly code?: unknown;
  readonly fatal?: unknown;
  readonly name?: unknown;
  readonly cause?: unknown;
}

export function isTransientMysqlError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as DriverError).cause, depth++) {
    const { code, fatal, name } = e as DriverError;
    // Knex could not get a pooled connection in time: the database is slow or unreachable.
    if (name === 'KnexTimeoutError') return true;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || RETRYABLE_SERVER_CODES.has(code) || NOT_READY_CODES.has(code))) return true;
    // mysql2 marks errors after which the connection is unusable; the next one may work.
    if (fatal === true) return true;
  }
  return false;
}
