import type { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { isRetryableTransactionError } from './database.errors.js';

/** Enough for the deadlocks and serialization failures parallel Entra PATCHes cause; never endless. */
export const MAX_TRANSACTION_ATTEMPTS = 5;

/**
 * Runs `work` in one transaction, and again from the start (a new transaction) when PostgreSQL
 * chose it as the victim of a deadlock or a serialization failure, so such a failure never reaches
 * a client as an error. Every other error, and the last attempt's, is the caller's.
 */
export async function inRetriedTransaction<T>(
  txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  work: () => Promise<T>,
  maxAttempts = MAX_TRANSACTION_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await txHost.withTransaction(work);
    } catch (error) {
      if (attempt < maxAttempts && isRetryableTransactionError(error)) continue;
      throw error;
    }
  }
}
