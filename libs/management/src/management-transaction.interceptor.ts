import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { inRetriedTransaction } from '#persistence';
import { ManagementError, managementErrorOf } from './management.errors.js';
import { ManualChangeRecorder } from './manual-change.recorder.js';

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
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (READS.has(request.method)) return next.handle();
    return from(this.run(request, http.getResponse<FastifyReply>(), next));
  }

  private async run(request: FastifyRequest, reply: FastifyReply, next: CallHandler): Promise<unknown> {
    const principal = request.managementPrincipal;
    if (!principal) throw new ManagementError(401, 'UNAUTHENTICATED', 'not authenticated');
    const work = inRetriedTransaction(this.txHost, async () => {
      this.changes.begin();
      const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      // Nest set the status (@HttpCode, or 201 for POST) before interceptors ran, and a
      // passthrough handler may have changed it since: the reply holds what will be answered.
      await this.changes.flush(principal, request, reply);
      return result;
    });
    // Domain rules throw their own errors; this API answers them with its codes.
    return work.catch((error: unknown) => {
      throw managementErrorOf(error);
    });
  }
}
