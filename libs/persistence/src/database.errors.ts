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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** True when the database cannot be reached right now: the caller should answer 503, not 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
  const message = messageOf(error);
  return (
    /timeout exceeded when trying to connect/i.test(message) ||
    /Connection terminated/i.test(message) ||
    /Client has encountered a connection error/i.test(message) ||
    /the database system is (starting up|shutting down)/i.test(message)
  );
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
