import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { inRetriedTransaction } from '#persistence';
import { SyncAuditRecorder } from '#audit-log';
import { isDryRunRequest } from './scim.routes.js';

/** Carries a dry-run's answer out of the transaction it rolls back. */
class DryRunRollback extends Error {
  constructor(readonly result: unknown) {
    super('dry-run rollback');
  }
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * One transaction per SCIM write (reads need none). On the dry-run Tenant URL the handler runs exactly as it would
 * for real, its answer is kept, and the transaction is rolled back, so the answer is what the real
 * call would give and nothing is committed. Serialization failures and deadlocks are retried here
 * (the handler runs again from the start) so they never reach Entra as a 500. A live write's audit
 * row is inserted in the same transaction, right before commit: no change without its record.
 */
@Injectable()
export class DryRunInterceptor implements NestInterceptor {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly audit: SyncAuditRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const dryRun = isDryRunRequest(request);
    // A GET writes nothing: its statements run on their own, saving BEGIN and COMMIT round trips.
    const handling = READ_METHODS.has(request.method)
      ? this.read(context, next, dryRun)
      : this.run(context, next, dryRun);
    return from(this.audit.trackHandler(request, handling));
  }

  private async read(context: ExecutionContext, next: CallHandler, dryRun: boolean): Promise<unknown> {
    this.audit.beginAttempt(context.switchToHttp().getRequest<FastifyRequest>());
    const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
    await this.audit.recordResult(context, result, dryRun);
    return result;
  }

  private async run(context: ExecutionContext, next: CallHandler, dryRun: boolean): Promise<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    try {
      const committed = await inRetriedTransaction(this.txHost, async () => {
        this.audit.beginAttempt(request);
        const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        await this.audit.recordResult(context, result, dryRun);
        if (dryRun) throw new DryRunRollback(result);
        return result;
      });
      this.audit.committed(request);
      return committed;
    } catch (error) {
      if (error instanceof DryRunRollback) return error.result;
      throw error;
    }
  }
}
