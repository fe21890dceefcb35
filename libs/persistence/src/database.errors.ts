/**
 * Classifies errors from node-postgres (possibly wrapped by TypeORM's QueryFailedError, which keeps
 * the driver error as `driverError` and copies `code`).
 */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { code?: unknown; driverError?: unknown };
  if (typeof record.code === 'string') return record.code;
  return codeOf(record.driverError);
}

/** The error and what it wraps (TypeORM's `driverError`, an `Error.cause`), outermost first. */
function chainOf(error: unknown): object[] {
  const chain: object[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !chain.includes(current) && chain.length < 8) {
    chain.push(current);
    const record = current as { driverError?: unknown; cause?: unknown };
    current = record.driverError ?? record.cause;
  }
  return chain;
}

/** Socket-level failures to reach or keep talking to the server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Failures of the connection itself, raised by node-postgres, pg-pool or TypeORM (no SQLSTATE):
 * the pool could not hand out a connection in time, the socket closed under a query, the client
 * is no longer usable after its connection ended, or TypeORM already released the query runner
 * because its connection emitted an error (it releases on the client's 'error' event, so the rest
 * of that transaction meets a released runner).
 */
const CONNECTION_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /^Connection terminated/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /Cannot use a pool after calling end on the pool/i,
  /^Query read timeout$/i,
];
const RELEASED_RUNNER_ERRORS = new Set([
  'QueryRunnerProviderAlreadyReleasedError',
  'QueryRunnerAlreadyReleasedError',
]);

/** A message the server sent: it has a SQLSTATE (five characters) and a severity. */
function serverErrorOf(error: object): { code: string; severity: string } | undefined {
  const record = error as { code?: unknown; severity?: unknown };
  if (typeof record.code !== 'string' || !/^[0-9A-Z]{5}$/.test(record.code)) return undefined;
  return { code: record.code, severity: typeof record.severity === 'string' ? record.severity : '' };
}

function isConnectionFailure(error: object): boolean {
  const server = serverErrorOf(error);
  if (server) {
    // FATAL (or PANIC) ends the session: the server refused the connection while it was being
    // opened (e.g. 55000 "database ... is not currently accepting connections", 53300, 28000 for
    // a database that is going away) or terminated it (57P01). The same SQLSTATE at ERROR
    // severity is an ordinary statement failure, i.e. a bug or bad input, not unavailability.
    if (server.severity === 'FATAL' || server.severity === 'PANIC') return true;
    // Connection exceptions, operator intervention (shutdown, cannot connect now, cancelled
    // statement), too many connections.
    return server.code.startsWith('08') || server.code.startsWith('57') || server.code === '53300';
  }
  const record = error as { code?: unknown; name?: unknown; message?: unknown; constructor?: unknown };
  if (typeof record.code === 'string' && NETWORK_CODES.has(record.code)) return true;
  const name =
    typeof record.name === 'string' && record.name !== 'Error'
      ? record.name
      : (record.constructor as { name?: string } | undefined)?.name;
  if (name && RELEASED_RUNNER_ERRORS.has(name)) return true;
  const message = typeof record.message === 'string' ? record.message : '';
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * True when the database cannot be reached right now, so the caller should answer 503 (with
 * Retry-After), not 500: classified by phase, not by a list of codes. Anything raised while
 * obtaining a connection, or by a connection that died (terminated backend, server gone, network
 * cut), is unavailability; an error the server raised for a statement on a live connection is not.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return chainOf(error).some(isConnectionFailure);
}

export function isUniqueViolation(error: unknown): error is Error & { constraint?: string } {
  return codeOf(error) === '23505';
}

/** Serialization failures and deadlocks: the transaction may simply be retried. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40001' || code === '40P01';
}

export function constraintOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { constraint?: unknown; driverError?: unknown };
  if (typeof record.constraint === 'string') return record.constraint;
  return constraintOf(record.driverError);
}
