import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

/**
 * Parameterized SQL through the request's transaction (or autocommit outside one). Repositories
 * write their SQL by hand for exact control of round trips and index use; this is their one door.
 */
@Injectable()
export class SqlExecutor {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The rows of a SELECT, or of INSERT/UPDATE/DELETE ... RETURNING. */
  async rows<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result: unknown = await this.txHost.tx.query(sql, params as unknown[]);
    // TypeORM answers UPDATE and DELETE on PostgreSQL with [rows, rowCount] instead of rows.
    if (
      Array.isArray(result) &&
      result.length === 2 &&
      Array.isArray(result[0]) &&
      typeof result[1] === 'number'
    ) {
      return result[0] as T[];
    }
    return result as T[];
  }

  async one<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.rows<T>(sql, params))[0];
  }
}
