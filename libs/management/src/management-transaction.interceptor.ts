import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { isRetryableTransactionError } from '../../persistence/src/database.errors.js';
import { ManagementError } from './management.errors.js';
import { ManualChangeRecorder } from './manual-change.recorder.js';

const MAX_ATTEMPTS = 5;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * One transaction per management write: the checks (is it synchronized? would it make a cycle?),
 * the change and its manual-change record commit together or not at all. Deadlocks and
 * serialization failures are retried from the start. Reads run without a transaction: each is
 * one consistent statement (or a page and its count).
 */
@Injectable()
export class ManagementTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly changes: ManualChangeRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (READS.has(request.method)) return next.handle();
    return from(this.run(request, next));
  }

  private async run(request: FastifyRequest, next: CallHandler): Promise<unknown> {
    const principal = request.managementPrincipal;
    if (!principal) throw new ManagementError(401, 'UNAUTHENTICATED', 'not authenticated');
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.txHost.withTransaction(async () => {
          this.changes.begin();
          const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
          await this.changes.flush(principal, request);
          return result;
        });
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && isRetryableTransactionError(error)) continue;
        throw error;
      }
    }
  }
}
